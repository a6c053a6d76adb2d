package qa

import (
	"time"
)

// Speaker says who spoke a turn.
type Speaker string

// Speakers.
const (
	Caller Speaker = "caller"
	Bot    Speaker = "bot"
	Agent  Speaker = "agent"
)

// Label is a sentiment class.
type Label string

// Sentiment labels.
const (
	Negative Label = "negative"
	Neutral  Label = "neutral"
	Positive Label = "positive"
)

// Sentiment is one utterance's sentiment: Score in [-1, 1] and its Label.
// The zero value (empty Label) means "not scored".
type Sentiment struct {
	Score float64 `json:"score"`
	Label Label   `json:"label,omitempty"`
}

// Scored reports whether s holds a score.
func (s Sentiment) Scored() bool { return s.Label != "" }

// Word is one recognised word with its place in the call's audio.
type Word struct {
	Text  string        `json:"text"`
	Start time.Duration `json:"start"`
	End   time.Duration `json:"end"`
}

// Turn is one utterance of a call, as QA sees it.
type Turn struct {
	// Seq numbers the call's turns from 1, in order of Start.
	Seq     int     `json:"seq"`
	Speaker Speaker `json:"speaker"`
	Text    string  `json:"text"`
	// Start and End place the utterance in the call's recording (offsets
	// from the start of the call). End == Start when unknown.
	Start time.Duration `json:"start"`
	End   time.Duration `json:"end"`
	// Intent the bot matched for a caller turn ("" when none).
	Intent string `json:"intent,omitempty"`
	// Failed marks a bot turn that did not understand the caller
	// (fallback, reprompt after a no-match).
	Failed bool `json:"failed,omitempty"`
	// Prompt names the bot prompt this turn played, when it is a known
	// one (e.g. a disclosure step "disclosure_recording").
	Prompt    string    `json:"prompt,omitempty"`
	Sentiment Sentiment `json:"sentiment"`
	// Words, when the recogniser gave word timings.
	Words []Word `json:"words,omitempty"`
}

// Span is a stretch of the call: a hold, a silence, talk-over.
type Span struct {
	Start time.Duration `json:"start"`
	End   time.Duration `json:"end"`
}

// Len is the span's length.
func (s Span) Len() time.Duration { return s.End - s.Start }

// Call is what QA scores: one call's turns and the facts around them.
type Call struct {
	SessionID string    `json:"session_id"`
	CallID    string    `json:"call_id,omitempty"`
	Bot       string    `json:"bot,omitempty"`
	Queue     string    `json:"queue,omitempty"`
	Agent     string    `json:"agent,omitempty"`
	Channel   string    `json:"channel,omitempty"`
	Language  string    `json:"language,omitempty"`
	StartedAt time.Time `json:"started_at"`
	// Duration of the whole call.
	Duration time.Duration `json:"duration"`
	// Outcome: "resolved", "handed_off", "abandoned".
	Outcome       string `json:"outcome,omitempty"`
	HandoffReason string `json:"handoff_reason,omitempty"`
	// Intents matched during the call, in order, without repeats.
	Intents []string `json:"intents,omitempty"`
	// Slots the bot collected (name → value).
	Slots map[string]string `json:"slots,omitempty"`
	Turns []Turn            `json:"turns"`
	// Holds are the stretches the caller was on hold.
	Holds []Span `json:"holds,omitempty"`
}
