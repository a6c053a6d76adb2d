package deskfake

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/assist"
	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/apps"
	"github.com/switchboard-voice/switchboard/media/webrtc"
)

// Config describes the service to fake.
type Config struct {
	// API is the prefix of the endpoints: "/v1/desk" or "/v1/supervisor".
	API string
	// Cookie names the session cookie.
	Cookie string
	// Users maps logins to passwords and to what login and me answer.
	Users map[string]User
	// Pages are mounted on the server: pattern → handler.
	Pages map[string]http.Handler
	// Snapshot returns the "resync" state (a DeskState, a WallState).
	Snapshot func() any
}

// User is one account of the fake.
type User struct {
	Password string
	// Identity is what POST {API}/login and GET {API}/me answer.
	Identity any
}

// Command is a command a page sent, with its data decoded into the
// protocol's type (assist.StateCommand, assist.TransferCommand, ...).
type Command struct {
	Type string
	Data any
	Raw  json.RawMessage
}

// Server is the fake: an httptest server with the pages, the API and
// /whip/ on one origin, and the same /whip/ on a second origin (MediaURL)
// that answers CORS, as a media server on another node would.
type Server struct {
	// URL is the pages' and the API's origin, MediaURL another origin
	// serving /whip/.
	URL, MediaURL string
	// Channel is the hub channel the pages' websocket serves.
	Channel string

	t      testing.TB
	cfg    Config
	hs     *httptest.Server
	mediaS *httptest.Server
	media  *webrtc.Server

	mu        sync.Mutex
	hub       *assist.Hub
	sessions  map[string]string // cookie value → login
	conns     map[net.Conn]bool
	refuse    bool
	handlers  map[string]func(json.RawMessage) (any, error)
	commands  []Command
	taken     int
	cmdSignal chan struct{}
	problems  []string
}

// commandTypes decode each command's data, strictly: a field the
// protocol does not have is a page bug.
var commandTypes = map[string]func() any{
	"state":      func() any { return &assist.StateCommand{} },
	"accept":     func() any { return &assist.OfferCommand{} },
	"reject":     func() any { return &assist.OfferCommand{} },
	"hold":       func() any { return &assist.ToggleCommand{} },
	"mute":       func() any { return &assist.ToggleCommand{} },
	"dtmf":       func() any { return &assist.DTMFCommand{} },
	"hangup":     func() any { return &assist.CallCommand{} },
	"transfer":   func() any { return &assist.TransferCommand{} },
	"complete":   func() any { return &assist.CallCommand{} },
	"cancel":     func() any { return &assist.CallCommand{} },
	"conference": func() any { return &assist.TransferCommand{} },
	"feedback":   func() any { return &assist.FeedbackCommand{} },
	"wrapup":     func() any { return &assist.WrapupCommand{} },
	"listen":     func() any { return &assist.MonitorCommand{} },
	"whisper":    func() any { return &assist.MonitorCommand{} },
	"barge":      func() any { return &assist.MonitorCommand{} },
	"leave":      func() any { return &assist.CallCommand{} },
}

