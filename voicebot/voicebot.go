// Package voicebot runs a bot on a phone call. The voicebot application
// answers a leg (SIP or WebRTC), speaks the bot's greeting and then loops:
// echo cancellation and voice activity detection on the caller's audio,
// end-of-turn detection, speech recognition (package asr), the dialogue
// manager (through package conversation), speech synthesis (package tts)
// and paced playout, until the dialogue ends or hands off.
//
// One goroutine owns a call's state. The leg's receiver only copies frames
// and digits into it; synthesis and dialogue turns run in goroutines the
// call owns and report back over channels, so a slow webhook or provider
// never stalls the media path and barge-in is handled while the bot is
// still thinking.
package voicebot

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/switchboard-voice/switchboard/asr"
	"github.com/switchboard-voice/switchboard/conversation"
	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/nlu/dialog"
	"github.com/switchboard-voice/switchboard/tts"
)

// Errors.
var (
	// ErrNoProvider: no ASR or TTS provider is configured for the bot's
	// language.
	ErrNoProvider = errors.New("voicebot: no speech provider for the language")
	// ErrTransfer: the handoff could not be carried out.
	ErrTransfer = errors.New("voicebot: transfer failed")
	// ErrNoTarget: the handoff's queue has nowhere to go; the call ends
	// after the bot's handoff message.
	ErrNoTarget = errors.New("voicebot: no transfer target for the queue")
)

// Speech gives a call its providers. Recognizer is asked once per call
// with the bot's name, active version and the conversation's language, so
// a provider can use a model built for that bot version; Synthesizer with
// the bot and language.
type Speech interface {
	Recognizer(ctx context.Context, bot string, version int, lang string) (asr.Recognizer, error)
	Synthesizer(ctx context.Context, bot, lang string) (tts.Synthesizer, error)
}

// Handoff carries out a bot's handoff action on the leg: a transfer to the
// action's queue, carrying the session ID, the summary and the slots
// (a.Summary, a.Slots) to whoever takes the call. It returns once the caller is with someone else (the
// voicebot then leaves the leg alone), ErrNoTarget when the queue has
// nowhere to go (the call ends normally), or another error (the call
// ends and Serve returns it).
type Handoff func(ctx context.Context, leg media.Leg, sessionID string, a dialog.Action) error

// VAD is the voice activity stage run on the caller's (echo-cancelled)
// audio, one frame at a time. media/vad's Detector is the default.
type VAD interface {
	Process(f media.Frame) Activity
}

// Activity is what the VAD makes of one frame.
type Activity struct {
	// Start: an utterance starts (the detector has heard enough speech).
	Start bool
	// Voiced: this frame is speech. The end of a turn is timed from the
	// last voiced frame.
	Voiced bool
}

// EchoCanceller removes the bot's own audio from what comes back from the
// line. Reference is given every frame sent (silence included), Process
// every frame received; it returns the residual. media/aec's Canceller
// is the default.
type EchoCanceller interface {
	Reference(f media.Frame)
	Process(in media.Frame) media.Frame
}

