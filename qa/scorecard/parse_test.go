package scorecard_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/qa/scorecard"
)

// card is a valid one-question card (9 lines) followed by extra lines at
// question level (line 10 on).
func card(extra ...string) string {
	s := `name: t
sections:
  - id: s
    weight: 100
    questions:
      - id: q
        text: Q?
        type: yes_no
        weight: 100
`
	for _, e := range extra {
		s += "        " + e + "\n"
	}
	return s
}

func TestParseErrors(t *testing.T) {
	deep := "rule: " + strings.Repeat("{not: ", 18) + "{outcome: resolved}" + strings.Repeat("}", 18)
	for _, tc := range []struct {
		name, src string
		want      string // "line: message part"
	}{
		{"malformed YAML", "name: t\nsections:\n  - id: s\n    weight: [100\n", "3: malformed YAML: did not find expected ',' or ']'"},
		{"tab indentation", "name: t\nsections:\n\t- id: s\n", "3: malformed YAML: found character that cannot start any token"},
		{"empty file", "", "empty file"},
		{"two documents", card() + "---\nname: u\n", "10: a card file holds one YAML document"},
		{"not a mapping", "- a\n- b\n", "1: the card: want a mapping, found a list"},
		{"anchors", "name: t\nsynonyms:\n  a: &x [hi]\n  b: *x\n" + strings.TrimPrefix(card(), "name: t\n"), "3: anchors, aliases and merge keys are not supported"},
		{"missing name", strings.TrimPrefix(card(), "name: t\n"), "1: the card needs a name"},
		{"bad name", strings.Replace(card(), "name: t", "name: My Card", 1), "1: card name \"My Card\""},
		{"version is the store's", "version: 3\n" + card(), "1: the card: unknown key \"version\": the version is set by the store"},
		{"unknown key in a question", card("score: 5"), `10: a question: unknown key "score"`},
		{"duplicate key", card("weight: 50"), `10: a question: key "weight" is repeated (first at line 9)`},
		{"wrong type", strings.Replace(card(), "weight: 100\n", "weight: lots\n", 2), `4: section weight: want a number, found "lots"`},
		{"unknown question type", strings.Replace(card(), "type: yes_no", "type: yesno", 1), `8: question "q": unknown question type "yesno" (want yes_no, choice, number or text)`},
		{"missing type", strings.Replace(card(), "        type: yes_no\n", "", 1), `6: question "q" needs a type`},
		{"question weights not 100", strings.Replace(card(), "        weight: 100", "        weight: 90", 1), `5: section "s": question weights sum to 90, want 100 (q 90)`},
		{"section weights not 100", card() + "  - id: t\n    weight: 30\n    questions:\n      - {id: r, text: \"R?\", type: yes_no, weight: 100}\n", "2: section weights sum to 130, want 100 (s 100 + t 30)"},
		{"weighted question, section without weight", strings.Replace(card(), "    weight: 100\n", "", 1), `3: section "s" needs a weight`},
		{"unweighted question", strings.Replace(card(), "        weight: 100\n", "", 1), `6: question "q" needs a weight`},
		{"duplicate question id", card() + "      - {id: q, text: \"Again?\", type: yes_no, weight: 0, critical: true}\n", `10: question id "q" is used twice`},
		{"duplicate section id", strings.Replace(card(), "        weight: 100\n", "        weight: 100\n  - id: s\n    questions:\n      - {id: n, text: \"Note?\", type: text}\n", 1), `10: section id "s" is used twice`},
		{"unknown speaker", card("rule:", "  said:", "    phrases: [hi]", "    speaker: customer"), `13: unknown speaker "customer" (want caller, agent, bot or any)`},
		{"unknown speaker in a list", card("rule: {said: {phrases: [hi], speaker: [agent, supervisor]}}"), `10: unknown speaker "supervisor"`},
		{"unknown synonym list", card("rule:", "  said:", "    synonyms: [greetings]"), `12: unknown synonym list "greetings" (the card's lists: none defined)`},
		{"two tests in a rule", card("rule:", "  said: [hi]", "  outcome: resolved"), "11: rule: one test per rule, found said, outcome (combine tests with all: or any:)"},
		{"empty rule", card("rule: {}"), "10: rule: empty"},
		{"unknown rule test", card("rule: {heard: [hi]}"), `10: a rule: unknown key "heard"`},
		{"rule nested too deep", card(deep), "10: rule: nested deeper than 16 levels"},
		{"phrase of punctuation", card(`rule: {said: ["!!!"]}`), `10: phrase "!!!" has no words`},
		{"star inside a word", card(`rule: {said: ["apo*logise"]}`), `10: phrase "apo*logise": '*' goes at the end of a word`},
		{"nothing to look for", card("rule: {said: {speaker: agent}}"), "10: give phrases, synonyms or regex to look for"},
		{"both windows", card("rule: {said: {phrases: [hi], within_first: 10s, within_last: 10s}}"), "10: use within_first or within_last, not both"},
		{"bad duration", card("rule: {said: {phrases: [hi], within_first: soon}}"), `10: said.within_first: invalid duration "soon"`},
		{"near without a distance", card("rule:", "  said:", "    phrases: [hi]", "    near: {phrases: [there]}"), "13: give either words (a distance in words) or within (a time such as 5s)"},
		{"min_count on not_said", card("rule: {not_said: {phrases: [hi], min_count: 2}}"), "10: min_count applies to said, not to not_said"},
		{"catastrophic regex", card("rule:", "  said:", `    regex: ['(a{1,100}){1,100}']`), `12: regex "(a{1,100}){1,100}" repeats too much (invalid repeat count; nested counts multiply): it would be catastrophic`},
		{"regex program too large", card("rule:", "  said:", `    regex: ['(a{1,10}){1,100}']`), `12: regex "(a{1,10}){1,100}" compiles to 2201 instructions, over the limit of 2000`},
		{"huge repetition", card("rule:", "  said:", `    regex: ['\d{500}']`), `12: regex "\\d{500}" repeats 500 times, over the limit of 100`},
		{"nested repetition", card(`rule: {said: {regex: ['((ab{1,50}){1,50}){1,50}']}}`), "10: regex \"((ab{1,50}){1,50}){1,50}\" repeats too much"},
		{"regex too long", card(`rule: {said: {regex: ['` + strings.Repeat("ab", 300) + `']}}`), "10: regex is 600 bytes long, over the limit of 500"},
		{"invalid regex", card(`rule: {said: {regex: ['(abc']}}`), `10: invalid regex "(abc": error parsing regexp: missing closing )`},
		{"backreference", card(`rule: {said: {regex: ['(a)\1']}}`), `10: invalid regex "(a)\\1": error parsing regexp: invalid escape sequence`},
		{"regex matching anything", card(`rule: {said: {regex: ['x*']}}`), `10: regex "x*" matches empty text`},
		{"unknown metric", card("rule: {metric: {name: hold_seconds, max: 10}}"), `10: unknown metric "hold_seconds" (want agent_talk_share,`},
		{"metric rule without bounds", card("rule: {metric: hold_time}"), "10: a metric rule needs min or max"},
		{"metric parameter it does not take", card("rule: {metric: {name: hold_time, stat: min, max: 3}}"), "10: metric hold_time takes no stat"},
		{"unknown stat", card("rule: {metric: {name: sentiment, stat: median, max: 3}}"), `10: unknown stat "median"`},
		{"unknown outcome", card("rule: {outcome: solved}"), `10: unknown outcome "solved" (want resolved, handed_off, abandoned)`},
		{"empty condition", card("when: {}"), "10: when is empty"},
		{"choice with one option", strings.Replace(card("options: [{id: a, points: 1}]"), "yes_no", "choice", 1), `6: question "q": a choice question needs at least two options`},
		{"choose unknown option", strings.Replace(card("options: [{id: a, points: 1}, {id: b, points: 0}]", "choose: [{option: c, rule: {outcome: resolved}}]"), "yes_no", "choice", 1),
			`11: question "q": choose names option "c", which is not one of its options (a, b)`},
		{"otherwise unknown option", strings.Replace(card("options: [{id: a, points: 1}, {id: b, points: 0}]", "choose: [{option: a, rule: {outcome: resolved}}]", "otherwise: z"), "yes_no", "choice", 1),
			`12: question "q": otherwise names option "z"`},
		{"duplicate option", strings.Replace(card("options: [{id: a, points: 1}, {id: a, points: 0}]"), "yes_no", "choice", 1), `10: question "q": option "a" is listed twice`},
		{"no option earns points", strings.Replace(card("options: [{id: a, points: 0}, {id: b, points: 0}]"), "yes_no", "choice", 1), `10: question "q": no option earns points`},
		{"options on a yes/no question", card("options: [{id: a, points: 1}, {id: b, points: 0}]"), `10: question "q": options does not apply to a yes_no question`},
		{"number without bands", strings.Replace(card("metric: hold_time"), "yes_no", "number", 1), `6: question "q": a number question needs bands`},
		{"unreachable band", strings.Replace(card("metric: hold_time", "bands:", "  - {points: 1}", "  - {max: 60, points: 2}"), "yes_no", "number", 1), `13: question "q": band 2 is never reached`},
		{"band bounds reversed", strings.Replace(card("metric: hold_time", "bands: [{min: 10, max: 5, points: 1}]"), "yes_no", "number", 1), `11: question "q": band 1 has min 10 above max 5`},
		{"bounds on a number question's metric", strings.Replace(card("metric: {name: hold_time, max: 5}", "bands: [{points: 1}]"), "yes_no", "number", 1), "10: a number question's metric takes no min or max"},
		{"llm on a number question", strings.Replace(card("metric: hold_time", "bands: [{points: 1}]", "llm: true"), "yes_no", "number", 1), `12: question "q": llm does not apply to a number question`},
		{"text question with a weight", strings.Replace(card(), "yes_no", "text", 1), `9: question "q": a text question is not scored; remove its weight`},
		{"critical text question", card() + "      - {id: n, text: \"Note?\", type: text, critical: true}\n", `10: question "n": a text question cannot be critical`},
		{"pass score", "pass_score: 150\n" + card(), "1: pass_score 150"},
		{"bad option id", strings.Replace(card("options: [{id: A B, points: 1}, {id: b, points: 0}]"), "yes_no", "choice", 1), `10: question "q": option id "A B"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := scorecard.Parse("bad.yaml", []byte(tc.src))
			if err == nil {
				t.Fatalf("no error for\n%s", tc.src)
			}
			if !errors.Is(err, scorecard.ErrInvalid) {
				t.Errorf("error does not wrap ErrInvalid: %v", err)
			}
			var ps scorecard.Problems
			if !errors.As(err, &ps) || len(ps) == 0 {
				t.Fatalf("error is not Problems: %v", err)
			}
			want := "bad.yaml:" + tc.want // file:line: message
			if tc.want == "empty file" {
				want = "bad.yaml: empty file" // no line
			}
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error:\n%v\nwant a line with:\n%s", err, want)
			}
		})
	}
}

func TestLoadDir(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.yaml", card())
	write("b.yml", strings.Replace(card(), "name: t", "name: u", 1))
	write("notes.txt", "not a card")
	cards, err := scorecard.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(cards) != 2 || cards[0].Name != "t" || cards[1].Name != "u" {
		t.Fatalf("cards %v", cards)
	}
	// A second card of the same name, and a broken one: both reported.
	write("c.yaml", card())
	write("d.yaml", strings.Replace(card(), "type: yes_no", "type: maybe", 1))
	_, err = scorecard.LoadDir(dir)
	for _, want := range []string{filepath.Join(dir, "c.yaml") + `:1: card "t" is already defined in ` + filepath.Join(dir, "a.yaml"),
		filepath.Join(dir, "d.yaml") + `:8: question "q": unknown question type "maybe"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v\nlacks %s", err, want)
		}
	}
}

