package desk

import (
	"embed"
	"io/fs"
	"net/http"

	"github.com/switchboard-voice/switchboard/web/internal/page"
)

//go:embed static
var static embed.FS

// Option configures Handler.
type Option func(*page.Config)

// WithMediaOrigins lists the origins (scheme://host[:port]) of the media
// servers a Connect's media_url may point to, when they are not the
// page's own: the page's Content Security Policy allows WHIP requests to
// these only. Without it, any https origin is allowed. Handler panics on
// a value that is not an origin, as http.ServeMux.Handle does for a bad
// pattern.
func WithMediaOrigins(origins ...string) Option {
	return func(c *page.Config) { c.MediaOrigins = append(c.MediaOrigins, origins...) }
}

// Handler serves the agent desktop: /agent and /agent/ are the page,
// /agent/desk.js, /agent/call.js, /agent/assist.js, /agent/live.js,
// /agent/desk.css and /agent/live.css its scripts and styles. GET and
// HEAD only. Mount it at "/agent" and "/agent/" on the origin that serves
// /v1/desk/ (the page calls it with relative URLs).
func Handler(opts ...Option) http.Handler {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	cfg := page.Config{Prefix: "/agent", Files: sub}
	for _, o := range opts {
		o(&cfg)
	}
	return page.Handler(cfg)
}
