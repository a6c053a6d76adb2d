// Package events carries what happens on one Switchboard node to the
// others: agent states, queue changes, call offers, live transcript
// segments, suggestions and alerts. A Bus publishes to subjects and
// delivers to subscribers on every node; Request and Serve add
// request/reply for commands that need one answer.
//
// The production bus is NATS (events/nats): an embedded server in the
// process by default, so one machine needs nothing else, or an external
// NATS cluster when nodes scale out. Both pass the conformance suite in
// events/eventstest.
//
// Subjects are dot-separated tokens ("agent.a1.state"); subscriptions may
// use the NATS wildcards "*" (one token) and ">" (the rest). Messages from
// one publisher on one subject arrive in order; a handler runs on the
// subscription's own goroutine, so a slow handler delays only its
// subscription.
package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Errors.
var (
	// ErrClosed: the bus has been closed.
	ErrClosed = errors.New("events: bus closed")
	// ErrNoResponder: nobody serves the subject of a request.
	ErrNoResponder = errors.New("events: no responder")
	// ErrTimeout: a request's reply did not come in time.
	ErrTimeout = errors.New("events: request timed out")
	// ErrSubject: the subject is not valid.
	ErrSubject = errors.New("events: invalid subject")
	// ErrRemote: the responder answered with an error (wrapped with its
	// text).
	ErrRemote = errors.New("events: remote error")
)

// Msg is one message received.
type Msg struct {
	Subject string
	Data    []byte
}

// Handler receives the messages of a subscription.
type Handler func(Msg)

// Responder answers a request; an error is returned to the requester as
// ErrRemote with the error's text.
type Responder func(Msg) ([]byte, error)

// Subscription is a live subscription; Unsubscribe ends it.
type Subscription interface {
	Unsubscribe() error
}

// Bus is the event bus between nodes. Every method is safe for concurrent
// use.
type Bus interface {
	// Publish sends data to every subscriber of subject, on every node.
	Publish(subject string, data []byte) error
	// Subscribe delivers the messages of subject (wildcards allowed) to h.
	Subscribe(subject string, h Handler) (Subscription, error)
	// Request sends data to one responder of subject and waits for its
	// reply until ctx is done (ErrTimeout) or it answers.
	Request(ctx context.Context, subject string, data []byte) ([]byte, error)
	// Serve answers the requests on subject. Responders serving the same
	// subject with the same group share the requests: each goes to one of
	// them.
	Serve(subject, group string, r Responder) (Subscription, error)
	// Flush waits until everything published so far has reached the
	// server (not the subscribers).
	Flush(ctx context.Context) error
	// Close ends every subscription and releases the bus.
	Close() error
}

// ValidSubject checks a subject to publish to: non-empty dot-separated
// tokens without spaces or wildcards.
func ValidSubject(s string) error {
	if s == "" {
		return fmt.Errorf("%w: empty", ErrSubject)
	}
	for _, tok := range strings.Split(s, ".") {
		if tok == "" || tok == "*" || tok == ">" || strings.ContainsAny(tok, " \t\r\n") {
			return fmt.Errorf("%w: %q", ErrSubject, s)
		}
	}
	return nil
}

// Token makes s safe as one subject token: dots, spaces and wildcards
// become '_'; an empty s becomes "_".
func Token(s string) string {
	if s == "" {
		return "_"
	}
	return strings.Map(func(r rune) rune {
		switch r {
		case '.', '*', '>', ' ', '\t', '\r', '\n':
			return '_'
		}
		return r
	}, s)
}

// PublishJSON publishes v encoded as JSON.
func PublishJSON(b Bus, subject string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("events: %s: %w", subject, err)
	}
	return b.Publish(subject, data)
}

// RequestJSON sends req as JSON and decodes the reply into resp.
func RequestJSON(ctx context.Context, b Bus, subject string, req, resp any) error {
	data, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("events: %s: %w", subject, err)
	}
	out, err := b.Request(ctx, subject, data)
	if err != nil {
		return err
	}
	if resp == nil {
		return nil
	}
	if err := json.Unmarshal(out, resp); err != nil {
		return fmt.Errorf("events: %s: reply: %w", subject, err)
	}
	return nil
}
