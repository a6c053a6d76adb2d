package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/switchboard-voice/switchboard/acd"
	"github.com/switchboard-voice/switchboard/events"
)

// Router is the call distributor as the service uses it: the router
// itself on the node that runs it (Local), a client of that node over the
// events bus on the others (Remote). One router serves every node, so a
// caller on one node may be offered to an agent whose desktop is on
// another.
type Router interface {
	Enqueue(ctx context.Context, c acd.Contact) (Ticket, error)
	Hangup(contactID string) error
	RequestCallback(contactID, number string) error
	Accept(agentID, offerID string) error
	Reject(agentID, offerID string) error
	SetState(agentID string, st acd.State, reason string) error
	CallEnded(agentID, contactID string) error
	AgentStatus(id string) (acd.AgentStatus, error)
	Offers(agentID string) ([]acd.Offer, error)
	Snapshot() acd.Snapshot
	Config() acd.Config
	AddAgent(a acd.Agent) error
	UpdateAgent(a acd.Agent) error
	RemoveAgent(id string) error
	AddQueue(q acd.Queue) error
	UpdateQueue(q acd.Queue) error
	RemoveQueue(id string) error
}

// Ticket is a waiting contact's place (acd.Ticket, or its remote view).
type Ticket interface {
	ContactID() string
	Done() <-chan acd.Outcome
	Status() acd.WaitStatus
	Queue() acd.Queue
}

// Local adapts the router of this node.
func Local(r *acd.Router) Router { return localRouter{r} }

type localRouter struct{ *acd.Router }

func (l localRouter) Enqueue(ctx context.Context, c acd.Contact) (Ticket, error) {
	t, err := l.Router.Enqueue(ctx, c)
	if err != nil {
		return nil, err
	}
	return t, nil
}

// --- over the bus ---

// Bus subjects of the remote router.
const (
	routerSubject  = "acd.rpc"
	routerGroup    = "acd"
	outcomePrefix  = "acd.outcome."
	defaultTimeout = 5 * time.Second
)

// rpc is one request to the router node.
type rpc struct {
	Op      string       `json:"op"`
	Agent   string       `json:"agent,omitempty"`
	Offer   string       `json:"offer,omitempty"`
	Contact string       `json:"contact,omitempty"`
	State   acd.State    `json:"state,omitempty"`
	Reason  string       `json:"reason,omitempty"`
	Number  string       `json:"number,omitempty"`
	C       *acd.Contact `json:"c,omitempty"`
	A       *acd.Agent   `json:"a,omitempty"`
	Q       *acd.Queue   `json:"q,omitempty"`
}

// routerErrors travel as their text's prefix and come back as the
// sentinel, so the web layer maps them as for a local router.
var routerErrors = []error{
	acd.ErrUnknownAgent, acd.ErrUnknownQueue, acd.ErrUnknownContact, acd.ErrUnknownOffer, acd.ErrInvalidState,
	acd.ErrOfferExpired, acd.ErrOfferWithdrawn, acd.ErrAlreadyAccepted, acd.ErrCallbackNotAllowed, acd.ErrDuplicate,
	acd.ErrInUse, acd.ErrInvalidContact, acd.ErrInvalidConfig, acd.ErrClosed,
}

func remoteErr(err error) error {
	if err == nil || !errors.Is(err, events.ErrRemote) {
		return err
	}
	for _, e := range routerErrors {
		if strings.Contains(err.Error(), e.Error()) {
			return fmt.Errorf("%w (%v)", e, err)
		}
	}
	return err
}

