package oai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	goopenai "github.com/sashabaranov/go-openai"
)

// Kind says why a request to an OpenAI-compatible endpoint failed.
type Kind int

// The kinds of failure, as [Classify] tells them.
const (
	// Unavailable: the endpoint failed: a network error, a 5xx (or 408)
	// status, an error event inside a stream, or any other error.
	Unavailable Kind = iota
	// Timeout: the adapter's own deadline ran out while the caller's
	// context was still alive.
	Timeout
	// Canceled: the caller's context ended first, cancelled or past its
	// own deadline. Not the endpoint's fault.
	Canceled
	// BadRequest: a 4xx status other than those below: the endpoint
	// refused this request (an unknown model, a parameter it does not
	// take, an input too large).
	BadRequest
	// Auth: 401 or 403: the API key is missing, wrong or not allowed.
	Auth
	// RateLimited: 429: too many requests or tokens, or no quota left.
	RateLimited
	// BadReply: a success status whose body does not decode: not JSON, or
	// cut short (io.ErrUnexpectedEOF).
	BadReply
)

var kindNames = [...]string{
	Unavailable: "unavailable",
	Timeout:     "timeout",
	Canceled:    "canceled",
	BadRequest:  "bad request",
	Auth:        "auth",
	RateLimited: "rate limited",
	BadReply:    "bad reply",
}

// String returns the kind's name in lower case ("rate limited").
func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Failure is a classified request error.
type Failure struct {
	// Kind says why the request failed.
	Kind Kind
	// Status is the HTTP status of an error response; 0 when the endpoint
	// sent none (a network error, a timeout, a cancellation, an error
	// event inside a stream, a body that does not decode).
	Status int
	// Detail says what went wrong in a few words, for an error message:
	// "HTTP 429: Rate limit reached." (an OpenAI error body), "HTTP 502
	// Bad Gateway: <html>...</html>" (any other error body, shortened by
	// Snippet), the API's message for an error event in a stream, else
	// the error's text. Empty for Canceled and Timeout, whose messages the
	// adapters word themselves.
	Detail string
	// Err is the error classified; for Canceled, the cause of the
	// caller's context (context.Cause).
	Err error
}

// Classify tells why a request failed. ctx is the caller's context,
// callCtx the one the request ran under (ctx with the adapter's own
// deadline; ctx itself when there is none), err the client's error, not
// nil. The order of the checks matters: the caller's context first (a
// caller that gave up gets its own error back whatever the endpoint did),
// then the adapter's deadline, then the HTTP status of an error
// response, then a body that does not decode.
//
// Adapters that time requests out in their own way (a first-token timer
// that cancels callCtx) check their timer after Canceled and before the
// other kinds.
func Classify(ctx, callCtx context.Context, err error) Failure {
	switch {
	case ctx.Err() != nil:
		return Failure{Kind: Canceled, Err: context.Cause(ctx)}
	case errors.Is(callCtx.Err(), context.DeadlineExceeded):
		return Failure{Kind: Timeout, Err: err}
	case err == nil:
		return Failure{Kind: Unavailable}
	}
	var apiErr *goopenai.APIError
	if errors.As(err, &apiErr) {
		if apiErr.HTTPStatusCode == 0 { // an error event inside a stream
			return Failure{Kind: Unavailable, Detail: apiErr.Message, Err: err}
		}
		detail := "HTTP " + strconv.Itoa(apiErr.HTTPStatusCode)
		if apiErr.Message != "" {
			detail += ": " + apiErr.Message
		}
		return Failure{Kind: statusKind(apiErr.HTTPStatusCode), Status: apiErr.HTTPStatusCode, Detail: detail, Err: err}
	}
	var reqErr *goopenai.RequestError
	if errors.As(err, &reqErr) {
		status := reqErr.HTTPStatus
		if status == "" {
			status = strconv.Itoa(reqErr.HTTPStatusCode)
		}
		return Failure{Kind: statusKind(reqErr.HTTPStatusCode), Status: reqErr.HTTPStatusCode,
			Detail: fmt.Sprintf("HTTP %s: %s", status, Snippet(reqErr.Body)), Err: err}
	}
	var syntaxErr *json.SyntaxError
	if errors.As(err, &syntaxErr) || errors.Is(err, io.ErrUnexpectedEOF) {
		return Failure{Kind: BadReply, Detail: err.Error(), Err: err}
	}
	return Failure{Kind: Unavailable, Detail: err.Error(), Err: err}
}

// statusKind classifies an HTTP error status.
func statusKind(status int) Kind {
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return Auth
	case status == http.StatusTooManyRequests:
		return RateLimited
	case status == http.StatusRequestTimeout:
		return Unavailable
	case status >= 400 && status < 500:
		return BadRequest
	}
	return Unavailable
}

// maxSnippet bounds a Snippet, in bytes before the "...".
const maxSnippet = 200

// Snippet shortens an error body for a message: runs of white space
// become one space, a body longer than 200 bytes is cut (on a character
// boundary) and ends in "...", and an empty one reads "(empty body)".
func Snippet(body []byte) string {
	s := strings.Join(strings.Fields(string(body)), " ")
	if len(s) > maxSnippet {
		cut := maxSnippet
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "..."
	}
	if s == "" {
		s = "(empty body)"
	}
	return s
}

// Wrap returns an error that reads "<sentinel>: <msg>" and unwraps to
// both sentinel and err, so that errors.Is finds the adapter's sentinel
// and errors.As the client's *goopenai.APIError, while the message stays
// short (msg rather than the client's long error text).
func Wrap(sentinel error, msg string, err error) error {
	return &wrapped{sentinel: sentinel, msg: msg, err: err}
}

type wrapped struct {
	sentinel error
	msg      string
	err      error
}

func (e *wrapped) Error() string   { return e.sentinel.Error() + ": " + e.msg }
func (e *wrapped) Unwrap() []error { return []error{e.sentinel, e.err} }
