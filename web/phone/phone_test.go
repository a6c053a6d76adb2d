package phone_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/switchboard-voice/switchboard/web/phone"
)

func TestHandler(t *testing.T) {
	h := phone.Handler()
	for _, tc := range []struct {
		method, path string
		code         int
		ctype, body  string
	}{
		{"GET", "/phone", 200, "text/html", `id="call"`},
		{"GET", "/phone/", 200, "text/html", `<label for="number">`},
		{"GET", "/phone/phone.js", 200, "text/javascript", "insertDTMF"},
		{"GET", "/phone/phone.css", 200, "text/css", ".keypad"},
		{"HEAD", "/phone", 200, "text/html", ""},
		{"GET", "/phone/missing.js", 404, "", ""},
		{"GET", "/phone/../go.mod", 404, "", ""},
		{"POST", "/phone", 405, "", ""},
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
}

// ExampleHandler mounts the page next to the WebRTC signalling.
func ExampleHandler() {
	mux := http.NewServeMux()
	mux.Handle("/phone", phone.Handler())
	mux.Handle("/phone/", phone.Handler())
	// mux.Handle("/whip/", webrtcServer.Handler())
	_ = mux
}
