package desk

import (
	"embed"
	"net/http"

	"github.com/switchboard-voice/switchboard/web/internal/page"
)

//go:embed static
var static embed.FS

// Option configures Handler.
type Option = page.Option

// WithMediaOrigins lists the origins (scheme://host[:port]) of the media
// servers a Connect's media_url may point to, when they are not the
// page's own: the page's Content Security Policy allows WHIP requests to
// these only. Without it, any https origin is allowed. Handler panics on
// a value that is not an origin, as http.ServeMux.Handle does for a bad
// pattern.
func WithMediaOrigins(origins ...string) Option { return page.WithMediaOrigins(origins...) }

// Handler serves the agent desktop: /agent and /agent/ are the page,
// /agent/desk.js, /agent/call.js, /agent/assist.js, /agent/live.js,
// /agent/desk.css and /agent/live.css its scripts and styles. GET and
// HEAD only. Mount it at "/agent" and "/agent/" on the origin that serves
// /v1/desk/ (the page calls it with relative URLs).
func Handler(opts ...Option) http.Handler { return page.Embedded(static, "/agent", opts...) }
