package check

import (
	"bytes"
	"encoding/json"

	"github.com/switchboard-voice/switchboard/store"
)

// DefaultEvents is the number of agent events, feedback and audit entries,
// and QA results a list returns when given no limit.
const DefaultEvents = 1000

// Agent states and suggestion kinds the store accepts.
var (
	agentStates   = map[string]bool{"offline": true, "available": true, "on_call": true, "wrap_up": true, "away": true}
	feedbackKinds = map[string]bool{"article": true, "step": true, "reply": true}
)

// Object checks an agent's or queue's definition: a JSON object.
func Object(what string, v json.RawMessage) error {
	if err := JSON(what, v); err != nil {
		return err
	}
	if b := bytes.TrimLeft(v, " \t\r\n"); b[0] != '{' {
		return invalid("%s is not a JSON object", what)
	}
	return nil
}

// OptionalJSON checks a JSON value that may be absent (nil).
func OptionalJSON(what string, v json.RawMessage) error {
	if len(v) > 0 && !json.Valid(v) {
		return invalid("%s is not valid JSON", what)
	}
	return nil
}

// AgentEvent checks an agent's state change.
func AgentEvent(e store.AgentEvent) error {
	if err := Name("agent id", e.AgentID); err != nil {
		return err
	}
	if !agentStates[e.State] {
		return invalid("unknown agent state %q", e.State)
	}
	return nil
}

// Wrapup checks an agent's wrap-up.
func Wrapup(w store.Wrapup) error {
	if err := Names("session id", w.SessionID, "agent id", w.AgentID); err != nil {
		return err
	}
	if w.HandleTime < 0 {
		return invalid("negative handle time %v", w.HandleTime)
	}
	return nil
}

// Feedback checks a suggestion judgement.
func Feedback(f store.Feedback) error {
	if err := Names("session id", f.SessionID, "agent id", f.AgentID, "suggestion ref", f.Ref); err != nil {
		return err
	}
	if !feedbackKinds[f.Kind] {
		return invalid("unknown suggestion kind %q", f.Kind)
	}
	return nil
}

// Audit checks an audit entry.
func Audit(e store.AuditEntry) error {
	if err := Names("actor", e.Actor, "action", e.Action); err != nil {
		return err
	}
	return OptionalJSON("detail", e.Detail)
}

// Callback checks a new callback request.
func Callback(c store.Callback) error {
	if err := Names("callback id", c.ID, "queue", c.Queue, "caller id", c.CallerID); err != nil {
		return err
	}
	if c.Status != "" && c.Status != store.CallbackPending {
		return invalid("a new callback is pending, not %q", c.Status)
	}
	if !c.DoneAt.IsZero() {
		return invalid("a new callback has no done time")
	}
	return nil
}

// CallbackStatus checks a status to list callbacks by ("" for all).
func CallbackStatus(st store.CallbackStatus) error {
	switch st {
	case "", store.CallbackPending, store.CallbackDone, store.CallbackCancelled:
		return nil
	}
	return invalid("unknown callback status %q", st)
}

// CallbackEnd checks the status a callback is moved to.
func CallbackEnd(id string, st store.CallbackStatus) error {
	if err := Name("callback id", id); err != nil {
		return err
	}
	if st != store.CallbackDone && st != store.CallbackCancelled {
		return invalid("a callback moves to %q or %q, not %q", store.CallbackDone, store.CallbackCancelled, st)
	}
	return nil
}

// Queues converts the records of the queues table, which have an agent's
// shape.
func Queues(as []store.Agent) []store.Queue {
	if as == nil {
		return nil
	}
	out := make([]store.Queue, len(as))
	for i, a := range as {
		out[i] = store.Queue(a)
	}
	return out
}
