package alert

import (
	"time"

	"github.com/switchboard-voice/switchboard/qa"
)

// Alert is one rule firing on one call. Its JSON form is the webhook body
// and what the wallboard and agent desktop receive.
type Alert struct {
	// ID is unique per alert; a webhook receiver can use it to ignore a
	// retried delivery it already processed.
	ID string `json:"id"`
	// Rule is the ID of the rule that fired, RuleName its display name.
	Rule     string   `json:"rule"`
	RuleName string   `json:"rule_name"`
	Kind     Kind     `json:"kind"`
	Severity Severity `json:"severity"`
	// The call's identifiers, as given to NewMonitor (Agent and Queue as
	// of the alert: see Monitor.SetAgent).
	SessionID string `json:"session_id"`
	CallID    string `json:"call_id,omitempty"`
	Bot       string `json:"bot,omitempty"`
	Queue     string `json:"queue,omitempty"`
	Agent     string `json:"agent,omitempty"`
	// At is when the rule fired.
	At time.Time `json:"at"`
	// Offset places the alert in the call's recording: the end of the
	// triggering utterance, or the time since the call started for
	// silence, talk-over and duration. In nanoseconds in JSON, like
	// qa.Turn's offsets.
	Offset time.Duration `json:"offset"`
	// Message says what happened, for people; it never quotes what was
	// said (Evidence.Text does, redacted).
	Message  string   `json:"message"`
	Evidence Evidence `json:"evidence"`
}

// Evidence is what made a rule fire.
type Evidence struct {
	// TurnSeq and Speaker name the triggering utterance (0 and "" for
	// silence, talk-over and duration).
	TurnSeq int        `json:"turn_seq,omitempty"`
	Speaker qa.Speaker `json:"speaker,omitempty"`
	// Text is the utterance after the monitor's redaction function, cut
	// to 500 characters.
	Text string `json:"text,omitempty"`
	// Phrase is the configured phrase or expression that matched (phrase
	// rules).
	Phrase string `json:"phrase,omitempty"`
	// Value is the measured figure: the average sentiment, the silence or
	// call length in seconds, the number of talk-overs or failed turns.
	Value float64 `json:"value,omitempty"`
}

// maxEvidenceRunes bounds Evidence.Text.
const maxEvidenceRunes = 500

// Sink receives alerts. Publish must not block: it is called on the
// call's own goroutine (Webhook queues; a websocket or NATS sink should
// too).
type Sink interface {
	Publish(Alert)
}

// SinkFunc adapts a function to a Sink.
type SinkFunc func(Alert)

// Publish calls f(a).
func (f SinkFunc) Publish(a Alert) { f(a) }

// Sinks fans alerts out to every sink, in order.
func Sinks(s ...Sink) Sink {
	return SinkFunc(func(a Alert) {
		for _, k := range s {
			k.Publish(a)
		}
	})
}

// Call identifies the call a Monitor watches; every alert carries it.
type Call struct {
	SessionID string
	CallID    string
	Bot       string
	Queue     string
	Agent     string
	// StartedAt is when the call was answered: the start of silence and
	// duration measurements and of alert offsets. Default: when the
	// monitor is created.
	StartedAt time.Time
}
