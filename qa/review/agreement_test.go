package review_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/qa"
	"github.com/switchboard-voice/switchboard/qa/redact"
	"github.com/switchboard-voice/switchboard/qa/review"
	"github.com/switchboard-voice/switchboard/qa/review/reviewtest"
	"github.com/switchboard-voice/switchboard/qa/scorecard"
	"github.com/switchboard-voice/switchboard/qa/sentiment"
)

// botCall is a small bot-only call: greeted, no disclosure, resolved.
func botCall(id string) qa.Call {
	s := time.Second
	return qa.Call{SessionID: id, Bot: "banking", Language: "en", Outcome: "resolved", Duration: 12 * s,
		Turns: []qa.Turn{
			{Seq: 1, Speaker: qa.Bot, Text: "Hello, this is Ava. How can I help?", End: 2 * s},
			{Seq: 2, Speaker: qa.Caller, Text: "What's my balance?", Start: 3 * s, End: 4 * s, Intent: "check_balance"},
			{Seq: 3, Speaker: qa.Bot, Text: "Your balance is 20 pounds.", Start: 5 * s, End: 7 * s},
			{Seq: 4, Speaker: qa.Caller, Text: "Great, thanks a lot.", Start: 8 * s, End: 9 * s},
		}}
}

// botAnswers answers every bot-calls question; the reviewer disagrees
// with the rules on disclosure (says yes) and on the sentiment change
// (-0.5, another band than the rules' rise).
const botAnswers = `{"reviewer": "ana", "answers": {"bot-calls": {
  "greeted": "yes",
  "disclosure": {"answer": "yes", "comment": "played by the IVR before the bot"},
  "identified_intent": "yes",
  "no_repeated_failures": "yes",
  "resolution": "resolved",
  "sentiment_change": -0.5,
  "caller_goal": "The caller wanted their balance."}}}`

// writeSet writes files (name → content) into a new folder.
func writeSet(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func callJSON(t *testing.T, c qa.Call) string {
	t.Helper()
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func sampleCards(t *testing.T) []*scorecard.Card {
	t.Helper()
	cards, err := scorecard.LoadDir(reviewtest.CardsDir())
	if err != nil {
		t.Fatal(err)
	}
	return cards
}

func TestLoadAgreementSetErrors(t *testing.T) {
	good := callJSON(t, botCall("s1"))
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"empty folder", map[string]string{}, "no calls"},
		{"no review", map[string]string{"a.json": good}, "a.review.json: open"},
		{"review without call", map[string]string{"a.json": good, "a.review.json": botAnswers, "b.review.json": botAnswers}, "no call b.json beside it"},
		{"unknown call field", map[string]string{"a.json": `{"session_id": "s", "turnz": []}`, "a.review.json": botAnswers}, `unknown field "turnz"`},
		{"syntax error", map[string]string{"a.json": "{\n\"session_id\": \"s\",\n\"turns\": [}", "a.review.json": botAnswers}, "a.json: line 3"},
		{"no turns", map[string]string{"a.json": `{"session_id": "s", "turns": []}`, "a.review.json": botAnswers}, "no turns"},
		{"bad speaker", map[string]string{"a.json": `{"session_id": "s", "turns": [{"speaker": "customer", "text": "hi"}]}`, "a.review.json": botAnswers}, `speaker "customer"`},
		{"end before start", map[string]string{"a.json": `{"session_id": "s", "turns": [{"speaker": "caller", "text": "hi", "start": 5, "end": 1}]}`, "a.review.json": botAnswers}, "turn 1: start"},
		{"same session twice", map[string]string{"a.json": good, "a.review.json": botAnswers, "b.json": good, "b.review.json": botAnswers}, `session_id "s1" is also a.json's`},
		{"unknown review field", map[string]string{"a.json": good, "a.review.json": `{"reviewer": "x", "answer": {}}`}, `unknown field "answer"`},
		{"no answers", map[string]string{"a.json": good, "a.review.json": `{"reviewer": "x"}`}, "no answers"},
		{"answer object", map[string]string{"a.json": good, "a.review.json": `{"answers": {"bot-calls": {"greeted": {"value": "yes"}}}}`}, `unknown field "value"`},
		{"answer list", map[string]string{"a.json": good, "a.review.json": `{"answers": {"bot-calls": {"greeted": ["yes"]}}}`}, "want a string, a number or an object"},
		{"two values", map[string]string{"a.json": good + good, "a.review.json": botAnswers}, "more than one JSON value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := review.LoadAgreementSet(writeSet(t, tt.files))
			if !errors.Is(err, review.ErrAgreementSet) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want ErrAgreementSet with %q", err, tt.want)
			}
		})
	}
	if _, err := review.LoadAgreementSet(filepath.Join(t.TempDir(), "nope")); !errors.Is(err, review.ErrAgreementSet) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing folder: %v", err)
	}
}

