package alert

import (
	"crypto/rand"
	"fmt"
	"slices"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/switchboard-voice/switchboard/qa"
)

// Option configures a Monitor.
type Option func(*Monitor)

// WithSink publishes every alert the monitor raises to s (besides
// returning it). s.Publish is called on the goroutine that fed the event,
// after the monitor's lock is released.
func WithSink(s Sink) Option { return func(m *Monitor) { m.sink = s } }

// WithRedact sets the function evidence text passes through before it
// leaves the monitor (qa/redact's, so that no PII reaches a payload).
// Default: identity.
func WithRedact(f func(string) string) Option {
	return func(m *Monitor) {
		if f != nil {
			m.redact = f
		}
	}
}

// WithClock sets the monitor's clock, read for every event but Tick (which
// brings its own time). Default time.Now.
func WithClock(now func() time.Time) Option {
	return func(m *Monitor) {
		if now != nil {
			m.now = now
		}
	}
}

// Monitor evaluates the rules on one live call. Feed it the call's events
// as they happen; each method returns the alerts it raised (usually none)
// and publishes them to the sink given WithSink. Evaluation is synchronous
// and allocation-light: no goroutine of its own, a few microseconds per
// utterance with the default rules.
//
// A Monitor is safe for concurrent use: the call loop feeds utterances and
// speech activity, the agent bridge the agent's side, and one ticker (a
// Watcher, or the caller's own) calls Tick for every live monitor.
type Monitor struct {
	rules  *Rules
	sink   Sink
	redact func(string) string
	now    func() time.Time

	mu     sync.Mutex
	call   Call
	ended  bool
	hold   bool
	quiet  time.Time     // last speech activity, for silence
	active []speech      // who is speaking now
	seen   map[int]uint8 // turn seq → seenText | seenScore
	maxSeq int
	scored []scored // the last MaxSentimentTurns scored utterances
	state  []ruleState
	norm   []byte  // normalised text of the current utterance
	hits   []int32 // per rule, the automaton's pattern found in it (-1: none)
}

const (
	seenText = 1 << iota
	seenScore
)

type speech struct {
	who   qa.Speaker
	since time.Time
}

type scored struct {
	who   qa.Speaker
	at    time.Duration
	score float64
}

// ruleState is one rule's memory on one call.
type ruleState struct {
	last     time.Time // last alert
	fired    bool      // silence: in this stretch; bot_failures: in this streak; duration: at all
	streak   int       // bot_failures
	overlap  bool      // talk_over: an overlap is going on
	from     time.Time // talk_over: since when
	by       qa.Speaker
	counted  bool        // talk_over: this overlap is counted
	overlaps []time.Time // talk_over: counted overlaps within the window
}

// NewMonitor starts watching a call with the compiled rules (nil: none).
func NewMonitor(rules *Rules, call Call, opts ...Option) *Monitor {
	if rules == nil {
		rules = &Rules{auto: newAutomaton(nil)}
	}
	m := &Monitor{
		rules:  rules,
		redact: func(s string) string { return s },
		now:    time.Now,
		call:   call,
		seen:   map[int]uint8{},
		state:  make([]ruleState, len(rules.rules)),
		hits:   make([]int32, len(rules.rules)),
	}
	for _, o := range opts {
		o(m)
	}
	if m.call.StartedAt.IsZero() {
		m.call.StartedAt = m.now()
	}
	m.quiet = m.call.StartedAt
	return m
}

// Turn evaluates a final utterance (caller, bot or agent) as soon as its
// transcript is final. If its sentiment is scored later, feed it again
// with the same Seq and the score: the second time only the sentiment
// rules look at it. Turns with Seq 0 are always taken as new.
func (m *Monitor) Turn(t qa.Turn) []Alert {
	now := m.now()
	m.mu.Lock()
	if m.ended {
		m.mu.Unlock()
		return nil
	}
	fresh, newScore := m.see(t)
	if fresh { // a late sentiment score is not speech
		m.touch(now)
	}
	at := t.End
	if at <= 0 {
		at = t.Start
	}
	if at <= 0 {
		at = now.Sub(m.call.StartedAt)
	}
	if newScore {
		if len(m.scored) == MaxSentimentTurns {
			m.scored = append(m.scored[:0], m.scored[1:]...)
		}
		m.scored = append(m.scored, scored{who: t.Speaker, at: at, score: t.Sentiment.Score})
	}
	var out []Alert
	normed := false
	ev := Evidence{TurnSeq: t.Seq, Speaker: t.Speaker, Text: t.Text}
	for i, r := range m.rules.rules {
		s := &m.state[i]
		switch r.Kind {
		case KindPhrase:
			if !fresh || !r.hears(t.Speaker) {
				continue
			}
			if !normed {
				m.norm = normalise(m.norm[:0], t.Text)
				m.rules.auto.match(m.norm, m.hits)
				normed = true
			}
			p, ok := "", false
			if h := m.hits[i]; h >= 0 {
				p, ok = m.rules.auto.pats[h].p.source, true
			} else {
				p, ok = r.matchRegex(m.norm)
			}
			if ok {
				e := ev
				e.Phrase = p
				out, _ = m.fire(out, r, s, now, at, fmt.Sprintf("%s: %s said %q", r.Name, t.Speaker, p), e)
			}
		case KindSentiment:
			if !newScore || !r.hears(t.Speaker) {
				continue
			}
			avg, n := m.average(r, at)
			if n >= r.MinTurns && avg < *r.Threshold {
				e := ev
				e.Value = avg
				out, _ = m.fire(out, r, s, now, at, fmt.Sprintf("%s: %s sentiment averaged %.2f over the last %d utterances", r.Name, t.Speaker, avg, n), e)
			}
		case KindBotFailures:
			if !fresh || t.Speaker != qa.Bot {
				continue
			}
			if !t.Failed {
				s.streak, s.fired = 0, false
				continue
			}
			s.streak++
			if s.streak >= r.Count && !s.fired {
				e := ev
				e.Value = float64(s.streak)
				out, s.fired = m.fire(out, r, s, now, at, fmt.Sprintf("%s: the bot failed %d turns in a row", r.Name, s.streak), e)
			}
		}
	}
	out = m.clock(out, now)
	m.mu.Unlock()
	m.publish(out)
	return out
}

