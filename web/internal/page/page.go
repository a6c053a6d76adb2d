package page

import (
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
)

// shared holds what both pages load: live.js and live.css.
//
//go:embed live.js live.css
var shared embed.FS

// types are the content types of the files served, by extension; other
// files are not served.
var types = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
}

type file struct {
	body  []byte
	ctype string
	etag  string
}

// Config says what a page handler serves.
type Config struct {
	// Prefix is the page's path: "/agent" serves /agent, /agent/ (both
	// index.html) and /agent/{file}.
	Prefix string
	// Files holds index.html and the page's scripts and styles at its
	// top level; live.js and live.css are added.
	Files fs.FS
	// MediaOrigins are the origins the page may send WHIP requests to
	// besides its own (scheme://host[:port]). Empty: any https origin.
	MediaOrigins []string
}

// Option configures a page.
type Option func(*Config)

// WithMediaOrigins adds origins to Config.MediaOrigins.
func WithMediaOrigins(origins ...string) Option {
	return func(c *Config) { c.MediaOrigins = append(c.MediaOrigins, origins...) }
}

// Embedded serves the static/ folder of tree (a page's go:embed) under
// prefix; see Handler.
func Embedded(tree fs.FS, prefix string, opts ...Option) http.Handler {
	sub, err := fs.Sub(tree, "static")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	cfg := Config{Prefix: prefix, Files: sub}
	for _, o := range opts {
		o(&cfg)
	}
	return Handler(cfg)
}

// Handler serves a page: GET and HEAD only, each file with its content
// type, an ETag and Cache-Control: no-cache (the browser revalidates, so
// a new release is picked up at the next load), and a Content Security
// Policy that allows scripts and styles from the page's origin only. It
// panics when cfg names an origin that is not one, as http.ServeMux.Handle
// does for a bad pattern: the configuration is wrong at start-up.
func Handler(cfg Config) http.Handler {
	connect := []string{"'self'"}
	if len(cfg.MediaOrigins) == 0 {
		connect = append(connect, "https:")
	}
	for _, o := range cfg.MediaOrigins {
		origin, err := Origin(o)
		if err != nil {
			panic(err)
		}
		connect = append(connect, origin)
	}
	csp := "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"media-src 'self' blob: mediastream:; connect-src " + strings.Join(connect, " ") +
		"; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

	files := map[string]file{}
	for _, fsys := range []fs.FS{shared, cfg.Files} {
		entries, err := fs.ReadDir(fsys, ".")
		if err != nil {
			panic(fmt.Sprintf("page %s: %v", cfg.Prefix, err)) // the embedded tree is fixed at build time
		}
		for _, e := range entries {
			ctype, ok := types[path.Ext(e.Name())]
			if e.IsDir() || !ok {
				continue
			}
			b, err := fs.ReadFile(fsys, e.Name())
			if err != nil {
				panic(fmt.Sprintf("page %s: %v", cfg.Prefix, err))
			}
			sum := sha256.Sum256(b)
			files[e.Name()] = file{body: b, ctype: ctype, etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`}
		}
	}
	if _, ok := files["index.html"]; !ok {
		panic(fmt.Sprintf("page %s: no index.html", cfg.Prefix))
	}

	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name, ok := strings.CutPrefix(r.URL.Path, cfg.Prefix)
		if !ok || (name != "" && name[0] != '/') {
			http.NotFound(w, r)
			return
		}
		name = strings.TrimPrefix(name, "/")
		if name == "" {
			name = "index.html"
		}
		f, ok := files[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", f.ctype)
		h.Set("Cache-Control", "no-cache")
		h.Set("ETag", f.etag)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		if f.ctype == types[".html"] {
			h.Set("Content-Security-Policy", csp)
			h.Set("X-Frame-Options", "DENY")
		}
		if etagMatch(r.Header.Get("If-None-Match"), f.etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		h.Set("Content-Length", fmt.Sprint(len(f.body)))
		if r.Method == http.MethodHead {
			return
		}
		_, _ = w.Write(f.body)
	})
}

// etagMatch reports whether an If-None-Match header names etag (or is *).
func etagMatch(header, etag string) bool {
	for t := range strings.SplitSeq(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}

// Origin returns s as a Content Security Policy origin
// (scheme://host[:port]), or an error naming it when s is not an http or
// https URL without path, query or credentials.
func Origin(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" ||
		strings.ContainsAny(u.Host, " ;,'\"") {
		return "", fmt.Errorf("media origin %q: want scheme://host[:port] with scheme http or https", s)
	}
	return u.Scheme + "://" + strings.ToLower(u.Host), nil
}
