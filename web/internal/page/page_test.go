package page

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

var files = fstest.MapFS{
	"index.html": {Data: []byte("<!doctype html><title>t</title>")},
	"app.js":     {Data: []byte("export const x = 1;")},
	"app.css":    {Data: []byte("body{}")},
	"notes.txt":  {Data: []byte("not served")},
	"sub/a.js":   {Data: []byte("not served either")},
}

func TestHandler(t *testing.T) {
	h := Handler(Config{Prefix: "/p", Files: files})
	for _, tc := range []struct {
		method, path string
		code         int
		ctype, body  string
	}{
		{"GET", "/p", 200, "text/html; charset=utf-8", "<title>t</title>"},
		{"GET", "/p/", 200, "text/html; charset=utf-8", "<title>t</title>"},
		{"GET", "/p/index.html", 200, "text/html; charset=utf-8", "<title>t</title>"},
		{"GET", "/p/app.js", 200, "text/javascript; charset=utf-8", "export const x"},
		{"GET", "/p/app.css", 200, "text/css; charset=utf-8", "body{}"},
		{"GET", "/p/live.js", 200, "text/javascript; charset=utf-8", "export class Live"},
		{"GET", "/p/live.css", 200, "text/css; charset=utf-8", ".toast"},
		{"HEAD", "/p/app.js", 200, "text/javascript; charset=utf-8", ""},
		{"GET", "/p/notes.txt", 404, "", ""},
		{"GET", "/p/sub/a.js", 404, "", ""},
		{"GET", "/p/../go.mod", 404, "", ""},
		{"GET", "/pages", 404, "", ""},
		{"GET", "/other", 404, "", ""},
		{"POST", "/p", 405, "", ""},
		{"DELETE", "/p/app.js", 405, "", ""},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
			body, _ := io.ReadAll(rec.Result().Body)
			if rec.Code != tc.code {
				t.Fatalf("status %d, want %d", rec.Code, tc.code)
			}
			if tc.code != 200 {
				if tc.code == 405 && rec.Header().Get("Allow") != "GET, HEAD" {
					t.Errorf("Allow %q", rec.Header().Get("Allow"))
				}
				return
			}
			hd := rec.Header()
			if hd.Get("Content-Type") != tc.ctype || !strings.Contains(string(body), tc.body) {
				t.Errorf("%q, %q; want %q containing %q", hd.Get("Content-Type"), body, tc.ctype, tc.body)
			}
			if tc.method == "HEAD" && len(body) != 0 {
				t.Errorf("HEAD has a body")
			}
			if hd.Get("Cache-Control") != "no-cache" || hd.Get("ETag") == "" || hd.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("headers %v", hd)
			}
			if hd.Get("Content-Length") == "" {
				t.Errorf("no Content-Length")
			}
			if csp := hd.Get("Content-Security-Policy"); strings.HasPrefix(tc.ctype, "text/html") != (csp != "") {
				t.Errorf("CSP %q on %s", csp, tc.path)
			}
		})
	}
}

func TestHandlerRevalidates(t *testing.T) {
	h := Handler(Config{Prefix: "/p", Files: files})
	get := func(inm string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "/p/app.js", nil)
		if inm != "" {
			req.Header.Set("If-None-Match", inm)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	etag := get("").Header().Get("ETag")
	for _, tc := range []struct {
		inm  string
		code int
	}{
		{etag, http.StatusNotModified},
		{"W/" + etag, http.StatusNotModified},
		{`"other", ` + etag, http.StatusNotModified},
		{"*", http.StatusNotModified},
		{`"stale"`, http.StatusOK},
	} {
		if rec := get(tc.inm); rec.Code != tc.code || (tc.code == 304 && rec.Body.Len() != 0) {
			t.Errorf("If-None-Match %s: %d with %d bytes, want %d", tc.inm, rec.Code, rec.Body.Len(), tc.code)
		}
	}
	// Another file has another tag.
	req := httptest.NewRequest("GET", "/p/app.css", nil)
	req.Header.Set("If-None-Match", etag)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Errorf("app.css revalidated with app.js's ETag: %d", rec.Code)
	}
}

func TestHandlerCSP(t *testing.T) {
	csp := func(origins ...string) string {
		rec := httptest.NewRecorder()
		Handler(Config{Prefix: "/p", Files: files, MediaOrigins: origins}).ServeHTTP(rec, httptest.NewRequest("GET", "/p", nil))
		return rec.Header().Get("Content-Security-Policy")
	}
	for _, tc := range []struct {
		origins []string
		want    string
	}{
		{nil, "connect-src 'self' https:;"},
		{[]string{"https://Media1.example.com:8443", "http://10.0.0.5:8080/"}, "connect-src 'self' https://media1.example.com:8443 http://10.0.0.5:8080;"},
	} {
		got := csp(tc.origins...)
		if !strings.Contains(got, tc.want) || !strings.Contains(got, "script-src 'self';") || !strings.Contains(got, "frame-ancestors 'none'") {
			t.Errorf("%v: CSP %q, want %q", tc.origins, got, tc.want)
		}
	}
}

func TestOrigin(t *testing.T) {
	for _, bad := range []string{"", "media.example.com", "ftp://x", "https://", "https://x/path", "https://x?q=1",
		"https://u:p@x", "https://x#f", "https://x; script-src *", "javascript:alert(1)"} {
		if o, err := Origin(bad); err == nil {
			t.Errorf("Origin(%q) = %q, want an error", bad, o)
		} else if !strings.Contains(err.Error(), "scheme://host") {
			t.Errorf("Origin(%q): %v does not say what is expected", bad, err)
		}
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(error).Error(), `"media.example.com"`) {
			t.Errorf("Handler with a bad origin: panic %v", r)
		}
	}()
	Handler(Config{Prefix: "/p", Files: files, MediaOrigins: []string{"media.example.com"}})
}

func TestHandlerWithoutIndex(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "no index.html") {
			t.Errorf("panic %v", r)
		}
	}()
	Handler(Config{Prefix: "/p", Files: fstest.MapFS{"a.js": {}}})
}

// FuzzHandlerPath checks that no request path serves anything but the
// page's files, or panics.
func FuzzHandlerPath(f *testing.F) {
	h := Handler(Config{Prefix: "/p", Files: files})
	for _, s := range []string{"/p", "/p/", "/p/app.js", "/p/../go.mod", "/p//app.js", "/p/%2e%2e/x", "/p/sub/a.js", "/pp/app.js", "/p/notes.txt"} {
		f.Add(s)
	}
	served := map[string]string{"": "<title>t</title>", "/": "<title>t</title>", "/index.html": "<title>t</title>", "/app.js": "export const x",
		"/app.css": "body{}", "/live.js": "export class Live", "/live.css": ".toast"}
	f.Fuzz(func(t *testing.T, path string) {
		req, err := http.NewRequest("GET", "http://x", nil)
		if err != nil {
			t.Skip()
		}
		req.URL.Path = path
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		rest, ok := strings.CutPrefix(path, "/p")
		want, known := served[rest]
		switch {
		case ok && known:
			if rec.Code != 200 || !strings.Contains(rec.Body.String(), want) {
				t.Fatalf("%q: %d %q", path, rec.Code, rec.Body.String())
			}
		case rec.Code != 404:
			t.Fatalf("%q: %d, want 404", path, rec.Code)
		}
	})
}
