// Package asr is the streaming speech-recognition interface. A Recognizer
// opens a Session per caller utterance; audio frames go in with WriteFrame,
// partial and final results come out of Results. Providers live in
// sub-packages: asr/pocketsphinx (embedded, with a language model built
// from the bot's own examples) and asr/openai (OpenAI-compatible
// transcription). Package asr itself imports no SDK.
package asr

import (
	"context"
	"errors"
	"time"

	"github.com/switchboard-voice/switchboard/media"
)

// Grammar names what kind of answer the caller is expected to give, so a
// provider can restrict or bias recognition to it.
type Grammar string

// Grammars for slot prompts. GrammarFree is open speech in the bot's
// domain.
const (
	GrammarFree   Grammar = ""
	GrammarDigits Grammar = "digits" // a digit string: account numbers, phone numbers
	// GrammarDigits4 is exactly four digits: a card's last four, a PIN
	// (the commonest digit slot, where a digit heard twice or dropped
	// would make the answer invalid).
	GrammarDigits4 Grammar = "digits4"
	GrammarYesNo   Grammar = "yesno"  // yes / no and their variants
	GrammarNumber  Grammar = "number" // amounts and quantities ("forty two fifty", "two hundred pounds")
	GrammarDate    Grammar = "date"   // dates ("the third of May", "next Tuesday")
)

// Config describes one utterance stream.
type Config struct {
	// Language is a BCP 47 tag or a bare language ("en", "en-US", "zh").
	Language string
	// Rate is the sample rate of the frames written (8000 or 16000).
	Rate int
	// Grammar is the expected answer kind (GrammarFree for open speech).
	Grammar Grammar
	// Phrases likely in this turn (custom entity values, menu choices);
	// providers may bias toward them.
	Phrases []string
}

// Word is one recognised word with its timing within the utterance.
type Word struct {
	Text       string        `json:"text"`
	Start      time.Duration `json:"start"`
	End        time.Duration `json:"end"`
	Confidence float64       `json:"confidence,omitempty"`
}

// Result is a partial or final transcript of the utterance.
type Result struct {
	// Text is the transcript so far (partial) or the whole utterance
	// (final); "" when nothing was recognised.
	Text string `json:"text"`
	// Final is true for the one result that follows End.
	Final bool `json:"final"`
	// Confidence in [0, 1], 0 when the provider gives none.
	Confidence float64 `json:"confidence,omitempty"`
	// Words with timings, where the provider gives them.
	Words []Word `json:"words,omitempty"`
	// Latency of a final result: from End to the result.
	Latency time.Duration `json:"latency"`
	// Provider that produced the result.
	Provider string `json:"provider"`
	// Err is set on a final result when recognition failed (provider
	// error or timeout); Text is then empty.
	Err error `json:"-"`
}

// Session is one utterance being recognised. WriteFrame never blocks on
// the provider (audio is buffered); End says the utterance is over, after
// which exactly one final Result is sent and Results is closed. Close
// abandons the session and releases it; it is safe after End and more
// than once. The owner must call Close.
type Session interface {
	WriteFrame(f media.Frame) error
	End() error
	Results() <-chan Result
	Close() error
}

// Recognizer opens utterance sessions. Implementations are safe for
// concurrent use.
type Recognizer interface {
	// Name identifies the provider in results, logs and metrics.
	Name() string
	// Stream opens a session; ctx bounds its whole life.
	Stream(ctx context.Context, cfg Config) (Session, error)
}

// Errors.
var (
	// ErrTimeout: the provider did not return a final result in time.
	ErrTimeout = errors.New("asr: provider timed out")
	// ErrUnsupported: the provider cannot recognise this language or rate.
	ErrUnsupported = errors.New("asr: unsupported language or rate")
	// ErrClosed: the session has ended.
	ErrClosed = errors.New("asr: session closed")
)