// see records that turn t was fed and reports whether it is new and
// whether it brings a sentiment score not seen before.
func (m *Monitor) see(t qa.Turn) (fresh, newScore bool) {
	if t.Seq == 0 {
		return true, t.Sentiment.Scored()
	}
	had := m.seen[t.Seq]
	now := had | seenText
	if t.Sentiment.Scored() {
		now |= seenScore
	}
	m.seen[t.Seq] = now
	if t.Seq > m.maxSeq {
		m.maxSeq = t.Seq
	}
	if len(m.seen) > 4096 { // a very long call: forget the oldest turns
		for seq := range m.seen {
			if seq < m.maxSeq-1024 {
				delete(m.seen, seq)
			}
		}
	}
	return had&seenText == 0, now&seenScore != 0 && had&seenScore == 0
}

// average is the mean score of the rule's speakers' scored utterances in
// its window, which ends at the utterance at offset at.
func (m *Monitor) average(r *rule, at time.Duration) (float64, int) {
	sum, n := 0.0, 0
	for i := len(m.scored) - 1; i >= 0 && (r.Turns == 0 || n < r.Turns); i-- {
		e := m.scored[i]
		if !r.hears(e.who) || (r.Window > 0 && at-e.at > r.Window) {
			continue
		}
		sum += e.score
		n++
	}
	if n == 0 {
		return 0, 0
	}
	return sum / float64(n), n
}

// SpeechStart reports that a party started speaking (voice activity on
// their leg: the caller's VAD onset, the bot's prompt starting to play,
// the agent's microphone). It drives silence and talk-over.
func (m *Monitor) SpeechStart(who qa.Speaker) []Alert {
	return m.activity(who, true)
}

// SpeechStop reports that a party stopped speaking.
func (m *Monitor) SpeechStop(who qa.Speaker) []Alert {
	return m.activity(who, false)
}

func (m *Monitor) activity(who qa.Speaker, on bool) []Alert {
	now := m.now()
	m.mu.Lock()
	if m.ended {
		m.mu.Unlock()
		return nil
	}
	i := slices.IndexFunc(m.active, func(s speech) bool { return s.who == who })
	switch {
	case on && i < 0:
		m.active = append(m.active, speech{who: who, since: now})
	case !on && i >= 0:
		m.active = slices.Delete(m.active, i, i+1)
	}
	m.touch(now)
	out := m.overlaps(nil, now, who)
	out = m.clock(out, now)
	m.mu.Unlock()
	m.publish(out)
	return out
}

// Hold reports the caller put on hold (on) or taken off it. Silence is not
// measured and talk-over not counted while on hold.
func (m *Monitor) Hold(on bool) []Alert {
	now := m.now()
	m.mu.Lock()
	if m.ended || m.hold == on {
		m.mu.Unlock()
		return nil
	}
	m.hold = on
	m.touch(now)
	out := m.overlaps(nil, now, "")
	out = m.clock(out, now)
	m.mu.Unlock()
	m.publish(out)
	return out
}

// Tick evaluates the rules that depend on time passing (silence, a
// talk-over lasting long enough, call duration) at now. Call it
// regularly, every 250 ms to 1 s, for every live monitor: a Watcher does.
func (m *Monitor) Tick(now time.Time) []Alert {
	m.mu.Lock()
	if m.ended {
		m.mu.Unlock()
		return nil
	}
	var out []Alert
	for i, r := range m.rules.rules {
		s := &m.state[i]
		if r.Kind != KindSilence || s.fired || m.hold || len(m.active) > 0 {
			continue
		}
		if d := now.Sub(m.quiet); d > r.Duration {
			out, s.fired = m.fire(out, r, s, now, m.quiet.Sub(m.call.StartedAt),
				fmt.Sprintf("%s: nobody has spoken for %s", r.Name, d.Round(time.Second)), Evidence{Value: d.Seconds()})
		}
	}
	out = m.overlaps(out, now, "")
	out = m.clock(out, now)
	m.mu.Unlock()
	m.publish(out)
	return out
}

