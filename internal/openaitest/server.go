package openaitest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// maxBody caps the request bodies the server reads (audio uploads included).
const maxBody = 64 << 20

// Server is an OpenAI-compatible HTTP server on loopback. Its methods are
// safe for concurrent use.
type Server struct {
	t    testing.TB
	hs   *httptest.Server
	done chan struct{} // closed by Close: ends delays early

	closeOnce sync.Once

	mu    sync.Mutex
	queue []Reply
	def   *Reply
	reqs  []Request
	seq   int // for ids
}

// New starts a server and closes it when the test ends.
func New(t testing.TB) *Server {
	t.Helper()
	s := &Server{t: t, done: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", s.handle(decodeChat, (*exchange).serveChat))
	mux.HandleFunc("POST /v1/embeddings", s.handle(decodeEmbedding, (*exchange).serveEmbedding))
	mux.HandleFunc("POST /v1/audio/transcriptions", s.handle(decodeTranscription, (*exchange).serveTranscription))
	mux.HandleFunc("POST /v1/audio/speech", s.handle(decodeSpeech, (*exchange).serveSpeech))
	mux.HandleFunc("/", s.serveNotFound)
	s.hs = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

// URL returns the base URL of the API, ending in "/v1", as OpenAI clients
// expect it (go-openai's ClientConfig.BaseURL).
func (s *Server) URL() string { return s.hs.URL + "/v1" }

// Client returns an HTTP client for the server whose idle connections are
// closed with it.
func (s *Server) Client() *http.Client { return s.hs.Client() }

// Close shuts the server down and waits for its handlers. Pending delays
// end at once. It is called by t.Cleanup; calling it again does nothing.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		s.hs.Close()
	})
}

// Enqueue appends replies to the queue; each request takes the first.
func (s *Server) Enqueue(replies ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue = append(s.queue, replies...)
}

// SetDefault sets the reply given once the queue is empty, instead of
// failing the test.
func (s *Server) SetDefault(r Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.def = &r
}

// Pending returns how many queued replies have not been used yet.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue)
}

// Requests returns a copy of the requests received so far, oldest first.
// A request is recorded before it is answered.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reqs)
}

// LastRequest returns the latest request, failing the test if there is
// none.
func (s *Server) LastRequest() Request {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.reqs) == 0 {
		s.t.Fatalf("openaitest: no request received")
	}
	return s.reqs[len(s.reqs)-1]
}

// record stores req and takes the reply for it.
func (s *Server) record(req Request) (reply Reply, seq int, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs = append(s.reqs, req)
	s.seq++
	if req.DecodeError != nil {
		return Reply{}, s.seq, false
	}
	switch {
	case len(s.queue) > 0:
		reply = s.queue[0]
		s.queue = s.queue[1:]
	case s.def != nil:
		reply = *s.def
	default:
		return Reply{}, s.seq, false
	}
	return reply, s.seq, true
}

// exchange is one request being answered.
type exchange struct {
	s     *Server
	w     http.ResponseWriter
	r     *http.Request
	req   Request
	reply Reply
	seq   int
}

// handle reads and decodes the request, records it, applies the generic
// parts of the reply (delay, headers, error status, verbatim body) and
// calls serve for the rest.
func (s *Server) handle(decode func(*Request) error, serve func(*exchange)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		req := Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body}
		if err == nil {
			err = decode(&req)
		}
		req.DecodeError = err
		reply, seq, ok := s.record(req)
		if err != nil {
			writeError(w, http.StatusBadRequest, "invalid_request_error", "", "openaitest: "+err.Error())
			return
		}
		if !ok {
			s.t.Errorf("openaitest: %s %s: no reply queued", r.Method, r.URL.Path)
			writeError(w, http.StatusInternalServerError, "server_error", "", "openaitest: no reply queued")
			return
		}
		x := &exchange{s: s, w: w, r: r, req: req, reply: reply, seq: seq}
		if !x.sleep(reply.Delay) {
			return
		}
		for k, vs := range reply.Header {
			for _, v := range vs {
				w.Header().Add(k, v)
			}
		}
		w.Header().Set("X-Request-Id", fmt.Sprintf("req_test%d", seq))
		switch {
		case reply.Body != "":
			ct := "application/json"
			if req.Chat != nil && req.Chat.Stream && reply.Status < 400 {
				ct = "text/event-stream; charset=utf-8"
			}
			x.write(cmp(reply.Status, http.StatusOK), ct, []byte(reply.Body))
		case reply.Status >= 400:
			typ, code, msg := reply.errorBody()
			x.write(reply.Status, "application/json", errorJSON(typ, code, msg))
		default:
			serve(x)
		}
	}
}

