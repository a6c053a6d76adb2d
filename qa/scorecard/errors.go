package scorecard

import (
	"errors"
	"fmt"
	"strings"
)

// Errors. Every error about a card definition wraps ErrInvalid; the LLM
// errors are what an Answerer returns (wrapped), and are recorded in the
// answer rather than returned by Evaluate.
var (
	// ErrInvalid: a malformed or inconsistent card (Parse, FromJSON,
	// Validate), or an override that does not fit its question (Rescore).
	ErrInvalid = errors.New("invalid scorecard")
	// ErrNotApplicable: the card's applies_to does not select the call.
	ErrNotApplicable = errors.New("scorecard does not apply to the call")
	// ErrCardMismatch: a result rescored with another card than the one
	// that produced it.
	ErrCardMismatch = errors.New("result was produced by another card")

	// ErrLLMTimeout: the model did not answer in time.
	ErrLLMTimeout = errors.New("llm timeout")
	// ErrLLMUnavailable: the endpoint failed (HTTP error, network).
	ErrLLMUnavailable = errors.New("llm unavailable")
	// ErrLLMReply: the reply was malformed or broke the rules: no answer,
	// bad JSON (wrapped by ErrInvalidChoice and ErrQuoteNotFound too).
	ErrLLMReply = errors.New("invalid llm reply")
	// ErrInvalidChoice: the model answered something not offered.
	ErrInvalidChoice = fmt.Errorf("%w: answer not among the choices", ErrLLMReply)
	// ErrQuoteNotFound: the model's quote is not in the transcript.
	ErrQuoteNotFound = fmt.Errorf("%w: quote not found in the transcript", ErrLLMReply)
)

// Pos is a place in a card file: a file and line, or, for a card decoded
// from JSON or built in Go, the path of the field ("sections[0].weight").
type Pos struct {
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
	Path string `json:"path,omitempty"`
}

func (p Pos) String() string {
	switch {
	case p.File != "" && p.Line > 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	case p.File != "":
		return p.File
	}
	return p.Path
}

// Problem is one thing wrong with a card, at a place.
type Problem struct {
	Pos     Pos    `json:"pos"`
	Message string `json:"message"`
}

func (p Problem) String() string {
	if s := p.Pos.String(); s != "" {
		return s + ": " + p.Message
	}
	return p.Message
}

// Problems lists what is wrong with a card; as an error it prints one
// problem per line and wraps ErrInvalid.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (ps Problems) Unwrap() error { return ErrInvalid }
