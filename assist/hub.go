package assist

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Event is one message to the desktops of a channel (an agent, the
// supervisors). Seq numbers a channel's events from 1 on this node; a
// desktop that reconnects says the last Seq it saw and gets what followed.
type Event struct {
	Seq  int64           `json:"seq"`
	Type string          `json:"type"`
	Data json.RawMessage `json:"data,omitempty"`
	At   time.Time       `json:"at"`
}

// Command is a message from a desktop: an action ("accept", "hold",
// "transfer", ...) with its arguments. ID, chosen by the desktop, comes
// back in the reply.
type Command struct {
	ID   string          `json:"id"`
	Type string          `json:"type"`
	Data json.RawMessage `json:"data,omitempty"`
}

// Reply answers a Command.
type Reply struct {
	Type    string `json:"type"` // always "reply"
	ReplyTo string `json:"reply_to"`
	OK      bool   `json:"ok"`
	Data    any    `json:"data,omitempty"`
	Error   string `json:"error,omitempty"`
}

// Hello is the first message on a connection: the channel's epoch (a new
// one whenever the hub restarts) and the last Seq. A desktop reconnects
// with ?epoch=E&since=N to resume.
type Hello struct {
	Type  string `json:"type"` // "hello"
	Epoch string `json:"epoch"`
	Seq   int64  `json:"seq"`
	// Resumed says whether the events after since follow; otherwise a
	// "resync" event with the current state (Snapshot) comes first.
	Resumed bool `json:"resumed"`
	// Now is the server's clock, for the desktop's timers.
	Now time.Time `json:"now"`
}

// ErrCommand wraps errors of malformed or unknown commands.
var ErrCommand = errors.New("assist: bad command")

// CommandFunc carries out a command of a channel's desktop; its result
// is sent back in the reply.
type CommandFunc func(ctx context.Context, c Command) (any, error)

// SnapshotFunc returns the channel's current state for a desktop that
// cannot resume (sent as a "resync" event).
type SnapshotFunc func(ctx context.Context) (any, error)

// Hub fans events out to the desktops connected to this node over
// websockets, per channel, and keeps each channel's last events so a
// desktop that loses its connection resumes without losing any.
type Hub struct {
	keep  int
	log   *slog.Logger
	epoch string

	mu    sync.Mutex
	chans map[string]*channel
}

type channel struct {
	seq  int64
	ring []Event // the last keep events, oldest first
	subs map[*wsConn]struct{}
}

// HubOption configures a Hub.
type HubOption func(*Hub)

// WithKeep sets how many events of each channel are kept for resuming
// (default 2000).
func WithKeep(n int) HubOption { return func(h *Hub) { h.keep = n } }

// WithHubLogger sets the logger.
func WithHubLogger(l *slog.Logger) HubOption { return func(h *Hub) { h.log = l } }

// NewHub returns an empty hub.
func NewHub(opts ...HubOption) *Hub {
	var b [8]byte
	_, _ = rand.Read(b[:])
	h := &Hub{keep: 2000, log: slog.New(slog.DiscardHandler), chans: map[string]*channel{}, epoch: hex.EncodeToString(b[:])}
	for _, o := range opts {
		o(h)
	}
	return h
}

func (h *Hub) channel(name string) *channel {
	c := h.chans[name]
	if c == nil {
		c = &channel{subs: map[*wsConn]struct{}{}}
		h.chans[name] = c
	}
	return c
}

// Publish sends an event to a channel's desktops; data is encoded as
// JSON. It never blocks: a desktop too slow to take its events is
// disconnected, and resumes when it reconnects.
func (h *Hub) Publish(ch, typ string, data any) (Event, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return Event{}, fmt.Errorf("assist: event %s: %w", typ, err)
	}
	h.mu.Lock()
	c := h.channel(ch)
	c.seq++
	ev := Event{Seq: c.seq, Type: typ, Data: raw, At: time.Now()}
	if len(c.ring) >= h.keep {
		c.ring = append(c.ring[:0], c.ring[len(c.ring)-h.keep+1:]...)
	}
	c.ring = append(c.ring, ev)
	var slow []*wsConn
	for s := range c.subs {
		if !s.send(ev) {
			slow = append(slow, s)
		}
	}
	h.mu.Unlock()
	for _, s := range slow {
		h.log.Warn("desktop too slow, disconnected", "channel", ch)
		s.close()
	}
	return ev, nil
}

// Since returns the channel's events after seq that are still kept, and
// whether they are all of them.
func (h *Hub) Since(ch string, seq int64) ([]Event, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.channel(ch)
	return c.since(seq)
}

func (c *channel) since(seq int64) ([]Event, bool) {
	if seq > c.seq || seq < 0 {
		return nil, false
	}
	if seq == c.seq {
		return nil, true
	}
	if len(c.ring) == 0 || c.ring[0].Seq > seq+1 {
		return nil, false
	}
	i := int(seq + 1 - c.ring[0].Seq)
	return append([]Event(nil), c.ring[i:]...), true
}

// Recent returns the channel's events still kept, oldest first.
func (h *Hub) Recent(ch string) []Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Event(nil), h.channel(ch).ring...)
}

