package openai

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/switchboard-voice/switchboard/internal/oai"
	"github.com/switchboard-voice/switchboard/qa"
	"github.com/switchboard-voice/switchboard/qa/sentiment"
)

// Defaults for Config.
const (
	DefaultBaseURL = oai.DefaultBaseURL
	DefaultTimeout = 5 * time.Second
	// DefaultMaxTokens bounds the reply: a {"score","label"} object needs
	// about 20 tokens.
	DefaultMaxTokens = 60
)

// maxTextRunes bounds how much of an utterance is sent.
const maxTextRunes = 4000

// Config configures a Scorer.
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
	// default; use a small value such as 0.01 for near-greedy decoding.
	Temperature float32
	// Timeout bounds one Score call. Default DefaultTimeout.
	Timeout time.Duration
	// MaxTokens bounds the reply. Default DefaultMaxTokens.
	MaxTokens int
	// PlainText leaves out response_format {"type":"json_object"}, for
	// endpoints that reject it; the reply is still parsed as JSON.
	PlainText bool
	// HTTPClient sends the requests; default a new http.Client without a
	// timeout of its own (Timeout applies).
	HTTPClient *http.Client
}

// Scorer scores utterances with a chat model. It is safe for concurrent
// use.
type Scorer struct {
	cfg    Config
	client *goopenai.Client
}

var _ sentiment.Scorer = (*Scorer)(nil)

// New checks cfg, fills in its defaults and returns a Scorer. It does not
// contact the endpoint.
func New(cfg Config) (*Scorer, error) {
	var c oai.Checker
	c.Model("Config.Model", &cfg.Model, "")
	c.BaseURL("Config.BaseURL", &cfg.BaseURL, DefaultBaseURL)
	c.Duration("Config.Timeout", &cfg.Timeout, DefaultTimeout)
	c.Int("Config.MaxTokens", &cfg.MaxTokens, DefaultMaxTokens)
	if err := c.Err(); err != nil {
		return nil, fmt.Errorf("sentiment/openai: %w", err)
	}
	return &Scorer{cfg: cfg, client: oai.NewClient(cfg.BaseURL, cfg.APIKey, cfg.HTTPClient)}, nil
}

// Score asks the model for the sentiment of text. Errors wrap
// sentiment.ErrTimeout (no reply within Config.Timeout),
// sentiment.ErrUnavailable (HTTP or network error, no choice, a reply cut
// by the token limit or the content filter) or sentiment.ErrInvalidReply
// (not a JSON object with a score in [-1, 1] and a label agreeing with it);
// sentiment.ErrLanguage for a language other than English or Chinese. When
// ctx ends first the error wraps ctx's error and none of those.
func (s *Scorer) Score(ctx context.Context, text, lang string) (qa.Sentiment, error) {
	lg, err := sentiment.Language(lang, text)
	if err != nil {
		return qa.Sentiment{}, err
	}
	text = strings.TrimSpace(strings.ToValidUTF8(text, "\uFFFD"))
	if text == "" {
		return qa.Sentiment{Label: qa.Neutral}, nil
	}
	if utf8.RuneCountInString(text) > maxTextRunes {
		text = string([]rune(text)[:maxTextRunes])
	}
	callCtx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	resp, err := s.client.CreateChatCompletion(callCtx, s.request(text, lg))
	if err != nil {
		return qa.Sentiment{}, s.classify(ctx, callCtx, err)
	}
	if len(resp.Choices) == 0 {
		return qa.Sentiment{}, fmt.Errorf("%w: sentiment/openai: reply without a choice", sentiment.ErrUnavailable)
	}
	ch := resp.Choices[0]
	switch ch.FinishReason {
	case goopenai.FinishReasonLength:
		return qa.Sentiment{}, fmt.Errorf("%w: sentiment/openai: reply cut at %d tokens", sentiment.ErrUnavailable, s.cfg.MaxTokens)
	case goopenai.FinishReasonContentFilter:
		return qa.Sentiment{}, fmt.Errorf("%w: sentiment/openai: reply blocked by the content filter", sentiment.ErrUnavailable)
	}
	return ParseReply(ch.Message.Content)
}

