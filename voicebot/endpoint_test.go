package voicebot

import (
	"reflect"
	"testing"

	"github.com/switchboard-voice/switchboard/asr"
	"github.com/switchboard-voice/switchboard/nlu/dialog"
)

func TestSpokenDigits(t *testing.T) {
	for in, want := range map[string]string{
		"four eight two one":        "4821",
		"it's 4 8 two one":          "4821",
		"oh seven, nine":            "079",
		"四八二一":                      "4821",
		"my card ends in 12":        "12",
		"no digits here":            "",
		"five-five-five one two oh": "555120",
	} {
		if got := spokenDigits(in); got != want {
			t.Errorf("spokenDigits(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestJudge(t *testing.T) {
	four := dialog.Expectation{Kind: "ask", Type: "digits", Length: 4}
	yes := dialog.Expectation{Kind: "confirm", Type: "yesno"}
	open := dialog.Expectation{}
	pick := dialog.Expectation{Kind: "ask", Type: "card_problem", Values: []string{"atm", "contactless"}}
	for _, tc := range []struct {
		x       dialog.Expectation
		partial string
		want    completeness
	}{
		{four, "four eight two one", complete},
		{four, "four eight two", incomplete},
		{four, "", unknown},
		{yes, "yes", complete},
		{yes, "yes please", complete},
		{yes, "是的", complete},
		{open, "i want to", incomplete},
		{open, "i lost my card and", incomplete},
		{open, "i lost my card", unknown},
		{open, "我想", incomplete},
		{pick, "it's contactless", complete},
	} {
		if got := judge(tc.x, tc.partial); got != tc.want {
			t.Errorf("judge(%+v, %q) = %v, want %v", tc.x, tc.partial, got, tc.want)
		}
	}
}

func TestBackchannel(t *testing.T) {
	for in, want := range map[string]bool{
		"mm-hm": true, "OK.": true, "yeah": true, "嗯": true, "": true,
		"yes": false, "no": false, "I lost my card": false, "what": false,
	} {
		if got := isBackchannel(in); got != want {
			t.Errorf("isBackchannel(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestGrammarFor(t *testing.T) {
	for typ, want := range map[string]asr.Grammar{
		"digits": asr.GrammarDigits, "yesno": asr.GrammarYesNo, "money": asr.GrammarNumber,
		"date": asr.GrammarDate, "text": asr.GrammarFree, "": asr.GrammarFree,
	} {
		if got := grammarFor(dialog.Expectation{Type: typ}); got != want {
			t.Errorf("grammarFor(%q) = %q, want %q", typ, got, want)
		}
	}
	if got := grammarFor(dialog.Expectation{Type: "digits", Length: 4}); got != asr.GrammarDigits4 {
		t.Errorf("four digits: %q", got)
	}
}

func TestSentences(t *testing.T) {
	for in, want := range map[string][]string{
		"Hi there. How can I help?":    {"Hi there.", "How can I help?"},
		"It costs 3.50 a month. Okay!": {"It costs 3.50 a month.", "Okay!"},
		"您好！请问有什么可以帮您？":                {"您好！", "请问有什么可以帮您？"},
		"no stop at the end":           {"no stop at the end"},
		"  ":                           nil,
	} {
		if got := Sentences(in); !reflect.DeepEqual(got, want) {
			t.Errorf("Sentences(%q) = %q, want %q", in, got, want)
		}
	}
}
