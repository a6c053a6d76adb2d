package alert

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/qa"
)

// t0 is when scripted calls start.
var t0 = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

// step is one scripted call event at an offset from the call's start.
type step struct {
	at    time.Duration
	do    func(m *Monitor, now time.Time) []Alert
	label string
}

func say(at time.Duration, seq int, who qa.Speaker, text string) step {
	return step{at: at, label: fmt.Sprintf("%s says %q", who, text), do: func(m *Monitor, _ time.Time) []Alert {
		return m.Turn(qa.Turn{Seq: seq, Speaker: who, Text: text, Start: at - time.Second, End: at})
	}}
}

func feel(at time.Duration, seq int, who qa.Speaker, score float64) step {
	return step{at: at, label: fmt.Sprintf("%s scores %v", who, score), do: func(m *Monitor, _ time.Time) []Alert {
		return m.Turn(qa.Turn{Seq: seq, Speaker: who, Text: "…", End: at, Sentiment: qa.Sentiment{Score: score, Label: qa.Neutral}})
	}}
}

func botTurn(at time.Duration, seq int, failed bool) step {
	return step{at: at, label: fmt.Sprintf("bot turn failed=%v", failed), do: func(m *Monitor, _ time.Time) []Alert {
		return m.Turn(qa.Turn{Seq: seq, Speaker: qa.Bot, Text: "Sorry, I didn't catch that.", End: at, Failed: failed})
	}}
}

func start(at time.Duration, who qa.Speaker) step {
	return step{at: at, label: string(who) + " starts", do: func(m *Monitor, _ time.Time) []Alert { return m.SpeechStart(who) }}
}

func stop(at time.Duration, who qa.Speaker) step {
	return step{at: at, label: string(who) + " stops", do: func(m *Monitor, _ time.Time) []Alert { return m.SpeechStop(who) }}
}

func hold(at time.Duration, on bool) step {
	return step{at: at, label: fmt.Sprintf("hold %v", on), do: func(m *Monitor, _ time.Time) []Alert { return m.Hold(on) }}
}

func tick(at time.Duration) step {
	return step{at: at, label: "tick", do: func(m *Monitor, now time.Time) []Alert { return m.Tick(now) }}
}

// ticks ticks every second from a to b.
func ticks(a, b time.Duration) []step {
	var out []step
	for at := a; at <= b; at += time.Second {
		out = append(out, tick(at))
	}
	return out
}

func turn(seq int, who qa.Speaker, text string) qa.Turn {
	return qa.Turn{Seq: seq, Speaker: who, Text: text}
}

// fired is an alert as a script expects it: the rule and when.
type fired struct {
	rule string
	at   time.Duration
}

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// run plays steps (in order of at) on a new monitor and returns every
// alert raised, checking that the sink saw the same ones.
func run(t *testing.T, rs *Rules, steps []step, opts ...Option) []Alert {
	t.Helper()
	clk := &clock{now: t0}
	var sunk []Alert
	opts = append([]Option{WithClock(clk.Now), WithSink(SinkFunc(func(a Alert) { sunk = append(sunk, a) }))}, opts...)
	m := NewMonitor(rs, Call{SessionID: "s1", CallID: "c1", Bot: "bank", Queue: "cards", StartedAt: t0}, opts...)
	slices.SortStableFunc(steps, func(a, b step) int { return int(a.at - b.at) })
	var got []Alert
	for _, s := range steps {
		now := t0.Add(s.at)
		clk.set(now)
		got = append(got, s.do(m, now)...)
	}
	if len(sunk) != len(got) {
		t.Errorf("sink saw %d alerts, methods returned %d", len(sunk), len(got))
	}
	return got
}

func firedOf(alerts []Alert) []fired {
	var out []fired
	for _, a := range alerts {
		out = append(out, fired{a.Rule, a.At.Sub(t0)})
	}
	return out
}

