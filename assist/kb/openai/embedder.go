package openai

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/switchboard-voice/switchboard/assist/kb"
	"github.com/switchboard-voice/switchboard/internal/oai"
)

// Defaults for Config.
const (
	DefaultBaseURL   = oai.DefaultBaseURL
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
	var c oai.Checker
	c.BaseURL("Config.BaseURL", &cfg.BaseURL, DefaultBaseURL)
	c.Model("Config.Model", &cfg.Model, DefaultModel)
	c.Int("Config.Dimensions", &cfg.Dimensions, 0)
	c.Duration("Config.Timeout", &cfg.Timeout, DefaultTimeout)
	c.Int("Config.BatchSize", &cfg.BatchSize, DefaultBatchSize)
	if err := c.Err(); err != nil {
		return nil, fmt.Errorf("openai: %w: %w", err, kb.ErrInvalid)
	}
	e := &Embedder{cfg: cfg, client: oai.NewClient(cfg.BaseURL, cfg.APIKey, cfg.HTTPClient)}
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

// classify maps an error from the client to the kb errors.
func (e *Embedder) classify(ctx, rctx context.Context, err error) error {
	f := oai.Classify(ctx, rctx, err)
	switch {
	case f.Kind == oai.Canceled:
		return fmt.Errorf("openai: embeddings: %w", f.Err)
	case f.Kind == oai.Timeout:
		return fmt.Errorf("openai: embeddings: %w after %v", kb.ErrTimeout, e.cfg.Timeout)
	case f.Status != 0:
		return fmt.Errorf("openai: embeddings: %w: %s (%w)", kb.ErrUnavailable, f.Detail, err)
	}
	return fmt.Errorf("openai: embeddings: %w: %w", kb.ErrUnavailable, err)
}
