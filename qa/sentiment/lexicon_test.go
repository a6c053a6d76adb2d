package sentiment

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestExpand(t *testing.T) {
	lit := func(ws ...string) []ptok {
		var out []ptok
		for _, w := range ws {
			switch w {
			case "<num>":
				out = append(out, ptok{class: '#'})
			case "<ord>":
				out = append(out, ptok{class: 'o'})
			case "*":
				out = append(out, ptok{class: '*'})
			default:
				out = append(out, ptok{lit: w})
			}
		}
		return out
	}
	tests := []struct {
		pat  string
		want [][]ptok
	}{
		{"good", [][]ptok{lit("good")}},
		{"thank you", [][]ptok{lit("thank", "you")}},
		{"(a|b) c", [][]ptok{lit("a", "c"), lit("b", "c")}},
		{"x (y|)z", [][]ptok{lit("x", "y", "z"), lit("x", "z")}},
		{"x (y )?z", [][]ptok{lit("x", "z"), lit("x", "y", "z")}},
		{"<num> hours", [][]ptok{lit("<num>", "hours")}},
		{"the <ord> time", [][]ptok{lit("the", "<ord>", "time")}},
		{"never * again", [][]ptok{lit("never", "*", "again")}},
		{"((a|b) c|d)", [][]ptok{lit("a", "c"), lit("b", "c"), lit("d")}},
		{"一直没到", [][]ptok{lit("一", "直", "没", "到")}},
		{"等了<num>(个)?小时", [][]ptok{lit("等", "了", "<num>", "小", "时"), lit("等", "了", "<num>", "个", "小", "时")}},
		{"Don't", [][]ptok{lit("don't")}},
	}
	for _, tt := range tests {
		got, err := expand(tt.pat)
		if err != nil {
			t.Errorf("expand(%q): %v", tt.pat, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("expand(%q) = %v, want %v", tt.pat, got, tt.want)
		}
	}
	for _, bad := range []string{"(a|b", "a)", "<count> x", "<num", "a?", strings.Repeat("(a|b|c|d)", 8)} {
		if _, err := expand(bad); err == nil {
			t.Errorf("expand(%q): no error", bad)
		}
	}
}

func TestParseLexiconErrors(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"entry before section", "good\t1", "x.lex:1: entry before any [section]"},
		{"unknown section", "[words]\n", `x.lex:1: unknown section "[words]"`},
		{"valence not a number", "[valence]\ngood\tvery", `x.lex:2: valence "very" is not a number`},
		{"valence missing", "[valence]\n\ngood", "x.lex:3: want pattern<TAB>valence"},
		{"valence out of range", "[valence]\ngood\t5", "x.lex:2: valence outside -4..4"},
		{"booster without scalar", "[boosters]\nvery", "x.lex:2: want pattern<TAB>scalar"},
		{"contrast with value", "[contrast]\nbut\t1", "x.lex:2: want a pattern alone"},
		{"bad pattern", "[valence]\n(a|b\t1", "x.lex:2: pattern \"(a|b\": unclosed ("},
		{"emoticon with space", "[emoticons]\n: )\t1", "x.lex:2: emoticon \": )\" has a space"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := newLexicon().parse(strings.NewReader(tt.text), "x.lex", prioExtra)
			if !errors.Is(err, ErrBadLexicon) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want ErrBadLexicon containing %q", err, tt.want)
			}
		})
	}
}

func TestEmbeddedLexicon(t *testing.T) {
	l := newTestLexicon(t)
	if l.Entries() < 2000 {
		t.Errorf("embedded lexicon has %d entries, want at least 2000", l.Entries())
	}
}

func TestWithLexiconOverrides(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "domain.lex")
	if err := os.WriteFile(p, []byte("# our words\n[valence]\ngood\t-2\n工单\t-1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	l := newTestLexicon(t, WithLexicon(p))
	if s := score(t, l, "good"); s.Score >= 0 {
		t.Errorf("good with an override to -2: %+v", s)
	}
	if s := score(t, l, "又一个工单"); s.Score >= 0 {
		t.Errorf("工单 with an override to -1: %+v", s)
	}
	if _, err := New(WithLexicon(filepath.Join(dir, "missing.lex"))); err == nil {
		t.Error("New with a missing lexicon: no error")
	}
	bad := filepath.Join(dir, "bad.lex")
	os.WriteFile(bad, []byte("[valence]\ngood\n"), 0o644)
	if _, err := New(WithLexicon(bad)); !errors.Is(err, ErrBadLexicon) || !strings.Contains(err.Error(), "bad.lex:2") {
		t.Errorf("New with a bad lexicon: %v", err)
	}
}

func TestWithVADER(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "vader.txt")
	// VADER's layout: token, mean, standard deviation, raw ratings.
	body := "zorgful\t2.5\t0.5\t[2, 3]\n" +
		"good\t-3.0\t0.1\t[-3]\n" + // the embedded entry wins
		":-||\t-1.5\t0.5\t[-1, -2]\n"
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	l := newTestLexicon(t, WithVADER(p))
	if s := score(t, l, "zorgful"); s.Label != "positive" {
		t.Errorf("a word only VADER knows: %+v", s)
	}
	if s := score(t, l, "good"); s.Score <= 0 {
		t.Errorf("VADER overrode the embedded 'good': %+v", s)
	}
	if s := score(t, l, "ok :-||"); s.Score >= 0 {
		t.Errorf("VADER emoticon: %+v", s)
	}
	os.WriteFile(p, []byte("word\tmuch\n"), 0o644)
	if _, err := New(WithVADER(p)); !errors.Is(err, ErrBadLexicon) || !strings.Contains(err.Error(), "vader.txt:1") {
		t.Errorf("bad VADER file: %v", err)
	}
}

func TestThresholds(t *testing.T) {
	for _, th := range [][2]float64{{0, 0.5}, {0.5, 1}, {-0.1, 0.2}} {
		if _, err := New(WithThresholds(th[0], th[1])); err == nil {
			t.Errorf("WithThresholds(%v, %v): no error", th[0], th[1])
		}
	}
	strict := newTestLexicon(t, WithThresholds(0.9, 0.9))
	if s := score(t, strict, "good"); s.Label != "neutral" {
		t.Errorf("good with thresholds 0.9: %+v", s)
	}
}

func TestStem(t *testing.T) {
	l := newTestLexicon(t)
	for w, want := range map[string]string{
		"delays": "delay", "hated": "hate", "refunding": "refund", "worries": "worry",
		"band": "", "zorgs": "", "了了了了": "",
	} {
		got := ""
		if e := l.stem(w); e != nil {
			got = e.pattern
		}
		if got != want {
			t.Errorf("stem(%q) = %q, want %q", w, got, want)
		}
	}
}
