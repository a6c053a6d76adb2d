package acd

import (
	"math"
	"sort"
	"time"
)

// queue is a queue's settings and statistics. Guarded by Router.mu.
type queue struct {
	Queue
	req     []skillReq
	stats   stats
	dirty   bool              // statistics changed since the last QueueStats event
	statsAt time.Time         // when the last QueueStats event was sent
	flushAt time.Time         // when a coalesced one is scheduled
	classes map[string]*class // by language
	members []*agent          // agents with the queue's skills, as of generation gen
	gen     uint64
	removed bool
}

type skillReq struct {
	skill string
	level int
}

func newQueue(q Queue) *queue {
	nq := &queue{Queue: cloneQueue(q), classes: map[string]*class{}}
	for s, l := range q.Skills {
		nq.req = append(nq.req, skillReq{s, l})
	}
	sort.Slice(nq.req, func(i, j int) bool { return nq.req[i].skill < nq.req[j].skill })
	return nq
}

// qualifies reports whether the agent has every required skill at the
// queue's minimum level or above (language is checked per contact).
func (q *queue) qualifies(a *Agent) bool {
	for _, s := range q.req {
		if a.Skills[s.skill] < s.level {
			return false
		}
	}
	return true
}

func (q *queue) ringTimeout(cfg *Config) time.Duration {
	if q.RingTimeout > 0 {
		return q.RingTimeout
	}
	return cfg.RingTimeout
}

func (q *queue) wrapUp(cfg *Config) time.Duration {
	w := q.WrapUp
	if w == 0 {
		w = cfg.WrapUp
	}
	return max(w, 0)
}

func (q *queue) serviceLevel() time.Duration {
	if q.ServiceLevel > 0 {
		return q.ServiceLevel
	}
	return DefaultServiceLevel
}

func cloneQueue(q Queue) Queue {
	if q.Skills != nil {
		s := make(map[string]int, len(q.Skills))
		for k, v := range q.Skills {
			s[k] = v
		}
		q.Skills = s
	}
	q.Priority = append([]PriorityRule(nil), q.Priority...)
	if q.Overflow != nil {
		o := *q.Overflow
		q.Overflow = &o
	}
	return q
}

// recKind is what a statistics record counts.
type recKind int

const (
	recAnswered   recKind = iota // accepted by an agent (wait, inSL)
	recAbandoned                 // caller hung up waiting (wait, inSL)
	recTimedOut                  // max wait reached
	recCallback                  // left with a callback request
	recOverflowed                // moved to the overflow target
	recRemoved                   // Dequeue, RemoveQueue
	recEnded                     // an answered call ended (handle)
)

// record is one contact leaving a queue, or one call ending.
type record struct {
	at     time.Time
	kind   recKind
	wait   time.Duration // time in this queue
	handle time.Duration
	inSL   bool // wait <= the service-level threshold
}

// stats keeps a queue's records within the stats window, oldest first,
// and their running totals.
type stats struct {
	recs   []record
	n      [recEnded + 1]int
	inSL   [recAbandoned + 1]int
	wait   time.Duration // answered waits
	handle time.Duration // handle times
}

func (s *stats) add(rec record) {
	s.recs = append(s.recs, rec)
	s.count(rec, 1)
}

func (s *stats) count(rec record, sign int) {
	s.n[rec.kind] += sign
	if rec.inSL && rec.kind <= recAbandoned {
		s.inSL[rec.kind] += sign
	}
	switch rec.kind {
	case recAnswered:
		s.wait += time.Duration(sign) * rec.wait
	case recEnded:
		s.handle += time.Duration(sign) * rec.handle
	}
}

// prune drops the records before from.
func (s *stats) prune(from time.Time) {
	i := sort.Search(len(s.recs), func(i int) bool { return !s.recs[i].at.Before(from) })
	for _, rec := range s.recs[:i] {
		s.count(rec, -1)
	}
	if i > 0 {
		s.recs = append(s.recs[:0], s.recs[i:]...)
	}
}

