package phone

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed static
var static embed.FS

// files maps the served names to their content types.
var files = map[string]string{
	"index.html": "text/html; charset=utf-8",
	"phone.js":   "text/javascript; charset=utf-8",
	"phone.css":  "text/css; charset=utf-8",
}

// Handler serves the softphone: /phone (and /phone/) is the page,
// /phone/phone.js and /phone/phone.css its script and style. Mount it at
// "/phone" and "/phone/" next to the WebRTC server's /whip/ handler, on
// the same origin.
func Handler() http.Handler {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name := strings.TrimPrefix(r.URL.Path, "/phone")
		name = strings.TrimPrefix(name, "/")
		if name == "" {
			name = "index.html"
		}
		ct, ok := files[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		b, err := fs.ReadFile(sub, name)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		h := w.Header()
		h.Set("Content-Type", ct)
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", "default-src 'self'; media-src 'self' blob: mediastream:; connect-src 'self'")
		if r.Method == http.MethodHead {
			return
		}
		_, _ = w.Write(b)
	})
}
