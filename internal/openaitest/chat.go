package openaitest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"
)

func decodeChat(req *Request) error {
	var c ChatRequest
	if err := json.Unmarshal(req.Body, &c); err != nil {
		return fmt.Errorf("chat request: %w", err)
	}
	if err := json.Unmarshal(req.Body, &c.Raw); err != nil {
		return fmt.Errorf("chat request: %w", err)
	}
	if c.Model == "" {
		return errors.New("chat request: you must provide a model parameter")
	}
	if len(c.Messages) == 0 {
		return errors.New("chat request: messages must not be empty")
	}
	req.Chat = &c
	return nil
}

// Wire types of chat completions, in OpenAI's field order.
type (
	chatCompletion struct {
		ID                string       `json:"id"`
		Object            string       `json:"object"`
		Created           int64        `json:"created"`
		Model             string       `json:"model"`
		Choices           []chatChoice `json:"choices"`
		Usage             *usage       `json:"usage,omitempty"`
		SystemFingerprint string       `json:"system_fingerprint"`
	}
	chatChoice struct {
		Index        int          `json:"index"`
		Message      *chatMessage `json:"message,omitempty"`
		Delta        *chatMessage `json:"delta,omitempty"`
		Logprobs     any          `json:"logprobs"`
		FinishReason *string      `json:"finish_reason"`
	}
	chatMessage struct {
		Role      string         `json:"role,omitempty"`
		Content   *string        `json:"content,omitempty"`
		Refusal   *string        `json:"refusal,omitempty"`
		ToolCalls []wireToolCall `json:"tool_calls,omitempty"`
	}
	wireToolCall struct {
		Index    *int          `json:"index,omitempty"`
		ID       string        `json:"id,omitempty"`
		Type     string        `json:"type,omitempty"`
		Function *wireFunction `json:"function,omitempty"`
	}
	wireFunction struct {
		Name      string `json:"name,omitempty"`
		Arguments string `json:"arguments"`
	}
	usage struct {
		PromptTokens     int `json:"prompt_tokens"`
		CompletionTokens int `json:"completion_tokens"`
		TotalTokens      int `json:"total_tokens"`
	}
)

// argPiece is the size of the argument pieces of streamed tool calls.
const argPiece = 8

func (x *exchange) serveChat() {
	c := x.req.Chat
	if c.Stream {
		x.streamChat()
		return
	}
	msg := &chatMessage{Role: "assistant", Refusal: nil}
	if x.reply.Text != "" || len(x.reply.ToolCalls) == 0 {
		msg.Content = ptr(x.reply.Text)
	}
	for i, tc := range x.reply.ToolCalls {
		msg.ToolCalls = append(msg.ToolCalls, wireToolCall{
			ID: x.callID(i, tc), Type: "function",
			Function: &wireFunction{Name: tc.Name, Arguments: tc.Arguments},
		})
	}
	x.writeJSON(chatCompletion{
		ID: x.id(), Object: "chat.completion", Created: time.Now().Unix(), Model: c.Model,
		Choices:           []chatChoice{{Message: msg, FinishReason: ptr(x.reply.finishReason())}},
		Usage:             x.usage(),
		SystemFingerprint: "fp_openaitest",
	})
}

func (x *exchange) streamChat() {
	c := x.req.Chat
	w := x.w
	w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	_ = rc.Flush()

	created := time.Now().Unix()
	sent := 0
	// event sends one "data:" event; it reports false if the stream must
	// stop (client gone, server closed).
	event := func(data string) bool {
		if sent > 0 && !x.sleep(x.reply.ChunkDelay) {
			return false
		}
		if _, err := fmt.Fprintf(w, "data: %s\n\n", data); err != nil {
			return false
		}
		if err := rc.Flush(); err != nil {
			return false
		}
		sent++
		if x.reply.CutAfter > 0 && sent >= x.reply.CutAfter {
			abort(w)
		}
		return true
	}
	chunk := func(delta *chatMessage, finish *string) bool {
		ch := chatCompletion{
			ID: x.id(), Object: "chat.completion.chunk", Created: created, Model: c.Model,
			Choices:           []chatChoice{{Delta: delta, FinishReason: finish}},
			SystemFingerprint: "fp_openaitest",
		}
		b, _ := json.Marshal(ch)
		return event(string(b))
	}

	if !chunk(&chatMessage{Role: "assistant", Content: ptr(""), Refusal: nil}, nil) {
		return
	}
	if x.reply.Malformed {
		if event(`{"id":"` + x.id() + `","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hel`) {
			event("[DONE]")
		}
		return
	}
	for _, piece := range words(x.reply.Text) {
		if !chunk(&chatMessage{Content: ptr(piece)}, nil) {
			return
		}
	}
	for i, tc := range x.reply.ToolCalls {
		first := wireToolCall{
			Index: ptr(i), ID: x.callID(i, tc), Type: "function",
			Function: &wireFunction{Name: tc.Name, Arguments: ""},
		}
		if !chunk(&chatMessage{ToolCalls: []wireToolCall{first}}, nil) {
			return
		}
		for _, p := range pieces(tc.Arguments, argPiece) {
			d := wireToolCall{Index: ptr(i), Function: &wireFunction{Arguments: p}}
			if !chunk(&chatMessage{ToolCalls: []wireToolCall{d}}, nil) {
				return
			}
		}
	}
	if !chunk(&chatMessage{}, ptr(x.reply.finishReason())) {
		return
	}
	if c.StreamOptions != nil && c.StreamOptions.IncludeUsage {
		u := chatCompletion{
			ID: x.id(), Object: "chat.completion.chunk", Created: created, Model: c.Model,
			Choices: []chatChoice{}, Usage: x.usage(), SystemFingerprint: "fp_openaitest",
		}
		b, _ := json.Marshal(u)
		if !event(string(b)) {
			return
		}
	}
	event("[DONE]")
}

func (x *exchange) id() string { return fmt.Sprintf("chatcmpl-test%d", x.seq) }

func (x *exchange) callID(i int, tc ToolCall) string {
	if tc.ID != "" {
		return tc.ID
	}
	return fmt.Sprintf("call_test%d_%d", x.seq, i)
}

func (x *exchange) usage() *usage {
	var in []string
	for _, m := range x.req.Chat.Messages {
		in = append(in, m.Content)
	}
	out := []string{x.reply.Text}
	for _, tc := range x.reply.ToolCalls {
		out = append(out, tc.Name, tc.Arguments)
	}
	u := &usage{PromptTokens: tokens(in...), CompletionTokens: tokens(out...)}
	u.TotalTokens = u.PromptTokens + u.CompletionTokens
	return u
}

func ptr[T any](v T) *T { return &v }
