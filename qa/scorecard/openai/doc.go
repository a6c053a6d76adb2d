// Package openai implements scorecard.Answerer with a chat model behind any
// OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, llama.cpp...), using
// github.com/sashabaranov/go-openai.
//
//	ans, err := openai.New(openai.Config{
//		BaseURL: "http://localhost:11434/v1",
//		Model:   "qwen2.5:7b-instruct",
//		Timeout: 20 * time.Second,
//	})
//	ev := scorecard.NewEvaluator(scorecard.WithAnswerer(ans))
//	res, err := ev.Evaluate(ctx, card, call)
//
// # One question
//
// Answer sends one chat completion (not streamed) per question: a system
// message saying how to answer, then the question, how to decide, the
// choices (id and label) and the transcript ("[n] speaker m:ss: text" per
// turn, fenced in <transcript>; long calls keep their first and last turns
// within Config.MaxTranscriptRunes). The model is made to call the answer
// tool, whose arguments are answer (an enum of the choice ids, free text for
// a text question), quote and reason. Servers that ignore the forced tool
// choice may answer with the same JSON object as content, which is
// accepted (Markdown fences stripped).
//
// The reply is not trusted: scorecard.Evaluator checks that the answer is
// one of the choices and that the quote is in the transcript (normalised:
// case, punctuation, full-width forms, spaces between Chinese characters),
// maps the quote to its turn and offset in the recording, and otherwise
// rejects the answer and falls back to the question's rules.
//
// # Errors
//
//   - scorecard.ErrLLMTimeout: no reply within Config.Timeout;
//   - scorecard.ErrLLMUnavailable: an HTTP error (the status and the API's
//     message; errors.As finds *goopenai.APIError) or a network error;
//   - scorecard.ErrLLMReply: a body that is not JSON, no choice, a reply cut
//     at the token limit or filtered, no answer tool call, arguments that do
//     not decode, an empty answer.
//
// When the caller's ctx ends first, the error wraps ctx's error and none of
// these. Tests run against internal/openaitest.
package openai
