package openai

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/switchboard-voice/switchboard/internal/oai"
	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/tts"
	"github.com/switchboard-voice/switchboard/tts/internal/pcm"
)

// Defaults.
const (
	DefaultBaseURL = oai.DefaultBaseURL
	DefaultModel   = "tts-1"
	DefaultVoice   = "alloy"
	DefaultFormat  = FormatPCM
	DefaultTimeout = 5 * time.Second
	// DefaultPCMRate is the rate of OpenAI's "pcm" format.
	DefaultPCMRate = 24000
)

// Response formats the Synthesizer can decode.
const (
	FormatPCM = "pcm" // raw mono 16-bit little-endian samples at the PCM rate
	FormatWAV = "wav" // a WAV header (rate and channels from it), then the same
)

// ErrInvalidOption: an Option's value is out of range.
var ErrInvalidOption = errors.New("openai: invalid option")

// Synthesizer speaks through an OpenAI-compatible /audio/speech endpoint.
// It is safe for concurrent use.
type Synthesizer struct {
	baseURL      string
	apiKey       string
	model        string
	voice        string
	format       string
	pcmRate      int
	speed        float64
	instructions string
	timeout      time.Duration
	httpClient   *http.Client
	client       *goopenai.Client
}

var _ tts.Synthesizer = (*Synthesizer)(nil)

// Option configures a Synthesizer.
type Option func(*Synthesizer) error

// WithBaseURL sets the API's base URL, including its version path
// (default DefaultBaseURL; "http://localhost:8880/v1" for a local server).
func WithBaseURL(u string) Option {
	return func(s *Synthesizer) error {
		var c oai.Checker
		c.BaseURL("base URL", &u, "")
		if err := c.Err(); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidOption, err)
		}
		s.baseURL = u
		return nil
	}
}

// WithAPIKey sets the key sent as "Authorization: Bearer <key>" (none by
// default, for local servers).
func WithAPIKey(key string) Option {
	return func(s *Synthesizer) error { s.apiKey = key; return nil }
}

// WithModel sets the model (default DefaultModel; "tts-1-hd",
// "gpt-4o-mini-tts").
func WithModel(model string) Option {
	return func(s *Synthesizer) error {
		if strings.TrimSpace(model) == "" {
			return fmt.Errorf("%w: empty model", ErrInvalidOption)
		}
		s.model = model
		return nil
	}
}

// WithVoice sets the voice used when a Request has none (default
// DefaultVoice).
func WithVoice(voice string) Option {
	return func(s *Synthesizer) error {
		if strings.TrimSpace(voice) == "" {
			return fmt.Errorf("%w: empty voice", ErrInvalidOption)
		}
		s.voice = voice
		return nil
	}
}

// WithFormat sets the response format asked for: FormatPCM (default) or
// FormatWAV.
func WithFormat(format string) Option {
	return func(s *Synthesizer) error {
		if format != FormatPCM && format != FormatWAV {
			return fmt.Errorf("%w: response format %q (want %q or %q)", ErrInvalidOption, format, FormatPCM, FormatWAV)
		}
		s.format = format
		return nil
	}
}

// WithPCMRate sets the sample rate of FormatPCM responses, for compatible
// servers that do not use OpenAI's 24000 Hz.
func WithPCMRate(hz int) Option {
	return func(s *Synthesizer) error {
		if hz < 8000 || hz > pcm.MaxRate {
			return fmt.Errorf("%w: PCM rate %d Hz", ErrInvalidOption, hz)
		}
		s.pcmRate = hz
		return nil
	}
}

// WithSpeed sets the speaking speed, 0.25 to 4 (0, the default, leaves
// the server's 1.0).
func WithSpeed(speed float64) Option {
	return func(s *Synthesizer) error {
		if speed != 0 && (speed < 0.25 || speed > 4) {
			return fmt.Errorf("%w: speed %v (want 0.25..4)", ErrInvalidOption, speed)
		}
		s.speed = speed
		return nil
	}
}

// WithInstructions sets the style instructions of models that take them
// (gpt-4o-mini-tts; not tts-1).
func WithInstructions(text string) Option {
	return func(s *Synthesizer) error { s.instructions = text; return nil }
}

