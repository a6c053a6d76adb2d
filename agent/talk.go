package agent

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboard-voice/switchboard/acd"
	"github.com/switchboard-voice/switchboard/assist"
	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/bridge"
	"github.com/switchboard-voice/switchboard/store"
)

// mediaSlot waits for the audio leg of an agent (or supervisor) who
// accepted: the browser's WHIP offer to MediaURL+token, or the SIP phone.
type mediaSlot struct {
	token  string
	callID string
	who    string
	ch     chan media.Leg
	// release is closed when the call no longer needs the leg: the WHIP
	// handler returns and the leg is hung up.
	release chan struct{}
	once    chan struct{}
}

func (s *Service) newSlot(callID, who string) *mediaSlot {
	sl := &mediaSlot{token: newID(""), callID: callID, who: who, ch: make(chan media.Leg, 1),
		release: make(chan struct{}), once: make(chan struct{}, 1)}
	sl.once <- struct{}{}
	s.mu.Lock()
	s.waiting[sl.token] = sl
	s.mu.Unlock()
	return sl
}

func (s *Service) dropSlot(sl *mediaSlot) {
	s.mu.Lock()
	delete(s.waiting, sl.token)
	s.mu.Unlock()
	select {
	case <-sl.once:
		close(sl.release)
	default:
	}
}

// mediaURL is where the agent's browser sends its WHIP offer.
func (s *Service) mediaURL(sl *mediaSlot) string { return s.cfg.MediaURL + MediaPrefix + sl.token }

// MediaPrefix starts the WHIP targets of agents' and supervisors' audio
// ("/whip/agent.<token>").
const MediaPrefix = "agent."

// MediaApp is the application for WHIP targets starting with MediaPrefix:
// it hands the browser's leg to the call that waits for it and holds it
// until the call is done with it. Unknown or used tokens are refused.
func (s *Service) MediaApp(to string) (media.Application, bool) {
	if len(to) <= len(MediaPrefix) || to[:len(MediaPrefix)] != MediaPrefix {
		return nil, false
	}
	token := to[len(MediaPrefix):]
	s.mu.Lock()
	sl := s.waiting[token]
	s.mu.Unlock()
	if sl == nil {
		return nil, false
	}
	return media.ApplicationFunc(func(ctx context.Context, leg media.Leg) error {
		s.mu.Lock()
		if s.waiting[token] != sl {
			s.mu.Unlock()
			return fmt.Errorf("%w: media token used", ErrBadRequest)
		}
		delete(s.waiting, token)
		s.mu.Unlock()
		select {
		case sl.ch <- leg:
		default:
			return fmt.Errorf("%w: media token used", ErrBadRequest)
		}
		select {
		case <-sl.release:
		case <-leg.Done():
		case <-ctx.Done():
		}
		return nil
	}), true
}

// slotFor returns the media slot of an agent's seat, making it.
func (c *call) slotFor(agentID, contactID, role string) *seat {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.seats[agentID]
	if st == nil || st.contactID != contactID {
		st = &seat{agentID: agentID, contactID: contactID, role: role, slot: c.s.newSlot(c.id, agentID), left: make(chan struct{})}
		c.seats[agentID] = st
	}
	return st
}

