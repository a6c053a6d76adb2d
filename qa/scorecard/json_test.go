package scorecard_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/switchboard-voice/switchboard/qa/scorecard"
)

func TestJSONAndYAMLRoundTrip(t *testing.T) {
	cards, err := scorecard.LoadDir("../../scorecards")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range append(cards, mustParse(t, arithmetic), mustParse(t, llmCard)) {
		t.Run(c.Name, func(t *testing.T) {
			c.Version = 7
			data, err := c.JSON()
			if err != nil {
				t.Fatal(err)
			}
			back, err := scorecard.FromJSON(data)
			if err != nil {
				t.Fatalf("FromJSON: %v\n%s", err, data)
			}
			if back.Version != 7 || back.Hash() != c.Hash() {
				t.Errorf("version %d, hash %s, want 7 %s", back.Version, back.Hash(), c.Hash())
			}
			y, err := c.YAML()
			if err != nil {
				t.Fatal(err)
			}
			again, err := scorecard.Parse("exported.yaml", y)
			if err != nil {
				t.Fatalf("Parse(YAML()): %v\n%s", err, y)
			}
			if again.Hash() != c.Hash() || again.Version != 0 {
				t.Errorf("YAML round trip changed the hash:\n%s", y)
			}
			// The version is the store's business: it does not change the hash.
			c.Version = 8
			if c.Hash() != back.Hash() {
				t.Error("the hash depends on the version")
			}
		})
	}
}

