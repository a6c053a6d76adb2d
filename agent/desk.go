package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/switchboard-voice/switchboard/acd"
	"github.com/switchboard-voice/switchboard/assist"
	"github.com/switchboard-voice/switchboard/media/bridge"
)

// wrapState is an agent's call awaiting wrap-up.
type wrapState struct {
	ended  assist.CallEnded
	handle time.Duration
}

// rememberWrap notes the call an agent must wrap up.
func (s *Service) rememberWrap(agentID string, e assist.CallEnded, handle time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.wraps == nil {
		s.wraps = map[string]wrapState{}
	}
	s.wraps[agentID] = wrapState{ended: e, handle: handle}
}

func (s *Service) wrapping(agentID string) *assist.CallEnded {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, ok := s.wraps[agentID]
	if !ok {
		return nil
	}
	return &w.ended
}

func (s *Service) handleTime(agentID string) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.wraps[agentID].handle
}

func (s *Service) forgetWrap(agentID string) {
	s.mu.Lock()
	delete(s.wraps, agentID)
	s.mu.Unlock()
}

// music is a fresh music-on-hold source.
func (s *Service) music() *bridge.Loop { return bridge.NewLoop(s.cfg.Music, 8000) }

// offerView turns a router offer into what the desktop shows.
func (s *Service) offerView(o acd.Offer) assist.OfferView {
	var p offerPayload
	_ = json.Unmarshal(o.Contact.Handoff, &p)
	v := assist.OfferView{OfferID: o.ID, CallID: p.CallID, Queue: o.Contact.Queue, Waited: o.OfferedAt.Sub(o.Contact.EnqueuedAt),
		ExpiresAt: o.ExpiresAt, Handoff: p.Handoff, Customer: p.Customer}
	if p.Consult != "" {
		v.Handoff.Reason = fmt.Sprintf("%s from %s", p.Consult, p.ConsultFrom)
	}
	return v
}

// ringPhone rings an agent's SIP phone for an offer, when the agent has
// one: answering accepts the offer, declining rejects it, the router's
// ring timeout cancels the ringing.
func (s *Service) ringPhone(o acd.Offer) {
	s.mu.Lock()
	ring := s.phone
	s.mu.Unlock()
	if ring == nil {
		return
	}
	st, err := s.cfg.Router.AgentStatus(o.AgentID)
	if err != nil || !strings.HasPrefix(st.Endpoint, "sip:") {
		return
	}
	ctx, cancel := context.WithCancel(s.ctx)
	s.mu.Lock()
	s.ringing[o.ID] = cancel
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer cancel()
		leg, err := ring(ctx, st.Endpoint)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Info("agent phone did not answer", "agent", o.AgentID, "err", err)
				_ = s.cfg.Router.Reject(o.AgentID, o.ID)
			}
			return
		}
		conn, err := s.Accept(o.AgentID, o.ID)
		if err != nil {
			s.log.Info("agent answered too late", "agent", o.AgentID, "err", err)
			hctx, hc := context.WithTimeout(context.Background(), 3*time.Second)
			_ = leg.Hangup(hctx)
			hc()
			return
		}
		s.publish(AgentChannel(o.AgentID), "call.connect", assist.Connect{CallID: conn.CallID, Phone: true})
		// Hand the phone's leg to the call as the browser's would be.
		token := strings.TrimPrefix(conn.MediaURL, s.cfg.MediaURL+MediaPrefix)
		app, ok := s.MediaApp(MediaPrefix + token)
		if !ok {
			hctx, hc := context.WithTimeout(context.Background(), 3*time.Second)
			_ = leg.Hangup(hctx)
			hc()
			return
		}
		_ = app.Serve(s.ctx, leg)
		hctx, hc := context.WithTimeout(context.Background(), 3*time.Second)
		_ = leg.Hangup(hctx)
		hc()
	}()
}