func (s *Server) serveNotFound(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	s.mu.Lock()
	s.reqs = append(s.reqs, Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body})
	s.mu.Unlock()
	writeError(w, http.StatusNotFound, "invalid_request_error", "unknown_url",
		fmt.Sprintf("Invalid URL (%s %s)", r.Method, r.URL.Path))
}

// sleep waits d, or less if the client goes away or the server closes; it
// reports whether the whole delay elapsed.
func (x *exchange) sleep(d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-x.r.Context().Done():
	case <-x.s.done:
	}
	return false
}

// write sends a whole body, honouring CutAfter (in bytes).
func (x *exchange) write(status int, contentType string, body []byte) {
	x.w.Header().Set("Content-Type", contentType)
	if n := x.reply.CutAfter; n > 0 && n < len(body) {
		x.w.WriteHeader(status)
		_, _ = x.w.Write(body[:n])
		abort(x.w)
	}
	x.w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	x.w.WriteHeader(status)
	_, _ = x.w.Write(body)
}

// writeJSON sends v as JSON, or a truncated object if the reply is
// Malformed.
func (x *exchange) writeJSON(v any) {
	body, err := json.Marshal(v)
	if err != nil {
		panic(err) // our own types always marshal
	}
	if x.reply.Malformed {
		body = body[:len(body)/2]
	}
	x.write(http.StatusOK, "application/json", body)
}

// abort flushes what was written and drops the connection without ending
// the body, so that the client reads an unexpected EOF.
func abort(w http.ResponseWriter) {
	_ = http.NewResponseController(w).Flush()
	panic(http.ErrAbortHandler)
}

func writeError(w http.ResponseWriter, status int, typ, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(errorJSON(typ, code, msg))
}

// errorJSON is an OpenAI error body.
func errorJSON(typ, code, msg string) []byte {
	var c any
	if code != "" {
		c = code
	}
	body, _ := json.Marshal(map[string]any{"error": map[string]any{
		"message": msg, "type": typ, "param": nil, "code": c,
	}})
	return body
}

func cmp(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// words splits text into streaming pieces: each word with the whitespace
// before it, as tokenizers do.
func words(text string) []string {
	var out []string
	start := 0
	inSpace := true
	for i, r := range text {
		space := r == ' ' || r == '\n' || r == '\t'
		if !space && inSpace && i > start && strings.TrimSpace(text[start:i]) != "" {
			out = append(out, text[start:i])
			start = i
		}
		inSpace = space
	}
	if start < len(text) {
		out = append(out, text[start:])
	}
	return out
}

// pieces splits s into parts of at most n bytes, on rune boundaries.
func pieces(s string, n int) []string {
	var out []string
	for len(s) > n {
		cut := n
		for cut > 0 && !isRuneStart(s[cut]) {
			cut--
		}
		if cut == 0 {
			cut = n
		}
		out = append(out, s[:cut])
		s = s[cut:]
	}
	if s != "" {
		out = append(out, s)
	}
	return out
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// tokens roughly counts the tokens of texts, for usage figures.
func tokens(texts ...string) int {
	n := 0
	for _, t := range texts {
		n += len(strings.Fields(t))
	}
	return n
}
