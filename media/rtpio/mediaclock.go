package rtpio

import (
	"context"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"

	"github.com/pion/rtp"
)

// clockSlots is how many phases each worker of a Clock has in one 20 ms
// frame: a worker wakes at most every 20 ms / clockSlots (1 ms), and only
// for the phases that hold legs.
const clockSlots = 20

// Clock is a shared media clock: it runs the 20 ms ticks of many legs on a
// few goroutines instead of a pacer and a playout goroutine per leg, which
// at hundreds of calls spend more CPU in timers and the scheduler than in
// the media.
//
// The frame is cut into phases (workers × 20 of them, 0.5 ms apart with two
// workers). A leg registers on the least loaded phase, and from then on
// ticks every 20 ms on that phase's deadline schedule (start + phase +
// n×20 ms on the monotonic clock, no drift): it sends one packet, then,
// once every leg of the phase has sent, reads what the far end sent (on
// Linux; see Session) and plays out one frame. Spreading the legs over the
// phases keeps each batch short, so how late a packet leaves (its place in
// the batch) stays well under a millisecond at a thousand legs, and the
// load is even over the frame.
//
// How late a worker wakes is the rest of the send jitter. A Go timer can
// wake a millisecond late (the runtime's poller sleeps in whole
// milliseconds), so on Linux the workers sleep on a timerfd, which the
// kernel's high-resolution timer fires within tens of microseconds; the
// media path makes no system call that would wake the runtime's monitor
// thread (only raw, non-blocking ones), and runs no goroutine per leg, so
// the workers rarely wait for a CPU.
//
// A tick never blocks on the network, but it calls the leg's
// media.Receiver: receivers must return quickly (they do now: the echo,
// recorder and voicebot stages queue and return) and must not call the
// leg's Hangup or End. A slow receiver delays the legs after it in its
// batch; Stats.ReceiverMax and Stats.SlowReceiver show it.
//
// The workers (runtime.GOMAXPROCS of them) run only while legs are
// registered: the last leg's teardown waits for them to end. The zero
// value is not usable; use NewClock, or leave LegConfig.Clock nil for the
// process-wide one.
type Clock struct {
	workers int // 0: GOMAXPROCS when the workers start

	mu   sync.Mutex
	run  *clockRun // nil while no leg is registered
	legs int
}

// NewClock returns a clock with the given number of worker goroutines
// (runtime.GOMAXPROCS when workers <= 0). Legs use the process-wide clock
// unless LegConfig.Clock says otherwise; separate clocks are for tests and
// for isolating groups of legs.
func NewClock(workers int) *Clock { return &Clock{workers: max(workers, 0)} }

// defaultClock is the process-wide clock of legs with no LegConfig.Clock.
var defaultClock = NewClock(0)

// clockRun is the clock's workers from the first leg registered to the
// last one gone.
type clockRun struct {
	start   time.Time
	period  time.Duration // between a worker's phases: 20 ms / clockSlots
	workers []*clockWorker
	load    []int // legs per phase; phase i is worker i%W, slot i/W
	stop    chan struct{}
	wg      sync.WaitGroup
}

// clockWorker runs the legs of its phases.
type clockWorker struct {
	offset time.Duration // of its first phase from the run's start
	kick   chan struct{} // a leg was added
	sleep  sleeper
	sc     tickScratch

	mu    sync.Mutex
	slots [clockSlots][]*Leg
}

// tickScratch is a worker's space for the legs it ticks, one at a time:
// the buffers their RTP is read into.
type tickScratch struct {
	rx  *rxBatch
	pkt rtp.Packet
}

// clockReg is where a leg is registered.
type clockReg struct {
	run   *clockRun
	w     *clockWorker
	phase int
}

// register adds l on the least loaded phase, the soonest one among equals
// (so that a leg's first packet leaves within a millisecond or so while the
// clock is not full).
func (c *Clock) register(l *Leg) clockReg {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.run == nil {
		c.run = c.startRun()
	}
	c.legs++
	r := c.run
	nw := len(r.workers)
	now := time.Since(r.start)
	frame := r.period * clockSlots
	step := r.period / time.Duration(nw)
	best, bestWait := -1, time.Duration(0)
	for i, n := range r.load {
		// How long until phase i next comes, with a little margin so the
		// first tick is not already late.
		wait := (time.Duration(i)*step - now - step/2) % frame
		if wait < 0 {
			wait += frame
		}
		if best < 0 || n < r.load[best] || n == r.load[best] && wait < bestWait {
			best, bestWait = i, wait
		}
	}
	r.load[best]++
	w := r.workers[best%nw]
	w.mu.Lock()
	s := best / nw
	w.slots[s] = append(w.slots[s], l)
	w.mu.Unlock()
	select {
	case w.kick <- struct{}{}:
	default:
	}
	w.sleep.interrupt()
	return clockReg{run: r, w: w, phase: best}
}

