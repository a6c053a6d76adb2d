package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzAPI sends arbitrary bodies to the endpoints that read JSON or YAML
// from the network: every reply is a JSON status, never a panic or a 500.
func FuzzAPI(f *testing.F) {
	fx := newAPI(f)
	req, _ := http.NewRequest("PUT", fx.srv.URL+"/v1/bots/tiny/draft", strings.NewReader(tinyBot))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		f.Fatalf("draft: %v %v", resp, err)
	}
	s := fx.srv.Config.Handler
	for _, seed := range []string{`{"bot":"tiny"}`, `{"text":"balance"}`, `{"version":1}`, `{`, "\xff", `{"bot":"tiny","language":"zh"}`, tinyBot} {
		f.Add(0, seed)
		f.Add(1, seed)
	}
	f.Fuzz(func(t *testing.T, which int, body string) {
		routes := []struct{ method, path string }{
			{"POST", "/v1/sessions"},
			{"POST", "/v1/sessions/x/messages"},
			{"POST", "/v1/bots/tiny/rollback"},
			{"POST", "/v1/bots/tiny/publish"},
			{"PUT", "/v1/bots/fuzz/draft"},
		}
		rt := routes[(which%len(routes)+len(routes))%len(routes)]
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest(rt.method, rt.path, strings.NewReader(body)))
		if rec.Code >= 500 {
			t.Fatalf("%s %s %q: %d %s", rt.method, rt.path, body, rec.Code, rec.Body)
		}
		if !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
			t.Fatalf("%s %s: content type %q", rt.method, rt.path, rec.Header().Get("Content-Type"))
		}
	})
}
