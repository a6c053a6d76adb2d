// Package openai implements nlu.LLM with a chat model behind any
// OpenAI-compatible endpoint (OpenAI, Azure-style proxies, vLLM, Ollama,
// llama.cpp...), using github.com/sashabaranov/go-openai.
//
//	llm, err := openai.New(openai.Config{
//		BaseURL: "http://localhost:11434/v1",
//		Model:   "qwen2.5:7b-instruct",
//	})
//	plan, err := llm.Plan(ctx, nlu.PlanRequest{Utterance: "I want a refund", ...})
//
// # One turn
//
// Plan sends one streamed chat completion:
//
//   - a system message: the bot's SystemPrompt and Persona, the language,
//     how to use the tools, the current state (flow, pending slot, collected
//     slots), the flows and queues on offer, and the retrieved articles (id,
//     title, body) with the instruction to answer only from them;
//   - the history, then the caller's utterance;
//   - the five command tools of package nlu: start_flow (flow: enum of the
//     request's flows), set_slot (slot, value), answer (article_id: enum of
//     the retrieved articles, text), handoff (queue: enum of the queues,
//     reason) and clarify (text). A tool whose enum would be empty is left
//     out, and set_slot's slot gets an enum when the flows declare slots.
//
// Content deltas are passed to PlanRequest.OnText as they arrive; tool-call
// deltas are put together by index. When the stream ends, every tool call
// is checked against the request and becomes an nlu.Command.
//
// # Errors
//
// Every error wraps one of the nlu sentinels, so that the dialogue manager
// can fall back to its classifier:
//
//   - nlu.ErrLLMTimeout: no first chunk within Config.FirstTokenTimeout (the
//     request is cancelled), or the turn took longer than Config.Timeout;
//   - nlu.ErrLLMUnavailable: an HTTP error (the message has the status and
//     the API's message; errors.As finds *goopenai.APIError), a network
//     error, a malformed or truncated stream (one ending without a
//     finish_reason), a content-filtered reply, or a reply with neither
//     text nor tool call;
//   - nlu.ErrInvalidToolCall: an unknown tool, arguments that are not a JSON
//     object, a flow, article, queue or slot the request did not offer, an
//     empty slot name, answer or clarify without text. All the bad calls of
//     a reply are reported (errors.Join), and no command is returned.
//
// When the caller's ctx ends first (barge-in, hangup), the error wraps
// ctx's error and none of the sentinels.
//
// Tests run against internal/openaitest, an in-process OpenAI-compatible
// server, so they need no network and no key.
package openai
