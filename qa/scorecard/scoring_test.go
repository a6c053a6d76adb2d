package scorecard_test

import (
	"context"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/qa"
	"github.com/switchboard-voice/switchboard/qa/scorecard"
)

// arithmetic is a card whose answers on en_agent_good are known:
// main: yes (50 of 50) + partial (1 of 2 points: 15 of 30) + hold 50s (1
// of 2 points: 10 of 20) = 75%; extra: not applicable (no bot failure).
const arithmetic = `name: arithmetic
pass_score: 80
sections:
  - id: main
    weight: 60
    questions:
      - id: greeted
        text: Greeted?
        type: yes_no
        weight: 50
        critical: true
        rule: {said: {phrases: [hi], speaker: agent}}
      - id: closing
        text: Closing?
        type: choice
        weight: 30
        options:
          - {id: full, points: 2}
          - {id: partial, points: 1}
          - {id: none, points: 0}
        choose:
          - {option: partial, rule: {outcome: resolved}}
        otherwise: none
      - id: hold
        text: Hold?
        type: number
        weight: 20
        metric: hold_time
        bands:
          - {max: 30, points: 2}
          - {max: 60, points: 1}
          - {points: 0}
  - id: extra
    weight: 40
    questions:
      - id: recovery
        text: Did the bot recover after failing?
        type: yes_no
        weight: 100
        when: {rule: {metric: {name: bot_failures, min: 1}}}
        rule: {outcome: resolved}
  - id: notes
    questions:
      - id: remarks
        text: Remarks?
        type: text
`

func ptr(f float64) *float64 { return &f }

func TestScoring(t *testing.T) {
	c, err := scorecard.Parse("arithmetic.yaml", []byte(arithmetic))
	if err != nil {
		t.Fatal(err)
	}
	call := loadCall(t, "en_agent_good")
	auto, err := scorecard.Evaluate(context.Background(), c, call)
	if err != nil {
		t.Fatal(err)
	}
	yes := scorecard.Value{Status: scorecard.Answered, Choice: scorecard.Yes}
	no := scorecard.Value{Status: scorecard.Answered, Choice: scorecard.No}
	na := scorecard.Value{Status: scorecard.NotApplicable}
	for _, tc := range []struct {
		name      string
		overrides []scorecard.Override
		score     float64
		uncapped  float64
		sections  []float64 // -1: N/A
		na        bool
		critical  []string
		passed    string // "yes", "no", "" (not set)
		points    []float64
	}{
		{name: "automatic answers", score: 75, uncapped: 75, sections: []float64{75, -1, -1}, passed: "no", points: []float64{50, 15, 10, 0, 0}},
		{name: "a reviewer answers the N/A question",
			overrides: []scorecard.Override{{Question: "recovery", Value: yes}},
			score:     85, uncapped: 85, sections: []float64{75, 100, -1}, passed: "yes", points: []float64{50, 15, 10, 100, 0}},
		{name: "N/A renormalises the section",
			overrides: []scorecard.Override{{Question: "closing", Value: na}},
			// (50 + 10) / (50 + 20)
			score: 85.71, uncapped: 85.71, sections: []float64{85.71, -1, -1}, passed: "yes", points: []float64{50, 0, 10, 0, 0}},
		{name: "full marks",
			overrides: []scorecard.Override{{Question: "closing", Value: scorecard.Value{Status: scorecard.Answered, Choice: "full"}}, {Question: "hold", Value: scorecard.Value{Status: scorecard.Answered, Number: ptr(12)}}},
			score:     100, uncapped: 100, sections: []float64{100, -1, -1}, passed: "yes", points: []float64{50, 30, 20, 0, 0}},
		{name: "a critical question fails the call",
			overrides: []scorecard.Override{{Question: "greeted", Value: no}, {Question: "recovery", Value: yes}},
			// uncapped: 60% × 25 + 40% × 100
			score: 0, uncapped: 55, sections: []float64{25, 100, -1}, critical: []string{"greeted"}, passed: "no", points: []float64{0, 15, 10, 100, 0}},
		{name: "nothing applies",
			overrides: []scorecard.Override{{Question: "greeted", Value: na}, {Question: "closing", Value: na}, {Question: "hold", Value: na}},
			score:     0, uncapped: 0, sections: []float64{-1, -1, -1}, na: true, points: []float64{0, 0, 0, 0, 0}},
		{name: "text answers are not scored",
			overrides: []scorecard.Override{{Question: "remarks", Value: scorecard.Value{Status: scorecard.Answered, Text: "polite"}}},
			score:     75, uncapped: 75, sections: []float64{75, -1, -1}, passed: "no", points: []float64{50, 15, 10, 0, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := auto
			if tc.overrides != nil {
				res, err = scorecard.Rescore(c, auto, tc.overrides)
				if err != nil {
					t.Fatal(err)
				}
			}
			if res.Score != tc.score || res.Uncapped != tc.uncapped || res.NA != tc.na {
				t.Errorf("score %v uncapped %v na %v, want %v %v %v", res.Score, res.Uncapped, res.NA, tc.score, tc.uncapped, tc.na)
			}
			for i, want := range tc.sections {
				s := res.Sections[i]
				if (want < 0) != s.NA || (want >= 0 && s.Score != want) {
					t.Errorf("section %s: %v (na %v), want %v", s.ID, s.Score, s.NA, want)
				}
			}
			if strings.Join(res.Critical, ",") != strings.Join(tc.critical, ",") || res.CriticalFailed != (len(tc.critical) > 0) {
				t.Errorf("critical %v (%v), want %v", res.Critical, res.CriticalFailed, tc.critical)
			}
			passed := ""
			if res.Passed != nil {
				passed = map[bool]string{true: "yes", false: "no"}[*res.Passed]
			}
			if passed != tc.passed {
				t.Errorf("passed %q, want %q", passed, tc.passed)
			}
			for i, want := range tc.points {
				if res.Answers[i].Points != want {
					t.Errorf("%s: %v points, want %v", res.Answers[i].Question, res.Answers[i].Points, want)
				}
			}
			// The automatic answers and their points are kept beside.
			if res.Answers[1].AutoPoints != 15 || res.Answers[1].Auto.Choice != "partial" || len(res.Answers[2].Evidence) == 0 {
				t.Errorf("automatic answer lost: %+v", res.Answers[1])
			}
		})
	}
	if auto.Answers[3].Auto.Status != scorecard.NotApplicable || !strings.Contains(auto.Answers[3].Note, "not applicable: condition does not hold: the bot failed to understand 0 times") {
		t.Errorf("recovery: %+v", auto.Answers[3])
	}
	if auto.NeedsReview {
		t.Error("an unanswered text question must not ask for review")
	}
}