// SetAgent records the agent (and queue) that took the call after a
// handoff; later alerts carry them.
func (m *Monitor) SetAgent(agent, queue string) {
	m.mu.Lock()
	m.call.Agent, m.call.Queue = agent, queue
	m.mu.Unlock()
}

// End stops the monitor at the end of the call: later events raise
// nothing, and a Watcher forgets it at its next tick.
func (m *Monitor) End() {
	m.mu.Lock()
	m.ended = true
	m.mu.Unlock()
}

// Ended reports whether End was called.
func (m *Monitor) Ended() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.ended
}

// touch records speech activity (or a hold change): a silent stretch
// ends, and silence rules re-arm.
func (m *Monitor) touch(now time.Time) {
	if now.After(m.quiet) {
		m.quiet = now
	}
	for i, r := range m.rules.rules {
		if r.Kind == KindSilence {
			m.state[i].fired = false
		}
	}
}

// overlaps updates the talk-over rules after an activity change (by who,
// "" for none) or at a tick.
func (m *Monitor) overlaps(out []Alert, now time.Time, who qa.Speaker) []Alert {
	for i, r := range m.rules.rules {
		if r.Kind != KindTalkOver {
			continue
		}
		s := &m.state[i]
		out = m.countOverlap(out, r, s, now) // one that just ended counts if long enough
		n := 0
		for _, a := range m.active {
			if r.hears(a.who) {
				n++
			}
		}
		switch on := n >= 2 && !m.hold; {
		case on && !s.overlap:
			s.overlap, s.from, s.by, s.counted = true, now, who, false
			out = m.countOverlap(out, r, s, now)
		case !on:
			s.overlap = false
		}
	}
	return out
}

// countOverlap counts the current overlap once it has lasted MinOverlap,
// and fires when Count overlaps fall within Window.
func (m *Monitor) countOverlap(out []Alert, r *rule, s *ruleState, now time.Time) []Alert {
	if !s.overlap || s.counted || now.Sub(s.from) < r.MinOverlap {
		return out
	}
	s.counted = true
	keep := s.overlaps[:0]
	for _, t := range s.overlaps {
		if now.Sub(t) <= r.Window {
			keep = append(keep, t)
		}
	}
	s.overlaps = append(keep, s.from)
	if len(s.overlaps) < r.Count {
		return out
	}
	msg := fmt.Sprintf("%s: %d talk-overs within %s", r.Name, len(s.overlaps), r.Window)
	if s.by != "" {
		msg += fmt.Sprintf(" (the last by the %s)", s.by)
	}
	var ok bool
	out, ok = m.fire(out, r, s, now, s.from.Sub(m.call.StartedAt), msg,
		Evidence{Speaker: s.by, Value: float64(len(s.overlaps))})
	if ok {
		s.overlaps = s.overlaps[:0]
	}
	return out
}

// clock evaluates the duration rules.
func (m *Monitor) clock(out []Alert, now time.Time) []Alert {
	for i, r := range m.rules.rules {
		s := &m.state[i]
		if r.Kind != KindDuration || s.fired {
			continue
		}
		if d := now.Sub(m.call.StartedAt); d > r.Duration {
			out, s.fired = m.fire(out, r, s, now, d,
				fmt.Sprintf("%s: the call has lasted %s", r.Name, d.Round(time.Second)), Evidence{Value: d.Seconds()})
		}
	}
	return out
}

// fire appends an alert from rule r unless it is cooling down, and
// reports whether it did.
func (m *Monitor) fire(out []Alert, r *rule, s *ruleState, now time.Time, offset time.Duration, msg string, ev Evidence) ([]Alert, bool) {
	if !s.last.IsZero() && now.Sub(s.last) < r.Cooldown {
		return out, false
	}
	s.last = now
	r.raised.Add(1)
	if ev.Text != "" {
		// Redact the whole text first: cutting first could split a number
		// the redactor would then miss.
		ev.Text = cut(m.redact(ev.Text), maxEvidenceRunes)
	}
	return append(out, Alert{
		ID:        rand.Text(),
		Rule:      r.ID,
		RuleName:  r.Name,
		Kind:      r.Kind,
		Severity:  r.Severity,
		SessionID: m.call.SessionID,
		CallID:    m.call.CallID,
		Bot:       m.call.Bot,
		Queue:     m.call.Queue,
		Agent:     m.call.Agent,
		At:        now,
		Offset:    offset,
		Message:   msg,
		Evidence:  ev,
	}), true
}

func (m *Monitor) publish(out []Alert) {
	if m.sink == nil {
		return
	}
	for _, a := range out {
		m.sink.Publish(a)
	}
}

// cut shortens s to at most n runes, marking the cut with "…".
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for range n - 1 {
		_, w := utf8.DecodeRuneInString(s[i:])
		i += w
	}
	return s[:i] + "…"
}
