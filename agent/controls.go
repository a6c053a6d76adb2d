package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/switchboard-voice/switchboard/acd"
	"github.com/switchboard-voice/switchboard/assist"
	"github.com/switchboard-voice/switchboard/media/bridge"
	"github.com/switchboard-voice/switchboard/store"
)

// view is the call as the agent's desktop shows it.
func (c *call) view() assist.CallView {
	c.mu.Lock()
	defer c.mu.Unlock()
	v := assist.CallView{CallID: c.id, SessionID: c.in.SessionID, Queue: c.queue, AgentID: c.agentID, CallerID: c.in.CallerID,
		StartedAt: c.started, Hold: c.hold, Muted: c.muted, Consulting: c.consulting, Handoff: c.handoff, Customer: c.customer,
		Transcript: append([]assist.Segment(nil), c.transcript...), Suggestions: c.sugg}
	if st := c.seats[c.agentID]; st != nil {
		v.AnsweredAt = st.answered
	}
	v.Parties = append(v.Parties, assist.Party{ID: "caller", Role: "caller", Name: c.in.CallerID, OnHold: c.hold})
	ids := make([]string, 0, len(c.seats))
	for id := range c.seats {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		st := c.seats[id]
		if st.leg == nil {
			continue
		}
		role := st.role
		if id == c.agentID {
			role = "agent"
		}
		v.Parties = append(v.Parties, assist.Party{ID: id, Role: role, Muted: id == c.agentID && c.muted})
	}
	for sup, mode := range c.monitors {
		v.Parties = append(v.Parties, assist.Party{ID: sup, Role: "supervisor", Mode: mode})
	}
	if n := len(c.sentiments); n > 0 {
		var sum float64
		for _, x := range c.sentiments[max(0, n-5):] {
			sum += x
		}
		avg := sum / float64(min(n, 5))
		v.Sentiment = &avg
	}
	return v
}

// publishCall sends the call's view to everyone on it and the wallboard.
func (c *call) publishCall() {
	v := c.view()
	c.mu.Lock()
	var agents []string
	for id, st := range c.seats {
		if st.leg != nil {
			agents = append(agents, id)
		}
	}
	c.mu.Unlock()
	for _, a := range agents {
		c.s.publish(AgentChannel(a), "call", v)
	}
	c.publishWall()
}

// publishWall sends the call's wallboard line.
func (c *call) publishWall() {
	c.s.publish(Supervisors, "call", c.live())
}

func (c *call) live() assist.LiveCall {
	v := c.view()
	c.mu.Lock()
	defer c.mu.Unlock()
	lc := assist.LiveCall{CallID: c.id, SessionID: c.in.SessionID, Queue: c.queue, AgentID: c.agentID, CallerID: c.in.CallerID,
		StartedAt: c.started, Sentiment: v.Sentiment}
	switch {
	case c.agentID == "":
		lc.State = "waiting"
		if c.ticket != nil {
			if st := c.ticket.Status(); st.OfferedTo != "" {
				lc.State = "ringing"
			}
		}
	case c.consulting != "":
		lc.State = "consulting"
	case c.hold:
		lc.State = "hold"
	default:
		lc.State = "talking"
	}
	for sup := range c.monitors {
		lc.Monitors = append(lc.Monitors, sup)
	}
	return lc
}

// mine returns the call if the agent is on it.
func (s *Service) mine(agentID, callID string) (*call, error) {
	c, err := s.call(callID)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	_, on := c.seats[agentID]
	c.mu.Unlock()
	if !on {
		return nil, fmt.Errorf("%w: %s", ErrNotYours, callID)
	}
	return c, nil
}