func TestRescoreErrors(t *testing.T) {
	c, err := scorecard.Parse("arithmetic.yaml", []byte(arithmetic))
	if err != nil {
		t.Fatal(err)
	}
	res, err := scorecard.Evaluate(context.Background(), c, loadCall(t, "en_agent_good"))
	if err != nil {
		t.Fatal(err)
	}
	yes := scorecard.Value{Status: scorecard.Answered, Choice: scorecard.Yes}
	for _, tc := range []struct {
		name string
		o    []scorecard.Override
		want string
	}{
		{"unknown question", []scorecard.Override{{Question: "nope", Value: yes}}, `card arithmetic has no question "nope"`},
		{"choice not offered", []scorecard.Override{{Question: "closing", Value: scorecard.Value{Status: scorecard.Answered, Choice: "great"}}}, `choice "great" is not one of full, partial, none`},
		{"yes/no", []scorecard.Override{{Question: "greeted", Value: scorecard.Value{Status: scorecard.Answered, Choice: "maybe"}}}, `want choice "yes" or "no"`},
		{"number missing", []scorecard.Override{{Question: "hold", Value: scorecard.Value{Status: scorecard.Answered}}}, "want a number"},
		{"number not finite", []scorecard.Override{{Question: "hold", Value: scorecard.Value{Status: scorecard.Answered, Number: ptr(math.Inf(1))}}}, "want a number"},
		{"unanswered is not an answer", []scorecard.Override{{Question: "greeted", Value: scorecard.Value{Status: scorecard.Unanswered}}}, `status "unanswered"`},
		{"twice", []scorecard.Override{{Question: "greeted", Value: yes}, {Question: "greeted", Value: yes}}, "two overrides of question greeted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := scorecard.Rescore(c, res, tc.o)
			if !errors.Is(err, scorecard.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want ErrInvalid with %q", err, tc.want)
			}
		})
	}
	other, _ := scorecard.Parse("other.yaml", []byte(strings.Replace(arithmetic, "Greeted?", "Did the agent greet?", 1)))
	if _, err := scorecard.Rescore(other, res, nil); !errors.Is(err, scorecard.ErrCardMismatch) {
		t.Errorf("rescoring with another card: %v", err)
	}
}