// talk bridges the caller to the agent who answered and serves the call
// until it ends or is transferred.
func (c *call) talk(ctx context.Context, out acd.Outcome) (nextStep, error) {
	st := c.slotFor(out.AgentID, out.ContactID, "agent")
	var leg media.Leg
	select {
	case leg = <-st.slot.ch:
	case <-time.After(c.s.cfg.MediaTimeout):
		c.s.dropSlot(st.slot)
		c.mu.Lock()
		delete(c.seats, out.AgentID)
		c.mu.Unlock()
		_ = c.s.cfg.Router.CallEnded(out.AgentID, out.ContactID)
		return nextStep{}, ErrNoMedia
	case <-c.in.Leg.Done():
		c.s.dropSlot(st.slot)
		_ = c.s.cfg.Router.CallEnded(out.AgentID, out.ContactID)
		return nextStep{}, nil
	case <-ctx.Done():
		c.s.dropSlot(st.slot)
		_ = c.s.cfg.Router.CallEnded(out.AgentID, out.ContactID)
		return nextStep{}, nil
	}
	if err := c.join(st, leg); err != nil {
		return nextStep{}, err
	}
	c.mu.Lock()
	c.agentID, c.queue = out.AgentID, out.Queue
	c.mu.Unlock()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	if err := c.s.cfg.Store.AssignAgent(sctx, c.in.SessionID, out.AgentID, out.Queue); err != nil {
		c.log.Warn("agent assignment not stored", "err", err)
	}
	cancel()
	if o := c.s.cfg.Observer; o != nil {
		o.CallStarted(c.info())
	}
	c.publishCall()
	for {
		c.mu.Lock()
		primary := c.seats[c.agentID]
		c.mu.Unlock()
		var left chan struct{}
		if primary != nil {
			left = primary.left
		}
		select {
		case <-c.in.Leg.Done():
			c.endAgents("caller")
			return nextStep{}, nil
		case <-ctx.Done():
			c.endAgents("shutdown")
			return nextStep{}, nil
		case n := <-c.next:
			c.endAgents(n.by)
			return n, nil
		case <-left:
			// The agent hung up or closed the desktop. With someone else
			// on the call (a completed transfer) it goes on.
			c.mu.Lock()
			others := ""
			for id, s := range c.seats {
				if id != c.agentID && s.leg != nil {
					others = id
				}
			}
			if others != "" && c.consulting == "" {
				c.agentID = others
				c.mu.Unlock()
				c.publishCall()
				continue
			}
			c.mu.Unlock()
			c.endAgents("agent")
			return nextStep{}, nil
		}
	}
}

// join puts a seat's leg into the call's bridge (making the bridge and
// the caller's transcriber on first use).
func (c *call) join(st *seat, leg media.Leg) error {
	c.joinMu.Lock()
	defer c.joinMu.Unlock()
	c.mu.Lock()
	need := c.b == nil
	c.mu.Unlock()
	if need {
		b := bridge.New(bridge.Config{Rate: media.Rate8k, Logger: c.log, OnDTMF: c.onBridgeDTMF, OnLeave: c.onLeave})
		tr := c.transcriber("caller", c.in.Leg.Info().Rate)
		var tap []bridge.Option
		if tr != nil {
			tap = append(tap, bridge.WithTap(tr))
		}
		if _, err := b.Add("caller", c.in.Leg, tap...); err != nil {
			_ = b.Close()
			if tr != nil {
				_ = tr.Close()
			}
			return err
		}
		c.mu.Lock()
		c.b, c.callerTr = b, tr
		c.mu.Unlock()
	}
	c.mu.Lock()
	b := c.b
	c.mu.Unlock()
	speaker := "agent"
	if st.role != "agent" {
		speaker = "agent:" + st.agentID
	}
	st.tr = c.transcriber(speaker, leg.Info().Rate)
	var opts []bridge.Option
	if st.tr != nil {
		opts = append(opts, bridge.WithTap(st.tr))
	}
	if _, err := b.Add(st.agentID, leg, opts...); err != nil {
		return err
	}
	c.mu.Lock()
	st.leg, st.answered = leg, time.Now()
	c.mu.Unlock()
	return nil
}

