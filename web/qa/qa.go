package qa

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/switchboard-voice/switchboard/qa/review"
	"github.com/switchboard-voice/switchboard/qa/scorecard"
	"github.com/switchboard-voice/switchboard/store"
)

//go:embed static
var static embed.FS

// files maps the page's files to their content types.
var files = map[string]string{
	"index.html": "text/html; charset=utf-8",
	"qa.js":      "text/javascript; charset=utf-8",
	"qa.css":     "text/css; charset=utf-8",
}

// maxBody bounds request bodies (a scorecard is at most
// scorecard.MaxCardBytes).
const maxBody = scorecard.MaxCardBytes + 4096

// Server serves the QA console: the page at /qa and its JSON API under
// /v1/qa/. Mount it at "/qa", "/qa/" and "/v1/qa/".
type Server struct {
	svc *review.Service
	log *slog.Logger
	mux *http.ServeMux
	// Routes lists "METHOD /pattern" of every API route, for the OpenAPI
	// check.
	Routes []string
}

// Option configures Handler.
type Option func(*Server)

// WithLogger logs server errors (default: discard).
func WithLogger(l *slog.Logger) Option { return func(s *Server) { s.log = l } }

// Handler returns the QA console over svc.
func Handler(svc *review.Service, opts ...Option) *Server {
	s := &Server{svc: svc, log: slog.New(slog.DiscardHandler), mux: http.NewServeMux()}
	for _, o := range opts {
		o(s)
	}
	s.mux.HandleFunc("GET /qa", s.page)
	s.mux.HandleFunc("GET /qa/{file}", s.page)
	s.route("GET /v1/qa/calls", s.search)
	s.route("GET /v1/qa/calls/{id}", s.call)
	s.route("GET /v1/qa/calls/{id}/recording", s.recording)
	s.route("POST /v1/qa/calls/{id}/score", s.score)
	s.route("POST /v1/qa/calls/{id}/overrides", s.override)
	s.route("POST /v1/qa/calls/{id}/comments", s.comment)
	s.route("GET /v1/qa/scorecards", s.scorecards)
	s.route("GET /v1/qa/scorecards/{name}", s.scorecard)
	s.route("PUT /v1/qa/scorecards/{name}/draft", s.putDraft)
	s.route("POST /v1/qa/scorecards/{name}/publish", s.publish)
	s.route("POST /v1/qa/scorecards/{name}/rollback", s.rollback)
	s.route("GET /v1/qa/dashboard", s.dashboard)
	s.route("GET /v1/qa/dashboard/{table}", s.dashboardCSV)
	s.route("GET /v1/qa/agreement", s.agreement)
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

func (s *Server) route(pattern string, h func(w http.ResponseWriter, r *http.Request) error) {
	s.Routes = append(s.Routes, pattern)
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// page serves the console's files.
func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	if name == "" {
		name = "index.html"
	}
	ct, ok := files[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	sub, _ := fs.Sub(static, "static")
	b, err := fs.ReadFile(sub, name)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; media-src 'self'; connect-src 'self'")
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(b)
}

// httpError is an error with an HTTP status.
type httpError struct {
	code int
	msg  string
}

func (e *httpError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &httpError{code: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

// writeError maps errors to status codes at the edge.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := http.StatusInternalServerError
	var he *httpError
	var ps scorecard.Problems
	switch {
	case errors.As(err, &he):
		code = he.code
	case errors.As(err, &ps):
		out := make([]string, len(ps))
		for i, p := range ps {
			out[i] = p.String()
		}
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": "invalid scorecard", "problems": out})
		return
	case errors.Is(err, scorecard.ErrInvalid):
		code = http.StatusUnprocessableEntity
	case errors.Is(err, store.ErrNotFound), errors.Is(err, review.ErrNoResult), errors.Is(err, review.ErrNoRecording):
		code = http.StatusNotFound
	case errors.Is(err, store.ErrInvalid), errors.Is(err, review.ErrInvalid):
		code = http.StatusBadRequest
	case errors.Is(err, store.ErrConflict):
		code = http.StatusConflict
	case errors.Is(err, store.ErrUnavailable):
		code = http.StatusServiceUnavailable
	case errors.Is(err, context.DeadlineExceeded):
		code = http.StatusGatewayTimeout
	}
	if code >= 500 {
		s.log.Error("qa api error", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeJSON(w, code, map[string]string{"error": err.Error()})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// readBody reads a bounded, UTF-8 request body.
func readBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	if err != nil {
		return nil, &httpError{code: http.StatusRequestEntityTooLarge, msg: fmt.Sprintf("reading body: %v", err)}
	}
	if !utf8.Valid(body) {
		return nil, badRequest("body is not valid UTF-8")
	}
	return body, nil
}

// decode reads a JSON body into v, with clear errors.
func decode(r *http.Request, v any) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest("invalid JSON body: %v", err)
	}
	return nil
}

// query reads the query's parameters with errors naming the bad one.
type query struct {
	v   map[string][]string
	loc *time.Location
	err error
}

func newQuery(r *http.Request) *query {
	q := &query{v: r.URL.Query(), loc: time.UTC}
	if tz := q.get("tz"); tz != "" {
		loc, err := time.LoadLocation(tz)
		if err != nil {
			q.fail("tz %q is not a time zone name (e.g. Asia/Shanghai)", tz)
		} else {
			q.loc = loc
		}
	}
	return q
}

func (q *query) get(k string) string {
	if vs := q.v[k]; len(vs) > 0 {
		return strings.TrimSpace(vs[0])
	}
	return ""
}

func (q *query) fail(format string, args ...any) {
	if q.err == nil {
		q.err = badRequest(format, args...)
	}
}

// time reads a time: RFC 3339, or a date (YYYY-MM-DD) in the query's
// zone, which for an end bound (end true) means the end of that day.
func (q *query) time(k string, end bool) time.Time {
	v := q.get(k)
	if v == "" {
		return time.Time{}
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t
	}
	d, err := time.ParseInLocation(time.DateOnly, v, q.loc)
	if err != nil {
		q.fail("%s %q is neither a date (2026-03-02) nor an RFC 3339 time (2026-03-02T09:00:00Z)", k, v)
		return time.Time{}
	}
	if end {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

func (q *query) float(k string, lo, hi float64) *float64 {
	v := q.get(k)
	if v == "" {
		return nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || f < lo || f > hi {
		q.fail("%s %q must be a number from %v to %v", k, v, lo, hi)
		return nil
	}
	return &f
}

func (q *query) int(k string, lo, hi int) int {
	v := q.get(k)
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		q.fail("%s %q must be a whole number from %d to %d", k, v, lo, hi)
	}
	return n
}

func (q *query) text(k string, limit int) string {
	v := q.get(k)
	if utf8.RuneCountInString(v) > limit {
		q.fail("%s is longer than %d characters", k, limit)
	}
	return v
}

// sessionQuery reads a call search from the query string.
func sessionQuery(r *http.Request) (store.SessionQuery, error) {
	q := newQuery(r)
	sq := store.SessionQuery{
		Since: q.time("since", false), Until: q.time("until", true),
		Bot: q.text("bot", 100), Queue: q.text("queue", 100), Agent: q.text("agent", 100),
		Outcome:  store.Outcome(q.get("outcome")),
		MinScore: q.float("min_score", 0, 100), MaxScore: q.float("max_score", 0, 100),
		MinSentiment: q.float("min_sentiment", -1, 1), MaxSentiment: q.float("max_sentiment", -1, 1),
		AlertKind: q.text("alert", 100), Text: q.text("q", 200), Sort: q.get("sort"),
		Offset: q.int("offset", 0, 1_000_000), Limit: q.int("limit", 1, 500),
	}
	if sq.Outcome != "" && !sq.Outcome.Valid() {
		q.fail("outcome %q is not one of resolved, handed_off, abandoned", sq.Outcome)
	}
	switch o := q.get("order"); o {
	case "", "asc":
	case "desc":
		sq.Desc = true
	default:
		q.fail("order %q is not asc or desc", o)
	}
	switch sq.Sort {
	case "", "started_at", "score", "sentiment", "duration":
	default:
		q.fail("sort %q is not one of started_at, score, sentiment, duration", sq.Sort)
	}
	if q.err == nil && !sq.Since.IsZero() && !sq.Until.IsZero() && !sq.Since.Before(sq.Until) {
		q.fail("since must be before until")
	}
	return sq, q.err
}

func (s *Server) search(w http.ResponseWriter, r *http.Request) error {
	sq, err := sessionQuery(r)
	if err != nil {
		return err
	}
	page, err := s.svc.Search(r.Context(), sq)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

func (s *Server) call(w http.ResponseWriter, r *http.Request) error {
	v, err := s.svc.Call(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	out := struct {
		review.CallView
		RecordingURL string `json:"recording_url,omitempty"`
	}{CallView: v}
	if v.Recording {
		out.RecordingURL = "/v1/qa/calls/" + url.PathEscape(v.Session.ID) + "/recording"
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// recording serves the call's redacted recording (the original only when
// redaction is off), with range requests for seeking.
func (s *Server) recording(w http.ResponseWriter, r *http.Request) error {
	path, err := s.svc.RecordingFile(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "audio/wav")
	w.Header().Set("Cache-Control", "private, no-cache")
	http.ServeFile(w, r, path)
	return nil
}

func (s *Server) score(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := s.svc.Score(r.Context(), id); err != nil {
		return err
	}
	res, err := s.svc.Results(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"session_id": id, "results": res})
	return nil
}

// OverrideBody is the body of POST /v1/qa/calls/{id}/overrides.
type OverrideBody struct {
	Scorecard string `json:"scorecard"`
	Question  string `json:"question"`
	// Answer: "yes"/"no", an option ID, a number, text, or "n/a".
	Answer   json.RawMessage `json:"answer"`
	Comment  string          `json:"comment"`
	Reviewer string          `json:"reviewer"`
}

func (s *Server) override(w http.ResponseWriter, r *http.Request) error {
	var b OverrideBody
	if err := decode(r, &b); err != nil {
		return err
	}
	switch {
	case b.Scorecard == "":
		return badRequest("scorecard is required")
	case b.Question == "":
		return badRequest("question is required")
	case len(b.Answer) == 0:
		return badRequest("answer is required")
	}
	var answer string
	if err := json.Unmarshal(b.Answer, &answer); err != nil {
		var n float64
		if err := json.Unmarshal(b.Answer, &n); err != nil {
			return badRequest("answer must be a string or a number")
		}
		answer = strconv.FormatFloat(n, 'f', -1, 64)
	}
	res, err := s.svc.Override(r.Context(), review.OverrideRequest{SessionID: r.PathValue("id"), Scorecard: b.Scorecard,
		Question: b.Question, Answer: answer, Comment: b.Comment, Reviewer: b.Reviewer})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) comment(w http.ResponseWriter, r *http.Request) error {
	var b struct {
		Text     string `json:"text"`
		Reviewer string `json:"reviewer"`
	}
	if err := decode(r, &b); err != nil {
		return err
	}
	c, err := s.svc.AddComment(r.Context(), r.PathValue("id"), b.Reviewer, b.Text)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, c)
	return nil
}

func (s *Server) scorecards(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.svc.Scorecards(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"scorecards": cs})
	return nil
}

func (s *Server) scorecard(w http.ResponseWriter, r *http.Request) error {
	d, err := s.svc.Scorecard(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

// putDraft replaces a scorecard's draft with the body: YAML, or JSON.
func (s *Server) putDraft(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return badRequest("the body is empty: send the scorecard as YAML or JSON")
	}
	name := r.PathValue("name")
	if _, err := s.svc.SaveDraft(r.Context(), name, body); err != nil {
		return err
	}
	d, err := s.svc.Scorecard(r.Context(), name)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

func (s *Server) publish(w http.ResponseWriter, r *http.Request) error {
	var b struct {
		Note string `json:"note"`
	}
	if r.ContentLength != 0 {
		if err := decode(r, &b); err != nil {
			return err
		}
	}
	v, err := s.svc.Publish(r.Context(), r.PathValue("name"), b.Note)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"scorecard": r.PathValue("name"), "version": v})
	return nil
}

func (s *Server) rollback(w http.ResponseWriter, r *http.Request) error {
	var b struct {
		Version int `json:"version"`
	}
	if err := decode(r, &b); err != nil {
		return err
	}
	if b.Version <= 0 {
		return badRequest("version must be a published version number")
	}
	if err := s.svc.Rollback(r.Context(), r.PathValue("name"), b.Version); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"scorecard": r.PathValue("name"), "active_version": b.Version})
	return nil
}

// dashboardQuery reads a dashboard's range: since and until (dates or
// times; default the last 30 days to the end of today), bot, queue, agent,
// tz.
func dashboardQuery(r *http.Request, now time.Time) (review.DashboardQuery, error) {
	q := newQuery(r)
	dq := review.DashboardQuery{Since: q.time("since", false), Until: q.time("until", true),
		Bot: q.text("bot", 100), Queue: q.text("queue", 100), Agent: q.text("agent", 100), Location: q.loc}
	if q.err != nil {
		return dq, q.err
	}
	if dq.Until.IsZero() {
		y, m, d := now.In(q.loc).Date()
		dq.Until = time.Date(y, m, d, 0, 0, 0, 0, q.loc).AddDate(0, 0, 1)
	}
	if dq.Since.IsZero() {
		dq.Since = dq.Until.AddDate(0, 0, -30)
	}
	if !dq.Since.Before(dq.Until) {
		return dq, badRequest("since must be before until")
	}
	if dq.Until.Sub(dq.Since) > review.MaxDashboardDays*24*time.Hour {
		return dq, badRequest("the range is longer than %d days", review.MaxDashboardDays)
	}
	return dq, nil
}

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) error {
	dq, err := dashboardQuery(r, time.Now())
	if err != nil {
		return err
	}
	d, err := s.svc.Dashboard(r.Context(), dq)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

// dashboardCSV serves one table of the dashboard as a CSV download.
func (s *Server) dashboardCSV(w http.ResponseWriter, r *http.Request) error {
	table := strings.TrimSuffix(r.PathValue("table"), ".csv")
	known := false
	for _, t := range review.Tables() {
		known = known || t == table
	}
	if !known {
		return &httpError{code: http.StatusNotFound, msg: fmt.Sprintf("no dashboard table %q (want one of %s)", table, strings.Join(review.Tables(), ", "))}
	}
	dq, err := dashboardQuery(r, time.Now())
	if err != nil {
		return err
	}
	d, err := s.svc.Dashboard(r.Context(), dq)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="qa-%s-%s-%s.csv"`,
		table, dq.Since.In(dq.Location).Format(time.DateOnly), dq.Until.In(dq.Location).AddDate(0, 0, -1).Format(time.DateOnly)))
	return d.CSV(w, table)
}

func (s *Server) agreement(w http.ResponseWriter, r *http.Request) error {
	card := newQuery(r).get("scorecard")
	ag, err := s.svc.Agreement(r.Context(), card)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"scorecard": card, "agreement": ag})
	return nil
}
