package assist_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/switchboard-voice/switchboard/assist"
)

type msg struct {
	Type    string          `json:"type"`
	Seq     int64           `json:"seq"`
	Epoch   string          `json:"epoch"`
	Resumed bool            `json:"resumed"`
	ReplyTo string          `json:"reply_to"`
	OK      bool            `json:"ok"`
	Error   string          `json:"error"`
	Data    json.RawMessage `json:"data"`
}

func hubServer(t *testing.T, h *assist.Hub) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.Serve(w, r, "a1", func(context.Context) (any, error) {
			return map[string]string{"state": "available"}, nil
		}, func(ctx context.Context, c assist.Command) (any, error) {
			switch c.Type {
			case "accept":
				return map[string]string{"accepted": string(c.Data)}, nil
			case "fail":
				return nil, errors.New("offer expired")
			}
			return nil, assist.ErrCommand
		})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func dial(t *testing.T, srv *httptest.Server, query string) *websocket.Conn {
	t.Helper()
	u := "ws" + strings.TrimPrefix(srv.URL, "http") + "/?" + query
	c, _, err := websocket.DefaultDialer.Dial(u, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func read(t *testing.T, c *websocket.Conn) msg {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var m msg
	if err := c.ReadJSON(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func waitConns(t *testing.T, h *assist.Hub, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); h.Connections("a1") != n; {
		if time.Now().After(deadline) {
			t.Fatalf("%d connections, want %d", h.Connections("a1"), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestHubResume(t *testing.T) {
	h := assist.NewHub(assist.WithKeep(5))
	srv := hubServer(t, h)
	c := dial(t, srv, "")
	hello := read(t, c)
	if hello.Type != "hello" || hello.Resumed || hello.Epoch == "" {
		t.Fatalf("hello %+v", hello)
	}
	if m := read(t, c); m.Type != "resync" || !strings.Contains(string(m.Data), "available") {
		t.Fatalf("want resync with the snapshot, got %+v", m)
	}
	waitConns(t, h, 1)
	for i := 1; i <= 3; i++ {
		_, _ = h.Publish("a1", "transcript", i)
		_, _ = h.Publish("other", "transcript", i)
	}
	var last int64
	for i := 1; i <= 3; i++ {
		m := read(t, c)
		if m.Type != "transcript" || m.Seq != int64(i) || string(m.Data) != strconv.Itoa(i) {
			t.Fatalf("event %d: %+v", i, m)
		}
		last = m.Seq
	}
	c.Close()
	waitConns(t, h, 0)

	// Missed while away: resumed.
	_, _ = h.Publish("a1", "transcript", 4)
	_, _ = h.Publish("a1", "transcript", 5)
	c2 := dial(t, srv, "epoch="+hello.Epoch+"&since="+strconv.FormatInt(last, 10))
	if m := read(t, c2); m.Type != "hello" || !m.Resumed {
		t.Fatalf("hello %+v", m)
	}
	for _, want := range []string{"4", "5"} {
		if m := read(t, c2); string(m.Data) != want {
			t.Fatalf("resumed event %s, want %s", m.Data, want)
		}
	}

	// Another epoch (a restarted hub, another node): resync.
	c3 := dial(t, srv, "epoch=old&since=2")
	if m := read(t, c3); m.Resumed {
		t.Fatalf("resumed across epochs: %+v", m)
	}
	if m := read(t, c3); m.Type != "resync" {
		t.Fatalf("want resync, got %+v", m)
	}

	// Too far behind (only 5 kept): resync.
	for i := 6; i <= 12; i++ {
		_, _ = h.Publish("a1", "transcript", i)
	}
	c4 := dial(t, srv, "epoch="+hello.Epoch+"&since=3")
	if m := read(t, c4); m.Resumed {
		t.Fatalf("resumed with events lost: %+v", m)
	}
	if evs, ok := h.Since("a1", 3); ok || evs != nil {
		t.Errorf("Since(3) = %d events, %v", len(evs), ok)
	}
	if evs, ok := h.Since("a1", 10); !ok || len(evs) != 2 {
		t.Errorf("Since(10) = %d events, %v", len(evs), ok)
	}
}

func TestHubCommands(t *testing.T) {
	h := assist.NewHub()
	srv := hubServer(t, h)
	c := dial(t, srv, "")
	read(t, c)
	read(t, c)
	send := func(raw string) msg {
		t.Helper()
		if err := c.WriteMessage(websocket.TextMessage, []byte(raw)); err != nil {
			t.Fatal(err)
		}
		for {
			m := read(t, c)
			if m.Type == "reply" {
				return m
			}
		}
	}
	if m := send(`{"id":"1","type":"accept","data":"o1"}`); !m.OK || m.ReplyTo != "1" || !strings.Contains(string(m.Data), "o1") {
		t.Errorf("accept: %+v", m)
	}
	if m := send(`{"id":"2","type":"fail"}`); m.OK || m.Error != "offer expired" {
		t.Errorf("fail: %+v", m)
	}
	if m := send(`{"id":"3","type":"dance"}`); m.OK || !strings.Contains(m.Error, "bad command") {
		t.Errorf("unknown: %+v", m)
	}
	if m := send(`{not json`); m.OK || !strings.Contains(m.Error, "malformed message") {
		t.Errorf("malformed: %+v", m)
	}
	if m := send(`{"id":"4"}`); m.OK || !strings.Contains(m.Error, "no type") {
		t.Errorf("no type: %+v", m)
	}
	// Still connected after bad input.
	if m := send(`{"id":"5","type":"ping"}`); !m.OK || m.ReplyTo != "5" {
		t.Errorf("ping after bad input: %+v", m)
	}
}

func TestHubSlowDesktop(t *testing.T) {
	h := assist.NewHub()
	srv := hubServer(t, h)
	slow := dial(t, srv, "")
	fast := dial(t, srv, "")
	waitConns(t, h, 2)
	done := make(chan int)
	var got atomic.Int64
	go func() {
		n := 0
		for {
			_ = fast.SetReadDeadline(time.Now().Add(5 * time.Second))
			var m msg
			if err := fast.ReadJSON(&m); err != nil {
				done <- n
				return
			}
			if m.Type == "bulk" {
				n++
				got.Store(int64(n))
				if n == 5000 {
					done <- n
					return
				}
			}
		}
	}()
	big := strings.Repeat("x", 2000)
	for i := range 5000 {
		// As fast as the fast desktop reads (with 100 events in flight).
		for int64(i)-got.Load() > 100 {
			time.Sleep(100 * time.Microsecond)
		}
		_, _ = h.Publish("a1", "bulk", big)
	}
	if n := <-done; n != 5000 {
		t.Errorf("the fast desktop got %d of 5000 events", n)
	}
	// The slow one, which read nothing, was cut off.
	waitConns(t, h, 1)
	_ = slow
}

func TestHubRefusesOtherOrigins(t *testing.T) {
	h := assist.NewHub()
	srv := hubServer(t, h)
	u := "ws" + strings.TrimPrefix(srv.URL, "http") + "/"
	_, resp, err := websocket.DefaultDialer.Dial(u, http.Header{"Origin": {"http://evil.example"}})
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-origin websocket: %v %v", err, resp)
	}
}

func FuzzHubCommand(f *testing.F) {
	h := assist.NewHub()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.Serve(w, r, "a1", nil, func(ctx context.Context, c assist.Command) (any, error) { return c.Type, nil })
	}))
	defer srv.Close()
	c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/", nil)
	if err != nil {
		f.Fatal(err)
	}
	defer c.Close()
	var hello msg
	_ = c.ReadJSON(&hello)
	for _, s := range []string{`{"id":"1","type":"accept"}`, `{`, `null`, `[]`, `{"type":5}`, "\xff\xfe"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := c.WriteMessage(websocket.TextMessage, b); err != nil {
			t.Fatal(err)
		}
		// Every message gets exactly one reply and the connection stays.
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		var m msg
		if err := c.ReadJSON(&m); err != nil || m.Type != "reply" {
			t.Fatalf("after %q: %+v %v", b, m, err)
		}
	})
}
