package bridge_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/audiotest"
	"github.com/switchboard-voice/switchboard/media/bridge"
	"github.com/switchboard-voice/switchboard/media/mediatest"
)

// phone is the far end of a leg: it plays a tone into the bridge and
// records what it hears.
type phone struct {
	leg  *mediatest.Leg // our side, in the bridge
	far  *mediatest.Leg // the phone
	mu   sync.Mutex
	got  []int16
	tone float64
	stop chan struct{}
	wg   sync.WaitGroup
}

func (p *phone) WriteFrame(f media.Frame) error {
	p.mu.Lock()
	p.got = append(p.got, f.Samples...)
	p.mu.Unlock()
	return nil
}
func (p *phone) OnDTMF(media.DTMF) {}
func (p *phone) Close() error      { return nil }

// newPhone connects a phone that keeps sending a tone of freq Hz (0: silence).
func newPhone(t *testing.T, freq float64) *phone {
	t.Helper()
	a, b := mediatest.Pipe(mediatest.Options{})
	p := &phone{leg: a, far: b, tone: freq, stop: make(chan struct{})}
	b.Attach(p)
	if freq > 0 {
		tone := audiotest.Tone(freq, 8000, time.Minute, 0.2)
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			tk := time.NewTicker(media.FrameDuration)
			defer tk.Stop()
			for i := 0; i+160 <= len(tone); i += 160 {
				select {
				case <-p.stop:
					return
				case <-tk.C:
				}
				_ = b.WriteFrame(media.Frame{Samples: tone[i : i+160], Rate: 8000})
			}
		}()
	}
	t.Cleanup(func() {
		close(p.stop)
		p.wg.Wait()
		_ = b.Hangup(context.Background())
	})
	return p
}

// heard returns the power of freq in what the phone heard over the last d.
func (p *phone) heard(freq float64, d time.Duration) float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := int(d.Seconds() * 8000)
	s := p.got
	if len(s) > n {
		s = s[len(s)-n:]
	}
	return audiotest.Power(s, 8000, freq)
}

const (
	callerHz = 440
	agentHz  = 1000
	superHz  = 2000
	musicHz  = 300
	// heardAt: a 0.2-amplitude tone reads 0.02; silence ~0.
	heardAt = 0.005
)

// cond is one expectation: phone p hears (or not) a tone of freq Hz.
type cond struct {
	who  string
	p    *phone
	freq float64
	want bool
}

// expect waits until every condition holds at once over the last 300 ms
// of what the phones heard (a loaded machine may take a while to carry the
// audio), or fails with the last readings. Checking the conditions
// together keeps a starved pipe (silence everywhere) from passing a "not
// heard" expectation: some tone must be heard in the same window.
func expect(t *testing.T, cs ...cond) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var bad []string
		for _, c := range cs {
			got := c.p.heard(c.freq, 300*time.Millisecond)
			if (got > heardAt) != c.want {
				bad = append(bad, fmt.Sprintf("%s hears %v Hz at %.4f, want heard=%v", c.who, c.freq, got, c.want))
			}
		}
		if len(bad) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(strings.Join(bad, "; "))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestBridge(t *testing.T) {
	b := bridge.New(bridge.Config{})
	defer b.Close()
	caller, agent, super := newPhone(t, callerHz), newPhone(t, agentHz), newPhone(t, superHz)
	if _, err := b.Add("caller", caller.leg); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Add("agent", agent.leg); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Add("agent", agent.leg); !errors.Is(err, bridge.ErrDuplicate) {
		t.Errorf("second agent: %v, want ErrDuplicate", err)
	}

	t.Run("two parties hear each other, not themselves", func(t *testing.T) {
		expect(t, cond{"caller", caller, agentHz, true}, cond{"caller", caller, callerHz, false},
			cond{"agent", agent, callerHz, true}, cond{"agent", agent, agentHz, false})
	})
	t.Run("mute", func(t *testing.T) {
		if err := b.SetMuted("agent", true); err != nil {
			t.Fatal(err)
		}
		expect(t, cond{"caller", caller, agentHz, false}, cond{"agent", agent, callerHz, true})
		_ = b.SetMuted("agent", false)
	})
	t.Run("hold", func(t *testing.T) {
		music := bridge.NewLoop(audiotest.Tone(musicHz, 8000, time.Second, 0.2), 8000)
		if err := b.SetHold("caller", music); err != nil {
			t.Fatal(err)
		}
		expect(t, cond{"caller on hold", caller, musicHz, true}, cond{"caller on hold", caller, agentHz, false},
			cond{"agent", agent, callerHz, false})
		_ = b.SetHold("caller", nil)
		expect(t, cond{"caller off hold", caller, agentHz, true}, cond{"caller off hold", caller, musicHz, false},
			cond{"agent", agent, callerHz, true})
	})
	t.Run("supervisor listens", func(t *testing.T) {
		if _, err := b.Add("supervisor", super.leg, bridge.TalkingTo()); err != nil {
			t.Fatal(err)
		}
		expect(t, cond{"supervisor", super, callerHz, true}, cond{"supervisor", super, agentHz, true},
			cond{"caller", caller, superHz, false}, cond{"caller", caller, agentHz, true},
			cond{"agent", agent, superHz, false}, cond{"agent", agent, callerHz, true})
	})
	t.Run("supervisor whispers", func(t *testing.T) {
		if err := b.TalkTo("supervisor", []string{"agent"}); err != nil {
			t.Fatal(err)
		}
		expect(t, cond{"agent", agent, superHz, true}, cond{"caller", caller, superHz, false}, cond{"caller", caller, agentHz, true})
	})
	t.Run("supervisor barges in", func(t *testing.T) {
		if err := b.TalkTo("supervisor", nil); err != nil {
			t.Fatal(err)
		}
		expect(t, cond{"agent", agent, superHz, true}, cond{"caller", caller, superHz, true}, cond{"caller", caller, agentHz, true})
	})
	t.Run("remove keeps the leg", func(t *testing.T) {
		leg, err := b.Remove("supervisor")
		if err != nil || leg != super.leg {
			t.Fatalf("Remove: %v", err)
		}
		select {
		case <-leg.Done():
			t.Fatal("removed leg hung up")
		default:
		}
		if _, err := b.Remove("supervisor"); !errors.Is(err, bridge.ErrNoParty) {
			t.Errorf("second Remove: %v", err)
		}
		if got := b.Parties(); len(got) != 2 {
			t.Errorf("parties %v", got)
		}
	})
	if err := b.SetMuted("nobody", true); !errors.Is(err, bridge.ErrNoParty) {
		t.Errorf("SetMuted(nobody): %v", err)
	}
}