// WithTimeout bounds the wait for audio: for the first bytes of the body
// (headers included) and for each later read. Default DefaultTimeout.
// Time spent in the sink does not count.
func WithTimeout(d time.Duration) Option {
	return func(s *Synthesizer) error {
		if d <= 0 {
			return fmt.Errorf("%w: timeout %v", ErrInvalidOption, d)
		}
		s.timeout = d
		return nil
	}
}

// WithHTTPClient sets the HTTP client (default one without a timeout of
// its own: the Synthesizer's apply).
func WithHTTPClient(c *http.Client) Option {
	return func(s *Synthesizer) error {
		if c == nil {
			return fmt.Errorf("%w: nil HTTP client", ErrInvalidOption)
		}
		s.httpClient = c
		return nil
	}
}

// New returns a Synthesizer. It does not contact the endpoint.
func New(opts ...Option) (*Synthesizer, error) {
	s := &Synthesizer{
		baseURL: DefaultBaseURL, model: DefaultModel, voice: DefaultVoice, format: DefaultFormat,
		pcmRate: DefaultPCMRate, timeout: DefaultTimeout, httpClient: &http.Client{},
	}
	for _, o := range opts {
		if err := o(s); err != nil {
			return nil, err
		}
	}
	s.client = oai.NewClient(s.baseURL, s.apiKey, s.httpClient)
	return s, nil
}

// Name returns "openai".
func (s *Synthesizer) Name() string { return "openai" }

// Synthesize asks the endpoint to speak req.Text (after tts.Normalize;
// text that normalises to nothing writes nothing) with req.Voice or the
// default voice, and writes the audio to sink as the body arrives,
// resampled to req.Rate. The language is not sent: the voices are
// multilingual.
//
// Errors: tts.ErrTimeout (no audio within the timeout, at the start or
// mid-stream), tts.ErrUnavailable (an HTTP error status, whose
// *goopenai.APIError errors.As finds; a broken or truncated body; a body
// that is not audio in the expected format), media.ErrUnsupportedRate,
// ctx's error, or the sink's error.
func (s *Synthesizer) Synthesize(ctx context.Context, req tts.Request, sink media.Sink) error {
	if err := pcm.CheckRate(req.Rate); err != nil {
		return fmt.Errorf("openai: %w", err)
	}
	text := tts.Normalize(req.Text)
	if text == "" {
		return nil
	}
	voice := req.Voice
	if voice == "" {
		voice = s.voice
	}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var timedOut atomic.Bool
	timer := time.AfterFunc(s.timeout, func() {
		timedOut.Store(true)
		cancel()
	})
	defer timer.Stop()
	started := false
	fail := func(err error) error {
		f := oai.Classify(ctx, rctx, err)
		switch {
		case f.Kind == oai.Canceled:
			return ctx.Err()
		case timedOut.Load() && !started:
			return fmt.Errorf("%w: openai: no audio within %v", tts.ErrTimeout, s.timeout)
		case timedOut.Load():
			return fmt.Errorf("%w: openai: audio stalled for %v", tts.ErrTimeout, s.timeout)
		case f.Status != 0:
			return fmt.Errorf("%w: openai: %s (%w)", tts.ErrUnavailable, f.Detail, err)
		}
		return fmt.Errorf("%w: openai: %w", tts.ErrUnavailable, err)
	}

	resp, err := s.client.CreateSpeech(rctx, goopenai.CreateSpeechRequest{
		Model:          goopenai.SpeechModel(s.model),
		Input:          text,
		Voice:          goopenai.SpeechVoice(voice),
		Instructions:   s.instructions,
		ResponseFormat: goopenai.SpeechResponseFormat(s.format),
		Speed:          s.speed,
	})
	if err != nil {
		return fail(err)
	}
	defer resp.Close()
	if ct := resp.Header().Get("Content-Type"); strings.HasPrefix(ct, "application/json") || strings.HasPrefix(ct, "text/") {
		return fail(fmt.Errorf("response of type %q, not audio", ct))
	}

	dec := decoder{wav: s.format == FormatWAV, rate: s.pcmRate}
	var fr *pcm.Framer
	buf := make([]byte, 16<<10)
	for {
		n, rerr := resp.Read(buf)
		if n > 0 {
			if !timer.Stop() {
				return fail(context.DeadlineExceeded) // fired as the bytes came
			}
			started = true
			samples, err := dec.decode(buf[:n])
			if err != nil {
				return fail(err)
			}
			if len(samples) > 0 {
				if fr == nil {
					if fr, err = pcm.NewFramer(sink, dec.rate, req.Rate); err != nil {
						return fail(err)
					}
				}
				if err := fr.Write(ctx, samples); err != nil {
					return err
				}
			}
			timer.Reset(s.timeout)
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return fail(rerr)
		}
	}
	timer.Stop()
	if fr == nil {
		return fail(errors.New("response has no audio"))
	}
	return fr.Flush(ctx)
}