// reconnectURL gives an agent on the call a media URL to send its audio
// again (its page was reloaded): the leg that arrives there replaces the
// agent's in the bridge. One pending reconnection per agent; it expires
// with MediaTimeout×8.
func (c *call) reconnectURL(agentID string) string {
	c.mu.Lock()
	st := c.seats[agentID]
	if st == nil || st.leg == nil {
		c.mu.Unlock()
		return ""
	}
	old := st.reslot
	sl := c.s.newSlot(c.id, agentID)
	st.reslot = sl
	c.mu.Unlock()
	if old != nil {
		c.s.dropSlot(old)
	}
	c.s.wg.Add(1)
	go func() {
		defer c.s.wg.Done()
		select {
		case leg := <-sl.ch:
			c.replaceLeg(st, leg, sl)
		case <-time.After(8 * c.s.cfg.MediaTimeout):
			c.s.dropSlot(sl)
		case <-st.left:
			c.s.dropSlot(sl)
		case <-c.s.ctx.Done():
		}
	}()
	return c.s.mediaURL(sl)
}

// replaceLeg puts a reconnected agent leg in the bridge instead of the
// old one, which is let go.
func (c *call) replaceLeg(st *seat, leg media.Leg, sl *mediaSlot) {
	c.mu.Lock()
	b, old, oldSlot := c.b, st.leg, st.slot
	c.mu.Unlock()
	if b == nil {
		c.s.dropSlot(sl)
		return
	}
	_, _ = b.Remove(st.agentID)
	var opts []bridge.Option
	if st.tr != nil {
		opts = append(opts, bridge.WithTap(st.tr))
	}
	if _, err := b.Add(st.agentID, leg, opts...); err != nil {
		c.log.Warn("reconnected agent audio", "agent", st.agentID, "err", err)
		c.s.dropSlot(sl)
		return
	}
	c.mu.Lock()
	st.leg, st.slot, st.reslot = leg, sl, nil
	muted := c.muted && st.agentID == c.agentID
	c.mu.Unlock()
	if muted {
		_ = b.SetMuted(st.agentID, true)
	}
	c.s.dropSlot(oldSlot) // the old leg's WHIP handler returns: it hangs up
	if old != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		_ = old.Hangup(ctx)
		cancel()
	}
	c.log.Info("agent audio reconnected", "agent", st.agentID)
	c.publishCall()
}

// transcriber starts the live transcript of one side (nil without a
// recogniser).
func (c *call) transcriber(speaker string, rate int) *assist.Transcriber {
	if c.s.cfg.Speech == nil {
		return nil
	}
	rec, err := c.s.cfg.Speech.Recognizer(c.s.ctx, c.in.Bot, c.in.BotVersion, c.in.Language)
	if err != nil || rec == nil {
		c.log.Warn("live transcript: no recogniser", "speaker", speaker, "err", err)
		return nil
	}
	if rate == 0 {
		rate = media.Rate8k
	}
	c.mu.Lock()
	first := 0
	if speaker == "caller" {
		first = c.uttBase
	}
	c.mu.Unlock()
	tr, err := assist.NewTranscriber(assist.TranscriberConfig{
		Speaker: speaker, Recognizer: rec, Language: c.in.Language, Rate: rate, CallStart: c.started, After: first,
		OnSegment:  c.onSegment,
		OnActivity: func(on bool, at time.Duration) { c.onActivity(speaker, on) },
		Logger:     c.log,
	})
	if err != nil {
		c.log.Warn("live transcript", "speaker", speaker, "err", err)
		return nil
	}
	return tr
}

func (c *call) onActivity(speaker string, on bool) {
	if o := c.s.cfg.Observer; o != nil {
		o.Activity(c.info(), speaker, on)
	}
}

// onBridgeDTMF: digits pressed by the caller during the call are shown to
// the agent.
func (c *call) onBridgeDTMF(p *bridge.Party, d media.DTMF) {
	if p.ID != "caller" {
		return
	}
	c.mu.Lock()
	agent := c.agentID
	c.mu.Unlock()
	c.s.publish(AgentChannel(agent), "dtmf", map[string]string{"call_id": c.id, "digit": string(d.Digit)})
}

