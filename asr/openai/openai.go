// Package openai is an asr.Recognizer over an OpenAI-compatible
// transcription endpoint (POST /audio/transcriptions: OpenAI's whisper-1
// or gpt-4o-transcribe, or a local server that speaks the same API).
// The endpoint is not streaming: a session buffers the utterance, and at
// End sends it as one WAV file and returns the transcript as the final
// result. There are no partial results.
//
//	rec, err := openai.New(openai.Config{BaseURL: "http://localhost:8000/v1", Model: "whisper-1"})
//	s, err := rec.Stream(ctx, asr.Config{Language: "en", Rate: 8000})
//	// s.WriteFrame(f) ... s.End(); res := <-s.Results()
package openai

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/switchboard-voice/switchboard/asr"
	"github.com/switchboard-voice/switchboard/internal/oai"
	"github.com/switchboard-voice/switchboard/media"
)

// Defaults for Config.
const (
	DefaultBaseURL = oai.DefaultBaseURL
	DefaultModel   = "whisper-1"
	DefaultTimeout = 10 * time.Second
	// MaxAudio is the longest utterance sent; audio past it is dropped
	// (the API takes files up to 25 MB).
	MaxAudio = 10 * time.Minute
)

// Name is the provider name in results.
const Name = "openai"

// ErrUnavailable is wrapped in a final result's Err when the endpoint
// answers with an HTTP error, an unreadable reply, or cannot be reached.
var ErrUnavailable = errors.New("openai: transcription unavailable")

// Config configures a Recognizer.
type Config struct {
	// BaseURL of the OpenAI-compatible API, including its version path.
	// Default DefaultBaseURL.
	BaseURL string
	// APIKey is sent as "Authorization: Bearer <APIKey>"; empty sends none.
	APIKey string
	// Model of transcription. Default DefaultModel ("whisper-1").
	Model string
	// Language hint when a stream's asr.Config has none ("en"). Sent as
	// the ISO 639-1 code (the part before any "-").
	Language string
	// Timeout bounds the request made at End. Default DefaultTimeout. A
	// request that runs out gives a final result with asr.ErrTimeout.
	Timeout time.Duration
	// HTTPClient sends the requests; default a new http.Client.
	HTTPClient *http.Client
}

// Recognizer transcribes utterances with an OpenAI-compatible endpoint.
// It is safe for concurrent use.
type Recognizer struct {
	cfg    Config
	client *goopenai.Client
}

var _ asr.Recognizer = (*Recognizer)(nil)

// New checks cfg, fills in its defaults and returns a Recognizer. It does
// not contact the endpoint.
func New(cfg Config) (*Recognizer, error) {
	var c oai.Checker
	c.BaseURL("Config.BaseURL", &cfg.BaseURL, DefaultBaseURL)
	c.Model("Config.Model", &cfg.Model, DefaultModel)
	c.Duration("Config.Timeout", &cfg.Timeout, DefaultTimeout)
	if err := c.Err(); err != nil {
		return nil, fmt.Errorf("openai: %w", err)
	}
	return &Recognizer{cfg: cfg, client: oai.NewClient(cfg.BaseURL, cfg.APIKey, cfg.HTTPClient)}, nil
}

// Name returns "openai".
func (r *Recognizer) Name() string { return Name }

// Stream opens a session. Config.Rate must be 8, 16 or 48 kHz;
// Config.Phrases are sent as the prompt, which biases the model toward
// them; Config.Grammar is not used.
func (r *Recognizer) Stream(ctx context.Context, cfg asr.Config) (asr.Session, error) {
	switch cfg.Rate {
	case media.Rate8k, media.Rate16k, media.Rate48k:
	default:
		return nil, fmt.Errorf("%w: openai: rate %d Hz", asr.ErrUnsupported, cfg.Rate)
	}
	ctx, cancel := context.WithCancel(ctx)
	return &session{r: r, ctx: ctx, cancel: cancel, cfg: cfg, out: make(chan asr.Result, 1), done: make(chan struct{})}, nil
}

type session struct {
	r      *Recognizer
	ctx    context.Context
	cancel context.CancelFunc
	cfg    asr.Config
	out    chan asr.Result
	done   chan struct{} // closed when the request goroutine returns

	mu      sync.Mutex
	pcm     []int16
	ended   bool
	closed  bool
	started bool
}

