package openai

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/switchboard-voice/switchboard/assist/kb"
)

// Defaults for Config.
const (
	DefaultBaseURL   = "https://api.openai.com/v1"
	DefaultModel     = "text-embedding-3-small"
	DefaultTimeout   = 5 * time.Second
	DefaultBatchSize = 256
)

// Config configures an Embedder.
type Config struct {
	// BaseURL of the OpenAI-compatible API, including its version path
	// ("https://api.openai.com/v1", "http://localhost:11434/v1").
	// Default DefaultBaseURL.
	BaseURL string
	// APIKey is sent as "Authorization: Bearer <APIKey>"; empty sends no
	// Authorization header (local servers).
	APIKey string
	// Model name. Default DefaultModel.
	Model string
	// Dimensions asks the model for shorter vectors (text-embedding-3
	// models support it); 0 takes the model's own length, learnt from its
	// first answer.
	Dimensions int
	// Timeout bounds one request (one batch). Default DefaultTimeout.
	// A query embedding is on the agent's critical path: keep it short.
	Timeout time.Duration
	// BatchSize is the most texts sent in one request. Default
	// DefaultBatchSize.
	BatchSize int
	// HTTPClient sends the requests; default a new http.Client without a
	// timeout of its own (Timeout applies).
	HTTPClient *http.Client
}

// Embedder is a kb.Embedder on an OpenAI-compatible /embeddings endpoint.
// It is safe for concurrent use.
type Embedder struct {
	cfg    Config
	client *goopenai.Client
	dims   atomic.Int64 // learnt from answers when not configured
}

var (
	_ kb.Embedder   = (*Embedder)(nil)
	_ kb.Identifier = (*Embedder)(nil)
)

// New checks cfg, fills in its defaults and returns an Embedder. It does
// not contact the endpoint.
func New(cfg Config) (*Embedder, error) {
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("openai: Config.BaseURL %q: want an http or https URL such as %s: %w", cfg.BaseURL, DefaultBaseURL, kb.ErrInvalid)
	}
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	if strings.TrimSpace(cfg.Model) == "" {
		cfg.Model = DefaultModel
	}
	switch {
	case cfg.Dimensions < 0:
		return nil, fmt.Errorf("openai: Config.Dimensions %d is negative: %w", cfg.Dimensions, kb.ErrInvalid)
	case cfg.Timeout < 0:
		return nil, fmt.Errorf("openai: Config.Timeout %v is negative: %w", cfg.Timeout, kb.ErrInvalid)
	case cfg.BatchSize < 0:
		return nil, fmt.Errorf("openai: Config.BatchSize %d is negative: %w", cfg.BatchSize, kb.ErrInvalid)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.BatchSize == 0 {
		cfg.BatchSize = DefaultBatchSize
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{}
	}
	cc := goopenai.DefaultConfig(cfg.APIKey)
	cc.BaseURL = cfg.BaseURL
	cc.HTTPClient = cfg.HTTPClient
	e := &Embedder{cfg: cfg, client: goopenai.NewClientWithConfig(cc)}
	e.dims.Store(int64(cfg.Dimensions))
	return e, nil
}

// Dimensions returns Config.Dimensions, or the length of the vectors
// returned so far (0 before the first answer).
func (e *Embedder) Dimensions() int { return int(e.dims.Load()) }

// ID names the endpoint, model and dimensions, so that an Index reuses
// vectors only from the same model.
func (e *Embedder) ID() string {
	return "openai/" + e.cfg.BaseURL + "/" + e.cfg.Model + "/" + strconv.Itoa(e.cfg.Dimensions)
}

// Embed returns one vector per text, sending at most BatchSize texts per
// request. Empty texts are sent as a single space (the API refuses empty
// input).
//
// Errors wrap kb.ErrTimeout (a request took longer than Config.Timeout),
// kb.ErrUnavailable (an HTTP or network error, a malformed answer: wrong
// count, empty or non-finite vectors, lengths that differ; errors.As finds
// *goopenai.APIError for HTTP errors) or, when ctx ends first, ctx's error
// and neither sentinel.
func (e *Embedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, 0, len(texts))
	for start := 0; start < len(texts); start += e.cfg.BatchSize {
		end := min(start+e.cfg.BatchSize, len(texts))
		vs, err := e.batch(ctx, texts[start:end])
		if err != nil {
			return nil, err
		}
		out = append(out, vs...)
	}
	return out, nil
}

func (e *Embedder) batch(ctx context.Context, texts []string) ([][]float32, error) {
	input := make([]string, len(texts))
	for i, t := range texts {
		t = strings.ToValidUTF8(t, " ")
		if strings.TrimSpace(t) == "" {
			t = " "
		}
		input[i] = t
	}
	rctx, cancel := context.WithTimeout(ctx, e.cfg.Timeout)
	defer cancel()
	resp, err := e.client.CreateEmbeddings(rctx, goopenai.EmbeddingRequest{
		Input:      input,
		Model:      goopenai.EmbeddingModel(e.cfg.Model),
		Dimensions: e.cfg.Dimensions,
	})
	if err != nil {
		return nil, e.classify(ctx, rctx, err)
	}
	if len(resp.Data) != len(texts) {
		return nil, fmt.Errorf("openai: %w: %d embeddings for %d inputs", kb.ErrUnavailable, len(resp.Data), len(texts))
	}
	out := make([][]float32, len(texts))
	want := e.Dimensions()
	for _, d := range resp.Data {
		if d.Index < 0 || d.Index >= len(texts) || out[d.Index] != nil {
			return nil, fmt.Errorf("openai: %w: embedding index %d out of range or repeated", kb.ErrUnavailable, d.Index)
		}
		if len(d.Embedding) == 0 {
			return nil, fmt.Errorf("openai: %w: empty embedding for input %d", kb.ErrUnavailable, d.Index)
		}
		if want == 0 {
			want = len(d.Embedding)
		}
		if len(d.Embedding) != want {
			return nil, fmt.Errorf("openai: %w: embedding %d has %d dimensions, want %d", kb.ErrUnavailable, d.Index, len(d.Embedding), want)
		}
		for _, x := range d.Embedding {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return nil, fmt.Errorf("openai: %w: embedding %d is not finite", kb.ErrUnavailable, d.Index)
			}
		}
		out[d.Index] = d.Embedding
	}
	e.dims.CompareAndSwap(0, int64(want))
	return out, nil
}

func (e *Embedder) classify(ctx, rctx context.Context, err error) error {
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("openai: embeddings: %w", context.Cause(ctx))
	case errors.Is(rctx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("openai: embeddings: %w after %v", kb.ErrTimeout, e.cfg.Timeout)
	}
	var apiErr *goopenai.APIError
	if errors.As(err, &apiErr) {
		return fmt.Errorf("openai: embeddings: %w: HTTP %d: %s (%w)", kb.ErrUnavailable, apiErr.HTTPStatusCode, apiErr.Message, err)
	}
	var reqErr *goopenai.RequestError
	if errors.As(err, &reqErr) {
		body := strings.Join(strings.Fields(string(reqErr.Body)), " ")
		if len(body) > 200 {
			body = body[:200] + "..."
		}
		return fmt.Errorf("openai: embeddings: %w: HTTP %s: %s (%w)", kb.ErrUnavailable, reqErr.HTTPStatus, body, err)
	}
	return fmt.Errorf("openai: embeddings: %w: %w", kb.ErrUnavailable, err)
}
