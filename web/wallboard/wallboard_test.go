package wallboard_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/switchboard-voice/switchboard/web/wallboard"
)

func TestHandler(t *testing.T) {
	h := wallboard.Handler()
	for _, tc := range []struct {
		method, path string
		code         int
		ctype, body  string
	}{
		{"GET", "/supervisor", 200, "text/html; charset=utf-8", `<label for="login">Supervisor login</label>`},
		{"GET", "/supervisor/", 200, "text/html; charset=utf-8", `src="/supervisor/wall.js"`},
		{"GET", "/supervisor/wall.js", 200, "text/javascript; charset=utf-8", "from '/supervisor/live.js'"},
		{"GET", "/supervisor/live.js", 200, "text/javascript; charset=utf-8", "export class Live"},
		{"GET", "/supervisor/wall.css", 200, "text/css; charset=utf-8", ".wall-grid"},
		{"GET", "/supervisor/live.css", 200, "text/css; charset=utf-8", ".sbar"},
		{"HEAD", "/supervisor/", 200, "text/html; charset=utf-8", ""},
		{"GET", "/supervisor/desk.js", 404, "", ""},
		{"GET", "/supervisor/../go.mod", 404, "", ""},
		{"GET", "/supervisors", 404, "", ""},
		{"PUT", "/supervisor", 405, "", ""},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
			body, _ := io.ReadAll(rec.Result().Body)
			if rec.Code != tc.code || !strings.HasPrefix(rec.Header().Get("Content-Type"), tc.ctype) || !strings.Contains(string(body), tc.body) {
				t.Errorf("%d %q, %d bytes; want %d %q containing %q", rec.Code, rec.Header().Get("Content-Type"), len(body), tc.code, tc.ctype, tc.body)
			}
		})
	}
	rec := httptest.NewRecorder()
	wallboard.Handler(wallboard.WithMediaOrigins("https://media2.example.com:8443")).ServeHTTP(rec, httptest.NewRequest("GET", "/supervisor", nil))
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "connect-src 'self' https://media2.example.com:8443;") {
		t.Errorf("CSP %q", csp)
	}
}

// ExampleHandler mounts the wallboard next to the supervisors' API.
func ExampleHandler() {
	mux := http.NewServeMux()
	mux.Handle("/supervisor", wallboard.Handler())
	mux.Handle("/supervisor/", wallboard.Handler())
	// mux.Handle("/v1/supervisor/", agentService)  // login, logout, me, ws
	_ = mux
}