// DeskState is an agent's desktop in full, for a desktop that (re)connects.
func (s *Service) DeskState(agentID string) (assist.DeskState, error) {
	st, err := s.cfg.Router.AgentStatus(agentID)
	if err != nil {
		return assist.DeskState{}, err
	}
	d := assist.DeskState{Agent: agentState(st), Offers: []assist.OfferView{}, Calls: []assist.CallView{}, Queues: []string{}, Agents: []assist.AgentState{}}
	if offers, err := s.cfg.Router.Offers(agentID); err == nil {
		for _, o := range offers {
			d.Offers = append(d.Offers, s.offerView(o))
		}
	}
	s.mu.Lock()
	var mine []*call
	for _, c := range s.calls {
		c.mu.Lock()
		if st := c.seats[agentID]; st != nil && st.leg != nil {
			mine = append(mine, c)
		}
		c.mu.Unlock()
	}
	if w, ok := s.wraps[agentID]; ok {
		e := w.ended
		d.Wrapping = &e
	}
	s.mu.Unlock()
	for _, c := range mine {
		v := c.view()
		v.MediaURL = c.reconnectURL(agentID)
		d.Calls = append(d.Calls, v)
	}
	s.remoteDesk(agentID, &d)
	for _, q := range s.cfg.Router.Config().Queues {
		d.Queues = append(d.Queues, q.ID)
	}
	snap := s.cfg.Router.Snapshot()
	for _, a := range snap.Agents {
		if a.ID != agentID {
			d.Agents = append(d.Agents, agentState(a))
		}
	}
	return d, nil
}

// Command carries out a desktop command of an agent; a command about a
// call another node holds is carried out there.
func (s *Service) Command(ctx context.Context, agentID string, c assist.Command) (any, error) {
	return s.command(ctx, agentID, c, false)
}

func (s *Service) command(ctx context.Context, agentID string, c assist.Command, forwardedHere bool) (any, error) {
	if !forwardedHere {
		callID := callOf(c)
		if c.Type == "accept" {
			var a assist.OfferCommand
			if json.Unmarshal(c.Data, &a) == nil && a.OfferID != "" {
				callID = s.offerCall(agentID, a.OfferID)
			}
		}
		if s.remote(agentID, callID) {
			return s.forward(ctx, callID, forwarded{Agent: agentID, Command: c})
		}
	}
	dec := func(v any) error {
		if len(c.Data) == 0 {
			return fmt.Errorf("%w: %s needs data", ErrBadRequest, c.Type)
		}
		d := json.NewDecoder(strings.NewReader(string(c.Data)))
		d.DisallowUnknownFields()
		if err := d.Decode(v); err != nil {
			return fmt.Errorf("%w: %s: %v", ErrBadRequest, c.Type, err)
		}
		return nil
	}
	switch c.Type {
	case "state":
		var a assist.StateCommand
		if err := dec(&a); err != nil {
			return nil, err
		}
		return s.SetState(agentID, a.State, a.Reason)
	case "accept", "reject":
		var a assist.OfferCommand
		if err := dec(&a); err != nil {
			return nil, err
		}
		if a.OfferID == "" {
			return nil, fmt.Errorf("%w: %s: no offer_id", ErrBadRequest, c.Type)
		}
		if c.Type == "reject" {
			return nil, s.Reject(agentID, a.OfferID)
		}
		return s.Accept(agentID, a.OfferID)
	case "hold", "mute":
		var a assist.ToggleCommand
		if err := dec(&a); err != nil {
			return nil, err
		}
		if c.Type == "hold" {
			return s.Hold(agentID, a.CallID, a.On)
		}
		return s.Mute(agentID, a.CallID, a.On)
	case "dtmf":
		var a assist.DTMFCommand
		if err := dec(&a); err != nil {
			return nil, err
		}
		return nil, s.DTMF(agentID, a.CallID, a.Digits)
	case "hangup", "complete", "cancel":
		var a assist.CallCommand
		if err := dec(&a); err != nil {
			return nil, err
		}
		switch c.Type {
		case "hangup":
			return nil, s.Hangup(agentID, a.CallID)
		case "complete":
			return s.Complete(agentID, a.CallID)
		}
		return s.Cancel(agentID, a.CallID)
	case "transfer", "conference":
		var a assist.TransferCommand
		if err := dec(&a); err != nil {
			return nil, err
		}
		return s.Transfer(ctx, agentID, a, c.Type == "conference")
	case "feedback":
		var a assist.FeedbackCommand
		if err := dec(&a); err != nil {
			return nil, err
		}
		return nil, s.Feedback(ctx, agentID, a)
	case "wrapup":
		var a assist.WrapupCommand
		if err := dec(&a); err != nil {
			return nil, err
		}
		return s.Wrapup(ctx, agentID, a)
	}
	return nil, fmt.Errorf("%w: unknown command %q", assist.ErrCommand, c.Type)
}