func mustCompile(t testing.TB, yaml string) *Rules {
	t.Helper()
	cfg, err := ParseConfig([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	rs, err := Compile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

const s = time.Second

func TestMonitorRuleKinds(t *testing.T) {
	rules := mustCompile(t, `
defaults: false
synonyms:
  supervisor: [manager]
rules:
  - {id: legal, kind: phrase, severity: critical, speakers: [caller], cooldown: 30s, phrases: [lawyer*, sue, 律师, "12315"]}
  - {id: escalate, kind: phrase, speakers: [caller], phrases: [speak to your supervisor, 找你们领导]}
  - {id: rx, kind: phrase, speakers: [agent], regexes: ['\bguarantee[ds]?\b']}
  - {id: mood, kind: sentiment, speakers: [caller], threshold: -0.5, turns: 3}
  - {id: mood_time, kind: sentiment, speakers: [caller], threshold: -0.5, window: 30s, min_turns: 2}
  - {id: quiet, kind: silence, duration: 10s}
  - {id: overlap, kind: talk_over, count: 2, window: 30s, min_overlap: 500ms}
  - {id: failing, kind: bot_failures, count: 2}
  - {id: long, kind: duration, duration: 60s, cooldown: 1s}
`)
	tests := []struct {
		name  string
		steps []step
		want  []fired
	}{
		{"english phrase, whole words, prefix", []step{
			say(5*s, 1, qa.Caller, "I'll pursue this."), // "sue" inside a word
			say(10*s, 2, qa.Caller, "My LAWYERS will hear about this!"),
		}, []fired{{"legal", 10 * s}}},
		{"chinese phrase, full-width digits and spaces", []step{
			say(5*s, 1, qa.Caller, "我 要 打 １２３１５"),
		}, []fired{{"legal", 5 * s}}},
		{"digits inside a longer number do not match", []step{
			say(5*s, 1, qa.Caller, "我的卡号是6212315888"),
		}, nil},
		{"speaker filter", []step{
			say(5*s, 1, qa.Agent, "You could ask a lawyer."),
			say(6*s, 2, qa.Bot, "请咨询律师。"),
		}, nil},
		{"synonym", []step{
			say(5*s, 1, qa.Caller, "Let me speak to your manager."),
		}, []fired{{"escalate", 5 * s}}},
		{"chinese escalation", []step{
			say(5*s, 1, qa.Caller, "我要找你们领导！"),
		}, []fired{{"escalate", 5 * s}}},
		{"regex on the agent", []step{
			say(5*s, 1, qa.Agent, "It's GUARANTEED to go up."),
			say(6*s, 2, qa.Caller, "guaranteed?"),
		}, []fired{{"rx", 5 * s}}},
		{"cooldown", []step{
			say(5*s, 1, qa.Caller, "lawyer"),
			say(20*s, 2, qa.Caller, "律师"),       // 15 s later: cooling down
			say(35*s, 3, qa.Caller, "I'll sue"), // 30 s after the first
		}, []fired{{"legal", 5 * s}, {"legal", 35 * s}}},
		{"re-fed turn does not fire twice", []step{
			say(5*s, 1, qa.Caller, "lawyer"),
			say(40*s, 1, qa.Caller, "lawyer"),
		}, []fired{{"legal", 5 * s}}},
		{"sentiment over the last 3 turns", []step{
			feel(5*s, 1, qa.Caller, -0.9),
			feel(10*s, 2, qa.Caller, -0.9), // two turns only: min_turns 3 for mood, 2 for mood_time
			feel(12*s, 3, qa.Agent, -1),    // not the caller
			feel(15*s, 4, qa.Caller, 0.4),  // (-0.9-0.9+0.4)/3 = -0.47: not below
			feel(20*s, 5, qa.Caller, -0.2), // (-0.9+0.4-0.2)/3 = -0.23
			feel(25*s, 6, qa.Caller, -0.8), // (0.4-0.2-0.8)/3 = -0.2
		}, []fired{{"mood_time", 10 * s}}},
		{"sentiment window of turns fires", []step{
			feel(5*s, 1, qa.Caller, -0.4),
			feel(10*s, 2, qa.Caller, -0.7), // two turns averaging -0.55
			feel(15*s, 3, qa.Caller, -0.7), // three averaging -0.6
		}, []fired{{"mood_time", 10 * s}, {"mood", 15 * s}}},
		{"sentiment window of time drops old turns", []step{
			feel(5*s, 1, qa.Caller, -0.9),
			feel(50*s, 2, qa.Caller, -0.9), // 45 s later: alone in the 30 s window
			feel(60*s, 3, qa.Caller, 0.5),  // with turn 2: -0.2
		}, nil},
		{"unscored then scored", []step{
			say(5*s, 1, qa.Caller, "fine"),
			say(6*s, 2, qa.Caller, "whatever"),
			feel(7*s, 1, qa.Caller, -0.9), // the score of turn 1 arrives late
			feel(8*s, 2, qa.Caller, -0.9),
			feel(9*s, 2, qa.Caller, -0.9), // fed again: not a new score
		}, []fired{{"mood_time", 8 * s}}},
		{"silence", append([]step{
			start(1*s, qa.Bot), stop(4*s, qa.Bot),
			start(20*s, qa.Caller), stop(22*s, qa.Caller),
		}, ticks(0, 80*s)...), []fired{{"quiet", 15 * s}, {"long", 61 * s}, {"quiet", 75 * s}}}, // the second silence alert waits for the 1m cooldown
		{"no silence while someone speaks", append([]step{
			start(1*s, qa.Agent), stop(30*s, qa.Agent),
		}, ticks(0, 35*s)...), nil},
		{"no silence on hold", append([]step{
			hold(2*s, true), hold(30*s, false),
		}, ticks(0, 39*s)...), nil},
		{"silence after hold ends", append([]step{
			hold(2*s, true), hold(30*s, false),
		}, ticks(0, 41*s)...), []fired{{"quiet", 41 * s}}},
		{"a late sentiment score is not speech", append([]step{
			say(2*s, 1, qa.Caller, "hello"),
			feel(10*s, 1, qa.Caller, 0.5),
		}, ticks(0, 13*s)...), []fired{{"quiet", 13 * s}}},
		{"silence measured from final transcripts without activity events", append([]step{
			say(8*s, 1, qa.Caller, "hello"),
		}, ticks(0, 19*s)...), []fired{{"quiet", 19 * s}}},
		{"talk-over", []step{
			start(1*s, qa.Caller),
			start(2*s, qa.Agent), stop(2*s+200*time.Millisecond, qa.Agent), // 200 ms: a backchannel
			start(4*s, qa.Agent), stop(5*s, qa.Agent), // counted
			stop(6*s, qa.Caller),
			start(10*s, qa.Agent), start(11*s, qa.Caller), tick(11*s + 500*time.Millisecond), // counted at the tick
		}, []fired{{"overlap", 11*s + 500*time.Millisecond}}},
		{"talk-over outside the window", []step{
			start(1*s, qa.Caller), start(2*s, qa.Agent), stop(3*s, qa.Agent), stop(4*s, qa.Caller),
			start(40*s, qa.Caller), start(41*s, qa.Agent), stop(42*s, qa.Agent), stop(43*s, qa.Caller),
		}, nil},
		{"no talk-over on hold", []step{
			hold(0, true),
			start(1*s, qa.Caller), start(2*s, qa.Agent), stop(3*s, qa.Agent), stop(4*s, qa.Caller),
			start(5*s, qa.Caller), start(6*s, qa.Agent), stop(7*s, qa.Agent), stop(8*s, qa.Caller),
		}, nil},
		{"bot failures in a row", []step{
			botTurn(5*s, 1, true),
			botTurn(10*s, 2, false),
			botTurn(15*s, 3, true),
			botTurn(20*s, 4, true), // two in a row
			botTurn(25*s, 5, true), // same streak: no repeat
			botTurn(30*s, 6, false),
			say(31*s, 7, qa.Caller, "hm"),
		}, []fired{{"failing", 20 * s}}},
		{"duration", append([]step{say(50*s, 1, qa.Caller, "hi")}, ticks(55*s, 70*s)...), []fired{{"quiet", 61 * s}, {"long", 61 * s}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := firedOf(run(t, rules, tc.steps))
			if !slices.Equal(got, tc.want) {
				t.Errorf("fired %v, want %v", got, tc.want)
			}
		})
	}
}

func TestMonitorDefaultRules(t *testing.T) {
	rules, err := Compile(Config{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		who  qa.Speaker
		text string
		want []string
	}{
		{qa.Caller, "I want to speak to your supervisor right now.", []string{"complaint"}},
		{qa.Caller, "Can I talk to a manager please", []string{"complaint"}},
		{qa.Caller, "I'm going to call my attorney and sue you.", []string{"legal_threat"}},
		{qa.Caller, "I'll report you to the FCA.", []string{"legal_threat"}},
		{qa.Caller, "Just cancel my subscription.", []string{"cancellation"}},
		{qa.Caller, "This is f***ing useless, you idiots", []string{"abuse"}},
		{qa.Agent, "Oh shut up.", []string{"abuse"}},
		{qa.Caller, "I don't want to live anymore", []string{"vulnerable_customer"}},
		{qa.Caller, "I know where you live.", []string{"threat"}},
		{qa.Caller, "My card was stolen yesterday.", nil},
		{qa.Caller, "Could you close the window in the app?", nil},
		{qa.Caller, "我要投诉你们，再不解决我就打12315。", []string{"legal_threat", "complaint"}},
		{qa.Caller, "我已经请了律师。", []string{"legal_threat"}},
		{qa.Caller, "我要投訴", []string{"complaint"}},
		{qa.Caller, "叫你们经理来！", []string{"complaint"}},
		{qa.Caller, "帮我把这个账户销户吧", []string{"cancellation"}},
		{qa.Caller, "你们这帮王八蛋", []string{"abuse"}},
		{qa.Caller, "我真的不想活了", []string{"vulnerable_customer"}},
		{qa.Caller, "我妈的卡丢了，页面一直滚动", nil},
		{qa.Caller, "我想查询一下余额", nil},
		{qa.Bot, "如需投诉请拨打人工服务", nil}, // the bot is not the caller
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			m := NewMonitor(rules, Call{SessionID: "s"})
			var got []string
			for _, a := range m.Turn(qa.Turn{Seq: 1, Speaker: tc.who, Text: tc.text}) {
				got = append(got, a.Rule)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("fired %v, want %v", got, tc.want)
			}
		})
	}
}

func TestAlertFields(t *testing.T) {
	rules := mustCompile(t, `
defaults: false
rules:
  - {id: legal, name: Legal threat, kind: phrase, severity: critical, phrases: [lawyer]}
  - {id: quiet, kind: silence, duration: 10s}
`)
	redact := func(s string) string { return strings.ReplaceAll(s, "4111 1111 1111 1111", "[card]") }
	got := run(t, rules, []step{
		say(7*s, 3, qa.Caller, "My card 4111 1111 1111 1111 was charged twice, I'm calling my lawyer. "+strings.Repeat("blah ", 200)),
		tick(18 * s),
	}, WithRedact(redact))
	if len(got) != 2 {
		t.Fatalf("got %d alerts, want 2: %+v", len(got), got)
	}
	a := got[0]
	if a.ID == "" || a.ID == got[1].ID {
		t.Errorf("IDs %q and %q: want distinct, non-empty", a.ID, got[1].ID)
	}
	want := Alert{ID: a.ID, Rule: "legal", RuleName: "Legal threat", Kind: KindPhrase, Severity: Critical,
		SessionID: "s1", CallID: "c1", Bot: "bank", Queue: "cards", At: t0.Add(7 * s), Offset: 7 * s,
		Message:  `Legal threat: caller said "lawyer"`,
		Evidence: Evidence{TurnSeq: 3, Speaker: qa.Caller, Phrase: "lawyer", Text: a.Evidence.Text}}
	if a != want {
		t.Errorf("alert\n%+v\nwant\n%+v", a, want)
	}
	if strings.Contains(a.Evidence.Text, "4111") || !strings.HasPrefix(a.Evidence.Text, "My card [card] was") {
		t.Errorf("evidence text not redacted: %q", a.Evidence.Text)
	}
	if n := len([]rune(a.Evidence.Text)); n != maxEvidenceRunes || !strings.HasSuffix(a.Evidence.Text, "…") {
		t.Errorf("evidence text is %d runes, want cut to %d", n, maxEvidenceRunes)
	}
	q := got[1]
	if q.Offset != 7*s || q.Evidence.Value != 11 || q.Evidence.Text != "" || q.Message != "quiet: nobody has spoken for 11s" {
		t.Errorf("silence alert %+v: want offset 7s (where the silence began), value 11", q)
	}
}

func TestMonitorSetAgentAndEnd(t *testing.T) {
	rules := mustCompile(t, "defaults: false\nrules: [{id: legal, kind: phrase, phrases: [lawyer], cooldown: 1ms}]")
	m := NewMonitor(rules, Call{SessionID: "s", Queue: "bots"})
	m.SetAgent("alice", "cards")
	got := m.Turn(qa.Turn{Seq: 1, Speaker: qa.Caller, Text: "lawyer"})
	if len(got) != 1 || got[0].Agent != "alice" || got[0].Queue != "cards" {
		t.Fatalf("after SetAgent: %+v", got)
	}
	m.End()
	if !m.Ended() {
		t.Error("Ended() = false after End")
	}
	time.Sleep(2 * time.Millisecond)
	if got := m.Turn(qa.Turn{Seq: 2, Speaker: qa.Caller, Text: "lawyer"}); got != nil {
		t.Errorf("alerts after End: %+v", got)
	}
	if rules.Raised()["legal"] != 1 {
		t.Errorf("Raised = %v, want legal: 1", rules.Raised())
	}
}

func TestWatcher(t *testing.T) {
	rules := mustCompile(t, "defaults: false\nrules: [{id: quiet, kind: silence, duration: 10s}]")
	var mu sync.Mutex
	var got []string
	sink := SinkFunc(func(a Alert) {
		mu.Lock()
		got = append(got, a.SessionID)
		mu.Unlock()
	})
	w := NewWatcher(0)
	var ms []*Monitor
	for i := range 3 {
		m := NewMonitor(rules, Call{SessionID: fmt.Sprint(i), StartedAt: t0}, WithSink(sink))
		w.Add(m)
		ms = append(ms, m)
	}
	ms[1].End()
	w.Remove(ms[2])
	w.Tick(t0.Add(11 * s))
	if w.Len() != 1 {
		t.Errorf("Len = %d after a tick, want 1 (the ended monitor forgotten)", w.Len())
	}
	if !slices.Equal(got, []string{"0"}) {
		t.Errorf("alerts from sessions %v, want [0]", got)
	}
}

func TestWatcherRun(t *testing.T) {
	rules := mustCompile(t, "defaults: false\nrules: [{id: quiet, kind: silence, duration: 30ms}]")
	got := make(chan Alert, 1)
	m := NewMonitor(rules, Call{SessionID: "s"}, WithSink(SinkFunc(func(a Alert) {
		select {
		case got <- a:
		default:
		}
	})))
	w := NewWatcher(5 * time.Millisecond)
	w.Add(m)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		w.Run(ctx)
		close(done)
	}()
	select {
	case a := <-got:
		if a.Rule != "quiet" {
			t.Errorf("alert %+v", a)
		}
	case <-time.After(10 * time.Second):
		t.Error("no silence alert from the running watcher")
	}
	cancel()
	<-done
}