// Accept takes an offer: the router assigns the call and the agent's
// browser is told where to send its audio.
func (s *Service) Accept(agentID, offerID string) (assist.Connect, error) {
	offers, err := s.cfg.Router.Offers(agentID)
	if err != nil {
		return assist.Connect{}, err
	}
	var offer *acd.Offer
	for i := range offers {
		if offers[i].ID == offerID {
			offer = &offers[i]
		}
	}
	if offer == nil {
		// Let the router say why (expired, withdrawn, unknown).
		if err := s.cfg.Router.Accept(agentID, offerID); err != nil {
			return assist.Connect{}, err
		}
		return assist.Connect{}, fmt.Errorf("%w: offer %s", acd.ErrUnknownOffer, offerID)
	}
	var p offerPayload
	_ = json.Unmarshal(offer.Contact.Handoff, &p)
	c, err := s.call(p.CallID)
	if err != nil {
		return assist.Connect{}, err
	}
	role := "agent"
	if p.Consult != "" {
		role = p.Consult
	}
	st := c.slotFor(agentID, offer.Contact.ID, role)
	if err := s.cfg.Router.Accept(agentID, offerID); err != nil {
		s.dropSlot(st.slot)
		c.mu.Lock()
		if c.seats[agentID] == st {
			delete(c.seats, agentID)
		}
		c.mu.Unlock()
		return assist.Connect{}, err
	}
	return assist.Connect{CallID: c.id, MediaURL: s.mediaURL(st.slot)}, nil
}

// Reject declines an offer.
func (s *Service) Reject(agentID, offerID string) error {
	return s.cfg.Router.Reject(agentID, offerID)
}

// SetState changes an agent's state (available, away with a reason,
// offline).
func (s *Service) SetState(agentID, state, reason string) (assist.AgentState, error) {
	st, err := acd.ParseState(state)
	if err != nil {
		return assist.AgentState{}, err
	}
	if err := s.cfg.Router.SetState(agentID, st, reason); err != nil {
		return assist.AgentState{}, err
	}
	if st == acd.Available {
		s.forgetWrap(agentID)
	}
	as, err := s.cfg.Router.AgentStatus(agentID)
	if err != nil {
		return assist.AgentState{}, err
	}
	return agentState(as), nil
}

// Hold puts the caller on hold (music) or takes them off.
func (s *Service) Hold(agentID, callID string, on bool) (assist.CallView, error) {
	c, err := s.mine(agentID, callID)
	if err != nil {
		return assist.CallView{}, err
	}
	c.mu.Lock()
	b := c.b
	if b == nil || c.hold == on {
		c.mu.Unlock()
		return c.view(), nil
	}
	c.hold = on
	at := time.Since(c.started)
	var span [2]time.Duration
	if on {
		c.holdFrom = at
	} else {
		span = [2]time.Duration{c.holdFrom, at}
		c.holds = append(c.holds, span)
	}
	c.mu.Unlock()
	if !on {
		c.storeHold(span)
	}
	var src bridge.Source
	if on {
		src = s.music()
	}
	if err := b.SetHold("caller", src); err != nil {
		return assist.CallView{}, err
	}
	if o := s.cfg.Observer; o != nil {
		o.Hold(c.info(), on)
	}
	c.publishCall()
	return c.view(), nil
}

// Mute stops (or restores) the caller hearing the agent.
func (s *Service) Mute(agentID, callID string, on bool) (assist.CallView, error) {
	c, err := s.mine(agentID, callID)
	if err != nil {
		return assist.CallView{}, err
	}
	c.mu.Lock()
	b := c.b
	c.muted = on
	c.mu.Unlock()
	if b != nil {
		if err := b.SetMuted(agentID, on); err != nil {
			return assist.CallView{}, err
		}
	}
	c.publishCall()
	return c.view(), nil
}

// DTMF sends digits to the caller (an IVR on the far end, a PIN pad).
func (s *Service) DTMF(agentID, callID, digits string) error {
	c, err := s.mine(agentID, callID)
	if err != nil {
		return err
	}
	if digits == "" || strings.Trim(digits, "0123456789*#ABCD") != "" {
		return fmt.Errorf("%w: digits %q (0-9 * # A-D)", ErrBadRequest, digits)
	}
	for _, d := range digits {
		if err := c.in.Leg.SendDTMF(d, 160*time.Millisecond); err != nil {
			return err
		}
		time.Sleep(80 * time.Millisecond)
	}
	return nil
}