// Connections returns how many desktops are connected to a channel.
func (h *Hub) Connections(ch string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.channel(ch).subs)
}

// Limits of the websocket.
const (
	maxCommand   = 64 << 10
	pingEvery    = 20 * time.Second
	readTimeout  = 60 * time.Second
	writeTimeout = 10 * time.Second
	sendBuffer   = 512
)

var upgrader = websocket.Upgrader{
	ReadBufferSize:  4096,
	WriteBufferSize: 16384,
	CheckOrigin:     sameOrigin,
}

// sameOrigin accepts requests without an Origin (non-browser clients) and
// browsers on the same host.
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	return err == nil && strings.EqualFold(u.Host, r.Host)
}

// Serve upgrades the request to a websocket for channel ch and serves it
// until the desktop goes away: a Hello, then the missed events (query
// epoch and since) or a "resync" event from snap, then live events;
// commands are passed to cmd and answered with a Reply. Malformed or
// unknown commands get a Reply with the error and the connection stays.
func (h *Hub) Serve(w http.ResponseWriter, r *http.Request, ch string, snap SnapshotFunc, cmd CommandFunc) {
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade wrote the HTTP error
	}
	ws.SetReadLimit(maxCommand)
	c := &wsConn{ws: ws, out: make(chan any, sendBuffer), done: make(chan struct{})}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()

	since, _ := strconv.ParseInt(r.URL.Query().Get("since"), 10, 64)
	resume := r.URL.Query().Get("epoch") == h.epoch && r.URL.Query().Has("since")
	h.mu.Lock()
	chn := h.channel(ch)
	var missed []Event
	if resume {
		missed, resume = chn.since(since)
	}
	hello := Hello{Type: "hello", Epoch: h.epoch, Seq: chn.seq, Resumed: resume, Now: time.Now()}
	c.backlog = append(c.backlog, hello)
	if !resume && snap != nil {
		// The snapshot may be slow: take it unlocked, then add what was
		// published meanwhile (a desktop applies events idempotently).
		h.mu.Unlock()
		state, err := snap(ctx)
		if err != nil {
			h.log.Warn("desktop snapshot", "channel", ch, "err", err)
		}
		raw, _ := json.Marshal(state)
		c.backlog = append(c.backlog, Event{Seq: hello.Seq, Type: "resync", Data: raw, At: time.Now()})
		h.mu.Lock()
		missed, _ = chn.since(hello.Seq)
	}
	for _, ev := range missed {
		c.backlog = append(c.backlog, ev)
	}
	chn.subs[c] = struct{}{}
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		delete(chn.subs, c)
		h.mu.Unlock()
		c.close()
	}()

	go c.writeLoop()
	for {
		_ = ws.SetReadDeadline(time.Now().Add(readTimeout))
		_, msg, err := ws.ReadMessage()
		if err != nil {
			return
		}
		var in Command
		if err := json.Unmarshal(msg, &in); err != nil {
			c.send(Reply{Type: "reply", Error: fmt.Sprintf("%v: malformed message: %v", ErrCommand, err)})
			continue
		}
		if in.Type == "" {
			c.send(Reply{Type: "reply", ReplyTo: in.ID, Error: fmt.Sprintf("%v: no type", ErrCommand)})
			continue
		}
		if in.Type == "ping" {
			c.send(Reply{Type: "reply", ReplyTo: in.ID, OK: true})
			continue
		}
		go func() {
			// Commands may wait (a transfer); the desktop keeps receiving.
			out, err := cmd(ctx, in)
			rep := Reply{Type: "reply", ReplyTo: in.ID, OK: err == nil, Data: out}
			if err != nil {
				rep.Error = err.Error()
			}
			c.send(rep)
		}()
	}
}

// wsConn is one desktop's connection: a buffered queue of messages and
// the goroutine writing them.
type wsConn struct {
	ws *websocket.Conn
	// backlog is written first (hello, resync, missed events), then out.
	backlog []any
	out     chan any
	done    chan struct{}
	once    sync.Once
}

// send queues v; false when the queue is full (the desktop is too slow).
func (c *wsConn) send(v any) bool {
	select {
	case <-c.done:
		return true
	default:
	}
	select {
	case c.out <- v:
		return true
	default:
		return false
	}
}

func (c *wsConn) close() {
	c.once.Do(func() {
		close(c.done)
		_ = c.ws.Close()
	})
}

func (c *wsConn) writeLoop() {
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	for _, v := range c.backlog {
		_ = c.ws.SetWriteDeadline(time.Now().Add(writeTimeout))
		if err := c.ws.WriteJSON(v); err != nil {
			c.close()
			return
		}
	}
	c.backlog = nil
	for {
		select {
		case <-c.done:
			return
		case v := <-c.out:
			_ = c.ws.SetWriteDeadline(time.Now().Add(writeTimeout))
			if err := c.ws.WriteJSON(v); err != nil {
				c.close()
				return
			}
		case <-ping.C:
			if err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeTimeout)); err != nil {
				c.close()
				return
			}
		}
	}
}