// TestRegexBound runs a pattern that would backtrack catastrophically in a
// backtracking engine over a long turn: RE2 stays linear, and the bounds
// reject the patterns whose compiled size would make every character
// costly.
func TestRegexBound(t *testing.T) {
	c, err := scorecard.Parse("re.yaml", []byte(card(`rule: {said: {regex: ['(x+x+)+y']}}`)))
	if err != nil {
		t.Fatal(err)
	}
	call := loadCall(t, "en_bot_resolved")
	call.Turns[0].Text = strings.Repeat("x", 19_999)
	start := time.Now()
	res, err := scorecard.Evaluate(t.Context(), c, call)
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("evaluating took %v", el)
	}
	if res.Answers[0].Auto.Choice != scorecard.No {
		t.Errorf("answer %+v", res.Answers[0].Auto)
	}
	for _, pattern := range []string{`(a{1,100}){1,100}`, `a{1001}`, `(((a{1,10}){1,10}){1,10}){1,10}`, strings.Repeat("(a|b)", 120)} {
		_, err := scorecard.Parse("re.yaml", []byte(card(`rule: {said: {regex: ['`+pattern+`']}}`)))
		if err == nil || !errors.Is(err, scorecard.ErrInvalid) || !strings.Contains(err.Error(), "re.yaml:10: ") {
			t.Errorf("pattern %.40s: error %v", pattern, err)
		}
	}
}