// Hangup ends the call from the agent's side.
func (s *Service) Hangup(agentID, callID string) error {
	c, err := s.mine(agentID, callID)
	if err != nil {
		return err
	}
	c.mu.Lock()
	st := c.seats[agentID]
	primary := agentID == c.agentID
	c.mu.Unlock()
	if !primary && st != nil {
		// A consulted or conferenced agent leaves; the call goes on.
		return s.leaveSeat(c, st)
	}
	select {
	case c.next <- nextStep{by: "agent"}:
	default:
	}
	return nil
}

// leaveSeat takes a secondary agent off the call.
func (s *Service) leaveSeat(c *call, st *seat) error {
	c.mu.Lock()
	b := c.b
	delete(c.seats, st.agentID)
	wasConsult := c.consulting == st.agentID
	if wasConsult {
		c.consulting = ""
	}
	c.mu.Unlock()
	if b != nil {
		_, _ = b.Remove(st.agentID)
	}
	c.closeSeat(st)
	if st.leg != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		_ = st.leg.Hangup(ctx)
		cancel()
		c.wrapup(st, "left")
	}
	_ = s.cfg.Router.CallEnded(st.agentID, st.contactID)
	c.mu.Lock()
	primary := c.agentID
	c.mu.Unlock()
	if wasConsult {
		_, _ = s.Hold(primary, c.id, false)
	}
	c.publishCall()
	return nil
}

// Transfer moves the call: blind to an agent, a queue or a number; warm
// (consult first) or as a conference to an agent.
func (s *Service) Transfer(ctx context.Context, agentID string, cmd assist.TransferCommand, conference bool) (assist.CallView, error) {
	c, err := s.mine(agentID, cmd.CallID)
	if err != nil {
		return assist.CallView{}, err
	}
	target := strings.TrimSpace(cmd.Target)
	if target == "" {
		return assist.CallView{}, fmt.Errorf("%w: no transfer target", ErrBadRequest)
	}
	switch cmd.Kind {
	case "queue":
		if conference || cmd.Warm {
			return assist.CallView{}, fmt.Errorf("%w: a queue can only take a blind transfer", ErrBadRequest)
		}
		if !s.hasQueue(target) {
			return assist.CallView{}, fmt.Errorf("%w: unknown queue %q", ErrBadRequest, target)
		}
		s.audit(ctx, agentID, "transfer.queue", c.in.SessionID, map[string]string{"queue": target})
		c.next <- nextStep{queue: target, by: "transfer"}
		return c.view(), nil
	case "agent":
		if target == agentID {
			return assist.CallView{}, fmt.Errorf("%w: you cannot transfer to yourself", ErrBadRequest)
		}
		st, err := s.cfg.Router.AgentStatus(target)
		if err != nil {
			return assist.CallView{}, err
		}
		free := st.State == acd.Available || (st.State == acd.OnCall && len(st.Calls)+len(st.Offers) < max(1, st.MaxCalls))
		if !free {
			return assist.CallView{}, fmt.Errorf("%w: agent %s is %s", ErrBusy, target, st.State)
		}
		if !conference && !cmd.Warm {
			s.audit(ctx, agentID, "transfer.agent", c.in.SessionID, map[string]string{"agent": target})
			c.mu.Lock()
			q := c.queue
			c.mu.Unlock()
			c.next <- nextStep{queue: q, agent: target, by: "transfer"}
			return c.view(), nil
		}
		return s.consult(ctx, c, agentID, target, conference)
	case "number":
		s.mu.Lock()
		external := s.external
		s.mu.Unlock()
		if external == nil {
			return assist.CallView{}, fmt.Errorf("%w: transfers to numbers need a SIP trunk", ErrBadRequest)
		}
		if conference || cmd.Warm {
			return assist.CallView{}, fmt.Errorf("%w: only blind transfers to numbers are supported", ErrBadRequest)
		}
		s.audit(ctx, agentID, "transfer.number", c.in.SessionID, map[string]string{"number": target})
		if err := external(ctx, c.in.Leg, target); err != nil {
			return assist.CallView{}, err
		}
		c.next <- nextStep{by: "transfer", external: true}
		return c.view(), nil
	}
	return assist.CallView{}, fmt.Errorf("%w: transfer kind %q (agent, queue or number)", ErrBadRequest, cmd.Kind)
}

