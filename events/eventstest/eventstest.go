// Package eventstest is the conformance suite every events.Bus passes. A
// backend's test calls Run with a function that returns two connections
// to one bus, as two nodes would have.
package eventstest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/events"
)

// Opener returns two connections (two nodes) to one fresh bus.
type Opener func(t *testing.T) (a, b events.Bus)

// Run runs the suite.
func Run(t *testing.T, open Opener) {
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, a, b events.Bus)
	}{
		{"across nodes in order", inOrder},
		{"wildcards", wildcards},
		{"unsubscribe", unsubscribe},
		{"request reply", requestReply},
		{"remote error", remoteError},
		{"no responder", noResponder},
		{"timeout", timeout},
		{"group shares requests", group},
		{"invalid subject", invalidSubject},
		{"closed", closed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := open(t)
			tc.fn(t, a, b)
		})
	}
}

func ctxT(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// collector gathers messages.
type collector struct {
	mu   sync.Mutex
	msgs []events.Msg
	ch   chan struct{}
}

func newCollector() *collector { return &collector{ch: make(chan struct{}, 1)} }

func (c *collector) handle(m events.Msg) {
	c.mu.Lock()
	c.msgs = append(c.msgs, m)
	c.mu.Unlock()
	select {
	case c.ch <- struct{}{}:
	default:
	}
}

// wait returns once n messages have come, or fails the test.
func (c *collector) wait(t *testing.T, n int) []events.Msg {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		c.mu.Lock()
		got := len(c.msgs)
		out := append([]events.Msg(nil), c.msgs...)
		c.mu.Unlock()
		if got >= n {
			return out
		}
		select {
		case <-c.ch:
		case <-deadline:
			t.Fatalf("%d of %d messages came", got, n)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func sync2(t *testing.T, buses ...events.Bus) {
	t.Helper()
	for _, b := range buses {
		must(t, b.Flush(ctxT(t, 5*time.Second)))
	}
}

func inOrder(t *testing.T, a, b events.Bus) {
	c := newCollector()
	_, err := b.Subscribe("call.c1.transcript", c.handle)
	must(t, err)
	sync2(t, b)
	const n = 2000
	for i := range n {
		must(t, a.Publish("call.c1.transcript", []byte(strconv.Itoa(i))))
	}
	for i, m := range c.wait(t, n) {
		if string(m.Data) != strconv.Itoa(i) || m.Subject != "call.c1.transcript" {
			t.Fatalf("message %d: %s %q", i, m.Subject, m.Data)
		}
	}
}

func wildcards(t *testing.T, a, b events.Bus) {
	one, rest := newCollector(), newCollector()
	_, err := b.Subscribe("agent.*.state", one.handle)
	must(t, err)
	_, err = b.Subscribe("agent.>", rest.handle)
	must(t, err)
	sync2(t, b)
	must(t, a.Publish("agent.a1.state", []byte("x")))
	must(t, a.Publish("agent.a2.offer.o1", []byte("y")))
	must(t, a.Publish("queue.q1", []byte("z")))
	rest.wait(t, 2)
	got := one.wait(t, 1)
	time.Sleep(50 * time.Millisecond)
	one.mu.Lock()
	defer one.mu.Unlock()
	if len(one.msgs) != 1 || got[0].Subject != "agent.a1.state" {
		t.Errorf("agent.*.state got %v", one.msgs)
	}
}

func unsubscribe(t *testing.T, a, b events.Bus) {
	c := newCollector()
	sub, err := b.Subscribe("x.y", c.handle)
	must(t, err)
	sync2(t, b)
	must(t, a.Publish("x.y", []byte("1")))
	c.wait(t, 1)
	must(t, sub.Unsubscribe())
	sync2(t, b)
	must(t, a.Publish("x.y", []byte("2")))
	sync2(t, a)
	time.Sleep(100 * time.Millisecond)
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.msgs) != 1 {
		t.Errorf("after unsubscribe: %d messages", len(c.msgs))
	}
}

func requestReply(t *testing.T, a, b events.Bus) {
	_, err := b.Serve("acd.enqueue", "", func(m events.Msg) ([]byte, error) {
		return append([]byte("got "), m.Data...), nil
	})
	must(t, err)
	sync2(t, b)
	out, err := a.Request(ctxT(t, 5*time.Second), "acd.enqueue", []byte("c1"))
	must(t, err)
	if string(out) != "got c1" {
		t.Errorf("reply %q", out)
	}
	var resp struct{ N int }
	_, err = b.Serve("json.echo", "", func(m events.Msg) ([]byte, error) { return m.Data, nil })
	must(t, err)
	sync2(t, b)
	must(t, events.RequestJSON(ctxT(t, 5*time.Second), a, "json.echo", struct{ N int }{7}, &resp))
	if resp.N != 7 {
		t.Errorf("json reply %+v", resp)
	}
}

func remoteError(t *testing.T, a, b events.Bus) {
	_, err := b.Serve("acd.accept", "", func(events.Msg) ([]byte, error) {
		return nil, errors.New("offer expired")
	})
	must(t, err)
	sync2(t, b)
	_, err = a.Request(ctxT(t, 5*time.Second), "acd.accept", nil)
	if !errors.Is(err, events.ErrRemote) || err == nil || !strings.Contains(err.Error(), "offer expired") {
		t.Errorf("error %v, want ErrRemote with the responder's text", err)
	}
}

func noResponder(t *testing.T, a, _ events.Bus) {
	_, err := a.Request(ctxT(t, 5*time.Second), "nobody.here", nil)
	if !errors.Is(err, events.ErrNoResponder) {
		t.Errorf("error %v, want ErrNoResponder", err)
	}
}

func timeout(t *testing.T, a, b events.Bus) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	_, err := b.Serve("slow", "", func(events.Msg) ([]byte, error) {
		<-release
		return nil, nil
	})
	must(t, err)
	sync2(t, b)
	start := time.Now()
	_, err = a.Request(ctxT(t, 200*time.Millisecond), "slow", nil)
	if !errors.Is(err, events.ErrTimeout) {
		t.Errorf("error %v, want ErrTimeout", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("request returned after %v", d)
	}
}

func group(t *testing.T, a, b events.Bus) {
	var na, nb atomic.Int32
	_, err := a.Serve("work", "workers", func(events.Msg) ([]byte, error) { na.Add(1); return []byte("a"), nil })
	must(t, err)
	_, err = b.Serve("work", "workers", func(events.Msg) ([]byte, error) { nb.Add(1); return []byte("b"), nil })
	must(t, err)
	sync2(t, a, b)
	const n = 200
	for i := range n {
		if _, err := a.Request(ctxT(t, 5*time.Second), "work", []byte(fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	if got := na.Load() + nb.Load(); got != n {
		t.Errorf("%d requests answered %d times", n, got)
	}
}

func invalidSubject(t *testing.T, a, _ events.Bus) {
	for _, s := range []string{"", "a..b", "a.*", "a.>", "has space"} {
		if err := a.Publish(s, nil); !errors.Is(err, events.ErrSubject) {
			t.Errorf("Publish(%q): %v, want ErrSubject", s, err)
		}
	}
	if _, err := a.Subscribe("a..b", func(events.Msg) {}); !errors.Is(err, events.ErrSubject) {
		t.Errorf("Subscribe(a..b): %v, want ErrSubject", err)
	}
	if got := events.Token("a.b c*>"); got != "a_b_c__" {
		t.Errorf("Token = %q", got)
	}
}

func closed(t *testing.T, a, _ events.Bus) {
	must(t, a.Close())
	must(t, a.Close())
	if err := a.Publish("x", nil); !errors.Is(err, events.ErrClosed) {
		t.Errorf("Publish after Close: %v, want ErrClosed", err)
	}
}