// ServeRouter answers other nodes' requests to the router on this node,
// and tells each contact's node its outcome. Close the returned
// subscription to stop.
func ServeRouter(bus events.Bus, r *acd.Router) (events.Subscription, error) {
	var mu sync.Mutex
	tickets := map[string]*acd.Ticket{}
	return bus.Serve(routerSubject, routerGroup, func(m events.Msg) ([]byte, error) {
		var q rpc
		if err := json.Unmarshal(m.Data, &q); err != nil {
			return nil, fmt.Errorf("%w: bad request: %v", ErrBadRequest, err)
		}
		var out any
		var err error
		switch q.Op {
		case "enqueue":
			if q.C == nil {
				return nil, fmt.Errorf("%w: enqueue without a contact", ErrBadRequest)
			}
			var t *acd.Ticket
			t, err = r.Enqueue(context.Background(), *q.C)
			if err == nil {
				mu.Lock()
				tickets[t.ContactID()] = t
				mu.Unlock()
				go func() {
					o := <-t.Done()
					mu.Lock()
					delete(tickets, t.ContactID())
					mu.Unlock()
					_ = events.PublishJSON(bus, outcomePrefix+events.Token(t.ContactID()), o)
				}()
				out = t.ContactID()
			}
		case "status", "queue":
			mu.Lock()
			t := tickets[q.Contact]
			mu.Unlock()
			switch {
			case t == nil && q.Op == "status":
				out = acd.WaitStatus{}
			case t == nil:
				err = fmt.Errorf("%w %q", acd.ErrUnknownContact, q.Contact)
			case q.Op == "status":
				out = t.Status()
			default:
				out = t.Queue()
			}
		case "hangup":
			err = r.Hangup(q.Contact)
		case "callback":
			err = r.RequestCallback(q.Contact, q.Number)
		case "accept":
			err = r.Accept(q.Agent, q.Offer)
		case "reject":
			err = r.Reject(q.Agent, q.Offer)
		case "state":
			err = r.SetState(q.Agent, q.State, q.Reason)
		case "ended":
			err = r.CallEnded(q.Agent, q.Contact)
		case "agent":
			out, err = r.AgentStatus(q.Agent)
		case "offers":
			out, err = r.Offers(q.Agent)
		case "snapshot":
			out = r.Snapshot()
		case "config":
			out = r.Config()
		case "add-agent", "update-agent":
			if q.A == nil {
				return nil, fmt.Errorf("%w: no agent", ErrBadRequest)
			}
			if q.Op == "add-agent" {
				err = r.AddAgent(*q.A)
			} else {
				err = r.UpdateAgent(*q.A)
			}
		case "remove-agent":
			err = r.RemoveAgent(q.Agent)
		case "add-queue", "update-queue":
			if q.Q == nil {
				return nil, fmt.Errorf("%w: no queue", ErrBadRequest)
			}
			if q.Op == "add-queue" {
				err = r.AddQueue(*q.Q)
			} else {
				err = r.UpdateQueue(*q.Q)
			}
		case "remove-queue":
			err = r.RemoveQueue(q.Contact)
		default:
			return nil, fmt.Errorf("%w: unknown router operation %q", ErrBadRequest, q.Op)
		}
		if err != nil {
			return nil, err
		}
		return json.Marshal(out)
	})
}

// Remote is a client of the router on another node.
func Remote(bus events.Bus) Router { return &remoteRouter{bus: bus} }

type remoteRouter struct{ bus events.Bus }

func (r *remoteRouter) call(q rpc, out any) error {
	ctx, cancel := context.WithTimeout(context.Background(), defaultTimeout)
	defer cancel()
	return remoteErr(events.RequestJSON(ctx, r.bus, routerSubject, q, out))
}

