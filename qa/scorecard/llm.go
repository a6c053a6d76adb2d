package scorecard

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/switchboard-voice/switchboard/qa"
)

// Answerer answers a question about a call with a language model. It must
// pick one of req.Choices (or write free text for a text question) and
// quote the transcript; Evaluate checks both and rejects the answer
// otherwise. Errors should wrap ErrLLMTimeout, ErrLLMUnavailable or
// ErrLLMReply. Package qa/scorecard/openai implements it.
type Answerer interface {
	Answer(ctx context.Context, req LLMRequest) (LLMReply, error)
}

// AnswererFunc adapts a function to Answerer.
type AnswererFunc func(ctx context.Context, req LLMRequest) (LLMReply, error)

// Answer calls f.
func (f AnswererFunc) Answer(ctx context.Context, req LLMRequest) (LLMReply, error) {
	return f(ctx, req)
}

// LLMRequest is one question put to an Answerer.
type LLMRequest struct {
	// Card is the card's name, Question the question's ID.
	Card     string
	Question string
	// Text is the question; Instructions say how to decide.
	Text         string
	Instructions string
	Type         Type
	// Choices are the answers to pick from (nil for a text question). They
	// include NAChoice when the question allows N/A.
	Choices []LLMChoice
	// Language of the call ("en", "zh"), when known.
	Language string
	// Call holds the transcript; FormatTranscript renders it. Answerers
	// must not change it.
	Call *qa.Call
}

// LLMChoice is one answer on offer.
type LLMChoice struct {
	ID    string
	Label string
}

// NAChoice is the choice offered when a question allows N/A.
const NAChoice = "n/a"

// LLMReply is a model's answer.
type LLMReply struct {
	// Answer is the ID of the choice (or the text of a text answer).
	Answer string
	// Quote is the transcript excerpt the answer rests on, verbatim.
	Quote string
	// Reason is the model's short explanation.
	Reason string
}

// maxLLMText bounds a text answer kept from a model.
const maxLLMText = 2000

// FormatTranscript renders a call's turns one per line as
// "[seq] speaker m:ss: text", the form Answerers show the model (quotes
// that keep the label are accepted).
func FormatTranscript(call *qa.Call) string {
	var b strings.Builder
	for i := range call.Turns {
		t := &call.Turns[i]
		fmt.Fprintf(&b, "[%d] %s %s: %s\n", t.Seq, t.Speaker, clock(t.Start), strings.Join(strings.Fields(t.Text), " "))
	}
	return b.String()
}

// llmRequest builds the request for question cq.
func (e *evalState) llmRequest(card *Card, cq *cquestion) LLMRequest {
	q := cq.q
	req := LLMRequest{
		Card: card.Name, Question: q.ID, Text: q.Text, Type: q.Type,
		Instructions: q.LLM.Instructions, Language: e.tr.call.Language, Call: e.tr.call,
	}
	if req.Instructions == "" {
		req.Instructions = q.Help
	}
	switch q.Type {
	case YesNo:
		req.Choices = []LLMChoice{{ID: Yes, Label: "Yes"}, {ID: No, Label: "No"}}
	case Choice:
		for _, o := range q.Options {
			req.Choices = append(req.Choices, LLMChoice{ID: o.ID, Label: o.Label})
		}
	}
	if q.AllowNA && q.Type != Text {
		req.Choices = append(req.Choices, LLMChoice{ID: NAChoice, Label: "Not applicable to this call"})
	}
	return req
}

// askLLM asks the answerer and checks its reply: the answer must be one of
// the choices and the quote must be found in a turn. It returns the
// accepted value with its evidence, or ok false with the attempt saying
// why. err is set only when ctx ended.
func (e *evalState) askLLM(ctx context.Context, card *Card, cq *cquestion) (v Value, ev []Evidence, att *LLMAttempt, ok bool, err error) {
	req := e.llmRequest(card, cq)
	reply, aerr := e.answerer.Answer(ctx, req)
	if ctx.Err() != nil {
		return Value{}, nil, nil, false, fmt.Errorf("scorecard: question %s: %w", cq.q.ID, context.Cause(ctx))
	}
	att = &LLMAttempt{Choice: cut(reply.Answer, 200), Quote: cut(reply.Quote, 500), Reason: cut(reply.Reason, 500)}
	if aerr != nil {
		if !errors.Is(aerr, ErrLLMTimeout) && !errors.Is(aerr, ErrLLMUnavailable) && !errors.Is(aerr, ErrLLMReply) {
			aerr = fmt.Errorf("%w: %w", ErrLLMUnavailable, aerr)
		}
		att.Error = aerr.Error()
		return Value{}, nil, att, false, nil
	}
	v, verr := checkChoice(&req, reply.Answer)
	if verr == nil {
		var turn, a, b int
		var found bool
		turn, a, b, found = e.tr.findQuote(reply.Quote)
		if !found {
			verr = fmt.Errorf("%w: %q", ErrQuoteNotFound, cut(reply.Quote, 120))
		} else {
			t := e.tr.turns[turn].t
			at := e.tr.tokenSpan(turn, a, b)
			note := fmt.Sprintf("%s said %q at %s (turn %d)", t.Speaker, e.tr.said(turn, a, b), clock(at.Start), t.Seq)
			if r := strings.TrimSpace(reply.Reason); r != "" {
				note += ": " + cut(r, 300)
			}
			ev = []Evidence{{Kind: EvidenceQuote, Seq: t.Seq, Speaker: t.Speaker, Text: e.tr.said(turn, a, b), Span: &at, Note: note}}
		}
	}
	if verr != nil {
		att.Error = verr.Error()
		return Value{}, nil, att, false, nil
	}
	att.Accepted = true
	return v, ev, att, true, nil
}

// checkChoice maps a model's answer to a value of the question.
func checkChoice(req *LLMRequest, answer string) (Value, error) {
	answer = strings.TrimSpace(answer)
	if req.Type == Text {
		if answer == "" {
			return Value{}, fmt.Errorf("%w: empty answer", ErrLLMReply)
		}
		if utf8.RuneCountInString(answer) > maxLLMText {
			answer = cut(answer, maxLLMText)
		}
		return Value{Status: Answered, Text: answer}, nil
	}
	clean := strings.Trim(strings.ToLower(answer), " .\"'`")
	for _, c := range req.Choices {
		if clean == c.ID || (c.Label != "" && strings.EqualFold(clean, strings.TrimSpace(c.Label))) ||
			(c.ID == NAChoice && (clean == "na" || clean == "n.a." || clean == "not applicable")) {
			if c.ID == NAChoice {
				return Value{Status: NotApplicable}, nil
			}
			return Value{Status: Answered, Choice: c.ID}, nil
		}
	}
	ids := make([]string, len(req.Choices))
	for i, c := range req.Choices {
		ids[i] = c.ID
	}
	return Value{}, fmt.Errorf("%w: %q is not one of %s", ErrInvalidChoice, cut(answer, 80), strings.Join(ids, ", "))
}