// consult offers the call to a second agent: warm (the caller on hold
// while the agents talk) or as a conference (all three talk).
func (s *Service) consult(ctx context.Context, c *call, from, target string, conference bool) (assist.CallView, error) {
	c.mu.Lock()
	if c.consulting != "" {
		c.mu.Unlock()
		return assist.CallView{}, fmt.Errorf("%w: already consulting %s", ErrBadRequest, c.consulting)
	}
	c.consulting = target
	q := c.queue
	c.mu.Unlock()
	role := "consult"
	if conference {
		role = "conference"
	}
	payload, _ := json.Marshal(offerPayload{CallID: c.id, Handoff: c.handoff, Customer: c.customer, Consult: role, ConsultFrom: from})
	t, err := s.cfg.Router.Enqueue(s.ctx, acd.Contact{ID: newID("ct-"), SessionID: c.in.SessionID, CallerID: c.in.CallerID,
		Queue: q, Agent: target, Handoff: payload, Priority: 1000})
	if err != nil {
		c.mu.Lock()
		c.consulting = ""
		c.mu.Unlock()
		return assist.CallView{}, err
	}
	action := "consult"
	if conference {
		action = "conference"
		c.mu.Lock()
		c.consulting = ""
		c.mu.Unlock()
	} else {
		_, _ = s.Hold(from, c.id, true)
	}
	s.audit(ctx, from, action, c.in.SessionID, map[string]string{"agent": target})
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		var out acd.Outcome
		select {
		case out = <-t.Done():
		case <-c.in.Leg.Done():
			_ = s.cfg.Router.Hangup(t.ContactID())
			return
		}
		if out.Kind != acd.Answered {
			c.mu.Lock()
			if c.consulting == target {
				c.consulting = ""
			}
			c.mu.Unlock()
			if !conference {
				_, _ = s.Hold(from, c.id, false)
			}
			s.publish(AgentChannel(from), "notice", map[string]string{"call_id": c.id, "text": fmt.Sprintf("%s did not take the call (%s)", target, out.Kind)})
			c.publishCall()
			return
		}
		st := c.slotFor(target, out.ContactID, role)
		select {
		case leg := <-st.slot.ch:
			if err := c.join(st, leg); err != nil {
				c.log.Warn("consult join", "err", err)
			}
			c.publishCall()
		case <-time.After(s.cfg.MediaTimeout):
			_ = s.leaveSeat(c, st)
		case <-c.in.Leg.Done():
		}
	}()
	return c.view(), nil
}

// Complete ends a warm transfer: the consulted agent keeps the caller,
// the first agent leaves.
func (s *Service) Complete(agentID, callID string) (assist.CallView, error) {
	c, err := s.mine(agentID, callID)
	if err != nil {
		return assist.CallView{}, err
	}
	c.mu.Lock()
	to := c.consulting
	st := c.seats[to]
	me := c.seats[agentID]
	if to == "" || st == nil || st.leg == nil || agentID != c.agentID {
		c.mu.Unlock()
		return assist.CallView{}, fmt.Errorf("%w: no consultation in progress", ErrBadRequest)
	}
	c.consulting = ""
	c.agentID = to
	st.role = "agent"
	c.mu.Unlock()
	_, _ = s.Hold(to, callID, false)
	s.audit(context.Background(), agentID, "transfer.complete", c.in.SessionID, map[string]string{"agent": to})
	if me != nil {
		_ = s.leaveSeat(c, me)
	}
	return c.view(), nil
}