// Start starts the fake; it stops when the test ends, and fails the test
// then if a page sent a command the protocol does not have or with
// fields it does not have.
func Start(t testing.TB, cfg Config) *Server {
	t.Helper()
	s := &Server{
		t: t, cfg: cfg, Channel: "desk", hub: assist.NewHub(),
		sessions: map[string]string{}, conns: map[net.Conn]bool{},
		handlers: map[string]func(json.RawMessage) (any, error){}, cmdSignal: make(chan struct{}, 1),
	}
	media, err := webrtc.NewServer(webrtc.Config{
		Loopback: true,
		IPFilter: func(ip net.IP) bool { return ip.IsLoopback() && ip.To4() != nil },
	}, webrtc.RouterFunc(func(from, to string) (media.Application, bool) {
		return apps.Echo(nil, nil), true
	}), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	s.media = media

	mux := http.NewServeMux()
	for pattern, h := range cfg.Pages {
		mux.Handle(pattern, h)
	}
	mux.HandleFunc("POST "+cfg.API+"/login", s.login)
	mux.HandleFunc("POST "+cfg.API+"/logout", s.logout)
	mux.HandleFunc("GET "+cfg.API+"/me", s.me)
	mux.HandleFunc("GET "+cfg.API+"/ws", s.ws)
	mux.Handle("/whip/", media.Handler())
	s.hs = httptest.NewServer(mux)
	s.mediaS = httptest.NewServer(cors(media.Handler()))
	s.URL, s.MediaURL = s.hs.URL, s.mediaS.URL
	t.Cleanup(func() {
		// Stop listening first, so that no page reconnects, then cut the
		// websockets (hijacked: Close does not wait for them).
		s.hs.Close()
		s.Drop()
		s.mediaS.Close()
		_ = s.media.Close()
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, p := range s.problems {
			t.Errorf("deskfake: %s", p)
		}
	})
	return s
}

// cors lets pages of another origin call h, as a media node must.
func cors(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o := r.Header.Get("Origin"); o != "" {
			w.Header().Set("Access-Control-Allow-Origin", o)
			w.Header().Set("Access-Control-Expose-Headers", "Location, Link, ETag")
			w.Header().Set("Vary", "Origin")
		}
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			w.Header().Set("Access-Control-Allow-Methods", "POST, PATCH, DELETE, OPTIONS")
			w.Header().Set("Access-Control-Allow-Headers", "Content-Type, If-Match")
			w.Header().Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Login    string `json:"login"`
		Password string `json:"password"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "the body must be JSON {login, password}"})
		return
	}
	u, ok := s.cfg.Users[in.Login]
	if !ok || u.Password != in.Password {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "Wrong login or password."})
		return
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	token := hex.EncodeToString(b[:])
	s.mu.Lock()
	s.sessions[token] = in.Login
	s.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: s.cfg.Cookie, Value: token, Path: s.cfg.API, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	writeJSON(w, http.StatusOK, u.Identity)
}

// user returns the login of the request's session cookie.
func (s *Server) user(r *http.Request) (string, bool) {
	c, err := r.Cookie(s.cfg.Cookie)
	if err != nil {
		return "", false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	login, ok := s.sessions[c.Value]
	return login, ok
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	login, ok := s.user(r)
	if !ok {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "not signed in"})
		return
	}
	writeJSON(w, http.StatusOK, s.cfg.Users[login].Identity)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(s.cfg.Cookie); err == nil {
		s.mu.Lock()
		delete(s.sessions, c.Value)
		s.mu.Unlock()
	}
	http.SetCookie(w, &http.Cookie{Name: s.cfg.Cookie, Value: "", Path: s.cfg.API, MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	w.WriteHeader(http.StatusNoContent)
}

// Expire ends every session, as a server restart without persistent
// sessions would.
func (s *Server) Expire() {
	s.mu.Lock()
	clear(s.sessions)
	s.mu.Unlock()
	s.Drop()
}

func (s *Server) ws(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.user(r); !ok {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "not signed in"})
		return
	}
	s.mu.Lock()
	hub, refuse := s.hub, s.refuse
	s.mu.Unlock()
	if refuse {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "restarting"})
		return
	}
	rec := &hijackRecorder{ResponseWriter: w, s: s}
	defer func() {
		if rec.conn != nil {
			s.mu.Lock()
			delete(s.conns, rec.conn)
			s.mu.Unlock()
		}
	}()
	hub.Serve(rec, r, s.Channel, func(context.Context) (any, error) {
		if s.cfg.Snapshot == nil {
			return nil, nil
		}
		return s.cfg.Snapshot(), nil
	}, s.command)
}

// hijackRecorder keeps the websocket's connection so that Drop can cut
// it from the server side.
type hijackRecorder struct {
	http.ResponseWriter
	s    *Server
	conn net.Conn
}

func (h *hijackRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err == nil {
		h.conn = c
		h.s.mu.Lock()
		h.s.conns[c] = true
		h.s.mu.Unlock()
	}
	return c, rw, err
}

func (s *Server) command(_ context.Context, c assist.Command) (any, error) {
	mk, ok := commandTypes[c.Type]
	if !ok {
		s.problem("unknown command %q", c.Type)
		return nil, fmt.Errorf("%w: unknown command %q", assist.ErrCommand, c.Type)
	}
	v := mk()
	dec := json.NewDecoder(bytes.NewReader(c.Data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		s.problem("command %s: data %s: %v", c.Type, c.Data, err)
		return nil, fmt.Errorf("%w: %s: %v", assist.ErrCommand, c.Type, err)
	}
	s.mu.Lock()
	s.commands = append(s.commands, Command{Type: c.Type, Data: derefCommand(v), Raw: c.Data})
	h := s.handlers[c.Type]
	s.mu.Unlock()
	select {
	case s.cmdSignal <- struct{}{}:
	default:
	}
	if h == nil {
		return nil, nil
	}
	return h(c.Data)
}

// derefCommand turns the decoded *T into T.
func derefCommand(v any) any {
	switch v := v.(type) {
	case *assist.StateCommand:
		return *v
	case *assist.OfferCommand:
		return *v
	case *assist.ToggleCommand:
		return *v
	case *assist.DTMFCommand:
		return *v
	case *assist.CallCommand:
		return *v
	case *assist.TransferCommand:
		return *v
	case *assist.FeedbackCommand:
		return *v
	case *assist.WrapupCommand:
		return *v
	case *assist.MonitorCommand:
		return *v
	}
	return v
}

func (s *Server) problem(format string, args ...any) {
	s.mu.Lock()
	s.problems = append(s.problems, fmt.Sprintf(format, args...))
	s.mu.Unlock()
}

// Handle sets what a command type answers (the reply's data, or an
// error). Commands without a handler get an empty OK reply.
func (s *Server) Handle(typ string, fn func(data json.RawMessage) (any, error)) {
	s.mu.Lock()
	s.handlers[typ] = fn
	s.mu.Unlock()
}

// ErrRefused is an error a handler can answer with.
var ErrRefused = errors.New("refused by the test")

// WaitCommand returns the next command of type typ not yet returned
// (commands of other types before it are skipped), failing the test
// after timeout.
func (s *Server) WaitCommand(typ string, timeout time.Duration) Command {
	s.t.Helper()
	deadline := time.After(timeout)
	for {
		s.mu.Lock()
		for i := s.taken; i < len(s.commands); i++ {
			if s.commands[i].Type == typ {
				s.taken = i + 1
				c := s.commands[i]
				s.mu.Unlock()
				return c
			}
		}
		s.mu.Unlock()
		select {
		case <-s.cmdSignal:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			s.t.Fatalf("no %q command within %v; got %v", typ, timeout, s.CommandTypes())
		}
	}
}

// CommandTypes lists the types of the commands received, in order.
func (s *Server) CommandTypes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, c := range s.commands {
		out = append(out, c.Type)
	}
	return out
}

// Publish sends an event to the pages.
func (s *Server) Publish(typ string, data any) assist.Event {
	s.t.Helper()
	s.mu.Lock()
	hub := s.hub
	s.mu.Unlock()
	ev, err := hub.Publish(s.Channel, typ, data)
	if err != nil {
		s.t.Fatal(err)
	}
	return ev
}

// Connections returns how many pages have the websocket open.
func (s *Server) Connections() int {
	s.mu.Lock()
	hub := s.hub
	s.mu.Unlock()
	return hub.Connections(s.Channel)
}

// Drop cuts every websocket from the server side, as a crashed proxy or
// a lost network would, and returns how many there were.
func (s *Server) Drop() int {
	s.mu.Lock()
	conns := s.conns
	s.conns = map[net.Conn]bool{}
	s.mu.Unlock()
	for c := range conns {
		_ = c.Close()
	}
	return len(conns)
}

// Refuse makes websocket requests fail (503) while on, so that a page
// keeps retrying.
func (s *Server) Refuse(on bool) {
	s.mu.Lock()
	s.refuse = on
	s.mu.Unlock()
}

// Restart replaces the hub (a new epoch: pages get a resync) and cuts
// the websockets.
func (s *Server) Restart() {
	s.mu.Lock()
	s.hub = assist.NewHub()
	s.mu.Unlock()
	s.Drop()
}

// Legs returns how many WebRTC calls the media server has.
func (s *Server) Legs() int { return s.media.Legs() }

// WaitFor polls cond every 50 ms until it holds, failing the test after
// timeout.
func (s *Server) WaitFor(what string, timeout time.Duration, cond func() bool) {
	s.t.Helper()
	for deadline := time.Now().Add(timeout); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			s.t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
	}
}

// MustJSON encodes v, for the tests' JavaScript expressions.
func MustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return strings.TrimSpace(string(b))
}
