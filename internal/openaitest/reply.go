package openaitest

import (
	"net/http"
	"time"
)

// Reply scripts the server's answer to one request. The zero Reply is an
// empty assistant message (chat), deterministic vectors
// (embeddings), an empty transcript or silent audio.
type Reply struct {
	// Text is the assistant's content (chat), streamed one word per chunk,
	// or the transcript (audio/transcriptions).
	Text string
	// ToolCalls the assistant makes (chat). Streamed after Text, each as a
	// first delta with index, id, type and name, then the arguments in
	// pieces of at most 8 bytes.
	ToolCalls []ToolCall
	// FinishReason of the chat choice; default "tool_calls" when there are
	// tool calls, else "stop".
	FinishReason string

	// Embeddings, one vector per input, for /embeddings. When nil each
	// input gets a unit vector derived from its text, of the requested
	// dimensions (default 8).
	Embeddings [][]float32
	// Audio is the body of an /audio/speech reply. When nil: 100 ms of
	// silent 24 kHz mono PCM16, as WAV unless response_format is "pcm".
	Audio []byte

	// Status, when 400 or more, makes the reply an HTTP error with an
	// OpenAI error body {"error":{"message","type","param","code"}}.
	Status int
	// ErrorMessage, ErrorType and ErrorCode fill that body; defaults depend
	// on Status (401 invalid_api_key, 429 rate_limit_exceeded, ...).
	ErrorMessage string
	ErrorType    string
	ErrorCode    string

	// Delay before the first byte (the response headers).
	Delay time.Duration
	// ChunkDelay between two events of a stream.
	ChunkDelay time.Duration
	// Malformed sends a body that is not valid JSON: a truncated object, or
	// for a stream a valid first chunk then a truncated one.
	Malformed bool
	// CutAfter, when positive, aborts the connection mid-body: after that
	// many events of a stream, or that many bytes of any other body. The
	// client sees an unexpected EOF, not a clean end.
	CutAfter int
	// Body, when not empty, is sent verbatim instead of a generated body or
	// error body, with Status (default 200) and the content type
	// text/event-stream for a successful streamed chat, else
	// application/json.
	Body string
	// Header is added to the response headers (e.g. Retry-After).
	Header http.Header
}

// ToolCall is a function call made by the assistant, or found in a request
// message.
type ToolCall struct {
	// ID defaults to "call_" and a sequence number.
	ID        string
	Name      string
	Arguments string // JSON text, sent as is (it may be malformed on purpose)
}

func (r Reply) finishReason() string {
	switch {
	case r.FinishReason != "":
		return r.FinishReason
	case len(r.ToolCalls) > 0:
		return "tool_calls"
	default:
		return "stop"
	}
}

// errorBody returns the OpenAI error type, code and message for the reply.
func (r Reply) errorBody() (typ, code, msg string) {
	typ, code, msg = "invalid_request_error", "", http.StatusText(r.Status)
	switch r.Status {
	case http.StatusUnauthorized:
		code, msg = "invalid_api_key", "Incorrect API key provided."
	case http.StatusNotFound:
		code, msg = "model_not_found", "The model does not exist or you do not have access to it."
	case http.StatusTooManyRequests:
		typ, code, msg = "requests", "rate_limit_exceeded", "Rate limit reached. Please try again later."
	default:
		if r.Status >= 500 {
			typ, msg = "server_error", "The server had an error while processing your request."
		}
	}
	if r.ErrorType != "" {
		typ = r.ErrorType
	}
	if r.ErrorCode != "" {
		code = r.ErrorCode
	}
	if r.ErrorMessage != "" {
		msg = r.ErrorMessage
	}
	return typ, code, msg
}
