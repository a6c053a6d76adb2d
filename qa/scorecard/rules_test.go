package scorecard_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/qa/scorecard"
)

// ruleCard is a one-question card whose yes/no question is answered by
// rule (YAML flow syntax).
func ruleCard(t testing.TB, rule string) *scorecard.Card {
	t.Helper()
	src := fmt.Sprintf(`name: rules
synonyms:
  sorry: [sorry, apologi*, 抱歉, 对不起]
  forbidden: [calm down, not my problem, whatever, 闭嘴]
sections:
  - id: s
    weight: 100
    questions:
      - id: q
        text: Does the rule hold?
        type: yes_no
        weight: 100
        rule: %s
`, rule)
	c, err := scorecard.Parse("rule.yaml", []byte(src))
	if err != nil {
		t.Fatalf("rule %s:\n%v", rule, err)
	}
	return c
}

// TestRules runs every rule type on the recorded-style transcripts of
// testdata/calls, whose answers were worked out by hand.
func TestRules(t *testing.T) {
	for _, tc := range []struct {
		name, call, rule string
		want             bool
		seqs             []int  // turns of the located evidence, in order
		note             string // in the answer's note
	}{
		// Phrases.
		{"said by agent", "en_agent_good", `{said: {phrases: [my name is], speaker: agent}}`, true, []int{1}, `agent said "my name is" at 0:02 (turn 1)`},
		{"said by another speaker", "en_agent_good", `{said: {phrases: [my name is], speaker: caller}}`, false, nil, `caller never said "my name is"`},
		{"whole words: hi is not in this", "en_bot_resolved", `{said: [hi]}`, true, []int{3}, `caller said "Hi"`},
		{"speaker list", "en_bot_resolved", `{said: {phrases: [thank you], speaker: [bot, agent]}}`, true, []int{10}, `bot said "Thank you"`},
		{"Chinese without word boundaries", "zh_bot_parcel", `{said: {phrases: [录音], speaker: bot}}`, true, []int{1}, `bot said "录音"`},
		{"full-width letters and digits", "zh_bot_parcel", `{said: {phrases: [SD123456789], speaker: caller}}`, true, []int{5}, `caller said "ＳＤ１２３４５６７８９"`},
		{"spaces inside a Chinese phrase", "zh_bot_parcel", `{said: [我 想 查]}`, true, []int{3}, `caller said "我想查"`},
		{"punctuation and case ignored", "en_agent_poor", `{said: {phrases: ["CALM DOWN!"], speaker: agent}}`, true, []int{3}, `agent said "Calm down"`},
		{"within the first seconds", "en_agent_good", `{said: {phrases: [thank you], speaker: agent, within_first: 10s}}`, true, []int{1}, ""},
		{"not within the first seconds", "en_agent_good", `{said: {phrases: [anything else], speaker: agent, within_first: 10s}}`, false, nil, "in the first 10s"},
		{"within the last seconds", "en_agent_good", `{said: {phrases: [thank you], speaker: agent, within_last: 30s}}`, true, []int{13, 18}, ""},
		{"near, within words", "en_agent_good", `{said: {phrases: [sorry], speaker: agent, near: {phrases: [frustrating], words: 6}}}`, true, []int{3}, `near "frustrating" (turn 3)`},
		{"near, too many words apart", "en_agent_good", `{said: {phrases: [sorry], speaker: agent, near: {phrases: [frustrating], words: 4}}}`, false, nil, "near other phrases, 4 words"},
		{"near, within seconds across turns", "zh_agent_complaint", `{said: {phrases: [投诉], speaker: caller, near: {phrases: [抱歉], speaker: agent, within: 10s}}}`, true, []int{2}, `near "抱歉" (turn 3)`},
		{"near, too far in time", "zh_agent_complaint", `{said: {phrases: [投诉], speaker: caller, near: {phrases: [抱歉], speaker: agent, within: 2s}}}`, false, nil, ""},
		{"not near an apology", "en_agent_poor", `{said: {phrases: [complain, complaint], speaker: caller, not_near: {synonyms: [sorry], speaker: agent, within: 30s}}}`, true, []int{2, 6}, ""},
		{"min count met", "zh_agent_complaint", `{said: {phrases: [核实], speaker: agent, min_count: 2}}`, true, []int{4, 6}, ""},
		{"min count not met", "zh_agent_complaint", `{said: {phrases: [核实], speaker: agent, min_count: 3}}`, false, []int{4, 6}, "(2 times, 3 needed)"},
		{"synonyms with a word prefix", "en_agent_good", `{said: {synonyms: [sorry], speaker: agent}}`, true, []int{3, 9}, `agent said "apologise"`},
		{"longest phrase wins", "en_agent_good", `{said: {phrases: [thank you, thank you for calling], speaker: agent, within_last: 10s}}`, true, []int{18}, `agent said "Thank you for calling"`},
		{"regex on Chinese", "zh_agent_complaint", `{said: {regex: ['工单号是\s?t\d{8}'], speaker: agent}}`, true, []int{7}, `agent said "工单号是 T20240518"`},
		{"regex sees punctuation as spaces", "en_agent_good", `{said: {regex: ['number is c \d{4}']}}`, true, []int{14}, `said "number is C-4471"`},
		{"not said: forbidden phrases found", "en_agent_poor", `{not_said: {synonyms: [forbidden], speaker: agent}}`, false, []int{3, 5, 8}, `agent said "Calm down" at 0:11 (turn 3)`},
		{"not said: none found", "en_agent_good", `{not_said: {synonyms: [forbidden], speaker: agent}}`, true, nil, "agent never said {forbidden}"},
		{"not said: Chinese", "zh_agent_complaint", `{not_said: {phrases: [闭嘴, 不关我的事], speaker: agent}}`, true, nil, ""},

		// Prompts, slots, intents, outcomes.
		{"disclosure played", "en_bot_resolved", `{played: disclosure_recording}`, true, []int{1}, "bot played prompt disclosure_recording at 0:00 (turn 1)"},
		{"disclosure not played", "en_bot_failures", `{played: [disclosure_recording]}`, false, nil, "never played"},
		{"played but not at the end", "en_bot_resolved", `{played: {prompts: [disclosure_recording], within_last: 10s}}`, false, nil, "in the last 10s"},
		{"slot collected", "en_bot_resolved", `{slot: last_four}`, true, nil, "slot last_four collected"},
		{"slot missing", "en_bot_resolved", `{slot: [last_four, account]}`, false, nil, "slot account not collected"},
		{"intent on a turn", "zh_agent_complaint", `{intent: complaint}`, true, []int{2}, "intent complaint matched at 0:06 (turn 2)"},
		{"intent of the call", "en_agent_good", `{intent: [complaint, dispute]}`, true, nil, "intent complaint matched"},
		{"intent not matched", "en_bot_failures", `{intent: complaint}`, false, nil, "intent complaint not matched"},
		{"outcome", "en_bot_failures", `{outcome: handed_off}`, true, nil, "the call ended handed off"},
		{"other outcome", "en_bot_failures", `{outcome: [resolved]}`, false, nil, ""},

		// Metrics.
		{"duration", "en_bot_resolved", `{metric: {name: duration, min: 30, max: 40}}`, true, nil, "duration = 36.5"},
		{"hold time too long", "en_agent_poor", `{metric: {name: hold_time, max: 120}}`, false, nil, "hold_time = 180, ≤ 120: fails"},
		{"hold count", "en_agent_good", `{metric: {name: hold_count, min: 1, max: 1}}`, true, nil, "1 hold, 50s in all"},
		{"longest hold", "zh_agent_complaint", `{metric: {name: longest_hold, max: 30}}`, false, nil, "longest_hold = 30.5"},
		// The 51s gap before turn 13 is 50s on hold: 1s of silence, as
		// between turns 4 and 5 (the first of equals is shown).
		{"longest silence (hold excluded)", "en_agent_good", `{metric: {name: longest_silence, max: 1}}`, true, []int{5}, "silence of 1s at 0:22, between turns 4 and 5"},
		{"silences (hold excluded)", "en_agent_good", `{metric: {name: silence_count, over: 0.9s, max: 2}}`, true, []int{5, 13}, "2 silences over 900ms, 2s in all"},
		{"longest silence too long", "en_agent_poor", `{metric: {name: longest_silence, max: 20}}`, false, []int{9}, "silence of 25s at 4:15, between turns 8 and 9"},
		{"silence count", "en_agent_poor", `{metric: {name: silence_count, over: 2s, min: 2, max: 2}}`, true, []int{8, 9}, "2 silences over 2s, 28s in all"},
		{"silence time", "en_agent_poor", `{metric: {name: silence_time, over: 10s, max: 20}}`, false, []int{9}, "silence_time = 25"},
		{"talk-over count", "en_agent_poor", `{metric: {name: talk_over_count, max: 1}}`, false, []int{3, 5}, "agent talked over caller for 1.5s at 0:11 (turns 2 and 3)"},
		{"talk-over over a threshold", "en_agent_poor", `{metric: {name: talk_over_count, over: 1.2s, max: 1}}`, true, []int{3}, ""},
		{"talk-over time", "en_agent_poor", `{metric: {name: talk_over_time, min: 2.5, max: 2.5}}`, true, []int{3, 5}, "2 talk-overs, 2.5s in all"},
		{"talk/listen ratio", "en_agent_good", `{metric: {name: talk_listen_ratio, min: 2.06, max: 2.07}}`, true, nil, "agent talked 47s, caller 23s: talk/listen 2.07"},
		{"talk/listen undefined without an agent", "en_bot_resolved", `{metric: {name: talk_listen_ratio, max: 10}}`, false, nil, "undefined"},
		{"agent talk share", "en_agent_good", `{metric: {name: agent_talk_share, min: 67, max: 68}}`, true, nil, "agent 67% of the talk"},
		{"caller sentiment average", "en_agent_good", `{metric: {name: sentiment, min: -0.1, max: -0.08}}`, true, nil, "caller average sentiment -0.09 over 8 turns"},
		{"caller sentiment lowest", "en_agent_good", `{metric: {name: sentiment, stat: min, max: -0.6}}`, true, []int{2}, "lowest sentiment -0.70 (negative) at 0:06, turn 2"},
		{"caller sentiment last", "zh_agent_complaint", `{metric: {name: sentiment, speaker: caller, stat: last, min: 0}}`, true, []int{10}, ""},
		{"caller sentiment dropped", "en_bot_failures", `{metric: {name: sentiment, stat: change, min: -0.3}}`, false, []int{2, 6}, "went from -0.20 to -0.80 (-0.60)"},
		{"sentiment undefined", "en_agent_good", `{metric: {name: sentiment, speaker: agent, max: 1}}`, false, nil, "no agent turn has a sentiment score"},
		{"bot failures", "en_bot_failures", `{metric: {name: bot_failures, max: 1}}`, false, []int{3, 5}, "failed to understand 2 times"},
		{"failures in a row", "en_bot_failures", `{metric: {name: max_consecutive_failures, max: 1}}`, false, []int{3, 5}, "at most 2 failures in a row"},
		{"intents", "zh_agent_complaint", `{metric: {name: intents, min: 1, max: 1}}`, true, nil, "intents matched: complaint"},
		{"caller turns", "en_bot_resolved", `{metric: {name: turns, speaker: caller, min: 4, max: 4}}`, true, nil, "4 turns by caller"},

		// Combinations.
		{"any: neither", "en_bot_failures", `{any: [{played: disclosure_recording}, {said: {phrases: [recorded], speaker: bot}}]}`, false, nil, `prompt disclosure_recording never played; bot never said "recorded"`},
		{"any: the second", "zh_bot_parcel", `{any: [{slot: account}, {said: {phrases: [录音], speaker: bot}}]}`, true, []int{1}, ""},
		{"all", "en_bot_resolved", `{all: [{outcome: resolved}, {slot: last_four}]}`, true, nil, "the call ended resolved; slot last_four collected"},
		{"all: one fails", "en_bot_resolved", `{all: [{outcome: resolved}, {slot: account}]}`, false, nil, "slot account not collected"},
		{"not", "en_bot_failures", `{not: {outcome: resolved}}`, true, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := scorecard.Evaluate(context.Background(), ruleCard(t, tc.rule), loadCall(t, tc.call))
			if err != nil {
				t.Fatal(err)
			}
			a := res.Answers[0]
			want := scorecard.No
			if tc.want {
				want = scorecard.Yes
			}
			if a.Auto.Status != scorecard.Answered || a.Auto.Choice != want || a.Source != scorecard.SourceRule {
				t.Errorf("answer %+v from %s, want %s\nnote: %s", a.Auto, a.Source, want, a.Note)
			}
			var seqs []int
			for _, ev := range a.Evidence {
				if ev.Seq > 0 {
					seqs = append(seqs, ev.Seq)
				}
				if ev.Seq > 0 && ev.Span == nil {
					t.Errorf("evidence of turn %d has no span to seek to: %+v", ev.Seq, ev)
				}
			}
			if !slices.Equal(seqs, tc.seqs) {
				t.Errorf("evidence turns %v, want %v\nnote: %s", seqs, tc.seqs, a.Note)
			}
			if !strings.Contains(a.Note, tc.note) {
				t.Errorf("note %q\nlacks %q", a.Note, tc.note)
			}
		})
	}
}

