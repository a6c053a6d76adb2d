package openai

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/switchboard-voice/switchboard/internal/oai"
	"github.com/switchboard-voice/switchboard/nlu"
)

// Defaults for Config.
const (
	DefaultBaseURL           = oai.DefaultBaseURL
	DefaultFirstTokenTimeout = 2 * time.Second
	DefaultTimeout           = 10 * time.Second
)

// Config configures an LLM.
type Config struct {
	// BaseURL of the OpenAI-compatible API, including its version path
	// ("https://api.openai.com/v1", "http://localhost:11434/v1").
	// Default DefaultBaseURL.
	BaseURL string
	// APIKey is sent as "Authorization: Bearer <APIKey>"; empty sends no
	// Authorization header (local servers).
	APIKey string
	// Model name, required ("gpt-4o-mini", "qwen2.5:7b-instruct").
	Model string
	// Temperature of sampling. Zero is not sent, leaving the endpoint's
	// default; for near-greedy decoding use a small value such as 0.01.
	// Leave it zero for reasoning models (o1, o3...), which reject it.
	Temperature float32
	// FirstTokenTimeout bounds the wait for the first streamed chunk,
	// response headers included. Default DefaultFirstTokenTimeout.
	FirstTokenTimeout time.Duration
	// Timeout bounds the whole turn. Default DefaultTimeout.
	Timeout time.Duration
	// HTTPClient sends the requests; default a new http.Client without a
	// timeout of its own (Plan's timeouts apply).
	HTTPClient *http.Client
}

// LLM plans turns with a chat model over the OpenAI API. It is safe for
// concurrent use.
type LLM struct {
	cfg    Config
	client *goopenai.Client
}

var _ nlu.LLM = (*LLM)(nil)

// New checks cfg, fills in its defaults and returns an LLM. It does not
// contact the endpoint.
func New(cfg Config) (*LLM, error) {
	var c oai.Checker
	c.Model("Config.Model", &cfg.Model, "")
	c.BaseURL("Config.BaseURL", &cfg.BaseURL, DefaultBaseURL)
	c.Duration("Config.FirstTokenTimeout", &cfg.FirstTokenTimeout, DefaultFirstTokenTimeout)
	c.Duration("Config.Timeout", &cfg.Timeout, DefaultTimeout)
	if err := c.Err(); err != nil {
		return nil, fmt.Errorf("openai: %w", err)
	}
	return &LLM{cfg: cfg, client: oai.NewClient(cfg.BaseURL, cfg.APIKey, cfg.HTTPClient)}, nil
}

// Plan streams a chat completion for req and turns it into a plan. Content
// deltas go to req.OnText as they arrive, on the calling goroutine.
//
// Errors wrap nlu.ErrLLMTimeout (no first chunk within FirstTokenTimeout, or
// the turn exceeded Timeout), nlu.ErrLLMUnavailable (HTTP error, broken or
// truncated stream, empty reply) or nlu.ErrInvalidToolCall (a tool call
// that does not fit req). When ctx ends first, the error wraps ctx's error
// and none of those.
func (l *LLM) Plan(ctx context.Context, req nlu.PlanRequest) (nlu.Plan, error) {
	turnCtx, cancel := context.WithTimeout(ctx, l.cfg.Timeout)
	defer cancel()
	var firstTimedOut atomic.Bool
	firstTimer := time.AfterFunc(l.cfg.FirstTokenTimeout, func() {
		firstTimedOut.Store(true)
		cancel()
	})
	defer firstTimer.Stop()

	fail := func(err error) (nlu.Plan, error) {
		return nlu.Plan{}, l.classify(ctx, turnCtx, firstTimedOut.Load(), err)
	}

	cat := newCatalog(&req)
	stream, err := l.client.CreateChatCompletionStream(turnCtx, l.request(&req, cat))
	if err != nil {
		return fail(err)
	}
	defer stream.Close()

	var (
		acc    accumulator
		first  = true
		finish goopenai.FinishReason
	)
	for {
		chunk, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fail(err)
		}
		if first {
			first = false
			if !firstTimer.Stop() {
				// The timer fired as the chunk arrived: the request is
				// cancelled already.
				return fail(context.Canceled)
			}
		}
		for _, ch := range chunk.Choices {
			if ch.Index != 0 {
				continue
			}
			if d := ch.Delta.Content; d != "" {
				acc.text.WriteString(d)
				if req.OnText != nil {
					req.OnText(d)
				}
			}
			for _, tc := range ch.Delta.ToolCalls {
				acc.addToolCall(tc)
			}
			if ch.FinishReason != "" {
				finish = ch.FinishReason
			}
		}
	}
	if first {
		return fail(errors.New("stream ended without a chunk"))
	}
	switch finish {
	case "":
		return fail(errors.New("stream ended without a finish_reason (truncated)"))
	case goopenai.FinishReasonContentFilter:
		return fail(errors.New("reply blocked by the content filter"))
	}
	return cat.plan(&acc)
}

// classify maps an error from the client to the nlu errors. The
// first-token timer cancels turnCtx: it is checked after the caller's
// context and before the turn's deadline.
func (l *LLM) classify(ctx, turnCtx context.Context, firstTimedOut bool, err error) error {
	f := oai.Classify(ctx, turnCtx, err)
	switch {
	case f.Kind == oai.Canceled:
		return fmt.Errorf("openai: plan: %w", f.Err)
	case firstTimedOut:
		return fmt.Errorf("%w: openai: no first token within %v", nlu.ErrLLMTimeout, l.cfg.FirstTokenTimeout)
	case f.Kind == oai.Timeout:
		return fmt.Errorf("%w: openai: turn took longer than %v", nlu.ErrLLMTimeout, l.cfg.Timeout)
	}
	return oai.Wrap(nlu.ErrLLMUnavailable, "openai: "+f.Detail, err)
}
