// Package openai writes the agent's suggested reply with any
// OpenAI-compatible chat model, grounded in the knowledge articles the
// assistant retrieved: the model is told to answer only from them, in the
// caller's language, in two or three spoken sentences.
package openai

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/switchboard-voice/switchboard/assist"
	"github.com/switchboard-voice/switchboard/internal/oai"
)

// Errors.
var (
	// ErrUnavailable: the endpoint failed (HTTP error, connection);
	// errors.As finds the client's *goopenai.APIError for HTTP errors.
	ErrUnavailable = errors.New("assist/openai: endpoint unavailable")
	// ErrTimeout: no reply in time.
	ErrTimeout = errors.New("assist/openai: timed out")
	// ErrEmpty: the model said nothing usable.
	ErrEmpty = errors.New("assist/openai: empty reply")
)

// Config configures the Replier.
type Config struct {
	// BaseURL of the API ("https://api.openai.com/v1"); required.
	BaseURL string
	APIKey  string
	// Model name; required.
	Model string
	// Timeout of one reply (default 4 s).
	Timeout    time.Duration
	HTTPClient *http.Client
}

// Replier implements assist.Replier.
type Replier struct {
	cfg    Config
	client *goopenai.Client
}

var _ assist.Replier = (*Replier)(nil)

// New checks cfg and returns a Replier.
func New(cfg Config) (*Replier, error) {
	var c oai.Checker
	c.Model("Config.Model", &cfg.Model, "")
	c.BaseURL("Config.BaseURL", &cfg.BaseURL, "")
	if err := c.Err(); err != nil {
		return nil, fmt.Errorf("assist/openai: %w", err)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 4 * time.Second
	}
	return &Replier{cfg: cfg, client: oai.NewClient(cfg.BaseURL, cfg.APIKey, cfg.HTTPClient)}, nil
}

const system = `You help a call-centre agent answer a caller. Write the reply the agent can read out: two or three short spoken sentences, in the caller's language, using only the knowledge articles given. If they do not answer the question, say what the agent should check instead. No lists, no markdown.`

// Reply asks the model for the agent's next sentence.
func (r *Replier) Reply(ctx context.Context, req assist.ReplyRequest) (string, error) {
	var b strings.Builder
	for _, a := range req.Articles {
		fmt.Fprintf(&b, "Article %s: %s\n%s\n\n", a.ID, a.Title, firstNonEmpty(a.Body, a.Snippet))
	}
	b.WriteString("Conversation so far:\n")
	writeTranscript(&b, req.Transcript, 12)
	fmt.Fprintf(&b, "\nThe caller just said: %s\nLanguage: %s\nReply for the agent:", req.Utterance, firstNonEmpty(req.Language, "en"))
	return r.complete(ctx, system, b.String(), 200, r.cfg.Timeout)
}

// complete asks the model for one reply to the system and user messages,
// of at most maxTokens, within timeout. Errors wrap ErrTimeout (a
// deadline, whoever set it, ran out), ErrUnavailable (errors.As finds the
// client's *goopenai.APIError) or ErrEmpty.
func (r *Replier) complete(ctx context.Context, system, user string, maxTokens int, timeout time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	resp, err := r.client.CreateChatCompletion(ctx, goopenai.ChatCompletionRequest{
		Model: r.cfg.Model,
		Messages: []goopenai.ChatCompletionMessage{
			{Role: goopenai.ChatMessageRoleSystem, Content: system},
			{Role: goopenai.ChatMessageRoleUser, Content: user},
		},
		MaxTokens: maxTokens,
	})
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return "", fmt.Errorf("%w after %v", ErrTimeout, timeout)
	case err != nil:
		return "", fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if len(resp.Choices) == 0 || strings.TrimSpace(resp.Choices[0].Message.Content) == "" {
		return "", ErrEmpty
	}
	return strings.TrimSpace(resp.Choices[0].Message.Content), nil
}

// writeTranscript writes the final segments among the last n, one
// "speaker: text" line each.
func writeTranscript(b *strings.Builder, segs []assist.Segment, n int) {
	if len(segs) > n {
		segs = segs[len(segs)-n:]
	}
	for _, s := range segs {
		if s.Final {
			fmt.Fprintf(b, "%s: %s\n", s.Speaker, s.Text)
		}
	}
}

func firstNonEmpty(a, b string) string {
	if strings.TrimSpace(a) != "" {
		return a
	}
	return b
}