func mustParse(t *testing.T, src string) *scorecard.Card {
	t.Helper()
	c, err := scorecard.Parse("card.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestHashStable: comments, layout and key order do not change the hash;
// content does.
func TestHashStable(t *testing.T) {
	a := mustParse(t, `# A card.
name: h
sections:
  - id: s
    weight: 100
    questions:
      - id: q
        text: Greeted?
        type: yes_no
        weight: 100
        rule: {said: {phrases: [hello], speaker: agent}}
`)
	b := mustParse(t, `name: h
sections:
- questions:
  - rule:
      said:
        speaker: agent   # who
        phrases:
        - hello
    weight: 100.0
    type: yes_no
    text: "Greeted?"
    id: q
  weight: 100
  id: s
`)
	c := mustParse(t, strings.Replace(`name: h
sections:
  - {id: s, weight: 100, questions: [{id: q, text: Greeted?, type: yes_no, weight: 100, rule: {said: {phrases: [hello], speaker: caller}}}]}
`, "Greeted?", `"Greeted?"`, 1))
	if a.Hash() != b.Hash() {
		t.Errorf("same card, different hashes:\n%s\n%s", a.Hash(), b.Hash())
	}
	if a.Hash() == c.Hash() || len(a.Hash()) != 64 {
		t.Errorf("hash %s does not tell the speaker apart", a.Hash())
	}
}

func TestFromJSONErrors(t *testing.T) {
	good, err := mustParse(t, arithmetic).JSON()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, json, want string
	}{
		{"not JSON", `{"name":`, "decode card"},
		{"unknown field", strings.Replace(string(good), `"name":"arithmetic"`, `"name":"arithmetic","owner":"qa"`, 1), `unknown field "owner"`},
		{"trailing data", string(good) + `{}`, "data after the card"},
		{"invalid card", strings.Replace(string(good), `"weight":50`, `"weight":40`, 1), "sections[0].questions: section \"main\": question weights sum to 90"},
		{"bad duration", strings.Replace(string(good), `"name":"hold_time"`, `"name":"hold_time","over":"soon"`, 1), "invalid duration"},
		{"bad speaker", strings.Replace(string(good), `"speaker":["agent"]`, `"speaker":["boss"]`, 1), `sections[0].questions[0].rule.said.speaker: unknown speaker "boss"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := scorecard.FromJSON([]byte(tc.json))
			if !errors.Is(err, scorecard.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want ErrInvalid with %q", err, tc.want)
			}
		})
	}
	// A speaker given as one name decodes as a list.
	one := strings.Replace(string(good), `"speaker":["agent"]`, `"speaker":"agent"`, 1)
	if _, err := scorecard.FromJSON([]byte(one)); err != nil {
		t.Errorf("speaker as a name: %v", err)
	}
}

// TestValidateGoCard: a card built in Go is validated with path positions
// and evaluates without Validate (compiled on the fly).
func TestValidateGoCard(t *testing.T) {
	c := &scorecard.Card{Name: "go", Sections: []scorecard.Section{{ID: "s", Weight: 100, Questions: []scorecard.Question{
		{ID: "q", Text: "Resolved?", Type: scorecard.YesNo, Weight: 100, Rule: &scorecard.Rule{Outcome: []string{"resolved"}}},
	}}}}
	res, err := scorecard.Evaluate(t.Context(), c, loadCall(t, "en_bot_resolved"))
	if err != nil || res.Score != 100 {
		t.Fatalf("score %v, %v", res.Score, err)
	}
	c.Sections[0].Questions[0].Rule = &scorecard.Rule{Outcome: []string{"resolved"}, Slot: []string{"x"}}
	err = c.Validate()
	var ps scorecard.Problems
	if !errors.As(err, &ps) || len(ps) != 1 || ps[0].Pos.Path != "sections[0].questions[0].rule" ||
		ps[0].String() != "sections[0].questions[0].rule: one test per rule, found slot, outcome (combine tests with all: or any:)" {
		t.Errorf("problems %v", err)
	}
	if _, err := scorecard.Evaluate(t.Context(), c, loadCall(t, "en_bot_resolved")); !errors.Is(err, scorecard.ErrInvalid) {
		t.Errorf("evaluating an invalid card: %v", err)
	}
}

// TestResultJSON: the stored shape of a result.
func TestResultJSON(t *testing.T) {
	res, err := scorecard.Rescore(mustParse(t, arithmetic), mustEvaluate(t, arithmetic, "en_agent_good"),
		[]scorecard.Override{{Question: "closing", Value: scorecard.Value{Status: scorecard.Answered, Choice: "full"}, Comment: "offered more help", Reviewer: "ana"}})
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	for _, want := range []string{
		`"card":"arithmetic"`, `"session_id":"en-agent-good"`, `"score":90`,
		`{"question":"greeted","section":"main","type":"yes_no","critical":true,"auto":{"status":"answered","choice":"yes"},"source":"rule","evidence":[{"kind":"phrase","seq":1,"speaker":"agent","pattern":"hi","text":"Hi","span":{"start":500000000,"end":`,
		`"override":{"question":"closing","value":{"status":"answered","choice":"full"},"comment":"offered more help","reviewer":"ana"}`,
		`{"kind":"metric","metric":"hold_time","value":50,"unit":"s","note":"on hold 50s in all (1 hold)"}`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("result JSON lacks %s\n%s", want, s)
		}
	}
	var back scorecard.Result
	if err := json.Unmarshal(data, &back); err != nil || back.Score != res.Score || back.Answers[1].Override.Comment != "offered more help" {
		t.Errorf("decode: %v", err)
	}
}

func mustEvaluate(t *testing.T, src, call string) scorecard.Result {
	t.Helper()
	res, err := scorecard.Evaluate(t.Context(), mustParse(t, src), loadCall(t, call))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestJSONShorthands: the API takes the YAML shorthands too.
func TestJSONShorthands(t *testing.T) {
	src := `{"name":"j","sections":[{"id":"s","weight":100,"questions":[
	  {"id":"a","text":"A?","type":"yes_no","weight":50,"llm":true,"rule":{"said":["hello","您好"]}},
	  {"id":"b","text":"B?","type":"yes_no","weight":50,"rule":{"any":[{"played":"disclosure_recording"},{"metric":{"name":"hold_time","max":60}}]}},
	  {"id":"c","text":"C?","type":"number","weight":0,"critical":true,"metric":"hold_time","bands":[{"max":60,"points":1},{"points":0}]}]}]}`
	c, err := scorecard.FromJSON([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	q := c.Sections[0].Questions
	if q[0].LLM == nil || strings.Join(q[0].Rule.Said.Phrases, ",") != "hello,您好" || q[1].Rule.Any[0].Played.Prompts[0] != "disclosure_recording" || q[2].Metric.Name != "hold_time" {
		t.Errorf("decoded %+v", q)
	}
	for _, bad := range []string{`"llm":false`, `"metric":{"name":"hold_time","colour":1}`} {
		s := strings.Replace(src, `"llm":true`, bad, 1)
		if bad[1] == 'm' {
			s = strings.Replace(src, `"metric":"hold_time"`, bad, 1)
		}
		if _, err := scorecard.FromJSON([]byte(s)); !errors.Is(err, scorecard.ErrInvalid) {
			t.Errorf("%s: %v", bad, err)
		}
	}
}