func (s *Scorer) request(text, lang string) goopenai.ChatCompletionRequest {
	req := goopenai.ChatCompletionRequest{
		Model:       s.cfg.Model,
		Temperature: s.cfg.Temperature,
		MaxTokens:   s.cfg.MaxTokens,
		Messages: []goopenai.ChatCompletionMessage{
			{Role: goopenai.ChatMessageRoleSystem, Content: systemPrompt},
			{Role: goopenai.ChatMessageRoleUser, Content: userPrompt(text, lang)},
		},
	}
	if !s.cfg.PlainText {
		req.ResponseFormat = &goopenai.ChatCompletionResponseFormat{Type: goopenai.ChatCompletionResponseFormatTypeJSONObject}
	}
	return req
}

// classify maps an error from the client to the sentiment sentinels.
func (s *Scorer) classify(ctx, callCtx context.Context, err error) error {
	switch f := oai.Classify(ctx, callCtx, err); f.Kind {
	case oai.Canceled:
		return fmt.Errorf("sentiment/openai: %w", f.Err)
	case oai.Timeout:
		return fmt.Errorf("%w: sentiment/openai: no reply within %v", sentiment.ErrTimeout, s.cfg.Timeout)
	default:
		return oai.Wrap(sentiment.ErrUnavailable, "sentiment/openai: "+f.Detail, err)
	}
}

// reply is the JSON object the model is asked for.
type reply struct {
	Score *float64 `json:"score"`
	Label *string  `json:"label"`
}

// ParseReply reads a model's reply: a JSON object {"score": number in
// [-1, 1], "label": "negative"|"neutral"|"positive"}, possibly inside a
// ```json fence or surrounded by text. A label that contradicts the score's
// sign (positive with a negative score, negative with a positive one) is
// invalid. Errors wrap sentiment.ErrInvalidReply.
func ParseReply(content string) (qa.Sentiment, error) {
	bad := func(format string, args ...any) (qa.Sentiment, error) {
		return qa.Sentiment{}, fmt.Errorf("%w: sentiment/openai: %s (reply %q)", sentiment.ErrInvalidReply, fmt.Sprintf(format, args...), short(content))
	}
	obj := jsonObject(content)
	if obj == "" {
		return bad("no JSON object")
	}
	var r reply
	if err := json.Unmarshal([]byte(obj), &r); err != nil {
		return bad("%v", err)
	}
	if r.Score == nil {
		return bad("no score")
	}
	if r.Label == nil {
		return bad("no label")
	}
	score := *r.Score
	if math.IsNaN(score) || score < -1 || score > 1 {
		return bad("score %v outside [-1, 1]", score)
	}
	label, err := sentiment.ParseLabel(*r.Label)
	if err != nil {
		return bad("%v", err)
	}
	if label == qa.Positive && score < 0 || label == qa.Negative && score > 0 {
		return bad("label %s contradicts score %v", label, score)
	}
	return qa.Sentiment{Score: score, Label: label}, nil
}

// jsonObject returns the first balanced {...} in s ("" when none), so that
// code fences and chatter around it are ignored.
func jsonObject(s string) string {
	start := strings.IndexByte(s, '{')
	if start < 0 {
		return ""
	}
	depth, inStr, esc := 0, false, false
	for i := start; i < len(s); i++ {
		c := s[i]
		switch {
		case esc:
			esc = false
		case inStr && c == '\\':
			esc = true
		case c == '"':
			inStr = !inStr
		case inStr:
		case c == '{':
			depth++
		case c == '}':
			depth--
			if depth == 0 {
				return s[start : i+1]
			}
		}
	}
	return ""
}

func short(s string) string {
	if utf8.RuneCountInString(s) > 120 {
		return string([]rune(s)[:120]) + "..."
	}
	return s
}
