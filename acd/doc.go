// Package acd is the automatic call distributor: when a bot hands a caller
// off (or the dialplan's queue application is reached), the caller waits
// in a queue and is offered to a human agent. The package is the routing
// core only; the media (bridging, music on hold, announcements), the
// store, NATS and the agent desktop are wired around it.
//
// # Model
//
// A Config (YAML: Parse, Load; Validate names the bad key) lists Queues and
// Agents. A Queue requires skills at minimum levels (1..10) and may set a
// language, priority rules (an attribute equal to a value adds a boost, or
// an attribute's number is added), an overflow to another queue after a
// time, a max wait, a service-level threshold, announcements, callbacks,
// music on hold, a ring timeout and a wrap-up time. An Agent has skills with
// levels, languages and a number of calls it takes at once (MaxCalls). A
// Contact is a caller: queue, language, attributes, base priority, the
// bot's handoff context (opaque JSON). Agents and queues can be added,
// updated and removed at run time (AddAgent, UpdateQueue, ...); Config
// returns the live set for persisting.
//
// # Agent states
//
// offline, available, on_call (with its calls), wrap_up (timed: back to
// available by itself) and away (with a reason). Agents choose available,
// away and offline with SetState; accepting an offer puts them on_call and
// their last call ending puts them in wrap_up. Away or offline asked for
// during a call takes effect when the calls (and wrap-up) end. Asking for
// on_call or wrap_up directly is ErrInvalidState.
//
// # Routing
//
//	r, err := acd.New(cfg, acd.WithLogger(log))
//	defer r.Close()
//	t, err := r.Enqueue(callCtx, acd.Contact{ID: sessionID, Queue: "billing", Language: "en"})
//	// the desktop sees ContactOffered; the agent answers:
//	err = r.Accept(agentID, offerID)        // or r.Reject(agentID, offerID)
//	out := <-t.Done()                        // Answered: bridge the caller to out.AgentID
//	err = r.CallEnded(agentID, out.ContactID)
//
// Waiting contacts are ranked by effective priority (base plus the queue's
// rules), then by the time they were first enqueued (kept across
// overflows), then by arrival. Routing takes them in that order and offers
// each to the best free agent that qualifies: all the queue's skills at the
// minimum levels, speaking the contact's language (primary subtags match:
// en takes en-GB), and not in a reject cooldown for this contact. The
// best agent is the least loaded (calls plus offers), then the longest idle
// (since its last call or wrap-up ended, or it became available). An agent
// below its MaxCalls counts as free even on a call.
//
// The invariants the property tests check after every operation and before
// every offer:
//
//   - a contact is offered to at most one agent at a time, and no agent
//     holds more calls plus offers than its MaxCalls;
//   - when contact c is offered to agent a, no waiting, un-offered contact
//     that a could take ranks above c (priority, then first-enqueue time:
//     FIFO within a priority), and no free agent that could take c is
//     less loaded than a, or as loaded and idle longer;
//   - after every operation no free agent is left while a contact it could
//     take waits un-offered;
//   - every contact ends exactly once: answered, abandoned, called back,
//     timed out or removed (overflow moves it and it goes on waiting).
//
// An offer reserves the agent for the queue's ring timeout. Accept makes
// the agent on_call and gives the ticket its Answered outcome. Reject
// sends the contact to the next agent and keeps this agent from being
// offered it again for the reject cooldown. A ring timeout withdraws the
// offer (ContactMissed), puts the agent away with reason "missed offer" and
// offers the contact to the next agent. Accepting a timed-out offer is
// ErrOfferExpired, accepting twice ErrAlreadyAccepted.
//
// After a queue's overflow time a contact moves to the target queue with
// its original enqueue time (an offer ringing at that moment finishes
// first). After the queue's max wait it leaves with outcome TimedOut.
// RequestCallback takes it out with a callback request; Hangup (or the end
// of the context given to Enqueue) abandons it, withdrawing a ringing
// offer; Hangup after the answer ends the call.
//
// # Position and estimated wait
//
// Ticket.Status gives the contact's position in its queue and its
// estimated wait, for the periodic announcements (Queue.Announce; the
// media layer plays them): with p the contact's place among the contacts
// of its queue not already ringing an agent, EWT = 0 when p is within the
// free capacity of the qualified agents, else ceil((p - free) / staffed) ×
// (average handle time over the stats window + wrap-up), where staffed is
// the MaxCalls of every qualified agent available, on a call or in
// wrap-up (see WaitStatus). With nobody staffed the estimate is unknown.
//
// # Events and statistics
//
// Every change is an Event, numbered (Seq), delivered to each Subscription
// in order through a bounded buffer: the router never waits, a subscriber
// that falls behind loses events, counted by Dropped and visible as a gap
// in Seq, and resynchronises from Snapshot (whose Seq is the last event it
// reflects). QueueStats events carry a queue's wallboard line (waiting,
// longest wait, agents by state, service level, abandon rate, average
// handle and answer times over a sliding window, 30 minutes by default),
// at most one per queue per second. Snapshot returns every queue with its
// waiting contacts, every agent with its state and time in state, and the
// offers ringing.
//
// # Time
//
// The router runs one goroutine, started by New and waited for by Close,
// that fires the timers (ring timeouts, wrap-up ends, overflows, max waits,
// cooldowns). Every method also fires the timers already due before acting,
// so with a fake clock (WithClock and acdtest.Clock) a test moves time and
// sees the effect on its next call.
package acd
