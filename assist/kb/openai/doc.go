// Package openai implements kb.Embedder with any OpenAI-compatible
// /embeddings endpoint (OpenAI, Azure-style proxies, vLLM, Ollama,
// llama.cpp, text-embeddings-inference...), using
// github.com/sashabaranov/go-openai.
//
//	emb, err := openai.New(openai.Config{
//		BaseURL: "http://localhost:11434/v1",
//		Model:   "bge-m3",
//		Timeout: 300 * time.Millisecond,
//	})
//	ix, err := kb.NewIndex(kb.WithEmbedder(emb))
//
// Texts are sent in batches of Config.BatchSize; each request is bounded
// by Config.Timeout. Building an index embeds every chunk once (and only
// changed chunks on later versions); every search embeds the query, so on
// the agent's critical path the endpoint's latency adds to the search's:
// keep the timeout short. When the endpoint fails a hybrid search falls
// back to BM25.
//
// # Errors
//
// Every error wraps kb.ErrTimeout (a request took longer than
// Config.Timeout) or kb.ErrUnavailable (an HTTP error, with the status and
// the API's message, errors.As finding *goopenai.APIError; a network
// error; an answer with the wrong number of vectors, an empty, ragged or
// non-finite vector), except when the caller's context ends first: then
// the error wraps the context's error and neither sentinel.
//
// Tests run against internal/openaitest, an in-process OpenAI-compatible
// server, so they need no network and no key.
package openai
