// Package qdrant implements kb.VectorStore on a Qdrant server
// (github.com/qdrant/go-client, gRPC), for deployments that keep many or
// large knowledge bases, or share vectors between nodes.
//
//	store, err := qdrant.New(qdrant.Config{Addr: "localhost:6334"})
//	ix, err := kb.NewIndex(kb.WithStore(store))
//
// # Data layout
//
// One collection per vector length (kb.Index names it
// "switchboard_kb_<dims>" unless told otherwise), cosine distance, with
// keyword payload indexes on "bot" and "build". Each point is one chunk:
// its ID is a UUID derived from bot, build, article and chunk
// (kb.PointID), its payload {bot, build, article_id, chunk, text}.
// Searches filter on bot and build and are exact (no HNSW approximation),
// so results match kb.MemoryStore's.
//
// # Errors
//
// Every error wraps a kb sentinel: kb.ErrNoCollection (gRPC NotFound),
// kb.ErrDimensions, kb.ErrInvalid, kb.ErrTimeout (each request is bounded
// by Config.Timeout) or kb.ErrUnavailable (the server is down or failed).
// The Index answers from BM25 alone while the store is unavailable.
//
// # Testing against a server
//
// The conformance suite (assist/kb/kbtest) runs when
// SWITCHBOARD_QDRANT_ADDR names a server's gRPC address, and is skipped
// otherwise:
//
//	docker run -d -p 6333:6333 -p 6334:6334 qdrant/qdrant
//	SWITCHBOARD_QDRANT_ADDR=localhost:6334 go test -race ./assist/kb/qdrant
//
// SWITCHBOARD_QDRANT_API_KEY is sent as the API key when set.
//
// Every test creates collections with random names and drops them.
// Without a server, the same suite runs against an in-process fake gRPC
// server (fake_test.go) that answers the Store's calls as Qdrant does
// (status codes, oneof encodings), so the translation of requests,
// payloads, filters and errors is tested on every run; only Qdrant's own
// behaviour needs the real server.
package qdrant