// TestEvidenceOffsets checks where evidence points in the recording: word
// timings when the recogniser gave them, else interpolated over the turn.
func TestEvidenceOffsets(t *testing.T) {
	near := func(got, want time.Duration) bool { return (got - want).Abs() < time.Millisecond }
	// part is k/n of a turn of secs seconds.
	part := func(secs float64, k, n int) time.Duration {
		return time.Duration(secs * float64(time.Second) * float64(k) / float64(n))
	}
	for _, tc := range []struct {
		name, call, rule string
		text             string
		start, end       time.Duration
	}{
		{"word timings", "en_bot_resolved", `{said: {phrases: [debit card], speaker: caller}}`, "debit card", 11400 * time.Millisecond, 12300 * time.Millisecond},
		// "Hi, thank you for holding, my name is Maya. How can I help you
		// today?" is 69 runes over 0.5s..5s; "my name is" is runes 27..37.
		{"interpolated", "en_agent_good", `{said: {phrases: [my name is], speaker: agent}}`, "my name is",
			500*time.Millisecond + part(4.5, 27, 69), 500*time.Millisecond + part(4.5, 37, 69)},
		// 19 runes over 12.5s..17s; 抱歉 is runes 2..4.
		{"interpolated Chinese", "zh_agent_complaint", `{said: {phrases: [抱歉], speaker: agent}}`, "抱歉",
			12500*time.Millisecond + part(4.5, 2, 19), 12500*time.Millisecond + part(4.5, 4, 19)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := scorecard.Evaluate(context.Background(), ruleCard(t, tc.rule), loadCall(t, tc.call))
			if err != nil {
				t.Fatal(err)
			}
			ev := res.Answers[0].Evidence[0]
			if ev.Kind != scorecard.EvidencePhrase || ev.Text != tc.text || ev.Span == nil {
				t.Fatalf("evidence %+v", ev)
			}
			if !near(ev.Span.Start, tc.start) || !near(ev.Span.End, tc.end) {
				t.Errorf("span %v..%v, want %v..%v", ev.Span.Start, ev.Span.End, tc.start, tc.end)
			}
		})
	}
}