func TestAgreement(t *testing.T) {
	c, err := scorecard.Parse("arithmetic.yaml", []byte(arithmetic))
	if err != nil {
		t.Fatal(err)
	}
	yes := scorecard.Value{Status: scorecard.Answered, Choice: scorecard.Yes}
	at := time.Date(2025, 5, 3, 10, 0, 0, 0, time.UTC)
	var results []scorecard.Result
	for i, ovs := range [][]scorecard.Override{
		// Agrees on greeted and hold (50.1 is 50 within 0.5%), disagrees on closing.
		{{Question: "greeted", Value: yes}, {Question: "closing", Value: scorecard.Value{Status: scorecard.Answered, Choice: "full"}, Comment: "offered more help"},
			{Question: "hold", Value: scorecard.Value{Status: scorecard.Answered, Number: ptr(50.1)}}},
		// Disagrees on greeted; the N/A recovery question agrees as N/A;
		// hold 55 is not 50, but in the same band (31 to 60 s).
		{{Question: "greeted", Value: scorecard.Value{Status: scorecard.Answered, Choice: scorecard.No}, Reviewer: "ana", At: at},
			{Question: "recovery", Value: scorecard.Value{Status: scorecard.NotApplicable}},
			{Question: "hold", Value: scorecard.Value{Status: scorecard.Answered, Number: ptr(55)}}},
		// Text questions do not count.
		{{Question: "remarks", Value: scorecard.Value{Status: scorecard.Answered, Text: "fine"}}},
		// Not reviewed.
		nil,
		// Hold 20 is another band; closing N/A is a disagreement.
		{{Question: "hold", Value: scorecard.Value{Status: scorecard.Answered, Number: ptr(20)}},
			{Question: "closing", Value: scorecard.Value{Status: scorecard.NotApplicable}}},
	} {
		res, err := scorecard.Evaluate(context.Background(), c, loadCall(t, "en_agent_good"))
		if err != nil {
			t.Fatal(err)
		}
		if res, err = scorecard.Rescore(c, res, ovs); err != nil {
			t.Fatalf("result %d: %v", i, err)
		}
		results = append(results, res)
	}
	got := scorecard.Agreement(results)
	want := []scorecard.QuestionAgreement{
		{Card: "arithmetic", Question: "closing", Reviewed: 2, Agreed: 0, Rate: 0,
			Confusion: map[string]map[string]int{"partial": {"full": 1, "na": 1}}},
		{Card: "arithmetic", Question: "greeted", Reviewed: 2, Agreed: 1, Rate: 0.5,
			Confusion: map[string]map[string]int{"yes": {"yes": 1, "no": 1}}},
		{Card: "arithmetic", Question: "hold", Reviewed: 3, Agreed: 1, Rate: 1.0 / 3, SameBand: 2, BandRate: 2.0 / 3},
		{Card: "arithmetic", Question: "recovery", Reviewed: 1, Agreed: 1, Rate: 1,
			Confusion: map[string]map[string]int{"na": {"na": 1}}},
	}
	if len(got) != len(want) {
		t.Fatalf("agreement %+v", got)
	}
	for i := range want {
		g := got[i]
		g.BySource = nil
		if !reflect.DeepEqual(g, want[i]) {
			t.Errorf("got %+v, want %+v", g, want[i])
		}
	}
	if s := got[1].BySource[scorecard.SourceRule]; s.Reviewed != 2 || s.Agreed != 1 {
		t.Errorf("greeted by rule: %+v", s)
	}
	if s := got[3].BySource[scorecard.SourceNone]; s.Reviewed != 1 {
		t.Errorf("recovery (N/A by condition): %+v", got[3].BySource)
	}
}

func TestNotApplicable(t *testing.T) {
	cards, err := scorecard.LoadDir("../../scorecards")
	if err != nil {
		t.Fatal(err)
	}
	agent := cards[0]
	if agent.Name != "agent-calls" {
		t.Fatalf("cards %s", agent.Name)
	}
	_, err = scorecard.Evaluate(context.Background(), agent, loadCall(t, "en_bot_resolved"))
	if !errors.Is(err, scorecard.ErrNotApplicable) || !strings.Contains(err.Error(), "no agent took part") {
		t.Errorf("error %v", err)
	}
	if agent.Applies(&qa.Call{}) || !agent.Applies(&qa.Call{Agent: "maya"}) {
		t.Error("Applies")
	}
}
