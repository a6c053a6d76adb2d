package scorecard

import (
	"time"

	"github.com/switchboard-voice/switchboard/qa"
)

// Result is a card's answers for one call and the scores they give. It is
// what the store keeps (as JSON) per call and card version.
type Result struct {
	// Card, CardVersion and CardHash identify the card that scored.
	Card        string `json:"card"`
	CardVersion int    `json:"card_version,omitempty"`
	CardHash    string `json:"card_hash"`
	SessionID   string `json:"session_id"`
	// Score is the call's score in percent (0 to 100, two decimals); 0
	// when a critical question failed.
	Score float64 `json:"score"`
	// Uncapped is the score before critical failures are applied.
	Uncapped float64 `json:"uncapped_score"`
	// NA is set when no scored question applied to the call (Score is 0
	// and means nothing).
	NA bool `json:"na,omitempty"`
	// Passed is set when the card has a pass score (and the call was
	// scored).
	Passed *bool `json:"passed,omitempty"`
	// CriticalFailed flags a call that failed a critical question; Critical
	// lists those questions.
	CriticalFailed bool     `json:"critical_failed"`
	Critical       []string `json:"critical,omitempty"`
	// NeedsReview is set when a question could not be answered
	// automatically (no rule, or the LLM's answer was rejected with no rule
	// to fall back on): its weight is left out of the score until a
	// reviewer answers it.
	NeedsReview bool            `json:"needs_review"`
	Sections    []SectionResult `json:"sections"`
	Answers     []Answer        `json:"answers"`
}

// SectionResult is one section's score.
type SectionResult struct {
	ID     string  `json:"id"`
	Title  string  `json:"title,omitempty"`
	Weight float64 `json:"weight"`
	// Score in percent of the section's applicable weight.
	Score float64 `json:"score"`
	// NA: no scored question of the section applied.
	NA bool `json:"na,omitempty"`
	// Points earned of MaxPoints (the weights of the questions counted).
	Points    float64 `json:"points"`
	MaxPoints float64 `json:"max_points"`
}

// Status says whether a question has an answer.
type Status string

// Statuses.
const (
	// Answered: the value holds the answer.
	Answered Status = "answered"
	// NotApplicable: the question did not apply (excluded from scores).
	NotApplicable Status = "na"
	// Unanswered: left for a reviewer (excluded until reviewed).
	Unanswered Status = "unanswered"
)

// Value is an answer: for yes/no questions Choice is "yes" or "no", for
// choice questions an option ID, for number questions Number, for text
// questions Text.
type Value struct {
	Status Status   `json:"status"`
	Choice string   `json:"choice,omitempty"`
	Number *float64 `json:"number,omitempty"`
	Text   string   `json:"text,omitempty"`
}

// Source says who answered automatically.
type Source string

// Sources.
const (
	SourceRule Source = "rule"
	SourceLLM  Source = "llm"
	// SourceNone: nothing answered (N/A by condition, or unanswered).
	SourceNone Source = "none"
)

// Answer is one question's answer for a call: the automatic answer with
// its evidence, the reviewer's override beside it, and the points of the
// answer that counts (the override when there is one).
type Answer struct {
	Question string `json:"question"`
	Section  string `json:"section"`
	Type     Type   `json:"type"`
	Critical bool   `json:"critical,omitempty"`
	// Auto is the automatic answer; Source says who gave it.
	Auto   Value  `json:"auto"`
	Source Source `json:"source"`
	// Evidence is why: turns and phrases (with where they are in the
	// recording), metrics and their values, the LLM's verified quote.
	Evidence []Evidence `json:"evidence,omitempty"`
	// Note sums the evidence up in a line, and says why a question is N/A
	// or unanswered (e.g. the LLM's answer was rejected).
	Note string `json:"note,omitempty"`
	// LLM is the model's attempt, accepted or not.
	LLM *LLMAttempt `json:"llm,omitempty"`
	// Override is a reviewer's answer, when the call was reviewed.
	Override *Override `json:"override,omitempty"`

	// Weight is the question's weight in its section.
	Weight float64 `json:"weight"`
	// Counted: the answer counts in its section's score (scored type,
	// answered, not N/A).
	Counted bool `json:"counted"`
	// Points earned, of Weight.
	Points float64 `json:"points"`
	// AutoPoints are the points the automatic answer earns (equal to
	// Points without an override).
	AutoPoints float64 `json:"auto_points"`
	// CriticalFailed: a critical question whose answer earned nothing.
	CriticalFailed bool `json:"critical_failed,omitempty"`
}