// decoder turns a streamed body into samples: raw PCM16 LE, or a WAV
// header then PCM16 LE (stereo is mixed down).
type decoder struct {
	wav      bool
	rate     int
	channels int
	riff     bool   // the RIFF header has been read
	inData   bool   // past the WAV header
	skip     int64  // bytes of an unknown chunk still to skip
	seen     int    // header bytes consumed
	pending  []byte // bytes not yet decoded
}

// maxHeader bounds the WAV header read before the data chunk.
const maxHeader = 64 << 10

func (d *decoder) decode(b []byte) ([]int16, error) {
	d.pending = append(d.pending, b...)
	if d.wav && !d.inData {
		before := len(d.pending)
		err := d.header()
		d.seen += before - len(d.pending)
		if err == nil && !d.inData && d.seen+len(d.pending) > maxHeader {
			err = fmt.Errorf("no WAV data chunk in the first %d bytes", maxHeader)
		}
		if err != nil || !d.inData {
			return nil, err
		}
	}
	if d.channels == 0 {
		d.channels = 1
	}
	frame := 2 * d.channels
	n := len(d.pending) / frame
	out := make([]int16, n)
	for i := range out {
		var sum int
		for c := range d.channels {
			sum += int(int16(binary.LittleEndian.Uint16(d.pending[i*frame+2*c:])))
		}
		out[i] = int16(sum / d.channels)
	}
	d.pending = d.pending[:copy(d.pending, d.pending[n*frame:])]
	return out, nil
}

// header consumes as much of the WAV header from pending as has come,
// up to the start of the data chunk.
func (d *decoder) header() error {
	p := d.pending
	defer func() { d.pending = d.pending[:copy(d.pending, p)] }()
	if !d.riff {
		if len(p) < 12 {
			return nil
		}
		if string(p[0:4]) != "RIFF" || string(p[8:12]) != "WAVE" {
			return fmt.Errorf("body is not a WAV file (starts % x)", p[:12])
		}
		p, d.riff = p[12:], true
	}
	for {
		if d.skip > 0 {
			n := min(int64(len(p)), d.skip)
			p, d.skip = p[n:], d.skip-n
			if d.skip > 0 {
				return nil
			}
		}
		if len(p) < 8 {
			return nil
		}
		id, size := string(p[0:4]), int64(binary.LittleEndian.Uint32(p[4:8]))
		switch id {
		case "fmt ":
			if size < 16 || size > 1024 {
				return fmt.Errorf("WAV fmt chunk of %d bytes", size)
			}
			if int64(len(p)) < 8+size+size&1 {
				return nil
			}
			format := binary.LittleEndian.Uint16(p[8:10])
			channels := int(binary.LittleEndian.Uint16(p[10:12]))
			rate := int(binary.LittleEndian.Uint32(p[12:16]))
			bits := binary.LittleEndian.Uint16(p[22:24])
			if (format != 1 && format != 0xfffe) || bits != 16 || channels < 1 || channels > 8 || rate < 8000 || rate > pcm.MaxRate {
				return fmt.Errorf("WAV of format %d, %d bits, %d channels, %d Hz (want 16-bit PCM)", format, bits, channels, rate)
			}
			d.channels, d.rate = channels, rate
			p = p[8+size+size&1:]
		case "data":
			if d.channels == 0 {
				return errors.New("WAV data chunk before its fmt chunk")
			}
			p, d.inData = p[8:], true
			return nil
		default:
			p, d.skip = p[8:], size+size&1
		}
	}
}