// onLeave: a leg left the bridge (it hung up).
func (c *call) onLeave(p *bridge.Party) {
	c.mu.Lock()
	st := c.seats[p.ID]
	c.mu.Unlock()
	if st != nil {
		c.closeSeat(st)
	}
	c.publishCall()
}

// closeSeat ends a seat: transcriber, media slot, left signal.
func (c *call) closeSeat(st *seat) {
	c.mu.Lock()
	select {
	case <-st.left:
		c.mu.Unlock()
		return
	default:
		close(st.left)
	}
	tr := st.tr
	st.tr = nil
	c.mu.Unlock()
	if tr != nil {
		_ = tr.Close()
	}
	c.s.dropSlot(st.slot)
}

// endAgents takes every agent off the call: their legs leave the bridge
// and hang up, the router hears the calls ended, their desktops start
// wrap-up.
func (c *call) endAgents(by string) {
	c.mu.Lock()
	seats := make([]*seat, 0, len(c.seats))
	for _, st := range c.seats {
		seats = append(seats, st)
	}
	c.seats = map[string]*seat{}
	b := c.b
	c.consulting = ""
	c.mu.Unlock()
	for _, st := range seats {
		if b != nil {
			_, _ = b.Remove(st.agentID)
		}
		c.closeSeat(st)
		if st.leg != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			_ = st.leg.Hangup(ctx)
			cancel()
		}
		if err := c.s.cfg.Router.CallEnded(st.agentID, st.contactID); err != nil {
			c.log.Debug("call ended", "agent", st.agentID, "err", err)
		}
		if st.leg != nil {
			c.wrapup(st, by)
		}
	}
	c.dropBridge()
}

// dropBridge takes the caller out of the bridge (back to the queue, or
// the end): the caller's transcript pauses, numbered on from where it was.
func (c *call) dropBridge() {
	c.mu.Lock()
	b, tr := c.b, c.callerTr
	c.b, c.callerTr = nil, nil
	c.mu.Unlock()
	if tr != nil {
		_ = tr.Close()
		c.mu.Lock()
		c.uttBase += tr.Utterances()
		c.mu.Unlock()
	}
	if b != nil {
		_ = b.Close()
	}
}

// wrapup tells the agent's desktop the call ended, with a summary to edit.
func (c *call) wrapup(st *seat, by string) {
	c.mu.Lock()
	segs := append([]assist.Segment(nil), c.transcript...)
	c.mu.Unlock()
	summary := c.summary(segs)
	wrap := time.Duration(0)
	if t := c.ticket; t != nil {
		wrap = t.Queue().WrapUp
	}
	ended := assist.CallEnded{CallID: c.id, SessionID: c.in.SessionID, CallerID: c.in.CallerID, EndedAt: time.Now(), By: by,
		Summary: summary, Dispositions: c.s.cfg.Dispositions, WrapUp: wrap}
	c.s.publish(AgentChannel(st.agentID), "call.ended", ended)
	c.s.rememberWrap(st.agentID, ended, time.Since(st.answered))
}

// summary is the generated after-call summary.
func (c *call) summary(segs []assist.Segment) string {
	req := assist.SummaryRequest{Bot: c.in.Bot, Language: c.in.Language, Handoff: c.handoff, Transcript: segs}
	if sm := c.s.cfg.Summarizer; sm != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if s, err := sm.Summarize(ctx, req); err == nil && s != "" {
			return s
		} else if err != nil {
			c.log.Warn("summary", "err", err)
		}
	}
	return assist.ExtractiveSummary(c.handoff, segs)
}