// Cancel ends a consultation: the consulted agent leaves, the caller
// comes back off hold.
func (s *Service) Cancel(agentID, callID string) (assist.CallView, error) {
	c, err := s.mine(agentID, callID)
	if err != nil {
		return assist.CallView{}, err
	}
	c.mu.Lock()
	to := c.consulting
	st := c.seats[to]
	c.mu.Unlock()
	if to == "" {
		return assist.CallView{}, fmt.Errorf("%w: no consultation in progress", ErrBadRequest)
	}
	if st != nil {
		_ = s.leaveSeat(c, st)
	} else {
		c.mu.Lock()
		c.consulting = ""
		c.mu.Unlock()
		_, _ = s.Hold(agentID, callID, false)
	}
	return c.view(), nil
}

// Feedback stores an agent's judgement of a suggestion; a checklist step
// marked useful counts as done.
func (s *Service) Feedback(ctx context.Context, agentID string, f assist.FeedbackCommand) error {
	switch f.Kind {
	case "article", "step", "reply":
	default:
		return fmt.Errorf("%w: feedback kind %q (article, step or reply)", ErrBadRequest, f.Kind)
	}
	if f.Ref == "" {
		return fmt.Errorf("%w: feedback without ref", ErrBadRequest)
	}
	session := ""
	if c, err := s.call(f.CallID); err == nil {
		session = c.in.SessionID
		if f.Kind == "step" {
			c.mu.Lock()
			c.steps[f.Ref] = f.Useful
			c.mu.Unlock()
		}
	} else if w := s.wrapping(agentID); w != nil && w.CallID == f.CallID {
		session = w.SessionID
	} else {
		return err
	}
	_, err := s.cfg.Store.AddFeedback(ctx, store.Feedback{SessionID: session, AgentID: agentID, Kind: f.Kind, Ref: f.Ref, Useful: f.Useful, At: time.Now()})
	return err
}

// Wrapup saves the agent's wrap-up and makes the agent available again.
func (s *Service) Wrapup(ctx context.Context, agentID string, w assist.WrapupCommand) (assist.AgentState, error) {
	pending := s.wrapping(agentID)
	if pending == nil || pending.CallID != w.CallID {
		return assist.AgentState{}, fmt.Errorf("%w: no call %s awaiting wrap-up", ErrBadRequest, w.CallID)
	}
	if w.Disposition == "" {
		return assist.AgentState{}, fmt.Errorf("%w: choose a disposition", ErrBadRequest)
	}
	if !contains(s.cfg.Dispositions, w.Disposition) {
		return assist.AgentState{}, fmt.Errorf("%w: unknown disposition %q", ErrBadRequest, w.Disposition)
	}
	if len(w.Notes) > 10000 || len(w.Summary) > 10000 {
		return assist.AgentState{}, fmt.Errorf("%w: notes and summary are limited to 10,000 bytes", ErrBadRequest)
	}
	summary := w.Summary
	if strings.TrimSpace(summary) == "" {
		summary = pending.Summary
	}
	handle := s.handleTime(agentID)
	err := s.cfg.Store.SaveWrapup(ctx, store.Wrapup{SessionID: pending.SessionID, AgentID: agentID, Disposition: w.Disposition,
		Notes: w.Notes, Summary: summary, HandleTime: handle, At: time.Now()})
	if err != nil {
		return assist.AgentState{}, err
	}
	st, err := s.SetState(agentID, "available", "")
	if errors.Is(err, acd.ErrInvalidState) {
		// Still on another call: the state follows from the router.
		as, err2 := s.cfg.Router.AgentStatus(agentID)
		return agentState(as), err2
	}
	return st, err
}

func (s *Service) hasQueue(id string) bool {
	for _, q := range s.cfg.Router.Config().Queues {
		if q.ID == id {
			return true
		}
	}
	return false
}

// audit records an action of an agent or supervisor.
func (s *Service) audit(ctx context.Context, actor, action, target string, detail map[string]string) {
	raw, _ := json.Marshal(detail)
	if _, err := s.cfg.Store.AppendAudit(ctx, store.AuditEntry{At: time.Now(), Actor: actor, Action: action, Target: target, Detail: raw}); err != nil {
		s.log.Warn("audit entry not stored", "action", action, "err", err)
	}
}
