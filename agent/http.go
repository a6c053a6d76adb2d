package agent

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-voice/switchboard/acd"
	"github.com/switchboard-voice/switchboard/assist"
)

// Cookie names of the desktop and wallboard sessions.
const (
	DeskCookie       = "sb_desk"
	SupervisorCookie = "sb_supervisor"
	sessionTTL       = 12 * time.Hour
)

// Sessions signs and checks login cookies. Every node of a deployment
// must share the key (desk.secret) so a desktop can reconnect anywhere.
type Sessions struct{ key []byte }

// NewSessions uses key, or a random one when it is empty (one node).
func NewSessions(key string) *Sessions {
	k := []byte(key)
	if len(k) == 0 {
		k = make([]byte, 32)
		_, _ = rand.Read(k)
	}
	return &Sessions{key: k}
}

func (s *Sessions) sign(id string, supervisor bool, exp time.Time) string {
	payload := fmt.Sprintf("%s|%t|%d", id, supervisor, exp.Unix())
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// check returns the ID in a valid, unexpired cookie value.
func (s *Sessions) check(v string, supervisor bool) (string, bool) {
	p, sig, ok := strings.Cut(v, ".")
	if !ok {
		return "", false
	}
	payload, err1 := base64.RawURLEncoding.DecodeString(p)
	mac, err2 := base64.RawURLEncoding.DecodeString(sig)
	if err1 != nil || err2 != nil {
		return "", false
	}
	m := hmac.New(sha256.New, s.key)
	m.Write(payload)
	if !hmac.Equal(mac, m.Sum(nil)) {
		return "", false
	}
	parts := strings.Split(string(payload), "|")
	if len(parts) != 3 || parts[1] != strconv.FormatBool(supervisor) {
		return "", false
	}
	exp, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil || time.Now().Unix() > exp {
		return "", false
	}
	return parts[0], true
}

// Handler serves the desktops' and wallboards' HTTP side:
//
//	POST /v1/desk/login           {login, password} → AgentState, sets the desk cookie
//	POST /v1/desk/logout          clears it (and logs the agent off)
//	GET  /v1/desk/ws              the agent's websocket (assist.Hub)
//	POST /v1/supervisor/login     {login, password}, sets the supervisor cookie
//	POST /v1/supervisor/logout
//	GET  /v1/supervisor/ws        the wallboard's websocket
//	GET  /v1/wallboard            WallState (JSON)
//	GET  /v1/agents, GET|PUT|DELETE /v1/agents/{id}
//	GET  /v1/queues, GET|PUT|DELETE /v1/queues/{id}
//
// Agent and queue changes are applied to the router and stored.
func (s *Service) Handler(hub *assist.Hub, sess *Sessions) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/desk/login", func(w http.ResponseWriter, r *http.Request) { s.login(w, r, sess, false) })
	mux.HandleFunc("POST /v1/supervisor/login", func(w http.ResponseWriter, r *http.Request) { s.login(w, r, sess, true) })
	mux.HandleFunc("POST /v1/desk/logout", func(w http.ResponseWriter, r *http.Request) {
		if id, ok := cookieID(r, sess, false); ok {
			_, _ = s.SetState(id, "offline", "")
		}
		http.SetCookie(w, &http.Cookie{Name: DeskCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /v1/supervisor/logout", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: SupervisorCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /v1/desk/me", func(w http.ResponseWriter, r *http.Request) {
		id, ok := cookieID(r, sess, false)
		if !ok {
			jsonError(w, http.StatusUnauthorized, "not logged in")
			return
		}
		st, err := s.cfg.Router.AgentStatus(id)
		if err != nil {
			httpError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, agentState(st))
	})
	mux.HandleFunc("GET /v1/supervisor/me", func(w http.ResponseWriter, r *http.Request) {
		id, ok := cookieID(r, sess, true)
		if !ok {
			jsonError(w, http.StatusUnauthorized, "not logged in")
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"id": id, "name": id})
	})
	mux.HandleFunc("GET /v1/desk/ws", func(w http.ResponseWriter, r *http.Request) {
		id, ok := cookieID(r, sess, false)
		if !ok {
			jsonError(w, http.StatusUnauthorized, "log in first")
			return
		}
		hub.Serve(w, r, AgentChannel(id), func(context.Context) (any, error) { return s.DeskState(id) },
			func(ctx context.Context, c assist.Command) (any, error) { return s.Command(ctx, id, c) })
	})
	mux.HandleFunc("GET /v1/supervisor/ws", func(w http.ResponseWriter, r *http.Request) {
		id, ok := cookieID(r, sess, true)
		if !ok {
			jsonError(w, http.StatusUnauthorized, "log in first")
			return
		}
		hub.Serve(w, r, Supervisors, func(context.Context) (any, error) { return s.WallState(), nil },
			func(ctx context.Context, c assist.Command) (any, error) { return s.SupervisorCommand(ctx, id, c) })
	})
	mux.HandleFunc("GET /v1/wallboard", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, s.WallState()) })
	mux.HandleFunc("GET /v1/agents", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.cfg.Router.Config().Agents)
	})
	mux.HandleFunc("GET /v1/agents/{id}", func(w http.ResponseWriter, r *http.Request) {
		st, err := s.cfg.Router.AgentStatus(r.PathValue("id"))
		if err != nil {
			httpError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, st)
	})
	mux.HandleFunc("PUT /v1/agents/{id}", func(w http.ResponseWriter, r *http.Request) {
		var a acd.Agent
		if !readJSON(w, r, &a) {
			return
		}
		if a.ID == "" {
			a.ID = r.PathValue("id")
		}
		if a.ID != r.PathValue("id") {
			jsonError(w, http.StatusBadRequest, "the body's id differs from the URL's")
			return
		}
		if err := s.PutAgent(r.Context(), a); err != nil {
			httpError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, a)
	})
	mux.HandleFunc("DELETE /v1/agents/{id}", func(w http.ResponseWriter, r *http.Request) {
		if err := s.DeleteAgent(r.Context(), r.PathValue("id")); err != nil {
			httpError(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /v1/queues", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.cfg.Router.Config().Queues)
	})
	mux.HandleFunc("GET /v1/queues/{id}", func(w http.ResponseWriter, r *http.Request) {
		for _, q := range s.cfg.Router.Config().Queues {
			if q.ID == r.PathValue("id") {
				writeJSON(w, http.StatusOK, q)
				return
			}
		}
		httpError(w, fmt.Errorf("%w %q", acd.ErrUnknownQueue, r.PathValue("id")))
	})
	mux.HandleFunc("PUT /v1/queues/{id}", func(w http.ResponseWriter, r *http.Request) {
		var q acd.Queue
		if !readJSON(w, r, &q) {
			return
		}
		if q.ID == "" {
			q.ID = r.PathValue("id")
		}
		if q.ID != r.PathValue("id") {
			jsonError(w, http.StatusBadRequest, "the body's id differs from the URL's")
			return
		}
		if err := s.PutQueue(r.Context(), q); err != nil {
			httpError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, q)
	})
	mux.HandleFunc("DELETE /v1/queues/{id}", func(w http.ResponseWriter, r *http.Request) {
		if err := s.DeleteQueue(r.Context(), r.PathValue("id")); err != nil {
			httpError(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	return mux
}

// Routes are the patterns Handler serves, for mounting and the OpenAPI
// check.
var Routes = []string{
	"POST /v1/desk/login", "POST /v1/desk/logout", "GET /v1/desk/me", "GET /v1/desk/ws",
	"POST /v1/supervisor/login", "POST /v1/supervisor/logout", "GET /v1/supervisor/me", "GET /v1/supervisor/ws",
	"GET /v1/wallboard", "GET /v1/agents", "GET /v1/agents/{id}", "PUT /v1/agents/{id}", "DELETE /v1/agents/{id}",
	"GET /v1/queues", "GET /v1/queues/{id}", "PUT /v1/queues/{id}", "DELETE /v1/queues/{id}",
}

func cookieID(r *http.Request, sess *Sessions, supervisor bool) (string, bool) {
	name := DeskCookie
	if supervisor {
		name = SupervisorCookie
	}
	c, err := r.Cookie(name)
	if err != nil {
		return "", false
	}
	return sess.check(c.Value, supervisor)
}

func (s *Service) login(w http.ResponseWriter, r *http.Request, sess *Sessions, supervisor bool) {
	var in struct {
		Login    string `json:"login"`
		Password string `json:"password"`
	}
	if !readJSON(w, r, &in) {
		return
	}
	id, sup, err := s.Login(in.Login, in.Password)
	if err != nil || (supervisor && !sup) {
		jsonError(w, http.StatusUnauthorized, "wrong login or password")
		return
	}
	exp := time.Now().Add(sessionTTL)
	name := DeskCookie
	if supervisor {
		name = SupervisorCookie
	}
	http.SetCookie(w, &http.Cookie{Name: name, Value: sess.sign(id, supervisor, exp), Path: "/", Expires: exp,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	if supervisor {
		writeJSON(w, http.StatusOK, map[string]string{"id": id, "name": id})
		return
	}
	st, err := s.cfg.Router.AgentStatus(id)
	if err != nil {
		httpError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, agentState(st))
}

func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		jsonError(w, http.StatusRequestEntityTooLarge, "request body too large")
		return false
	}
	d := json.NewDecoder(strings.NewReader(string(body)))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		jsonError(w, http.StatusBadRequest, "malformed JSON: "+err.Error())
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func jsonError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

// StatusOf maps the service's and the router's errors to HTTP statuses.
func StatusOf(err error) int {
	switch {
	case errors.Is(err, acd.ErrUnknownAgent), errors.Is(err, acd.ErrUnknownQueue), errors.Is(err, acd.ErrUnknownContact),
		errors.Is(err, acd.ErrUnknownOffer), errors.Is(err, ErrNoCall):
		return http.StatusNotFound
	case errors.Is(err, acd.ErrInvalidState), errors.Is(err, acd.ErrInUse), errors.Is(err, acd.ErrAlreadyAccepted),
		errors.Is(err, acd.ErrOfferExpired), errors.Is(err, acd.ErrOfferWithdrawn), errors.Is(err, acd.ErrDuplicate), errors.Is(err, ErrBusy):
		return http.StatusConflict
	case errors.Is(err, acd.ErrInvalidConfig), errors.Is(err, ErrBadRequest):
		return http.StatusUnprocessableEntity
	case errors.Is(err, ErrNotYours), errors.Is(err, ErrAuth):
		return http.StatusForbidden
	case errors.Is(err, acd.ErrClosed), errors.Is(err, ErrClosed):
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

func httpError(w http.ResponseWriter, err error) { jsonError(w, StatusOf(err), err.Error()) }
