//go:build linux

package rtprio

import (
	"errors"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestEnable runs in a child process (the test binary again), so the
// real-time policy never reaches the other tests: every thread the child
// has, and every one the runtime starts afterwards, must be SCHED_RR.
func TestEnable(t *testing.T) {
	if os.Getenv("RTPRIO_CHILD") == "1" {
		child(t)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestEnable$", "-test.v")
	cmd.Env = append(os.Environ(), "RTPRIO_CHILD=1")
	out, err := cmd.CombinedOutput()
	switch {
	case strings.Contains(string(out), "NOT PERMITTED") && os.Geteuid() != 0:
		t.Skipf("not root: real-time scheduling not permitted here (%s)", firstLine(out))
	case err != nil:
		t.Fatalf("child: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "threads checked") {
		t.Fatalf("child did not check its threads:\n%s", out)
	}
	t.Log(firstLine(out[strings.Index(string(out), "threads checked"):]))
}

func child(t *testing.T) {
	n, err := Enable(1)
	if errors.Is(err, ErrNotPermitted) {
		t.Skipf("NOT PERMITTED: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("Enable changed no thread")
	}
	// Make the runtime start more threads: goroutines locked to their
	// threads, blocked in a system call.
	var wg sync.WaitGroup
	release := make(chan struct{})
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			<-release
			time.Sleep(10 * time.Millisecond)
		}()
	}
	time.Sleep(50 * time.Millisecond)
	tids, err := threads()
	if err != nil {
		t.Fatal(err)
	}
	if len(tids) <= n {
		t.Logf("no new thread started (%d before, %d now)", n, len(tids))
	}
	for _, tid := range tids {
		pol, prio, err := Policy(tid)
		if err != nil {
			continue // ended meanwhile
		}
		if pol != unix.SCHED_RR || prio != 1 {
			t.Errorf("thread %d: policy %d priority %d, want SCHED_RR (%d) priority 1", tid, pol, prio, unix.SCHED_RR)
		}
	}
	close(release)
	wg.Wait()
	t.Logf("threads checked: %d changed by Enable, %d at the end, all SCHED_RR", n, len(tids))
}

func firstLine(b []byte) string {
	s, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	return s
}