// QueueStatus is a queue's wallboard line: live figures and statistics
// over the sliding stats window (Window, default 30 minutes ending now).
// Contacts are counted in the queue they left from: an overflowed contact
// counts as Overflowed here and is answered, abandoned... in its target.
// Waits are measured from entering this queue.
type QueueStatus struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Waiting contacts (Ringing of them are being offered).
	Waiting int `json:"waiting"`
	Ringing int `json:"ringing"`
	// LongestWait is the longest time in this queue of a waiting contact.
	LongestWait time.Duration `json:"longest_wait"`
	// Agents counts the agents with the queue's skills, by state.
	Agents AgentCounts `json:"agents"`
	// Window is the statistics window.
	Window time.Duration `json:"window"`
	// Counts within the window.
	Answered     int `json:"answered"`
	AnsweredInSL int `json:"answered_in_sl"`
	Abandoned    int `json:"abandoned"`
	// AbandonedInSL: abandoned before the service-level threshold.
	AbandonedInSL int `json:"abandoned_in_sl"`
	TimedOut      int `json:"timed_out"`
	Callbacks     int `json:"callbacks"`
	Overflowed    int `json:"overflowed"`
	Removed       int `json:"removed"`
	// Ended is the number of answered calls that ended.
	Ended int `json:"ended"`
	// ServiceLevel is AnsweredInSL / (Answered + Abandoned -
	// AbandonedInSL + TimedOut): callers who hung up before the threshold
	// are not held against the queue; callbacks, overflows and removals
	// are not counted. 1 when that denominator is zero.
	ServiceLevel float64 `json:"service_level"`
	// AbandonRate is Abandoned / (Answered + Abandoned); 0 when both are 0.
	AbandonRate float64 `json:"abandon_rate"`
	// AvgHandleTime is the mean accept-to-end time of the calls that ended
	// (wrap-up not included); AvgAnswerTime the mean wait of those
	// answered. Zero without data.
	AvgHandleTime time.Duration `json:"avg_handle_time"`
	AvgAnswerTime time.Duration `json:"avg_answer_time"`
	// Contacts are the waiting contacts in routing order (Snapshot only).
	Contacts []WaitStatus `json:"contacts,omitempty"`
}

// AgentCounts counts agents by state.
type AgentCounts struct {
	Qualified int `json:"qualified"`
	Available int `json:"available"`
	OnCall    int `json:"on_call"`
	WrapUp    int `json:"wrap_up"`
	Away      int `json:"away"`
	Offline   int `json:"offline"`
}

// queueStatus computes q's figures (without the contact list).
func (r *Router) queueStatus(q *queue) QueueStatus {
	st := QueueStatus{ID: q.ID, Name: q.Name, Window: r.cfg.StatsWindow}
	if st.Name == "" {
		st.Name = q.ID
	}
	for _, c := range r.waiting {
		if c.q != q {
			continue
		}
		st.Waiting++
		if c.offer != nil {
			st.Ringing++
		}
		st.LongestWait = max(st.LongestWait, r.now.Sub(c.entered))
	}
	for _, a := range r.members(q) {
		st.Agents.Qualified++
		switch a.state {
		case Available:
			st.Agents.Available++
		case OnCall:
			st.Agents.OnCall++
		case WrapUp:
			st.Agents.WrapUp++
		case Away:
			st.Agents.Away++
		case Offline:
			st.Agents.Offline++
		}
	}
	s := &q.stats
	s.prune(r.now.Add(-r.cfg.StatsWindow))
	st.Answered, st.AnsweredInSL = s.n[recAnswered], s.inSL[recAnswered]
	st.Abandoned, st.AbandonedInSL = s.n[recAbandoned], s.inSL[recAbandoned]
	st.TimedOut, st.Callbacks, st.Overflowed = s.n[recTimedOut], s.n[recCallback], s.n[recOverflowed]
	st.Removed, st.Ended = s.n[recRemoved], s.n[recEnded]
	st.ServiceLevel = 1
	if d := st.Answered + st.Abandoned - st.AbandonedInSL + st.TimedOut; d > 0 {
		st.ServiceLevel = float64(st.AnsweredInSL) / float64(d)
	}
	if d := st.Answered + st.Abandoned; d > 0 {
		st.AbandonRate = float64(st.Abandoned) / float64(d)
	}
	if st.Ended > 0 {
		st.AvgHandleTime = s.handle / time.Duration(st.Ended)
	}
	if st.Answered > 0 {
		st.AvgAnswerTime = s.wait / time.Duration(st.Answered)
	}
	return st
}

// members returns the agents with q's skills, recomputed after any change
// of agents or queues (Router.gen).
func (r *Router) members(q *queue) []*agent {
	if q.gen == r.gen && q.members != nil {
		return q.members
	}
	q.members = q.members[:0]
	for _, a := range r.agents {
		if q.qualifies(&a.Agent) {
			q.members = append(q.members, a)
		}
	}
	if q.members == nil {
		q.members = []*agent{}
	}
	q.gen = r.gen
	return q.members
}

// agentDirty marks the queues whose agent counts a change of a touches.
func (r *Router) agentDirty(a *agent) {
	for _, q := range r.qorder {
		if q.qualifies(&a.Agent) {
			q.dirty = true
		}
	}
}

// flushStats publishes a QueueStats event per changed queue (none without
// subscribers), at most one per queue per StatsInterval: a change sooner
// than that after the last event is sent when the interval is up.
func (r *Router) flushStats() {
	for _, q := range r.qorder {
		if !q.dirty {
			continue
		}
		if len(r.subs) == 0 {
			q.dirty = false
			continue
		}
		if iv := r.cfg.StatsInterval; iv > 0 && !q.statsAt.IsZero() && r.now.Sub(q.statsAt) < iv {
			if at := q.statsAt.Add(iv); !q.flushAt.Equal(at) {
				q.flushAt = at
				r.schedule(&timer{at: at, kind: statsTimer})
			}
			continue
		}
		q.dirty, q.statsAt = false, r.now
		st := r.queueStatus(q)
		r.emit(Event{Kind: QueueStats, Queue: q.ID, Stats: &st})
	}
}