// Login checks a desktop login; it returns the agent's ID (or the
// supervisor's login) and whether it is a supervisor.
func (s *Service) Login(login, password string) (id string, supervisor bool, err error) {
	if s.cfg.Passwords == nil {
		return "", false, ErrAuth
	}
	id, want, sup, ok := s.cfg.Passwords(login)
	if !ok || want == "" || !constEq(want, password) {
		return "", false, ErrAuth
	}
	return id, sup, nil
}

func constEq(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	var v byte
	for i := range len(a) {
		v |= a[i] ^ b[i]
	}
	return v == 0
}

// Monitor connects a supervisor to a call: listen (hears both, heard by
// nobody), whisper (heard by the agent only) or barge (heard by both).
// Called again with another mode while connected, it changes the mode.
func (s *Service) Monitor(ctx context.Context, supervisor, callID, mode string) (assist.Connect, error) {
	var talk []string
	c, err := s.call(callID)
	if err != nil {
		return assist.Connect{}, err
	}
	c.mu.Lock()
	agent, b := c.agentID, c.b
	_, already := c.monitors[supervisor]
	url := c.monURL[supervisor]
	c.mu.Unlock()
	switch mode {
	case "listen":
		talk = []string{}
	case "whisper":
		talk = []string{agent}
	case "barge":
		talk = nil
	default:
		return assist.Connect{}, fmt.Errorf("%w: monitor mode %q (listen, whisper or barge)", ErrBadRequest, mode)
	}
	if b == nil || agent == "" {
		return assist.Connect{}, fmt.Errorf("%w: the call has no agent yet", ErrBadRequest)
	}
	id := "sup:" + supervisor
	s.audit(ctx, supervisor, mode, c.in.SessionID, map[string]string{"call": callID, "agent": agent})
	c.mu.Lock()
	c.monitors[supervisor] = mode
	c.mu.Unlock()
	if already {
		if err := b.TalkTo(id, talk); err == nil {
			c.publishCall()
			return assist.Connect{CallID: callID, MediaURL: url}, nil
		}
	}
	sl := s.newSlot(callID, id)
	c.mu.Lock()
	c.monURL[supervisor] = s.mediaURL(sl)
	c.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer s.dropSlot(sl)
		var leg interface{ Done() <-chan struct{} }
		select {
		case l := <-sl.ch:
			opts := []bridge.Option{bridge.TalkingTo(talk...)}
			if talk == nil {
				opts = nil
			}
			if _, err := b.Add(id, l, opts...); err != nil {
				s.log.Warn("supervisor join", "err", err)
				return
			}
			leg = l
			c.publishCall()
		case <-time.After(s.cfg.MediaTimeout):
			c.mu.Lock()
			delete(c.monitors, supervisor)
			c.mu.Unlock()
			return
		case <-c.in.Leg.Done():
			return
		}
		select {
		case <-leg.Done():
		case <-c.in.Leg.Done():
		case <-s.ctx.Done():
		}
		_, _ = b.Remove(id)
		c.mu.Lock()
		delete(c.monitors, supervisor)
		delete(c.monURL, supervisor)
		c.mu.Unlock()
		c.publishCall()
	}()
	return assist.Connect{CallID: callID, MediaURL: s.mediaURL(sl)}, nil
}

