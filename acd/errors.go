package acd

import "errors"

// Sentinel errors. Every error the router returns wraps one of them with
// the detail (which agent, offer, contact or config key); check them with
// errors.Is and map them to HTTP or SIP status codes at the edge.
var (
	// ErrInvalidConfig is wrapped by every configuration error; the
	// message names the bad key (queues[1].overflow.target: ...).
	ErrInvalidConfig = errors.New("acd: invalid configuration")
	// ErrUnknownAgent: no agent has this ID.
	ErrUnknownAgent = errors.New("acd: unknown agent")
	// ErrUnknownQueue: no queue has this ID.
	ErrUnknownQueue = errors.New("acd: unknown queue")
	// ErrUnknownContact: the contact is not waiting, offered or on a call
	// (never enqueued, or it already ended).
	ErrUnknownContact = errors.New("acd: unknown contact")
	// ErrUnknownOffer: no offer has this ID for this agent.
	ErrUnknownOffer = errors.New("acd: unknown offer")
	// ErrDuplicate: an agent, queue or waiting contact with this ID exists.
	ErrDuplicate = errors.New("acd: duplicate id")
	// ErrInvalidState: the agent state is unknown, or the transition is not
	// allowed from the agent's current state (available → on_call without
	// an offer, offline → wrap_up, ...).
	ErrInvalidState = errors.New("acd: invalid agent state transition")
	// ErrOfferExpired: the offer rang longer than the queue's ring timeout
	// and was withdrawn; the contact went to another agent.
	ErrOfferExpired = errors.New("acd: offer expired")
	// ErrOfferWithdrawn: the offer is no longer valid because the caller
	// hung up or asked for a callback, the agent rejected it or changed
	// state, or the queue was removed.
	ErrOfferWithdrawn = errors.New("acd: offer withdrawn")
	// ErrAlreadyAccepted: the offer was accepted before (a double click on
	// the desktop, or a retried request).
	ErrAlreadyAccepted = errors.New("acd: offer already accepted")
	// ErrCallbackNotAllowed: the contact's queue does not offer callbacks.
	ErrCallbackNotAllowed = errors.New("acd: callback not allowed in this queue")
	// ErrInUse: the queue is another queue's overflow target, or the agent
	// still has calls.
	ErrInUse = errors.New("acd: in use")
	// ErrInvalidContact: the contact given to Enqueue is malformed.
	ErrInvalidContact = errors.New("acd: invalid contact")
	// ErrClosed: the router was closed.
	ErrClosed = errors.New("acd: router closed")
)
