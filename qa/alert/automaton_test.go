package alert

import (
	"fmt"
	"slices"
	"testing"
)

// naive is what the automaton must agree with: per rule, does any of its
// spellings occur at word boundaries.
func naive(rs *Rules, norm []byte) []bool {
	out := make([]bool, len(rs.rules))
	for i, r := range rs.rules {
		out[i] = slices.ContainsFunc(r.phrases, func(p phrase) bool { return p.index(norm) >= 0 })
	}
	return out
}

func viaAutomaton(rs *Rules, norm []byte) []bool {
	hits := make([]int32, len(rs.rules))
	rs.auto.match(norm, hits)
	out := make([]bool, len(rs.rules))
	for i, h := range hits {
		out[i] = h >= 0
		if h >= 0 && rs.auto.pats[h].rule != int32(i) {
			panic("hit of another rule")
		}
	}
	return out
}

func TestAutomatonOverlaps(t *testing.T) {
	// The classic overlapping set, words and Chinese, suffixes of suffixes.
	rs := mustCompile(t, `
defaults: false
rules:
  - {id: he, kind: phrase, phrases: [he]}
  - {id: she, kind: phrase, phrases: [she]}
  - {id: his, kind: phrase, phrases: [his]}
  - {id: hers, kind: phrase, phrases: [hers]}
  - {id: ushers, kind: phrase, phrases: [u shers*]}
  - {id: zh, kind: phrase, phrases: [投诉, 我要投诉你们, 要投]}
  - {id: num, kind: phrase, phrases: ["123", "12315"]}
`)
	for _, text := range []string{"ushers", "u shers", "she is hers", "his he", "我要投诉", "我要投诉你们", "打12315", "1231"} {
		norm := normalise(nil, text)
		if got, want := viaAutomaton(rs, norm), naive(rs, norm); !slices.Equal(got, want) {
			t.Errorf("%q: automaton %v, naive %v", text, got, want)
		}
	}
}

// FuzzAutomaton: on any text the automaton finds exactly the rules the
// one-phrase-at-a-time search finds, with the default rules.
func FuzzAutomaton(f *testing.F) {
	for _, s := range []string{"", "I want to speak to your manager", "我要投诉打12315", "lawyers sue", "ｆｕｃｋ", "\xff投\xfe诉"} {
		f.Add(s)
	}
	rs, err := Compile(Config{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		norm := normalise(nil, text)
		if got, want := viaAutomaton(rs, norm), naive(rs, norm); !slices.Equal(got, want) {
			t.Fatalf("%q: automaton %v, naive %v", text, got, want)
		}
	})
}

// BenchmarkTurnManyPhrases: evaluation with the default rules plus a
// 5,000-phrase keyword library (English and Chinese) costs about what it
// costs with the defaults alone.
func BenchmarkTurnManyPhrases(b *testing.B) {
	var en, zh []string
	for i := range 2500 {
		en = append(en, fmt.Sprintf("keyword%d phrase", i))
		zh = append(zh, fmt.Sprintf("敏感%d词", i))
	}
	cfg := Config{Rules: []Rule{{ID: "library", Kind: KindPhrase, Phrases: append(en, zh...)}}}
	rs, err := Compile(cfg)
	if err != nil {
		b.Fatal(err)
	}
	m := NewMonitor(rs, Call{})
	text := "Hi, I noticed a charge on my statement from last Tuesday that I don't recognise, can you help me with that?"
	b.ReportAllocs()
	seq := 0
	for b.Loop() {
		seq++
		m.Turn(turn(seq, "caller", text))
	}
}