func (r *remoteRouter) Enqueue(ctx context.Context, c acd.Contact) (Ticket, error) {
	if c.ID == "" {
		c.ID = newID("ct-")
	}
	t := &remoteTicket{r: r, id: c.ID, done: make(chan acd.Outcome, 1), got: make(chan struct{})}
	sub, err := r.bus.Subscribe(outcomePrefix+events.Token(c.ID), func(m events.Msg) {
		var o acd.Outcome
		if json.Unmarshal(m.Data, &o) == nil {
			t.once.Do(func() {
				t.done <- o
				close(t.got)
			})
		}
	})
	if err != nil {
		return nil, err
	}
	_ = r.bus.Flush(ctx)
	if err := r.call(rpc{Op: "enqueue", C: &c}, nil); err != nil {
		_ = sub.Unsubscribe()
		return nil, err
	}
	// The caller's call ending abandons the contact, as with a local
	// router; the subscription ends with the outcome.
	stop := context.AfterFunc(ctx, func() { _ = r.Hangup(c.ID) })
	go func() {
		select {
		case <-t.got:
		case <-ctx.Done():
			select {
			case <-t.got:
			case <-time.After(defaultTimeout):
			}
		}
		stop()
		_ = sub.Unsubscribe()
	}()
	return t, nil
}

type remoteTicket struct {
	r    *remoteRouter
	id   string
	done chan acd.Outcome
	got  chan struct{} // closed with the outcome
	once sync.Once
}

func (t *remoteTicket) ContactID() string        { return t.id }
func (t *remoteTicket) Done() <-chan acd.Outcome { return t.done }
func (t *remoteTicket) Status() acd.WaitStatus {
	var st acd.WaitStatus
	_ = t.r.call(rpc{Op: "status", Contact: t.id}, &st)
	return st
}
func (t *remoteTicket) Queue() acd.Queue {
	var q acd.Queue
	_ = t.r.call(rpc{Op: "queue", Contact: t.id}, &q)
	return q
}

func (r *remoteRouter) Hangup(id string) error { return r.call(rpc{Op: "hangup", Contact: id}, nil) }
func (r *remoteRouter) RequestCallback(id, number string) error {
	return r.call(rpc{Op: "callback", Contact: id, Number: number}, nil)
}
func (r *remoteRouter) Accept(agent, offer string) error {
	return r.call(rpc{Op: "accept", Agent: agent, Offer: offer}, nil)
}
func (r *remoteRouter) Reject(agent, offer string) error {
	return r.call(rpc{Op: "reject", Agent: agent, Offer: offer}, nil)
}
func (r *remoteRouter) SetState(agent string, st acd.State, reason string) error {
	return r.call(rpc{Op: "state", Agent: agent, State: st, Reason: reason}, nil)
}
func (r *remoteRouter) CallEnded(agent, contact string) error {
	return r.call(rpc{Op: "ended", Agent: agent, Contact: contact}, nil)
}
func (r *remoteRouter) AgentStatus(id string) (acd.AgentStatus, error) {
	var st acd.AgentStatus
	err := r.call(rpc{Op: "agent", Agent: id}, &st)
	return st, err
}
func (r *remoteRouter) Offers(agent string) ([]acd.Offer, error) {
	var out []acd.Offer
	err := r.call(rpc{Op: "offers", Agent: agent}, &out)
	return out, err
}
func (r *remoteRouter) Snapshot() acd.Snapshot {
	var s acd.Snapshot
	_ = r.call(rpc{Op: "snapshot"}, &s)
	return s
}
func (r *remoteRouter) Config() acd.Config {
	var c acd.Config
	_ = r.call(rpc{Op: "config"}, &c)
	return c
}
func (r *remoteRouter) AddAgent(a acd.Agent) error { return r.call(rpc{Op: "add-agent", A: &a}, nil) }
func (r *remoteRouter) UpdateAgent(a acd.Agent) error {
	return r.call(rpc{Op: "update-agent", A: &a}, nil)
}
func (r *remoteRouter) RemoveAgent(id string) error {
	return r.call(rpc{Op: "remove-agent", Agent: id}, nil)
}
func (r *remoteRouter) AddQueue(q acd.Queue) error { return r.call(rpc{Op: "add-queue", Q: &q}, nil) }
func (r *remoteRouter) UpdateQueue(q acd.Queue) error {
	return r.call(rpc{Op: "update-queue", Q: &q}, nil)
}
func (r *remoteRouter) RemoveQueue(id string) error {
	return r.call(rpc{Op: "remove-queue", Contact: id}, nil)
}
