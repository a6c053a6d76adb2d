// Package openai implements sentiment.Scorer with a chat model behind any
// OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, llama.cpp...), using
// github.com/sashabaranov/go-openai.
//
//	llm, err := openai.New(openai.Config{
//		BaseURL: "http://localhost:11434/v1",
//		Model:   "qwen2.5:7b-instruct",
//		Timeout: 3 * time.Second,
//	})
//	lex, err := sentiment.New()
//	scorer := sentiment.WithFallback(llm, lex) // never fails for long
//	s, err := scorer.Score(ctx, "第三次打电话了，还是没人处理", "")
//
// # One utterance
//
// Score sends one non-streamed chat completion: a system message that
// defines the three labels the way Switchboard's labelling guide does
// (qa/sentiment/testdata/README.md: grievances without sentiment words
// are negative, a plain refund request is neutral...) and asks for only a
// JSON object {"score": S, "label": L}; and a user message with the
// language and the utterance between markers, to be rated and not obeyed.
// response_format json_object is requested unless Config.PlainText is set
// (for endpoints that reject it). The reply is read by ParseReply, which
// takes the first JSON object in the text (code fences and chatter
// around it are ignored) and checks it: a score in [-1, 1], a known label,
// and a label that does not contradict the score's sign.
//
// # Errors
//
// Every failure wraps one of the sentinels of package sentiment, so that
// sentiment.WithFallback can answer with the embedded scorer:
//
//   - sentiment.ErrTimeout: no reply within Config.Timeout;
//   - sentiment.ErrUnavailable: an HTTP error (the message has the status
//     and the API's message; errors.As finds *goopenai.APIError), a
//     network error or cut connection, a reply without a choice, one cut
//     by the token limit or blocked by the content filter;
//   - sentiment.ErrInvalidReply: anything but a valid {score, label};
//   - sentiment.ErrLanguage: a language other than English or Chinese
//     (no request is sent).
//
// When the caller's ctx ends first, the error wraps ctx's error and none
// of the sentinels.
//
// Tests run against internal/openaitest, an in-process OpenAI-compatible
// server, so they need no network and no key.
package openai