// unregister removes a leg that register added. It does not wait for a
// tick of the leg in progress (the leg does); when it removes the last leg
// it waits for the workers to end, so it must not run on one.
func (c *Clock) unregister(l *Leg, reg clockReg) {
	if reg.run == nil {
		return
	}
	nw := len(reg.run.workers)
	reg.w.mu.Lock()
	s := reg.phase / nw
	for i, x := range reg.w.slots[s] {
		if x == l {
			last := len(reg.w.slots[s]) - 1
			reg.w.slots[s][i] = reg.w.slots[s][last]
			reg.w.slots[s][last] = nil
			reg.w.slots[s] = reg.w.slots[s][:last]
			break
		}
	}
	reg.w.mu.Unlock()

	c.mu.Lock()
	reg.run.load[reg.phase]--
	c.legs--
	var stopped *clockRun
	if c.legs == 0 {
		stopped, c.run = c.run, nil
		close(stopped.stop)
		for _, w := range stopped.workers {
			w.sleep.interrupt()
		}
	}
	c.mu.Unlock()
	if stopped != nil {
		stopped.wg.Wait()
	}
}

func (c *Clock) startRun() *clockRun {
	nw := c.workers
	if nw <= 0 {
		nw = runtime.GOMAXPROCS(0)
	}
	r := &clockRun{
		start:   time.Now(),
		period:  frameDuration / clockSlots,
		workers: make([]*clockWorker, nw),
		load:    make([]int, nw*clockSlots),
		stop:    make(chan struct{}),
	}
	for i := range r.workers {
		w := &clockWorker{
			offset: time.Duration(i) * r.period / time.Duration(nw),
			kick:   make(chan struct{}, 1),
			sleep:  newSleeper(),
			sc:     tickScratch{rx: newRxBatch()},
		}
		r.workers[i] = w
		r.wg.Add(1)
		go w.work(r)
	}
	return r
}

// work runs the worker's phases until the run stops. Tick k is at start +
// offset + k×period and runs slot k%clockSlots for frame k/clockSlots;
// slots without legs are skipped. A worker that falls behind runs the
// late ticks back to back, or skips them past maxLag (the legs see the
// gap in their frame numbers).
func (w *clockWorker) work(r *clockRun) {
	defer r.wg.Done()
	// The legs of every caller share these goroutines: do not keep the
	// labels of whichever started them.
	pprof.SetGoroutineLabels(pprof.WithLabels(context.Background(), pprof.Labels("rtpio", "clock")))
	defer w.sleep.close()
	base := r.start.Add(w.offset)
	at := func(k int64) time.Time { return base.Add(time.Duration(k) * r.period) }
	// nowTick is the first tick not before now.
	nowTick := func() int64 {
		d := time.Since(base)
		return int64((d + r.period - 1) / r.period)
	}
	var (
		k     int64 // the first tick not run yet
		batch []*Leg
	)
	for {
		w.mu.Lock()
		next, ok := w.nextBusy(k)
		w.mu.Unlock()
		if !ok {
			select {
			case <-w.kick:
				k = max(k, nowTick())
				continue
			case <-r.stop:
				return
			}
		}
		sched := at(next)
		if d := time.Until(sched); d > 0 {
			switch w.sleep.sleepUntil(sched, w.kick, r.stop) {
			case wakeKick:
				// A leg was added, maybe on a slot before next: scan
				// again. The slots up to now were empty, as the worker
				// was asleep, but tick next is still owed: the kick may
				// be seen after its time (the timer fired too, or the
				// worker woke late), and moving k past it would skip a
				// frame of every leg on its slot.
				k = max(k, min(nowTick(), next))
				continue
			case wakeStop:
				return
			}
			if time.Now().Before(sched) {
				continue // woken early: sleep again
			}
		} else {
			select {
			case <-r.stop:
				return
			default:
			}
			if -d > maxLag {
				k = nowTick()
				continue
			}
		}
		w.mu.Lock()
		batch = append(batch[:0], w.slots[next%clockSlots]...)
		w.mu.Unlock()
		frame := next / clockSlots
		for _, l := range batch {
			l.tickSend(frame, sched)
		}
		for _, l := range batch {
			l.tickPlayout(frame, sched, &w.sc)
		}
		clear(batch)
		k = next + 1
	}
}

// nextBusy returns the first tick from k on whose slot holds legs, within
// one frame.
func (w *clockWorker) nextBusy(k int64) (int64, bool) {
	for i := range int64(clockSlots) {
		if len(w.slots[(k+i)%clockSlots]) > 0 {
			return k + i, true
		}
	}
	return 0, false
}