// Config configures the voicebot application. Zero durations take the
// defaults documented on each field.
type Config struct {
	// Bot is the bot to run.
	Bot string
	// Conversations runs and records the dialogue.
	Conversations *conversation.Manager
	// Speech gives the providers.
	Speech Speech
	// Handoff transfers the caller (nil: handoffs end the call after the
	// bot's message, as if no agent were available).
	Handoff Handoff

	// EndOfTurn is the silence that ends a caller's turn (default 500ms).
	// It is shortened to EndOfTurnComplete when the partial transcript
	// already answers the question (a full card number, a yes), and
	// lengthened to EndOfTurnIncomplete when it is not done yet (three of
	// four digits, a trailing "and").
	EndOfTurn           time.Duration
	EndOfTurnComplete   time.Duration // default 250ms
	EndOfTurnIncomplete time.Duration // default 1200ms
	// BargeIn is how long the caller must speak over an interruptible
	// prompt before playout stops (default 120ms, of which the
	// detector's 80 ms onset is part): clicks and short
	// noises never interrupt.
	BargeIn time.Duration
	// ResumeBackup is how far a prompt backs up when a false interruption
	// (a backchannel such as "mm-hm" or noise) resumes it (default 300ms).
	ResumeBackup time.Duration
	// NoInput is how long the bot waits for the caller to start speaking
	// after a prompt before the dialogue's no-input handling (reprompt,
	// then handoff) runs (default 7s).
	NoInput time.Duration
	// MaxUtterance cuts a caller's turn that never pauses (default 20s).
	MaxUtterance time.Duration
	// DigitTimeout ends keypad entry after this long without a key
	// (default 3s); '#' ends it at once.
	DigitTimeout time.Duration
	// ASRTimeout bounds the wait for a final transcript (default 5s).
	ASRTimeout time.Duration
	// Filler is how long the caller may wait on the dialogue (a slow
	// webhook or LLM) before the bot says a short filler ("One moment,
	// please.") rather than stay silent (default 1.2s; negative: never).
	Filler time.Duration
	// Lead is how far playout runs ahead of real time in the leg's queue
	// (default 60ms); it bounds what a barge-in has to discard.
	Lead time.Duration

	// NewVAD and NewEchoCanceller build the per-call stages for the leg's
	// rate (nil: media/vad and media/aec defaults, see stages.go).
	NewVAD           func(rate int) VAD
	NewEchoCanceller func(rate int) EchoCanceller

	// OnTurn, when set, is told each turn's timings (benchmarks, tests).
	OnTurn func(TurnStats)
	// OnEnd, when set, is told a call's figures when it ends.
	OnEnd func(CallStats)
	// OnEvent, when set, is told what happens on the call (tests, the
	// agent desktop later): speech start/end, barge-in, resume, partial
	// and final transcripts, digits, bot prompts.
	OnEvent func(Event)
	// Metrics, when set, records turn latencies and barge-ins.
	Metrics *Metrics
	// Logger for the application; per-call loggers add call_id.
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.EndOfTurn, 500*time.Millisecond)
	def(&c.EndOfTurnComplete, 250*time.Millisecond)
	def(&c.EndOfTurnIncomplete, 1200*time.Millisecond)
	def(&c.BargeIn, 120*time.Millisecond)
	def(&c.ResumeBackup, 300*time.Millisecond)
	def(&c.NoInput, 7*time.Second)
	def(&c.MaxUtterance, 20*time.Second)
	def(&c.DigitTimeout, 3*time.Second)
	def(&c.ASRTimeout, 5*time.Second)
	def(&c.Lead, 60*time.Millisecond)
	if c.Filler == 0 {
		c.Filler = 1200 * time.Millisecond
	}
	if c.NewVAD == nil {
		c.NewVAD = defaultVAD
	}
	if c.NewEchoCanceller == nil {
		c.NewEchoCanceller = defaultEchoCanceller
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// App is the voicebot dialplan application.
type App struct {
	cfg Config
}

// New returns the voicebot application for cfg.
func New(cfg Config) (*App, error) {
	if cfg.Bot == "" {
		return nil, errors.New("voicebot: no bot")
	}
	if cfg.Conversations == nil {
		return nil, errors.New("voicebot: no conversation manager")
	}
	if cfg.Speech == nil {
		return nil, errors.New("voicebot: no speech providers")
	}
	return &App{cfg: cfg.withDefaults()}, nil
}

// Serve runs the bot on leg until the dialogue ends, hands off, or the
// caller hangs up. The session is stored in every case.
func (a *App) Serve(ctx context.Context, leg media.Leg) error {
	c, err := newCall(ctx, a.cfg, leg)
	if err != nil {
		return err
	}
	return c.run(ctx)
}

// Event is something that happened on a voicebot call.
type Event struct {
	// Kind: "speech_start", "speech_end", "barge_in", "resume",
	// "partial", "final", "dtmf", "prompt", "prompt_done", "handoff",
	// "end", "hangup", "asr_error", "tts_error".
	Kind string `json:"kind"`
	// CallID of the leg; SessionID of the conversation.
	CallID    string `json:"call_id"`
	SessionID string `json:"session_id"`
	// Text of a transcript or prompt, the digit, or the error.
	Text string `json:"text,omitempty"`
	// At is the wall-clock time.
	At time.Time `json:"at"`
}

// CallStats are a call's figures at its end.
type CallStats struct {
	CallID    string `json:"call_id"`
	SessionID string `json:"session_id"`
	// Turns answered, BargeIns that stopped a prompt, Resumes after false
	// interruptions.
	Turns    int `json:"turns"`
	BargeIns int `json:"barge_ins"`
	Resumes  int `json:"resumes"`
	// Underruns are 20 ms frames of a prompt that were not ready when due
	// (the caller heard a gap); Dropped are received frames the call
	// loop could not take in time. Both are 0 on a healthy server.
	Underruns int `json:"underruns"`
	Dropped   int `json:"dropped"`
	// Duration of the call.
	Duration time.Duration `json:"duration"`
}

// TurnStats times one caller turn, from the caller's last voiced frame to
// the first frame of the bot's reply handed to the leg (which sends it
// within one frame, 20 ms).
type TurnStats struct {
	CallID    string `json:"call_id"`
	SessionID string `json:"session_id"`
	// Text is the final transcript ("" for no input), Source "speech",
	// "dtmf" or "timeout".
	Text   string `json:"text"`
	Source string `json:"source"`
	Intent string `json:"intent,omitempty"`
	// Provider that gave the transcript.
	Provider string `json:"provider,omitempty"`
	// Stage durations.
	EndOfTurn time.Duration `json:"end_of_turn"` // silence waited before ending the turn
	ASR       time.Duration `json:"asr"`         // end of turn to final transcript
	Dialog    time.Duration `json:"dialog"`      // dialogue manager (webhooks, LLM included)
	TTS       time.Duration `json:"tts"`         // synthesis request to first audio
	Playout   time.Duration `json:"playout"`     // first audio to first frame handed to the leg
	// Total is the caller's last voiced frame to the first reply frame
	// handed to the leg.
	Total time.Duration `json:"total"`
	// Overhead is Total minus the end-of-turn wait and the providers'
	// compute (ASR, TTS): Switchboard's own cost.
	Overhead time.Duration `json:"overhead"`

	from time.Time // the caller's last voiced frame, or the dispatch
}
