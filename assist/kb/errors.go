package kb

import "errors"

// Errors. Callers check them with errors.Is; messages add the detail.
var (
	// ErrInvalid: a bad argument or input (an empty bot filter, a bad
	// point ID, an unknown article in a query file, a malformed CSV line).
	ErrInvalid = errors.New("invalid")
	// ErrNotLoaded: Search before the first Load.
	ErrNotLoaded = errors.New("kb: no knowledge base loaded")
	// ErrDimensions: a vector of the wrong length for its collection or
	// embedder.
	ErrDimensions = errors.New("vector dimensions do not match")
	// ErrNoCollection: the collection does not exist.
	ErrNoCollection = errors.New("no such collection")
	// ErrUnavailable: an embedding endpoint or vector store failed or
	// answered with an error. A search falls back to the lexical ranking.
	ErrUnavailable = errors.New("unavailable")
	// ErrTimeout: an embedding endpoint or vector store took too long.
	ErrTimeout = errors.New("timed out")
)
