package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/switchboard-voice/switchboard/acd"
	"github.com/switchboard-voice/switchboard/assist"
	"github.com/switchboard-voice/switchboard/events"
)

// Calls and desktops on different nodes. A call lives on the node that
// holds the caller's leg; that node answers commands for it on the bus
// subject agent.call.<id> (kept an hour after the call for its
// wrap-ups). A desktop connected to another node sends its commands
// there.

const (
	callSubjectPrefix = "agent.call."
	// callLinger keeps a call's subject after it ends, for wrap-ups.
	callLinger = time.Hour
)

func callSubject(id string) string { return callSubjectPrefix + events.Token(id) }

// forwarded is a desktop command sent to the node of its call.
type forwarded struct {
	Agent      string         `json:"agent"`
	Supervisor bool           `json:"supervisor,omitempty"`
	Command    assist.Command `json:"command"`
}

// serveCall answers other nodes' commands for a call of this node.
func (s *Service) serveCall(id string) {
	if s.cfg.Bus == nil {
		return
	}
	sub, err := s.cfg.Bus.Serve(callSubject(id), "", func(m events.Msg) ([]byte, error) {
		var f forwarded
		if err := json.Unmarshal(m.Data, &f); err != nil {
			return nil, fmt.Errorf("%w: bad forwarded command: %v", ErrBadRequest, err)
		}
		ctx, cancel := context.WithTimeout(s.ctx, 30*time.Second)
		defer cancel()
		var out any
		var err error
		if f.Supervisor {
			out, err = s.supervisorCommand(ctx, f.Agent, f.Command, true)
		} else {
			out, err = s.command(ctx, f.Agent, f.Command, true)
		}
		if err != nil {
			return nil, err
		}
		return json.Marshal(out)
	})
	if err != nil {
		s.log.Warn("call not reachable from other nodes", "call", id, "err", err)
		return
	}
	s.mu.Lock()
	s.callSubs[id] = sub
	s.mu.Unlock()
}

// releaseCall stops answering for a call, after the wrap-up linger.
func (s *Service) releaseCall(id string) {
	s.mu.Lock()
	sub := s.callSubs[id]
	s.mu.Unlock()
	if sub == nil {
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		select {
		case <-time.After(callLinger):
		case <-s.ctx.Done():
		}
		s.mu.Lock()
		delete(s.callSubs, id)
		s.mu.Unlock()
		_ = sub.Unsubscribe()
	}()
}

// remote reports whether a call is held by another node (and so its
// commands must go there).
func (s *Service) remote(agentID, callID string) bool {
	if s.cfg.Bus == nil || callID == "" {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.calls[callID] != nil || s.callSubs[callID] != nil {
		return false
	}
	if w, ok := s.wraps[agentID]; ok && w.ended.CallID == callID {
		return false
	}
	return true
}

// forward sends a command to the node of its call.
func (s *Service) forward(ctx context.Context, callID string, f forwarded) (any, error) {
	var out json.RawMessage
	if err := events.RequestJSON(ctx, s.cfg.Bus, callSubject(callID), f, &out); err != nil {
		return nil, remoteErr(fmt.Errorf("call %s: %w", callID, err))
	}
	if len(out) == 0 || string(out) == "null" {
		return nil, nil
	}
	return out, nil
}

// callOf returns the call a command is about ("" for agent-level ones).
func callOf(c assist.Command) string {
	var x struct {
		CallID string `json:"call_id"`
	}
	_ = json.Unmarshal(c.Data, &x)
	return x.CallID
}

// offerCall returns the call an offer is for.
func (s *Service) offerCall(agentID, offerID string) string {
	offers, err := s.cfg.Router.Offers(agentID)
	if err != nil {
		return ""
	}
	for _, o := range offers {
		if o.ID == offerID {
			var p offerPayload
			_ = json.Unmarshal(o.Contact.Handoff, &p)
			return p.CallID
		}
	}
	return ""
}

// remoteDesk rebuilds, from the events this node's hub received, an
// agent's calls held by other nodes and the wrap-up it owes.
func (s *Service) remoteDesk(agentID string, d *assist.DeskState) {
	if s.cfg.Recent == nil {
		return
	}
	calls := map[string]assist.CallView{}
	var order []string
	var wrapping *assist.CallEnded
	for _, ev := range s.cfg.Recent(AgentChannel(agentID)) {
		switch ev.Type {
		case "call":
			var v assist.CallView
			if json.Unmarshal(ev.Data, &v) == nil && v.CallID != "" {
				if _, seen := calls[v.CallID]; !seen {
					order = append(order, v.CallID)
				}
				calls[v.CallID] = v
			}
		case "call.ended":
			var e assist.CallEnded
			if json.Unmarshal(ev.Data, &e) == nil {
				delete(calls, e.CallID)
				wrapping = &e
			}
		case "agent.state":
			var st assist.AgentState
			if json.Unmarshal(ev.Data, &st) == nil && st.State != acd.WrapUp.String() {
				wrapping = nil
			}
		}
	}
	have := map[string]bool{}
	for _, c := range d.Calls {
		have[c.CallID] = true
	}
	for _, id := range order {
		if v, ok := calls[id]; ok && !have[id] {
			d.Calls = append(d.Calls, v)
		}
	}
	if d.Wrapping == nil && wrapping != nil {
		d.Wrapping = wrapping
	}
}

// remoteCalls are the wallboard's calls held by other nodes.
func (s *Service) remoteCalls(local map[string]bool) []assist.LiveCall {
	if s.cfg.Recent == nil {
		return nil
	}
	calls := map[string]assist.LiveCall{}
	var order []string
	for _, ev := range s.cfg.Recent(Supervisors) {
		if ev.Type != "call" {
			continue
		}
		var lc assist.LiveCall
		if json.Unmarshal(ev.Data, &lc) != nil || lc.CallID == "" || local[lc.CallID] {
			continue
		}
		if _, seen := calls[lc.CallID]; !seen {
			order = append(order, lc.CallID)
		}
		calls[lc.CallID] = lc
	}
	var out []assist.LiveCall
	for _, id := range order {
		if lc := calls[id]; lc.State != "ended" {
			out = append(out, lc)
		}
	}
	return out
}
