// Package voicebottest has stand-in speech providers and a small bot for
// testing the voicebot loop and the things around it (the SIP caller, the
// server wiring) without the real recogniser and synthesiser: a scripted
// recogniser that "hears" the next line of its script in each utterance,
// and a synthesiser that speaks a tone per word.
package voicebottest

import (
	"context"
	"github.com/switchboard-voice/switchboard/conversation"
	"github.com/switchboard-voice/switchboard/nlu/dialog"
	"github.com/switchboard-voice/switchboard/prompts"
	"github.com/switchboard-voice/switchboard/store"
	"github.com/switchboard-voice/switchboard/store/sqlite"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/asr"
	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/audiotest"
	"github.com/switchboard-voice/switchboard/tts"
	"github.com/switchboard-voice/switchboard/voicebot"
)

// CardsBot is a small card-blocking bot: a greeting, a lost-card flow with
// a non-interruptible disclosure and a four-digit slot, an FAQ answer and
// a handoff on "agent".
const CardsBot = `
name: cards
languages: [en]
greeting: Hi, this is the card line of Example Bank, how can I help you today?
fallback: Sorry, say that again?
handoff: {queue: general, max_no_match: 3, phrases: [agent, human]}
intents:
  - name: lost_card
    examples: [i lost my card, my card was stolen, block my card, lost card, i have lost my card]
    flow: block
  - name: hours
    examples: [when are you open, opening hours, what are your hours]
    answer: We are open from nine to five every day of the week.
flows:
  - name: block
    steps:
      - {id: disclose, kind: say, say: "This call is recorded for your security and for training, and your card details are never stored by the assistant on this line.", interruptible: false, next: ask}
      - {id: ask, kind: ask, slot: last4, type: digits, say: "What are the last four digits of the card?", validate: {length: 4}, next: done}
      - {id: done, kind: end, say: "The card ending {{last4}} is blocked. Goodbye."}
`

// Script recognises each utterance as the next line of its script ("" once
// the script is used up).
type Script struct {
	mu      sync.Mutex
	script  []string
	configs []asr.Config
}

// NewScript returns a recogniser that hears lines in order.
func NewScript(lines ...string) *Script { return &Script{script: lines} }

// Name is "scripted".
func (s *Script) Name() string { return "scripted" }

// Configs returns the configuration of every stream opened so far.
func (s *Script) Configs() []asr.Config {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]asr.Config(nil), s.configs...)
}

// Stream opens an utterance.
func (s *Script) Stream(ctx context.Context, cfg asr.Config) (asr.Session, error) {
	s.mu.Lock()
	s.configs = append(s.configs, cfg)
	s.mu.Unlock()
	return &session{r: s, out: make(chan asr.Result, 1)}, nil
}

type session struct {
	r    *Script
	out  chan asr.Result
	once sync.Once
}

func (s *session) WriteFrame(media.Frame) error { return nil }
func (s *session) Results() <-chan asr.Result   { return s.out }
func (s *session) Close() error                 { return nil }
func (s *session) End() error {
	s.once.Do(func() {
		s.r.mu.Lock()
		text := ""
		if len(s.r.script) > 0 {
			text, s.r.script = s.r.script[0], s.r.script[1:]
		}
		s.r.mu.Unlock()
		s.out <- asr.Result{Text: text, Final: true, Provider: "scripted", Latency: time.Millisecond}
		close(s.out)
	})
	return nil
}

// ToneTTS speaks 60 ms of a 600 Hz tone per word.
type ToneTTS struct{}

// Name is "tone".
func (ToneTTS) Name() string { return "tone" }

// Synthesize writes the tone frame by frame.
func (ToneTTS) Synthesize(ctx context.Context, req tts.Request, sink media.Sink) error {
	n := len(strings.Fields(req.Text)) * 3
	tone := audiotest.Tone(600, req.Rate, time.Duration(n)*media.FrameDuration, 0.3)
	k := media.SamplesPerFrame(req.Rate)
	for i := 0; i+k <= len(tone); i += k {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := sink.WriteFrame(media.Frame{Samples: tone[i : i+k], Rate: req.Rate}); err != nil {
			return err
		}
	}
	return nil
}

// Speech hands out fixed providers (it implements voicebot.Speech).
type Speech struct {
	ASR asr.Recognizer
	TTS tts.Synthesizer
}

// Recognizer returns s.ASR.
func (s Speech) Recognizer(context.Context, string, int, string) (asr.Recognizer, error) {
	return s.ASR, nil
}

// Synthesizer returns s.TTS.
func (s Speech) Synthesizer(context.Context, string, string) (tts.Synthesizer, error) {
	return s.TTS, nil
}

// LevelVAD is a plain energy detector (frames above -30 dBFS are voiced;
// three in a row start an utterance), so tests exercise the call loop
// rather than the detector.
type LevelVAD struct{ run int }

// Process judges one frame.
func (v *LevelVAD) Process(f media.Frame) voicebot.Activity {
	voiced := media.Level(f.Samples) > -30
	if voiced {
		v.run++
	} else {
		v.run = 0
	}
	return voicebot.Activity{Start: v.run == 3, Voiced: voiced}
}

// NoEcho is an echo canceller that passes the input through: for lines
// known to carry no echo, and for tests of the call loop.
type NoEcho struct{}

// Reference ignores the bot's audio.
func (NoEcho) Reference(media.Frame) {}

// Process returns the input.
func (NoEcho) Process(in media.Frame) media.Frame { return in }

// Conversations publishes the bot defined by yaml in a fresh SQLite store under tb's temporary folder and returns
// a conversation manager for it and the store (closed when tb ends).
// opts go to the bot's engine (webhook base URL, LLM).
func Conversations(tb testing.TB, yaml string, opts ...dialog.Option) (*conversation.Manager, store.Store) {
	tb.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(tb.TempDir(), "voicebot.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	reg := conversation.NewRegistry(st, nil, opts...)
	b, err := prompts.Parse("bot.yaml", []byte(yaml))
	if err != nil {
		tb.Fatal(err)
	}
	if err := reg.SetDraft(ctx, b); err != nil {
		tb.Fatal(err)
	}
	if _, err := reg.Publish(ctx, b.Name, "v1"); err != nil {
		tb.Fatal(err)
	}
	return conversation.New(reg, st, nil), st
}
