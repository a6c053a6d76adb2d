//go:build linux

package rtpio

import (
	"os"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// timerfdSleeper sleeps on a timerfd read through Go's network poller:
// the kernel's high-resolution timer wakes the poller when the tick is
// due, instead of the poller's millisecond timeout.
type timerfdSleeper struct {
	fd    int
	f     *os.File        // fd in the poller
	rc    syscall.RawConn // f's, to wait for the timer without a syscall of Go's
	read  func(fd uintptr) bool
	errno syscall.Errno // of the last read
	buf   [8]byte
	epoch time.Time // when mono was read
	mono  int64     // CLOCK_MONOTONIC at epoch, in ns

	mu     sync.Mutex // arm against close: never set a descriptor number reused
	closed bool
	spare  *timerSleeper // if the timerfd fails
}

// newSleeper returns a timerfd sleeper, or a Go timer one if the kernel
// will not make a timerfd (out of descriptors).
func newSleeper() sleeper {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return newTimerSleeper()
	}
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		unix.Close(fd)
		return newTimerSleeper()
	}
	f := os.NewFile(uintptr(fd), "rtpio-clock")
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return newTimerSleeper()
	}
	// Go's monotonic clock is CLOCK_MONOTONIC: a time.Time converts to the
	// timer's clock by its distance from this pair of readings.
	s := &timerfdSleeper{fd: fd, f: f, rc: rc, epoch: time.Now(), mono: ts.Nano()}
	s.read = s.readOnce // one closure, not one per wait
	return s
}

// arm sets the timer to fire at abs (CLOCK_MONOTONIC ns; in the past
// fires at once).
//
// The system calls here and in wait are raw (they never block): a
// blocking-capable one would wake the runtime's monitor thread, which
// then spins at tens of thousands of wake-ups a second competing with the
// clock workers for the CPUs.
func (s *timerfdSleeper) arm(abs int64) error {
	// A zero value would disarm the timer.
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(max(abs, 1))}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return os.ErrClosed
	}
	_, _, errno := unix.RawSyscall6(unix.SYS_TIMERFD_SETTIME, uintptr(s.fd), unix.TFD_TIMER_ABSTIME,
		uintptr(unsafe.Pointer(&spec)), 0, 0, 0)
	if errno != 0 {
		return errno
	}
	return nil
}

// wait blocks until the timer has fired since it was armed: a read that
// finds no expiration parks the goroutine in the poller.
func (s *timerfdSleeper) wait() error {
	if err := s.rc.Read(s.read); err != nil {
		return err
	}
	if s.errno != 0 && s.errno != unix.EINTR {
		return s.errno
	}
	return nil
}

// readOnce reads the expiration count; false (EAGAIN) makes rc.Read wait
// for the poller.
func (s *timerfdSleeper) readOnce(fd uintptr) bool {
	_, _, s.errno = unix.RawSyscall(unix.SYS_READ, fd, uintptr(unsafe.Pointer(&s.buf[0])), uintptr(len(s.buf)))
	return s.errno != unix.EAGAIN
}

func (s *timerfdSleeper) sleepUntil(t time.Time, kick, stop <-chan struct{}) wake {
	// Arm first, then look at the channels: a kick sent before interrupt
	// is seen here even if this arming overwrote the interrupt's.
	if err := s.arm(s.mono + int64(t.Sub(s.epoch))); err != nil {
		return s.fallback(t, kick, stop)
	}
	if w := pending(kick, stop); w != wakeTime {
		return w
	}
	if err := s.wait(); err != nil {
		return s.fallback(t, kick, stop)
	}
	return pending(kick, stop)
}

// fallback sleeps on a Go timer: the timerfd failed, which it should not.
func (s *timerfdSleeper) fallback(t time.Time, kick, stop <-chan struct{}) wake {
	if s.spare == nil {
		s.spare = newTimerSleeper()
	}
	return s.spare.sleepUntil(t, kick, stop)
}

func (s *timerfdSleeper) interrupt() { _ = s.arm(1) }

func (s *timerfdSleeper) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		s.f.Close()
	}
}
