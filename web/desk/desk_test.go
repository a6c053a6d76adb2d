package desk_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/switchboard-voice/switchboard/web/desk"
)

func TestHandler(t *testing.T) {
	h := desk.Handler()
	for _, tc := range []struct {
		method, path string
		code         int
		ctype, body  string
	}{
		{"GET", "/agent", 200, "text/html; charset=utf-8", `<label for="login">Agent login</label>`},
		{"GET", "/agent/", 200, "text/html; charset=utf-8", `src="/agent/desk.js"`},
		{"GET", "/agent/desk.js", 200, "text/javascript; charset=utf-8", "from '/agent/live.js'"},
		{"GET", "/agent/call.js", 200, "text/javascript; charset=utf-8", "export class CallPanel"},
		{"GET", "/agent/assist.js", 200, "text/javascript; charset=utf-8", "export class TranscriptView"},
		{"GET", "/agent/live.js", 200, "text/javascript; charset=utf-8", "export class MediaCall"},
		{"GET", "/agent/desk.css", 200, "text/css; charset=utf-8", ".transcript"},
		{"GET", "/agent/live.css", 200, "text/css; charset=utf-8", ".banner"},
		{"HEAD", "/agent", 200, "text/html; charset=utf-8", ""},
		{"GET", "/agent/missing.js", 404, "", ""},
		{"GET", "/agent/../go.mod", 404, "", ""},
		{"GET", "/agents", 404, "", ""},
		{"POST", "/agent", 405, "", ""},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
			body, _ := io.ReadAll(rec.Result().Body)
			if rec.Code != tc.code || !strings.HasPrefix(rec.Header().Get("Content-Type"), tc.ctype) || !strings.Contains(string(body), tc.body) {
				t.Errorf("%d %q, %d bytes; want %d %q containing %q", rec.Code, rec.Header().Get("Content-Type"), len(body), tc.code, tc.ctype, tc.body)
			}
			if tc.code == 200 && rec.Header().Get("Cache-Control") != "no-cache" {
				t.Errorf("Cache-Control %q", rec.Header().Get("Cache-Control"))
			}
		})
	}
}

func TestHandlerMediaOrigins(t *testing.T) {
	rec := httptest.NewRecorder()
	desk.Handler(desk.WithMediaOrigins("https://media.example.com")).ServeHTTP(rec, httptest.NewRequest("GET", "/agent", nil))
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "connect-src 'self' https://media.example.com;") {
		t.Errorf("CSP %q", csp)
	}
	defer func() {
		if recover() == nil {
			t.Error("a bad origin did not panic")
		}
	}()
	desk.Handler(desk.WithMediaOrigins("media.example.com"))
}

// ExampleHandler mounts the desktop next to the agent service's API and
// the WebRTC signalling.
func ExampleHandler() {
	mux := http.NewServeMux()
	mux.Handle("/agent", desk.Handler())
	mux.Handle("/agent/", desk.Handler())
	// mux.Handle("/v1/desk/", agentService)  // login, logout, me, ws
	// mux.Handle("/whip/", webrtcServer.Handler())
	_ = mux
}