func TestLeave(t *testing.T) {
	left := make(chan string, 2)
	b := bridge.New(bridge.Config{OnLeave: func(p *bridge.Party) { left <- p.ID }})
	defer b.Close()
	caller, agent := newPhone(t, callerHz), newPhone(t, agentHz)
	_, _ = b.Add("caller", caller.leg)
	_, _ = b.Add("agent", agent.leg)
	_ = agent.far.Hangup(context.Background())
	select {
	case id := <-left:
		if id != "agent" {
			t.Errorf("left: %s", id)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("OnLeave not called")
	}
	if got := b.Parties(); len(got) != 1 || got[0] != "caller" {
		t.Errorf("parties %v", got)
	}
}

func TestTapAndDTMF(t *testing.T) {
	var mu sync.Mutex
	var tapped int
	var digits []rune
	b := bridge.New(bridge.Config{OnDTMF: func(p *bridge.Party, d media.DTMF) {
		mu.Lock()
		digits = append(digits, d.Digit)
		mu.Unlock()
	}})
	defer b.Close()
	caller := newPhone(t, callerHz)
	_, err := b.Add("caller", caller.leg, bridge.WithTap(media.SinkFunc(func(media.Frame) error {
		mu.Lock()
		tapped++
		mu.Unlock()
		return nil
	})))
	if err != nil {
		t.Fatal(err)
	}
	_ = caller.far.SendDTMF('5', 100*time.Millisecond)
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n, d := tapped, string(digits)
		mu.Unlock()
		if n >= 5 && d == "5" {
			break
		}
		if time.Now().After(deadline) || len(d) > 1 {
			t.Fatalf("tapped %d frames, digits %q", n, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestCloseReleases(t *testing.T) {
	before := runtime.NumGoroutine()
	b := bridge.New(bridge.Config{})
	caller := newPhone(t, 0)
	_, _ = b.Add("caller", caller.leg)
	_ = b.Close()
	if _, err := b.Add("x", caller.leg); !errors.Is(err, bridge.ErrClosed) {
		t.Errorf("Add after Close: %v", err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before+3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	// The phone's pipe goroutine remains until cleanup; the bridge's are gone.
	if n := runtime.NumGoroutine(); n > before+3 {
		t.Errorf("%d goroutines after Close, %d before", n, before)
	}
}

func BenchmarkTick(b *testing.B) {
	// The cost of mixing a three-party call for one 20 ms frame.
	br := bridge.New(bridge.Config{})
	defer br.Close()
	for _, id := range []string{"caller", "agent", "supervisor"} {
		a, far := mediatest.Pipe(mediatest.Options{})
		defer far.Hangup(context.Background())
		_, _ = br.Add(id, a)
	}
	b.ReportAllocs()
	for b.Loop() {
		bridge.Tick(br)
	}
}
