// Package openaitest runs an in-process OpenAI-compatible HTTP server for
// tests, so that code talking to OpenAI (or any compatible endpoint: vLLM,
// Ollama, llama.cpp, Azure...) is tested on loopback without a paid API.
//
// A test starts a server, scripts its replies, points the code under test at
// [Server.URL] and then asserts on what the server received:
//
//	srv := openaitest.New(t) // closed by t.Cleanup
//	srv.Enqueue(openaitest.Reply{
//		Text: "Your balance is 12 euros.",
//	})
//	srv.Enqueue(openaitest.Reply{
//		ToolCalls: []openaitest.ToolCall{{Name: "start_flow", Arguments: `{"flow":"refund"}`}},
//	})
//	llm, _ := openai.New(openai.Config{BaseURL: srv.URL(), APIKey: "sk-test", Model: "gpt-4o-mini"})
//	... // exercise llm
//	req := srv.LastRequest()
//	if req.Chat.Model != "gpt-4o-mini" || !req.Chat.Stream { ... }
//
// # Endpoints
//
//   - POST /v1/chat/completions: a JSON chat.completion, or, when the request
//     has "stream": true, server-sent events exactly as OpenAI sends them: a
//     first chunk with the assistant role, one chunk per word of content, tool
//     calls streamed as deltas (index, id, type and name first, then the
//     arguments in small pieces), a final chunk with finish_reason, an optional
//     usage chunk (stream_options.include_usage) and "data: [DONE]".
//   - POST /v1/embeddings: one vector per input, deterministic from the input
//     text unless [Reply.Embeddings] is set; float or base64 encoding.
//   - POST /v1/audio/transcriptions: a multipart upload answered with
//     [Reply.Text] as json, text, verbose_json, srt or vtt.
//   - POST /v1/audio/speech: [Reply.Audio], or 100 ms of silent 24 kHz PCM16
//     (as WAV, or raw for response_format "pcm").
//
// Anything else gets a 404 with an OpenAI error body.
//
// # Scripting replies
//
// Every request takes the next [Reply] from one FIFO queue, whatever its
// endpoint; [Server.SetDefault] sets the reply used once the queue is empty.
// A request that finds neither fails the test and gets a 500. A Reply can also
// stand for a failure: an HTTP error status with an OpenAI error body
// ([Reply.Status]), a delay before the first byte ([Reply.Delay]) or between
// stream chunks ([Reply.ChunkDelay]), a malformed body ([Reply.Malformed]), a
// stream whose connection is cut after some events ([Reply.CutAfter]) or any
// body at all ([Reply.Body]). Delays end early when the client goes away or
// the server closes, so a test that cancels a request does not wait for them.
//
// # Recorded requests
//
// [Server.Requests] returns every request received, in order, with its
// method, path, headers and raw body, and decoded by endpoint:
// [Request.Chat], [Request.Embedding], [Request.Transcription] or
// [Request.Speech]. [ChatRequest.Tool] and [Tool.Enum] help assert on
// function-calling schemas, [Request.APIKey] on the bearer token.
package openaitest
