package espeak

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/tts"
	"github.com/switchboard-voice/switchboard/tts/internal/pcm"
)

// Errors.
var (
	// ErrUnavailable: espeak-ng could not be used (library initialisation
	// failed, espeak-ng-data missing, the command not found or failing).
	// It wraps tts.ErrUnavailable.
	ErrUnavailable = fmt.Errorf("espeak: espeak-ng unavailable (%w)", tts.ErrUnavailable)
	// ErrInvalidOption: an Option's value is out of range.
	ErrInvalidOption = errors.New("espeak: invalid option")
)

// Defaults and limits of the options.
const (
	DefaultSpeed = 175 // words per minute, espeak-ng's normal rate
	MinSpeed     = 80
	MaxSpeed     = 450
	DefaultPitch = 50 // 0..100
	// DefaultLanguage is used when a Request has no Language.
	DefaultLanguage = "en"
)

// defaultVoices maps a lower-case language tag to an espeak-ng voice.
var defaultVoices = map[string]string{
	"en": "en-us", "en-us": "en-us", "en-gb": "en-gb", "en-uk": "en-gb",
	"zh": "cmn", "zh-cn": "cmn", "zh-hans": "cmn", "zh-hans-cn": "cmn", "zh-sg": "cmn",
	"zh-tw": "cmn", "zh-hant": "cmn", "zh-hant-tw": "cmn",
	"cmn": "cmn", "zh-cmn": "cmn", "cmn-cn": "cmn", "cmn-hans": "cmn", "cmn-hans-cn": "cmn",
}

// Synthesizer speaks with espeak-ng: English and Mandarin out of the box,
// more languages with WithVoice. It is safe for concurrent use.
type Synthesizer struct {
	eng      engine
	speed    int
	pitch    int
	endPause bool
	voices   map[string]string
	command  string // "" for the library
}

var _ tts.Synthesizer = (*Synthesizer)(nil)

// Option configures a Synthesizer.
type Option func(*Synthesizer) error

// WithSpeed sets the speaking rate in words per minute (MinSpeed to
// MaxSpeed; default DefaultSpeed).
func WithSpeed(wpm int) Option {
	return func(s *Synthesizer) error {
		if wpm < MinSpeed || wpm > MaxSpeed {
			return fmt.Errorf("%w: speed %d wpm (want %d..%d)", ErrInvalidOption, wpm, MinSpeed, MaxSpeed)
		}
		s.speed = wpm
		return nil
	}
}

// WithPitch sets the base pitch, 0 to 100 (default DefaultPitch).
func WithPitch(pitch int) Option {
	return func(s *Synthesizer) error {
		if pitch < 0 || pitch > 100 {
			return fmt.Errorf("%w: pitch %d (want 0..100)", ErrInvalidOption, pitch)
		}
		s.pitch = pitch
		return nil
	}
}

// WithVoice makes language (a BCP 47 tag such as "en-GB" or "es",
// matched without regard to case) speak with an espeak-ng voice name
// ("en-gb", "es", "en-us+f3" for a variant). An empty voice removes the
// language.
func WithVoice(language, voice string) Option {
	return func(s *Synthesizer) error {
		key := langKey(language)
		if key == "" {
			return fmt.Errorf("%w: empty language for voice %q", ErrInvalidOption, voice)
		}
		if voice == "" {
			delete(s.voices, key)
		} else {
			s.voices[key] = voice
		}
		return nil
	}
}

// WithSentencePause adds espeak-ng's sentence pause after the text (about
// 300 ms at the default speed), for sentences played back to back. Off by
// default: the audio ends with the last word (trailing digital silence is
// dropped).
func WithSentencePause(on bool) Option {
	return func(s *Synthesizer) error {
		s.endPause = on
		return nil
	}
}

// WithCommand runs the espeak-ng command (a name looked up in PATH, or a
// path) once per request instead of calling libespeak-ng in process. It
// isolates the engine in its own process and runs requests in parallel,
// but starts audio later (see the package documentation). Without cgo
// it is the default, with command "espeak-ng".
func WithCommand(command string) Option {
	return func(s *Synthesizer) error {
		if command == "" {
			return fmt.Errorf("%w: empty command", ErrInvalidOption)
		}
		s.command = command
		return nil
	}
}