// TestMeasureAgreementErrors: answers that do not fit the cards are
// reported together, each naming the call, card and question.
func TestMeasureAgreementErrors(t *testing.T) {
	cards := sampleCards(t)
	ans := func(card string, m map[string]string) map[string]map[string]review.LabelledAnswer {
		out := map[string]review.LabelledAnswer{}
		for q, v := range m {
			var a review.LabelledAnswer
			if err := json.Unmarshal([]byte(v), &a); err != nil {
				t.Fatal(err)
			}
			out[q] = a
		}
		return map[string]map[string]review.LabelledAnswer{card: out}
	}
	full := map[string]string{"greeted": `"yes"`, "disclosure": `"no"`, "identified_intent": `"yes"`,
		"no_repeated_failures": `"yes"`, "resolution": `"resolved"`, "sentiment_change": `0.5`, "caller_goal": `"balance"`}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range full {
			m[a] = b
		}
		if v == "" {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	agentCall := botCall("s2")
	agentCall.Agent = "maya"
	set := []review.LabelledCall{
		{Name: "missing", Call: botCall("s1"), Answers: ans("bot-calls", with("greeted", ""))},
		{Name: "typed", Call: botCall("s3"), Answers: ans("bot-calls", with("sentiment_change", `"up"`))},
		{Name: "option", Call: botCall("s4"), Answers: ans("bot-calls", with("resolution", `"solved"`))},
		{Name: "extra", Call: botCall("s5"), Answers: ans("bot-calls", with("politeness", `"yes"`))},
		{Name: "number", Call: botCall("s6"), Answers: ans("bot-calls", with("greeted", `1`))},
		{Name: "wrongcard", Call: agentCall, Answers: ans("bot-calls", full)},
		{Name: "nocard", Call: botCall("s7"), Answers: ans("qa-v2", full)},
	}
	_, err := review.MeasureAgreement(context.Background(), set, review.AgreementConfig{Cards: cards})
	if !errors.Is(err, review.ErrAgreementSet) {
		t.Fatalf("error %v", err)
	}
	for _, want := range []string{
		`call missing: card bot-calls: question greeted has no answer`,
		`call typed: card bot-calls: question sentiment_change: a number question takes a number or "na", not "up"`,
		`call option: card bot-calls: invalid scorecard: override of resolution: choice "solved" is not one of resolved, handed_off, abandoned`,
		`call extra: card bot-calls: no question "politeness" on the card`,
		`call number: card bot-calls: question greeted: a yes_no question takes an answer's ID, not 1`,
		`call wrongcard: answers for card bot-calls, which does not apply to the call`,
		`call wrongcard: card agent-calls applies to the call but has no answers`,
		`call nocard: answers for card "qa-v2", which is not among the scorecards`,
		`call nocard: card bot-calls applies to the call but has no answers`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if _, err := review.MeasureAgreement(context.Background(), nil, review.AgreementConfig{}); !errors.Is(err, review.ErrAgreementSet) {
		t.Errorf("no cards: %v", err)
	}
}

func TestMeasureAgreement(t *testing.T) {
	dir := writeSet(t, map[string]string{
		"a.json": callJSON(t, botCall("s1")), "a.review.json": botAnswers,
		"b.json": callJSON(t, botCall("s2")), "b.review.json": strings.Replace(botAnswers, "-0.5", "0.9", 1),
	})
	set, err := review.LoadAgreementSet(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(set) != 2 || set[0].Name != "a" || set[0].Reviewer != "ana" || set[0].Answers["bot-calls"]["disclosure"].Comment == "" {
		t.Fatalf("set %+v", set)
	}
	lex, err := sentiment.New()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := review.MeasureAgreement(context.Background(), set, review.AgreementConfig{Cards: sampleCards(t), Sentiment: lex})
	if err != nil {
		t.Fatal(err)
	}
	// Per call 6 measured answers; disclosure disagrees on both calls,
	// sentiment_change on a (band) and b (same band, other number).
	if rep.Calls != 2 || rep.Overall.N != 12 || rep.Overall.Agreed != 9 || rep.Overall.ExactAgreed != 8 {
		t.Errorf("overall %+v", rep.Overall)
	}
	ca := rep.Cards["bot-calls"]
	if ca == nil || ca.Calls != 2 || rep.Cards["agent-calls"] != nil {
		t.Fatalf("cards %+v", rep.Cards)
	}
	if got := strings.Join(ca.Order, " "); got != "greeted disclosure identified_intent no_repeated_failures resolution sentiment_change caller_goal" {
		t.Errorf("order %s", got)
	}
	d := ca.Questions["disclosure"]
	if d.N != 2 || d.Agreed != 0 || d.Confusion["no"]["yes"] != 2 {
		t.Errorf("disclosure %+v", d)
	}
	sc := ca.Questions["sentiment_change"]
	if sc.N != 2 || sc.Agreed != 1 || sc.ExactAgreed != 0 || sc.Rate != 0.5 {
		t.Errorf("sentiment_change %+v", sc)
	}
	if g := ca.Questions["caller_goal"]; g.Measured || g.N != 2 {
		t.Errorf("caller_goal %+v", g)
	}
	// The rules fail the critical disclosure, the reviewer does not.
	if ca.PassAgreed != 0 || ca.CriticalAgreed != 0 || rep.Scores[0].Auto != 0 || rep.Scores[0].Reviewer == 0 ||
		rep.Scores[0].AutoCritical[0] != "disclosure" || len(rep.Scores[0].ReviewerCritical) != 0 {
		t.Errorf("scores %+v, card %+v", rep.Scores, ca)
	}
	if rep.Scores[0].Disagreed != 2 || rep.Scores[1].Disagreed != 1 {
		t.Errorf("disagreed %d %d", rep.Scores[0].Disagreed, rep.Scores[1].Disagreed)
	}
	if en := rep.Languages["en"]; en != rep.Overall {
		t.Errorf("en %+v, overall %+v", en, rep.Overall)
	}
	var got []string
	for _, d := range rep.Disagreements {
		got = append(got, d.Call+":"+d.Question+":"+d.Auto+">"+d.Reviewer)
		if d.Question == "disclosure" && (d.Comment != "played by the IVR before the bot" || !strings.Contains(d.Note, "recording")) {
			t.Errorf("disagreement %+v", d)
		}
	}
	if g := strings.Join(got, " "); !strings.HasPrefix(g, "a:disclosure:no>yes a:sentiment_change:") || !strings.Contains(g, "b:disclosure:no>yes b:sentiment_change:") {
		t.Errorf("disagreements %s", g)
	}
	if !rep.Disagreements[len(rep.Disagreements)-1].SameBand || rep.Disagreements[1].SameBand {
		t.Errorf("same band flags %+v", rep.Disagreements)
	}
	// Sentiment was scored on a copy: the set is not changed.
	if set[0].Call.Turns[1].Sentiment.Scored() {
		t.Error("MeasureAgreement scored the caller's turns in place")
	}
}

// TestAgreementSet checks the labelled set of testdata/agreement: big
// enough, both languages and both cards, and every applicable question of
// every call answered (MeasureAgreement refuses anything less). The
// floor on its figures is in cmd/switchboard's TestQAAgreementEval.
func TestAgreementSet(t *testing.T) {
	set, err := review.LoadAgreementSet(filepath.Join("testdata", "agreement"))
	if err != nil {
		t.Fatal(err)
	}
	lex, err := sentiment.New()
	if err != nil {
		t.Fatal(err)
	}
	red, err := redact.New()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := review.MeasureAgreement(context.Background(), set, review.AgreementConfig{Cards: sampleCards(t), Sentiment: lex, Redactor: red})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Calls < 30 || rep.Cards["agent-calls"].Calls < 10 || rep.Cards["bot-calls"].Calls < 10 ||
		rep.Languages["en"].N == 0 || rep.Languages["zh"].N == 0 {
		t.Errorf("set too small or one-sided: %d calls, cards %+v, languages %+v", rep.Calls, rep.Cards, rep.Languages)
	}
	t.Logf("%d calls: %d of %d answers agree (%.3f)", rep.Calls, rep.Overall.Agreed, rep.Overall.N, rep.Overall.Rate)
}

func TestLabelledAnswer(t *testing.T) {
	for _, tt := range []struct{ in, want, comment string }{
		{`"yes"`, "yes", ""},
		{`"NA"`, "na", ""},
		{`95.5`, "95.5", ""},
		{`{"answer": "partial", "comment": "goodbye only"}`, "partial", "goodbye only"},
		{`{"answer": 0}`, "0", ""},
		{`"客户想查件。"`, "客户想查件。", ""},
	} {
		var a review.LabelledAnswer
		if err := json.Unmarshal([]byte(tt.in), &a); err != nil || a.String() != tt.want || a.Comment != tt.comment {
			t.Errorf("%s: %v %q %q", tt.in, err, a.String(), a.Comment)
		}
	}
	for _, in := range []string{`true`, `null`, `[1]`, `""`, `" "`, `{"answer": {"answer": "yes"}}`, `{}`, `{"comment": "x"}`, `{"answer": null}`} {
		var a review.LabelledAnswer
		if err := json.Unmarshal([]byte(in), &a); err == nil {
			t.Errorf("%s: accepted as %+v", in, a)
		}
	}
}

func FuzzLabelledAnswer(f *testing.F) {
	for _, s := range []string{`"yes"`, `95`, `{"answer": "na", "comment": "x"}`, `{"answer": [1]}`, `"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var a review.LabelledAnswer
		if err := json.Unmarshal([]byte(s), &a); err != nil {
			return
		}
		// An answer read is one of the three kinds, and prints again.
		kinds := 0
		if a.NA {
			kinds++
		}
		if a.Number != nil {
			kinds++
		}
		if a.Text != "" {
			kinds++
		}
		if kinds != 1 {
			t.Errorf("%q read as %+v", s, a)
		}
		b, _ := json.Marshal(a.String())
		var again review.LabelledAnswer
		if err := json.Unmarshal(b, &again); err != nil {
			t.Errorf("%q: %s does not read again: %v", s, b, err)
		}
	})
}