// Effective returns the answer that counts: the override's, else the
// automatic one.
func (a *Answer) Effective() Value {
	if a.Override != nil {
		return a.Override.Value
	}
	return a.Auto
}

// Override is a reviewer's answer to one question of a result, kept beside
// the automatic answer.
type Override struct {
	Question string `json:"question"`
	// Value is the reviewer's answer (Status answered or na).
	Value    Value     `json:"value"`
	Comment  string    `json:"comment,omitempty"`
	Reviewer string    `json:"reviewer,omitempty"`
	At       time.Time `json:"at,omitzero"`
}

// LLMAttempt records what the model answered and whether it was accepted.
type LLMAttempt struct {
	Choice   string `json:"choice,omitempty"`
	Quote    string `json:"quote,omitempty"`
	Reason   string `json:"reason,omitempty"`
	Accepted bool   `json:"accepted"`
	// Error says why the answer was rejected or not obtained.
	Error string `json:"error,omitempty"`
}

// EvidenceKind says what a piece of evidence is.
type EvidenceKind string

// Evidence kinds.
const (
	// EvidencePhrase: a phrase or regex matched in a turn.
	EvidencePhrase EvidenceKind = "phrase"
	// EvidenceAbsent: the phrases were not found (Note says where
	// they were looked for).
	EvidenceAbsent EvidenceKind = "absent"
	// EvidencePrompt: a bot turn played a prompt (Pattern names it).
	EvidencePrompt EvidenceKind = "prompt"
	// EvidenceSlot: a slot collected or missing (Pattern names it; its
	// value is not copied).
	EvidenceSlot EvidenceKind = "slot"
	// EvidenceIntent: an intent matched (Pattern names it).
	EvidenceIntent EvidenceKind = "intent"
	// EvidenceOutcome: the call's outcome (Text).
	EvidenceOutcome EvidenceKind = "outcome"
	// EvidenceMetric: a metric and its Value.
	EvidenceMetric EvidenceKind = "metric"
	// EvidenceSpan: a stretch of the call behind a metric (a silence, a
	// hold, a talk-over, a failed turn, a sentiment score).
	EvidenceSpan EvidenceKind = "span"
	// EvidenceQuote: the LLM's quote, found in a turn.
	EvidenceQuote EvidenceKind = "quote"
	// EvidenceCondition: why a question did not apply.
	EvidenceCondition EvidenceKind = "condition"
)

// Evidence is one reason for an answer, located in the call where it can
// be: Seq is the turn, Span where to seek in the recording (offsets from
// the start of the call, in nanoseconds in JSON like qa.Turn's).
type Evidence struct {
	Kind    EvidenceKind `json:"kind"`
	Seq     int          `json:"seq,omitempty"`
	Speaker qa.Speaker   `json:"speaker,omitempty"`
	// Pattern is the card's phrase or regex that matched, or the prompt,
	// slot or intent name.
	Pattern string `json:"pattern,omitempty"`
	// Text is what was said (the matched words as in the transcript, or
	// the quote).
	Text   string     `json:"text,omitempty"`
	Span   *qa.Span   `json:"span,omitempty"`
	Metric MetricName `json:"metric,omitempty"`
	Value  *float64   `json:"value,omitempty"`
	Unit   string     `json:"unit,omitempty"`
	// Note is a line for reviewers: `agent said "my name is" at 0:04
	// (turn 2)`.
	Note string `json:"note"`
}