// WriteFrame buffers the frame's samples.
func (s *session) WriteFrame(f media.Frame) error {
	if f.Rate != 0 && f.Rate != s.cfg.Rate {
		return fmt.Errorf("%w: openai: frame at %d Hz in a %d Hz session", asr.ErrUnsupported, f.Rate, s.cfg.Rate)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended || s.closed {
		return asr.ErrClosed
	}
	if time.Duration(len(s.pcm))*time.Second/time.Duration(s.cfg.Rate) < MaxAudio {
		s.pcm = append(s.pcm, f.Samples...)
	}
	return nil
}

// End sends the utterance; the final result follows on Results.
func (s *session) End() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended || s.closed {
		return asr.ErrClosed
	}
	s.ended, s.started = true, true
	go s.transcribe(time.Now(), s.pcm)
	return nil
}

// Results returns the final result channel.
func (s *session) Results() <-chan asr.Result { return s.out }

// Close abandons the session, cancelling a request in flight.
func (s *session) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	started := s.started
	s.mu.Unlock()
	s.cancel()
	if started {
		<-s.done
	} else {
		close(s.out)
	}
	return nil
}

// transcribe sends the utterance and delivers the final result.
func (s *session) transcribe(end time.Time, pcm []int16) {
	defer close(s.done)
	defer close(s.out)
	res := asr.Result{Final: true, Provider: Name}
	ctx, cancel := context.WithTimeout(s.ctx, s.r.cfg.Timeout)
	defer cancel()
	req := goopenai.AudioRequest{
		Model:    s.r.cfg.Model,
		FilePath: "utterance.wav",
		Reader:   bytes.NewReader(wav(pcm, s.cfg.Rate)),
		Language: language(s.cfg.Language, s.r.cfg.Language),
		Prompt:   strings.Join(s.cfg.Phrases, ", "),
		Format:   goopenai.AudioResponseFormatJSON,
	}
	resp, err := s.r.client.CreateTranscription(ctx, req)
	if err == nil {
		res.Text = strings.TrimSpace(resp.Text)
	} else {
		res.Err = s.fail(ctx, err)
	}
	res.Latency = time.Since(end)
	select {
	case s.out <- res:
	default: // the channel has room for the one final result
	}
}

// fail maps the client's error to the asr errors. A deadline counts as a
// timeout whoever set it: the Recognizer's or the caller's.
func (s *session) fail(ctx context.Context, err error) error {
	switch oai.Classify(s.ctx, ctx, err).Kind {
	case oai.Timeout:
		return fmt.Errorf("%w: openai: no transcript within %v", asr.ErrTimeout, s.r.cfg.Timeout)
	case oai.Canceled:
		if errors.Is(s.ctx.Err(), context.DeadlineExceeded) {
			return fmt.Errorf("%w: openai: %w", asr.ErrTimeout, s.ctx.Err())
		}
		return fmt.Errorf("openai: %w", s.ctx.Err())
	}
	return fmt.Errorf("%w: %w", ErrUnavailable, err)
}

// language returns the ISO 639-1 code of the stream's language, or of the
// configured default.
func language(stream, def string) string {
	l := stream
	if l == "" {
		l = def
	}
	l, _, _ = strings.Cut(strings.ToLower(l), "-")
	l, _, _ = strings.Cut(l, "_")
	return l
}

// wav wraps mono PCM16 in a WAV header.
func wav(pcm []int16, rate int) []byte {
	var b writeSeeker
	w, err := media.NewWAVWriter(&b, rate, 1)
	if err == nil {
		err = w.WritePCM(pcm)
	}
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		return nil
	}
	return b.buf
}

// writeSeeker is an in-memory io.WriteSeeker for the WAV writer.
type writeSeeker struct {
	buf []byte
	pos int
}

func (w *writeSeeker) Write(p []byte) (int, error) {
	if need := w.pos + len(p); need > len(w.buf) {
		w.buf = append(w.buf, make([]byte, need-len(w.buf))...)
	}
	copy(w.buf[w.pos:], p)
	w.pos += len(p)
	return len(p), nil
}

func (w *writeSeeker) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case 0:
		w.pos = int(off)
	case 1:
		w.pos += int(off)
	case 2:
		w.pos = len(w.buf) + int(off)
	}
	if w.pos < 0 {
		return 0, errors.New("openai: negative seek")
	}
	return int64(w.pos), nil
}