// onSegment handles the live transcript: stores finals, scores the
// caller's sentiment, shows it to the agent and supervisors, refreshes
// suggestions.
func (c *call) onSegment(seg assist.Segment) {
	if r := c.s.cfg.Redact; r != nil {
		seg.Text = r(seg.Text)
		for i := range seg.Words {
			seg.Words[i].Text = r(seg.Words[i].Text)
		}
	}
	c.mu.Lock()
	agent := c.agentID
	c.mu.Unlock()
	ev := assist.TranscriptEvent{CallID: c.id, Segment: seg}
	if !seg.Final {
		c.s.publish(AgentChannel(agent), "transcript", ev)
		return
	}
	if seg.Speaker == "caller" && c.s.cfg.Sentiment != nil {
		ev.Sentiment = c.s.cfg.Sentiment(context.Background(), seg.Text, c.in.Language)
	}
	c.mu.Lock()
	c.transcript = append(c.transcript, seg)
	if ev.Sentiment != nil {
		c.sentiments = append(c.sentiments, *ev.Sentiment)
	}
	c.mu.Unlock()
	c.s.publish(AgentChannel(agent), "transcript", ev)
	c.s.publish(Supervisors, "transcript", ev)
	c.storeSegment(seg, ev.Sentiment)
	if o := c.s.cfg.Observer; o != nil {
		o.Segment(c.info(), seg, ev.Sentiment)
	}
	if seg.Speaker == "caller" {
		c.suggest(seg)
	}
}

func (c *call) storeSegment(seg assist.Segment, sentiment *float64) {
	speaker := seg.Speaker
	if len(speaker) > 6 && speaker[:6] == "agent:" {
		speaker = "agent"
	}
	t := store.Turn{Speaker: speaker, Text: seg.Text, At: seg.At,
		Timings: map[string]int64{"offset": seg.Start.Microseconds(), "duration": (seg.End - seg.Start).Microseconds(), "asr": seg.ASR.Microseconds()}}
	if sentiment != nil {
		t.Sentiment = *sentiment
		t.SentimentLabel = label(*sentiment)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := c.s.cfg.Store.AppendTurns(ctx, c.in.SessionID, t); err != nil {
		c.log.Warn("transcript turn not stored", "err", err)
	}
}

// HoldAction marks a stored turn that is a hold, not an utterance: its
// timings place the hold in the call (QA's hold time).
const HoldAction = "hold"

// storeHold records a hold's span in the call.
func (c *call) storeHold(span [2]time.Duration) {
	t := store.Turn{Speaker: "agent", Action: HoldAction, At: time.Now(),
		Timings: map[string]int64{"offset": span[0].Microseconds(), "duration": (span[1] - span[0]).Microseconds()}}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := c.s.cfg.Store.AppendTurns(ctx, c.in.SessionID, t); err != nil {
		c.log.Warn("hold not stored", "err", err)
	}
}

func label(v float64) string {
	switch {
	case v <= -0.2:
		return "negative"
	case v >= 0.25:
		return "positive"
	}
	return "neutral"
}

// suggest refreshes the agent's suggestions for the caller's utterance,
// off the transcript's goroutine.
func (c *call) suggest(seg assist.Segment) {
	sg := c.s.cfg.Suggester
	if sg == nil {
		return
	}
	c.mu.Lock()
	req := assist.SuggestRequest{CallID: c.id, Bot: c.in.Bot, Language: c.in.Language, Handoff: c.handoff,
		Transcript: append([]assist.Segment(nil), c.transcript...), Utterance: seg.Text, Done: map[string]bool{}}
	for k, v := range c.steps {
		req.Done[k] = v
	}
	agent := c.agentID
	c.mu.Unlock()
	c.s.wg.Add(1)
	go func() {
		defer c.s.wg.Done()
		ctx, cancel := context.WithTimeout(c.s.ctx, 5*time.Second)
		defer cancel()
		sug, err := sg.Suggest(ctx, req)
		if err != nil {
			c.log.Warn("suggestions", "err", err)
			return
		}
		sug.ID, sug.CallID, sug.For = newID("sg-"), c.id, seg.Text
		sug.Latency = time.Since(seg.At)
		c.mu.Lock()
		c.sugg = &sug
		c.mu.Unlock()
		c.s.publish(AgentChannel(agent), "suggestions", sug)
	}()
}
