package scorecard

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/switchboard-voice/switchboard/qa"
)

// MetricName names a figure computed from a call.
type MetricName string

// Metrics. Times are in seconds.
const (
	// MetricDuration is the call's length.
	MetricDuration MetricName = "duration"
	// MetricHoldTime is the total time on hold (qa.Call.Holds).
	MetricHoldTime MetricName = "hold_time"
	// MetricHoldCount is how many times the caller was put on hold.
	MetricHoldCount MetricName = "hold_count"
	// MetricLongestHold is the longest hold.
	MetricLongestHold MetricName = "longest_hold"
	// MetricLongestSilence is the longest gap between two turns (time on
	// hold excluded).
	MetricLongestSilence MetricName = "longest_silence"
	// MetricSilenceCount counts the gaps between turns longer than Over
	// (default 5s).
	MetricSilenceCount MetricName = "silence_count"
	// MetricSilenceTime adds up the gaps longer than Over (default 5s).
	MetricSilenceTime MetricName = "silence_time"
	// MetricTalkOverCount counts pairs of turns of different speakers that
	// overlap by more than Over (default 0).
	MetricTalkOverCount MetricName = "talk_over_count"
	// MetricTalkOverTime adds up those overlaps.
	MetricTalkOverTime MetricName = "talk_over_time"
	// MetricTalkListenRatio is the agent's talk time over the caller's
	// (undefined without both).
	MetricTalkListenRatio MetricName = "talk_listen_ratio"
	// MetricAgentTalkShare is the agent's share of agent and caller talk
	// time, in percent.
	MetricAgentTalkShare MetricName = "agent_talk_share"
	// MetricSentiment is a statistic (Stat) of a speaker's turn
	// sentiment scores (qa.Turn.Sentiment, -1 to 1), default the caller's
	// average. Undefined when no turn of the speaker is scored.
	MetricSentiment MetricName = "sentiment"
	// MetricBotFailures counts bot turns marked Failed.
	MetricBotFailures MetricName = "bot_failures"
	// MetricConsecutiveFailures is the longest run of failed bot turns
	// (caller turns in between do not break a run; a bot turn that
	// understood does).
	MetricConsecutiveFailures MetricName = "max_consecutive_failures"
	// MetricIntents counts the distinct intents matched.
	MetricIntents MetricName = "intents"
	// MetricTurns counts the turns of Speaker (default anyone).
	MetricTurns MetricName = "turns"
)

// metricSpec says which parameters a metric takes and its unit.
type metricSpec struct {
	unit                string
	speaker, stat, over bool
}

var metricSpecs = map[MetricName]metricSpec{
	MetricDuration:            {unit: "s"},
	MetricHoldTime:            {unit: "s"},
	MetricHoldCount:           {},
	MetricLongestHold:         {unit: "s"},
	MetricLongestSilence:      {unit: "s"},
	MetricSilenceCount:        {over: true},
	MetricSilenceTime:         {unit: "s", over: true},
	MetricTalkOverCount:       {over: true},
	MetricTalkOverTime:        {unit: "s", over: true},
	MetricTalkListenRatio:     {},
	MetricAgentTalkShare:      {unit: "%"},
	MetricSentiment:           {speaker: true, stat: true},
	MetricBotFailures:         {},
	MetricConsecutiveFailures: {},
	MetricIntents:             {},
	MetricTurns:               {speaker: true},
}

// sentimentStats are the statistics of MetricSentiment.
var sentimentStats = []string{"avg", "min", "max", "first", "last", "change"}

// defaultSilence is the default Over of the silence metrics.
const defaultSilence = 5 * time.Second

// maxEvidence bounds the evidence items one test records.
const maxEvidence = 10

func metricNames() []string {
	names := make([]string, 0, len(metricSpecs))
	for n := range metricSpecs {
		names = append(names, string(n))
	}
	sort.Strings(names)
	return names
}

// metricValue is a metric computed for a call.
type metricValue struct {
	value float64
	ok    bool // false: undefined for the call
	unit  string
	note  string
	spans []Evidence
}

// evidence returns the metric's evidence: the figure first, then the
// stretches of the call behind it.
func (v metricValue) evidence(name MetricName) []Evidence {
	ev := Evidence{Kind: EvidenceMetric, Metric: name, Unit: v.unit, Note: v.note}
	if v.ok {
		ev.Value = &v.value
	}
	return append([]Evidence{ev}, v.spans...)
}

func (m *Metric) key() string {
	return fmt.Sprintf("%s/%s/%s/%d", m.Name, m.Speaker, m.Stat, m.Over)
}

