package oai

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	goopenai "github.com/sashabaranov/go-openai"
)

// DefaultBaseURL is OpenAI's own API, the default base URL of the
// adapters.
const DefaultBaseURL = "https://api.openai.com/v1"

// Checker checks and fills in the settings of an adapter's configuration,
// one call per setting, in order. After the first problem the later calls
// do nothing; Err returns it. Each error names the setting by the key it
// was given ("Config.Timeout", "base URL"). The zero Checker is ready to
// use.
type Checker struct {
	err error
}

// Err returns the first problem found, or nil.
func (c *Checker) Err() error { return c.err }

// BaseURL checks *u, the base URL of an OpenAI-compatible API including
// its version path: it must be an http or https URL with a host. A
// trailing slash is removed. An empty *u becomes def; with def empty, an
// empty *u is refused like any other bad URL.
func (c *Checker) BaseURL(key string, u *string, def string) {
	if c.err != nil {
		return
	}
	if *u == "" {
		*u = def
	}
	p, err := url.Parse(*u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		c.err = fmt.Errorf("%s %q: want an http or https URL such as %s", key, *u, DefaultBaseURL)
		return
	}
	*u = strings.TrimSuffix(*u, "/")
}

// Model checks a model name: one that is empty or only white space
// becomes def, or, with def empty, is refused as required. The name is
// kept as given otherwise.
func (c *Checker) Model(key string, model *string, def string) {
	if c.err != nil || strings.TrimSpace(*model) != "" {
		return
	}
	if def == "" {
		c.err = fmt.Errorf("%s is required", key)
		return
	}
	*model = def
}

// Duration checks a timeout: negative is refused, zero becomes def.
func (c *Checker) Duration(key string, d *time.Duration, def time.Duration) {
	nonNegative(c, key, d, def)
}

// Int checks a count or a size: negative is refused, zero becomes def.
func (c *Checker) Int(key string, n *int, def int) {
	nonNegative(c, key, n, def)
}

func nonNegative[T ~int | ~int64](c *Checker, key string, v *T, def T) {
	switch {
	case c.err != nil:
	case *v < 0:
		c.err = fmt.Errorf("%s %v is negative", key, *v)
	case *v == 0:
		*v = def
	}
}

// NewClient returns a go-openai client for the API at baseURL (checked by
// [Checker.BaseURL]). apiKey is sent as "Authorization: Bearer <apiKey>";
// an empty key sends no Authorization header, for local servers. hc sends
// the requests; nil means a new http.Client without a timeout of its own,
// so that the adapter's deadlines apply.
func NewClient(baseURL, apiKey string, hc *http.Client) *goopenai.Client {
	cc := goopenai.DefaultConfig(apiKey)
	cc.BaseURL = baseURL
	if hc == nil {
		hc = &http.Client{}
	}
	cc.HTTPClient = hc
	return goopenai.NewClientWithConfig(cc)
}