// SupervisorCommand carries out a wallboard command (on the call's node).
func (s *Service) SupervisorCommand(ctx context.Context, supervisor string, c assist.Command) (any, error) {
	return s.supervisorCommand(ctx, supervisor, c, false)
}

func (s *Service) supervisorCommand(ctx context.Context, supervisor string, c assist.Command, forwardedHere bool) (any, error) {
	if id := callOf(c); !forwardedHere && s.remote("", id) {
		return s.forward(ctx, id, forwarded{Agent: supervisor, Supervisor: true, Command: c})
	}
	switch c.Type {
	case "listen", "whisper", "barge":
		var a assist.MonitorCommand
		if err := json.Unmarshal(c.Data, &a); err != nil || a.CallID == "" {
			return nil, fmt.Errorf("%w: %s needs {call_id}", ErrBadRequest, c.Type)
		}
		return s.Monitor(ctx, supervisor, a.CallID, c.Type)
	case "leave":
		var a assist.CallCommand
		if err := json.Unmarshal(c.Data, &a); err != nil || a.CallID == "" {
			return nil, fmt.Errorf("%w: leave needs {call_id}", ErrBadRequest)
		}
		cl, err := s.call(a.CallID)
		if err != nil {
			return nil, err
		}
		cl.mu.Lock()
		b := cl.b
		delete(cl.monitors, supervisor)
		cl.mu.Unlock()
		if b != nil {
			if leg, err := b.Remove("sup:" + supervisor); err == nil {
				hctx, cancel := context.WithTimeout(ctx, 3*time.Second)
				_ = leg.Hangup(hctx)
				cancel()
			}
		}
		cl.publishCall()
		return nil, nil
	}
	return nil, fmt.Errorf("%w: unknown command %q", assist.ErrCommand, c.Type)
}

// WallState is the wallboard in full.
func (s *Service) WallState() assist.WallState {
	snap := s.cfg.Router.Snapshot()
	w := assist.WallState{Queues: []assist.QueueView{}, Agents: []assist.AgentState{}, Calls: []assist.LiveCall{}, At: time.Now()}
	thresholds := map[string]time.Duration{}
	for _, q := range s.cfg.Router.Config().Queues {
		thresholds[q.ID] = q.ServiceLevel
	}
	for _, q := range snap.Queues {
		qv := assist.QueueView{ID: q.ID, Name: q.Name, Waiting: q.Waiting, Longest: q.LongestWait, ServiceLevel: q.ServiceLevel,
			Threshold: thresholds[q.ID], AbandonRate: q.AbandonRate, AHT: q.AvgHandleTime, Answered: q.Answered,
			Abandoned: q.Abandoned, Agents: q.Agents.Qualified, Available: q.Agents.Available}
		w.Queues = append(w.Queues, qv)
	}
	for _, a := range snap.Agents {
		w.Agents = append(w.Agents, agentState(a))
	}
	s.mu.Lock()
	calls := make([]*call, 0, len(s.calls))
	for _, c := range s.calls {
		calls = append(calls, c)
	}
	s.mu.Unlock()
	local := map[string]bool{}
	for _, c := range calls {
		w.Calls = append(w.Calls, c.live())
		local[c.id] = true
	}
	w.Calls = append(w.Calls, s.remoteCalls(local)...)
	sort.Slice(w.Calls, func(i, j int) bool { return w.Calls[i].StartedAt.Before(w.Calls[j].StartedAt) })
	return w
}

// wallboard sends the supervisors the wallboard once a second while
// anything changes.
func (s *Service) wallboard() {
	defer s.wg.Done()
	tk := time.NewTicker(time.Second)
	defer tk.Stop()
	var last []byte
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-tk.C:
		}
		w := s.WallState()
		at := w.At
		w.At = time.Time{}
		raw, _ := json.Marshal(w)
		if string(raw) == string(last) {
			continue
		}
		last = raw
		w.At = at
		s.publish(Supervisors, "wall", w)
	}
}