// New returns a Synthesizer. It initialises libespeak-ng (once per
// process) or finds the command, and fails with ErrUnavailable if it
// cannot.
func New(opts ...Option) (*Synthesizer, error) {
	s := &Synthesizer{speed: DefaultSpeed, pitch: DefaultPitch, voices: make(map[string]string, len(defaultVoices))}
	for k, v := range defaultVoices {
		s.voices[k] = v
	}
	for _, o := range opts {
		if err := o(s); err != nil {
			return nil, err
		}
	}
	if s.command == "" && !haveLib {
		s.command = "espeak-ng"
	}
	var err error
	if s.command != "" {
		s.eng, err = newCLIEngine(s.command)
	} else {
		s.eng, err = newLibEngine()
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Name returns "espeak".
func (s *Synthesizer) Name() string { return "espeak" }

// Engine names the backend in use: "libespeak-ng" or "espeak-ng command".
func (s *Synthesizer) Engine() string { return s.eng.name() }

// Voice returns the espeak-ng voice for a request: req.Voice when set,
// else the language's voice (DefaultLanguage when req.Language is empty).
// It fails with tts.ErrUnsupported when the language has no voice.
func (s *Synthesizer) Voice(req tts.Request) (string, error) {
	if req.Voice != "" {
		return req.Voice, nil
	}
	lang := req.Language
	if strings.TrimSpace(lang) == "" {
		lang = DefaultLanguage
	}
	key := langKey(lang)
	for key != "" {
		if v, ok := s.voices[key]; ok {
			return v, nil
		}
		// "en-AU" → "en", "zh-Hans-CN" → "zh-hans" → "zh".
		i := strings.LastIndexByte(key, '-')
		if i < 0 {
			break
		}
		key = key[:i]
	}
	return "", fmt.Errorf("%w: espeak: no voice for language %q", tts.ErrUnsupported, req.Language)
}

func langKey(tag string) string {
	return strings.ToLower(strings.ReplaceAll(strings.TrimSpace(tag), "_", "-"))
}

// Synthesize speaks req.Text (after tts.Normalize) and writes 20 ms frames
// at req.Rate to sink as espeak-ng produces audio. Text that normalises to
// nothing writes nothing. Errors: tts.ErrUnsupported (no voice for the
// language, unknown voice), media.ErrUnsupportedRate, ErrUnavailable,
// ctx's error, or the sink's error.
func (s *Synthesizer) Synthesize(ctx context.Context, req tts.Request, sink media.Sink) error {
	if err := pcm.CheckRate(req.Rate); err != nil {
		return fmt.Errorf("espeak: %w", err)
	}
	voice, err := s.Voice(req)
	if err != nil {
		return err
	}
	text := tts.Normalize(req.Text)
	if text == "" {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	src, err := s.eng.start(ctx, params{text: text, voice: voice, speed: s.speed, pitch: s.pitch, endPause: s.endPause})
	if err != nil {
		return err
	}
	defer src.close()
	var (
		fr      *pcm.Framer
		silence int // trailing zero samples held back
	)
	for {
		chunk, err := src.next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if fr == nil {
			if fr, err = pcm.NewFramer(sink, src.rate(), req.Rate); err != nil {
				return fmt.Errorf("%w: %w", ErrUnavailable, err)
			}
		}
		if !s.endPause {
			// Hold back digital silence until more audio follows, so that
			// the trailing silence espeak-ng leaves (0 to 50 ms, depending
			// on the previous utterance) is dropped.
			z := trailingZeros(chunk)
			if z == len(chunk) {
				silence += z
				continue
			}
			if silence > 0 {
				if err := fr.Write(ctx, make([]int16, silence)); err != nil {
					return err
				}
			}
			chunk, silence = chunk[:len(chunk)-z], z
		}
		if err := fr.Write(ctx, chunk); err != nil {
			return err
		}
	}
	if fr == nil {
		return nil
	}
	return fr.Flush(ctx)
}

func trailingZeros(s []int16) int {
	n := 0
	for n < len(s) && s[len(s)-1-n] == 0 {
		n++
	}
	return n
}

// params is one synthesis for an engine.
type params struct {
	text         string
	voice        string
	speed, pitch int
	endPause     bool
}

// engine is a way to run espeak-ng.
type engine interface {
	name() string
	// start begins synthesising p. The source must be closed.
	start(ctx context.Context, p params) (source, error)
}

// source is one running synthesis.
type source interface {
	// next returns the next chunk of audio, io.EOF at the end.
	next(ctx context.Context) ([]int16, error)
	// rate is the sample rate of the chunks, valid after a chunk.
	rate() int
	// close stops the synthesis if it is running and waits for it.
	close()
}