// metric computes m for the call (cached).
func (e *evalState) metric(m *Metric) metricValue {
	k := m.key()
	if v, ok := e.metrics[k]; ok {
		return v
	}
	v := e.compute(m)
	v.value = math.Round(v.value*1000) / 1000
	v.unit = metricSpecs[m.Name].unit
	e.metrics[k] = v
	return v
}

func secs(d time.Duration) float64 { return d.Seconds() }

// clock prints an offset in the recording as m:ss.
func clock(d time.Duration) string {
	s := int(d.Round(time.Second) / time.Second)
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// length prints a duration for notes: "35s", "2m5s", "1.5s".
func length(d time.Duration) string {
	if d < 10*time.Second {
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

func spanEvidence(s qa.Span, seq int, note string) Evidence {
	return Evidence{Kind: EvidenceSpan, Seq: seq, Span: &s, Note: note}
}

func (e *evalState) compute(m *Metric) metricValue {
	call := e.tr.call
	switch m.Name {
	case MetricDuration:
		return metricValue{value: secs(e.tr.end), ok: true, note: "call lasted " + length(e.tr.end)}
	case MetricHoldTime, MetricHoldCount, MetricLongestHold:
		return e.holds(m.Name)
	case MetricLongestSilence, MetricSilenceCount, MetricSilenceTime:
		over := m.Over.D()
		if over == 0 {
			over = defaultSilence
		}
		return e.silence(m.Name, over)
	case MetricTalkOverCount, MetricTalkOverTime:
		return e.talkOver(m.Name, m.Over.D())
	case MetricTalkListenRatio, MetricAgentTalkShare:
		return e.talkRatio(m.Name)
	case MetricSentiment:
		return e.sentiment(m)
	case MetricBotFailures, MetricConsecutiveFailures:
		return e.failures(m.Name)
	case MetricIntents:
		names := e.intents()
		v := metricValue{value: float64(len(names)), ok: true, note: "no intent matched"}
		if len(names) > 0 {
			v.note = "intents matched: " + strings.Join(names, ", ")
		}
		return v
	case MetricTurns:
		bits, who := spAny, "anyone"
		if m.Speaker != "" && m.Speaker != "any" {
			bits, who = speakerBit(m.Speaker), string(m.Speaker)
		}
		n := 0
		for i := range call.Turns {
			if speakerBit(call.Turns[i].Speaker)&bits != 0 {
				n++
			}
		}
		return metricValue{value: float64(n), ok: true, note: fmt.Sprintf("%s by %s", plural(n, "turn"), who)}
	}
	return metricValue{note: fmt.Sprintf("unknown metric %q", m.Name)}
}

func (e *evalState) holds(name MetricName) metricValue {
	var (
		total, longest time.Duration
		spans          []Evidence
	)
	for _, h := range e.tr.call.Holds {
		l := max(h.Len(), 0)
		total += l
		longest = max(longest, l)
		if len(spans) < maxEvidence {
			spans = append(spans, spanEvidence(h, 0, fmt.Sprintf("on hold %s–%s (%s)", clock(h.Start), clock(h.End), length(l))))
		}
	}
	n := len(e.tr.call.Holds)
	v := metricValue{ok: true, spans: spans}
	switch name {
	case MetricHoldTime:
		v.value = secs(total)
		v.note = fmt.Sprintf("on hold %s in all (%s)", length(total), plural(n, "hold"))
	case MetricHoldCount:
		v.value = float64(n)
		v.note = fmt.Sprintf("%s, %s in all", plural(n, "hold"), length(total))
	case MetricLongestHold:
		v.value = secs(longest)
		v.note = "longest hold " + length(longest)
	}
	if n == 0 {
		v.note = "never on hold"
	}
	return v
}

// gapInfo is a silence between two turns.
type gapInfo struct {
	at          qa.Span
	silent      time.Duration // the gap less time on hold
	before, aft int           // seqs of the turns around it
}

// gaps returns the silences between turns (cached).
func (e *evalState) gaps() []gapInfo {
	if e.gapsDone {
		return e.gapList
	}
	e.gapsDone = true
	tr := e.tr
	var (
		maxEnd    time.Duration
		beforeSeq int
	)
	for n, i := range tr.order {
		t := &tr.call.Turns[i]
		if n > 0 && t.Start > maxEnd {
			at := qa.Span{Start: maxEnd, End: t.Start}
			silent := at.Len() - onHold(tr.call.Holds, at)
			if silent > 0 {
				e.gapList = append(e.gapList, gapInfo{at: at, silent: silent, before: beforeSeq, aft: t.Seq})
			}
		}
		if end := turnEnd(t); n == 0 || end >= maxEnd {
			maxEnd, beforeSeq = end, t.Seq
		}
	}
	return e.gapList
}

// onHold is how much of s the caller spent on hold.
func onHold(holds []qa.Span, s qa.Span) time.Duration {
	var d time.Duration
	for _, h := range holds {
		if o := min(h.End, s.End) - max(h.Start, s.Start); o > 0 {
			d += o
		}
	}
	return d
}

func (e *evalState) silence(name MetricName, over time.Duration) metricValue {
	gaps := e.gaps()
	v := metricValue{ok: true}
	gapNote := func(g gapInfo) string {
		return fmt.Sprintf("silence of %s at %s, between turns %d and %d", length(g.silent), clock(g.at.Start), g.before, g.aft)
	}
	if name == MetricLongestSilence {
		var best *gapInfo
		for i := range gaps {
			if best == nil || gaps[i].silent > best.silent {
				best = &gaps[i]
			}
		}
		if best == nil {
			v.note = "no silence between turns"
			return v
		}
		v.value = secs(best.silent)
		v.note = "longest " + gapNote(*best)
		v.spans = []Evidence{spanEvidence(best.at, best.aft, gapNote(*best))}
		return v
	}
	var (
		n     int
		total time.Duration
	)
	for _, g := range gaps {
		if g.silent <= over {
			continue
		}
		n++
		total += g.silent
		if len(v.spans) < maxEvidence {
			v.spans = append(v.spans, spanEvidence(g.at, g.aft, gapNote(g)))
		}
	}
	if name == MetricSilenceCount {
		v.value = float64(n)
	} else {
		v.value = secs(total)
	}
	v.note = fmt.Sprintf("%s over %s, %s in all", plural(n, "silence"), length(over), length(total))
	return v
}

func (e *evalState) talkOver(name MetricName, over time.Duration) metricValue {
	tr := e.tr
	v := metricValue{ok: true}
	var (
		n     int
		total time.Duration
	)
	for x, i := range tr.order {
		a := &tr.call.Turns[i]
		for _, j := range tr.order[x+1:] {
			b := &tr.call.Turns[j]
			if b.Start >= turnEnd(a) {
				break
			}
			if a.Speaker == b.Speaker {
				continue
			}
			o := min(turnEnd(a), turnEnd(b)) - b.Start
			if o <= over {
				continue
			}
			n++
			total += o
			if len(v.spans) < maxEvidence {
				s := qa.Span{Start: b.Start, End: b.Start + o}
				ev := spanEvidence(s, b.Seq, fmt.Sprintf("%s talked over %s for %s at %s (turns %d and %d)", b.Speaker, a.Speaker, length(o), clock(b.Start), a.Seq, b.Seq))
				ev.Speaker = b.Speaker
				v.spans = append(v.spans, ev)
			}
		}
	}
	if name == MetricTalkOverCount {
		v.value = float64(n)
	} else {
		v.value = secs(total)
	}
	v.note = fmt.Sprintf("%s, %s in all", plural(n, "talk-over"), length(total))
	return v
}

// talkTime is how long a speaker talked (overlapping turns counted once).
func (e *evalState) talkTime(s qa.Speaker) time.Duration {
	var spans []qa.Span
	for _, i := range e.tr.order {
		t := &e.tr.call.Turns[i]
		if t.Speaker == s && turnEnd(t) > t.Start {
			spans = append(spans, qa.Span{Start: t.Start, End: t.End})
		}
	}
	var (
		total time.Duration
		cur   qa.Span
	)
	for i, s := range spans {
		if i == 0 || s.Start > cur.End {
			total += cur.Len()
			cur = s
			continue
		}
		cur.End = max(cur.End, s.End)
	}
	return total + cur.Len()
}

func (e *evalState) talkRatio(name MetricName) metricValue {
	agent, caller := e.talkTime(qa.Agent), e.talkTime(qa.Caller)
	note := fmt.Sprintf("agent talked %s, caller %s", length(agent), length(caller))
	if name == MetricTalkListenRatio {
		if agent == 0 || caller == 0 {
			return metricValue{note: note + ": no ratio without both"}
		}
		r := float64(agent) / float64(caller)
		return metricValue{value: r, ok: true, note: fmt.Sprintf("%s: talk/listen %.2f", note, r)}
	}
	if agent+caller == 0 {
		return metricValue{note: note + ": no share without speech"}
	}
	share := 100 * float64(agent) / float64(agent+caller)
	return metricValue{value: share, ok: true, note: fmt.Sprintf("%s: agent %.0f%% of the talk", note, share)}
}

func (e *evalState) sentiment(m *Metric) metricValue {
	who := m.Speaker
	if who == "" {
		who = qa.Caller
	}
	stat := m.Stat
	if stat == "" {
		stat = "avg"
	}
	var scored []*qa.Turn
	for _, i := range e.tr.order {
		t := &e.tr.call.Turns[i]
		if t.Sentiment.Scored() && (who == "any" || t.Speaker == who) {
			scored = append(scored, t)
		}
	}
	if len(scored) == 0 {
		return metricValue{note: fmt.Sprintf("no %s turn has a sentiment score", who)}
	}
	turnEv := func(t *qa.Turn, what string) Evidence {
		ev := spanEvidence(qa.Span{Start: t.Start, End: turnEnd(t)}, t.Seq,
			fmt.Sprintf("%s sentiment %.2f (%s) at %s, turn %d", what, t.Sentiment.Score, t.Sentiment.Label, clock(t.Start), t.Seq))
		ev.Speaker = t.Speaker
		return ev
	}
	v := metricValue{ok: true}
	pick := func(better func(a, b float64) bool) *qa.Turn {
		best := scored[0]
		for _, t := range scored[1:] {
			if better(t.Sentiment.Score, best.Sentiment.Score) {
				best = t
			}
		}
		return best
	}
	first, last := scored[0], scored[len(scored)-1]
	switch stat {
	case "avg":
		sum := 0.0
		for _, t := range scored {
			sum += t.Sentiment.Score
		}
		v.value = sum / float64(len(scored))
		v.note = fmt.Sprintf("%s average sentiment %.2f over %d turns", who, v.value, len(scored))
	case "min":
		t := pick(func(a, b float64) bool { return a < b })
		v.value, v.note, v.spans = t.Sentiment.Score, fmt.Sprintf("%s lowest sentiment %.2f", who, t.Sentiment.Score), []Evidence{turnEv(t, "lowest")}
	case "max":
		t := pick(func(a, b float64) bool { return a > b })
		v.value, v.note, v.spans = t.Sentiment.Score, fmt.Sprintf("%s highest sentiment %.2f", who, t.Sentiment.Score), []Evidence{turnEv(t, "highest")}
	case "first":
		v.value, v.note, v.spans = first.Sentiment.Score, fmt.Sprintf("%s first sentiment %.2f", who, first.Sentiment.Score), []Evidence{turnEv(first, "first")}
	case "last":
		v.value, v.note, v.spans = last.Sentiment.Score, fmt.Sprintf("%s last sentiment %.2f", who, last.Sentiment.Score), []Evidence{turnEv(last, "last")}
	case "change":
		v.value = last.Sentiment.Score - first.Sentiment.Score
		v.note = fmt.Sprintf("%s sentiment went from %.2f to %.2f (%+.2f)", who, first.Sentiment.Score, last.Sentiment.Score, v.value)
		v.spans = []Evidence{turnEv(first, "first"), turnEv(last, "last")}
	}
	return v
}

func (e *evalState) failures(name MetricName) metricValue {
	var (
		total    int
		run, top []int // seqs
	)
	for _, i := range e.tr.order {
		t := &e.tr.call.Turns[i]
		if t.Speaker != qa.Bot {
			continue
		}
		if !t.Failed {
			run = run[:0]
			continue
		}
		total++
		run = append(run, t.Seq)
		if len(run) > len(top) {
			top = slices.Clone(run)
		}
	}
	v := metricValue{ok: true}
	seqs := top
	if name == MetricBotFailures {
		v.value = float64(total)
		v.note = fmt.Sprintf("the bot failed to understand %s", plural(total, "time"))
		seqs = nil
		for _, i := range e.tr.order {
			if t := &e.tr.call.Turns[i]; t.Speaker == qa.Bot && t.Failed {
				seqs = append(seqs, t.Seq)
			}
		}
	} else {
		v.value = float64(len(top))
		v.note = fmt.Sprintf("at most %d failures in a row", len(top))
	}
	for _, seq := range seqs {
		if len(v.spans) == maxEvidence {
			break
		}
		t := e.turn(seq)
		ev := spanEvidence(qa.Span{Start: t.Start, End: turnEnd(t)}, t.Seq, fmt.Sprintf("bot did not understand at %s (turn %d): %q", clock(t.Start), t.Seq, cut(t.Text, 80)))
		ev.Speaker = qa.Bot
		v.spans = append(v.spans, ev)
	}
	return v
}

// turn returns the turn with seq.
func (e *evalState) turn(seq int) *qa.Turn {
	for i := range e.tr.call.Turns {
		if e.tr.call.Turns[i].Seq == seq {
			return &e.tr.call.Turns[i]
		}
	}
	return &qa.Turn{}
}

// intents lists the intents matched in the call, in order, once each.
func (e *evalState) intents() []string {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, s := range e.tr.call.Intents {
		add(s)
	}
	for _, i := range e.tr.order {
		add(e.tr.call.Turns[i].Intent)
	}
	return out
}

// plural writes "1 hold", "2 holds".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// cut shortens s to n runes.
func cut(s string, n int) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n]) + "…"
}