// staffing caches, per (queue, language), the qualified agents' staffed
// and free capacity, for wait estimates.
type staffing struct {
	r *Router
	m map[classKey][2]int
	h map[*queue]time.Duration
}

func newStaffing(r *Router) *staffing {
	return &staffing{r: r, m: map[classKey][2]int{}, h: map[*queue]time.Duration{}}
}

func (s *staffing) handleTime(q *queue) time.Duration {
	h, ok := s.h[q]
	if !ok {
		h = s.r.handleTime(q)
		s.h[q] = h
	}
	return h
}

func (s *staffing) get(c *contact) (staffed, free int) {
	k := classKey{c.q, c.lang, c.Agent}
	if v, ok := s.m[k]; ok {
		return v[0], v[1]
	}
	agents := s.r.members(c.q)
	if c.Agent != "" {
		agents = nil
		if a := s.r.agents[c.Agent]; a != nil {
			agents = []*agent{a}
		}
	}
	for _, a := range agents {
		if c.Agent == "" && !speaks(a.prims, c.lang) {
			continue
		}
		switch a.state {
		case Available, OnCall, WrapUp:
			staffed += a.maxCalls()
		}
		if a.routable() {
			free += a.maxCalls() - a.load()
		}
	}
	s.m[k] = [2]int{staffed, free}
	return staffed, free
}

// handleTime is the h of the wait estimate: the queue's average handle
// time in the window (the default without data) plus its wrap-up time.
func (r *Router) handleTime(q *queue) time.Duration {
	q.stats.prune(r.now.Add(-r.cfg.StatsWindow))
	h := r.cfg.DefaultHandleTime
	if n := q.stats.n[recEnded]; n > 0 {
		h = q.stats.handle / time.Duration(n)
	}
	return h + q.wrapUp(&r.cfg)
}

// waitStatus is c's position (computed when pos is 0) and estimated wait
// (see WaitStatus.EWT).
func (r *Router) waitStatus(c *contact, s *staffing, pos, unoffered int) WaitStatus {
	ws := WaitStatus{Waiting: true, ContactID: c.ID, Queue: c.q.ID, Priority: c.prio,
		Waited: r.now.Sub(c.EnqueuedAt), InQueue: r.now.Sub(c.entered), Position: pos}
	for i := 0; pos == 0 && i < len(r.waiting); i++ {
		if w := r.waiting[i]; w.q == c.q {
			ws.Position++
			if w.offer == nil {
				unoffered++
			}
			if w == c {
				break
			}
		}
	}
	if c.offer != nil {
		ws.OfferedTo = c.offer.a.ID
		ws.EWTKnown = true
		return ws
	}
	staffed, free := s.get(c)
	if staffed == 0 {
		return ws
	}
	ws.EWTKnown = true
	if unoffered > free {
		rounds := math.Ceil(float64(unoffered-free) / float64(staffed))
		ws.EWT = time.Duration(rounds) * s.handleTime(c.q)
	}
	return ws
}

// Snapshot is the router's whole state at one moment: for the wallboard,
// and for an event consumer that lost events (it reflects every event up
// to Seq).
type Snapshot struct {
	Seq  uint64    `json:"seq"`
	Time time.Time `json:"time"`
	// Queues in configuration order, each with its waiting contacts.
	Queues []QueueStatus `json:"queues"`
	// Agents by ID.
	Agents []AgentStatus `json:"agents"`
	// Offers pending, oldest first.
	Offers []Offer `json:"offers"`
}

// Snapshot returns the current state.
func (r *Router) Snapshot() Snapshot {
	if err := r.begin(); err != nil {
		return Snapshot{}
	}
	defer r.end()
	snap := Snapshot{Seq: r.seq, Time: r.now}
	idx := map[*queue]int{}
	for _, q := range r.qorder {
		idx[q] = len(snap.Queues)
		snap.Queues = append(snap.Queues, r.queueStatus(q))
	}
	s := newStaffing(r)
	unoffered := map[*queue]int{}
	for _, c := range r.waiting {
		qs := &snap.Queues[idx[c.q]]
		if c.offer == nil {
			unoffered[c.q]++
		}
		qs.Contacts = append(qs.Contacts, r.waitStatus(c, s, len(qs.Contacts)+1, unoffered[c.q]))
	}
	os := make([]*offer, 0, len(r.offers))
	for _, o := range r.offers {
		os = append(os, o)
	}
	snap.Offers = publicOffers(os)
	as := make([]*agent, 0, len(r.agents))
	for _, a := range r.agents {
		as = append(as, a)
	}
	sort.Slice(as, func(i, j int) bool { return as[i].ID < as[j].ID })
	snap.Agents = make([]AgentStatus, len(as))
	for i, a := range as {
		snap.Agents[i] = r.agentStatus(a)
	}
	return snap
}
