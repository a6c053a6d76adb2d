// Package oai is the plumbing shared by Switchboard's adapters for
// OpenAI-compatible endpoints (asr/openai, tts/openai, nlu/openai,
// qa/sentiment/openai, qa/scorecard/openai, assist/openai,
// assist/kb/openai), all built on github.com/sashabaranov/go-openai.
//
// Each adapter keeps its own exported Config or options, its own sentinel
// errors and its own error messages; this package does the parts that are
// the same everywhere.
//
// # Configuration
//
// A [Checker] checks and fills in an adapter's settings in order and keeps
// the first problem, named by its key:
//
//	var c oai.Checker
//	c.Model("Config.Model", &cfg.Model, "")                 // required
//	c.BaseURL("Config.BaseURL", &cfg.BaseURL, oai.DefaultBaseURL)
//	c.Duration("Config.Timeout", &cfg.Timeout, 5*time.Second)
//	if err := c.Err(); err != nil {
//		return nil, fmt.Errorf("sentiment/openai: %w", err)
//	}
//	client := oai.NewClient(cfg.BaseURL, cfg.APIKey, cfg.HTTPClient)
//
// A base URL must be http or https with a host, and loses its trailing
// slash; negative timeouts and counts are refused, zero ones take the
// default.
//
// # Errors
//
// [Classify] tells why a request failed, from the caller's context, the
// context the request ran under (the caller's plus the adapter's own
// deadline) and the client's error:
//
//   - [Canceled]: the caller's context ended first (barge-in, hangup, its
//     own deadline): not the endpoint's fault, and adapters wrap the
//     context's error and none of their sentinels;
//   - [Timeout]: the adapter's own deadline ran out;
//   - [Auth] (401, 403), [RateLimited] (429), [BadRequest] (other 4xx) and
//     [Unavailable] (5xx, network errors, error events in a stream,
//     anything else), with the HTTP status in [Failure.Status];
//   - [BadReply]: a success status whose body does not decode.
//
// [Failure.Detail] says it in a few words for a message ("HTTP 429: Rate
// limit reached.", "HTTP 502 Bad Gateway: <html>..."), error bodies
// shortened by [Snippet]. [Wrap] makes an error that reads as a
// package's sentinel and a short message while errors.As still finds the
// client's *goopenai.APIError.
//
// Tests run against internal/openaitest, the in-process
// OpenAI-compatible server, and net/http/httptest for raw HTTP replies.
package oai
