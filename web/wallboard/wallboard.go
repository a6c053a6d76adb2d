package wallboard

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
// servers a monitoring Connect's media_url may point to, when they are
// not the page's own: the page's Content Security Policy allows WHIP
// requests to these only. Without it, any https origin is allowed.
// Handler panics on a value that is not an origin.
func WithMediaOrigins(origins ...string) Option { return page.WithMediaOrigins(origins...) }

// Handler serves the supervisor wallboard: /supervisor and /supervisor/
// are the page, /supervisor/wall.js, /supervisor/live.js,
// /supervisor/wall.css and /supervisor/live.css its script and styles.
// GET and HEAD only. Mount it at "/supervisor" and "/supervisor/" on the
// origin that serves /v1/supervisor/.
func Handler(opts ...Option) http.Handler { return page.Embedded(static, "/supervisor", opts...) }
