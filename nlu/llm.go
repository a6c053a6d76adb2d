package nlu

import (
	"context"
	"errors"
)

// Errors an LLM reports. The dialogue manager falls back to the embedded
// classifier on any of them.
var (
	// ErrLLMTimeout: no first token within the configured time.
	ErrLLMTimeout = errors.New("nlu: llm timed out")
	// ErrInvalidToolCall: the model called an unknown tool or passed bad
	// arguments (an unknown flow or slot, malformed JSON).
	ErrInvalidToolCall = errors.New("nlu: invalid tool call")
	// ErrLLMUnavailable: the endpoint failed (HTTP error, bad reply).
	ErrLLMUnavailable = errors.New("nlu: llm unavailable")
)

// LLM plans a turn with a language model. Implementations live in
// sub-packages (nlu/openai) so that this package imports no SDK.
type LLM interface {
	// Plan asks the model what to do with the caller's utterance. Answer
	// text is passed to req.OnText as it streams, then returned whole in
	// Plan.Text. Any error means the caller must fall back.
	Plan(ctx context.Context, req PlanRequest) (Plan, error)
}

// Message is one turn of history given to the model.
type Message struct {
	Role    string `json:"role"` // "user" or "assistant"
	Content string `json:"content"`
}

// FlowInfo describes a flow the model may start.
type FlowInfo struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Slots       []string `json:"slots"`
}

// ArticleRef is a knowledge-base article retrieved for the utterance, for
// grounding the model's answers.
type ArticleRef struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Body  string `json:"body"`
}

// PlanRequest is what the model is told about one turn.
type PlanRequest struct {
	// SystemPrompt and Persona come from the bot definition.
	SystemPrompt string
	Persona      string
	// Language of the conversation ("en", "zh").
	Language string
	// History of the conversation so far, oldest first (without Utterance).
	History []Message
	// Utterance is what the caller just said.
	Utterance string
	// Flows the model may start.
	Flows []FlowInfo
	// Queues the model may hand off to (the first is the default).
	Queues []string
	// CurrentFlow and PendingSlot: where the flow engine is ("" if idle).
	CurrentFlow string
	PendingSlot string
	// Slots collected so far.
	Slots map[string]string
	// Articles retrieved for the utterance.
	Articles []ArticleRef
	// OnText, when not nil, receives answer text as it streams.
	OnText func(delta string)
}

// Command names the model may emit, as tools.
const (
	CmdStartFlow = "start_flow" // Flow
	CmdSetSlot   = "set_slot"   // Slot, Value
	CmdAnswer    = "answer"     // ArticleID, Text (grounded answer)
	CmdHandoff   = "handoff"    // Queue, Reason
	CmdClarify   = "clarify"    // Text (a question back to the caller)
)

// Command is one instruction for the flow engine.
type Command struct {
	Name      string `json:"name"`
	Flow      string `json:"flow,omitempty"`
	Slot      string `json:"slot,omitempty"`
	Value     string `json:"value,omitempty"`
	ArticleID string `json:"article_id,omitempty"`
	Queue     string `json:"queue,omitempty"`
	Reason    string `json:"reason,omitempty"`
	Text      string `json:"text,omitempty"`
}

// Plan is the model's decision for a turn.
type Plan struct {
	// Commands for the flow engine, in order.
	Commands []Command
	// Text the model said outside of tools (streamed answer), if any.
	Text string
}
