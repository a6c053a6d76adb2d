package alert

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNormalise(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"  Hello,   WORLD!! ", "hello world"},
		{"Don't / can’t", "dont cant"},
		{"ＳＰＥＡＫ　ｔｏ　ｙｏｕｒ　ｓｕｐｅｒｖｉｓｏｒ！", "speak to your supervisor"},
		{"我 要 投诉，打１２３１５。", "我要投诉打12315"},
		{"call 12315 now", "call 12315 now"},
		{"打 12315 投诉", "打12315投诉"},
		{"ÉCOLE Straße", "école straße"},
		{"bad\xffbyte", "bad byte"},
		{"e-mail: a.b@c.com", "e mail a b c com"},
		{"投訴", "投訴"},
	}
	for _, tc := range tests {
		if got := string(normalise(nil, tc.in)); got != tc.want {
			t.Errorf("normalise(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := normalise(nil, strings.Repeat("ab ", 5000)); utf8.RuneCount(got) > maxRunes {
		t.Errorf("normalise kept %d runes, want at most %d", utf8.RuneCount(got), maxRunes)
	}
}

func TestPhraseMatch(t *testing.T) {
	groups := synonymGroups(map[string][]string{"supervisor": {"manager", "team leader"}, "领导": {"经理"}})
	tests := []struct {
		phrase string
		text   string
		want   bool
	}{
		{"sue", "I will SUE you", true},
		{"sue", "I will pursue this", false},
		{"sue", "suede shoes", false},
		{"sue", "sue", true},
		{"sue", "Sue!", true},
		{"lawyer*", "my lawyers", true},
		{"lawyer*", "a lawyer", true},
		{"lawyer*", "unlawyerly", false},
		{"cancel my account", "please cancel   my ACCOUNT.", true},
		{"cancel my account", "cancel my accounts", false},
		{"cancel my account", "cancel my old account", false},
		{"speak to your supervisor", "can I speak to your team leader", true},
		{"speak to your supervisor", "can I speak to your manager", true},
		{"speak to your supervisor", "can I speak to your managers", false},
		{"don't want to live", "I dont want to live", true},
		{"i'll kill", "I'll kill", true},
		{"投诉", "我要投诉你们", true},
		{"投诉", "我 要 投 诉", true},
		{"找你们领导", "我要找你们经理", true},
		{"12315", "我要打12315", true},
		{"12315", "打１２３１５投诉", true},
		{"12315", "卡号6212315888", false},
		{"12315", "call 12315", true},
		{"fca", "the FCA.", true},
		{"fca", "fcat", false},
		{"e-mail", "send an email", false},
		{"e-mail", "send an e mail", true},
	}
	for _, tc := range tests {
		ps, err := compilePhrases("k", []string{tc.phrase}, groups)
		if err != nil {
			t.Fatalf("%q: %v", tc.phrase, err)
		}
		norm := normalise(nil, tc.text)
		got := slices.ContainsFunc(ps, func(p phrase) bool { return p.index(norm) >= 0 })
		if got != tc.want {
			t.Errorf("%q in %q = %v, want %v", tc.phrase, tc.text, got, tc.want)
		}
	}
}

func TestExpand(t *testing.T) {
	groups := synonymGroups(map[string][]string{"speak to": {"talk to"}, "supervisor": {"manager", "Manager"}})
	got, err := expand("speak to your supervisor", groups)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"speak to your manager", "speak to your supervisor", "talk to your manager", "talk to your supervisor"}
	if !slices.Equal(got, want) {
		t.Errorf("expand = %q, want %q", got, want)
	}
	if got := replaceWord("sue pursue sue", "sue", "x"); got != "x pursue x" {
		t.Errorf("replaceWord = %q", got)
	}
}

func TestRegexBounds(t *testing.T) {
	tests := []struct {
		re   string
		ok   bool
		text string // matched when ok
	}{
		{`\brefund(s|ed)?\b`, true, "i want a refund"},
		{`GUARANTEED`, true, "guaranteed"},
		{`\d{16}`, true, "4111111111111111"},
		{`a{101}`, false, ""},
		{`(a{50}){50}`, false, ""},
		{`((a|b|c|d){1,30}x){1,30}`, false, ""},
		{strings.Repeat("a", 257), false, ""},
		{`a*`, false, ""},
		{`(`, false, ""},
		{``, false, ""},
	}
	for _, tc := range tests {
		re, err := compileRegex("k", tc.re)
		if (err == nil) != tc.ok {
			t.Errorf("%q: err = %v, want ok = %v", tc.re, err, tc.ok)
			continue
		}
		if err == nil && !re.MatchString(tc.text) {
			t.Errorf("%q does not match %q", tc.re, tc.text)
		}
	}
}

// FuzzPhraseMatch: any UTF-8 phrase the configuration accepts matches
// itself and itself between other words, normalising is idempotent, and
// nothing panics on any text.
func FuzzPhraseMatch(f *testing.F) {
	for _, s := range [][2]string{
		{"sue", "I'll sue you"}, {"投诉", "我 要 投诉"}, {"lawyer*", "lawyers"}, {"12315", "打１２３１５"},
		{"a律", "xa律y"}, {"\u0301x", "\xff\xfe"}, {"ｆｃａ", "Ǆ"}, {"İ", "i̇"},
	} {
		f.Add(s[0], s[1])
	}
	groups := synonymGroups(DefaultSynonyms())
	f.Fuzz(func(t *testing.T, p, text string) {
		norm := normalise(nil, text)
		if again := normalise(nil, string(norm)); string(again) != string(norm) {
			t.Fatalf("normalise not idempotent: %q → %q → %q", text, norm, again)
		}
		if !utf8.Valid(norm) {
			t.Fatalf("normalise(%q) is not UTF-8", text)
		}
		ps, err := compilePhrases("k", []string{p}, groups)
		if err != nil {
			return
		}
		for i := range ps {
			ps[i].index(norm)
		}
		plain := strings.TrimRight(strings.TrimSpace(p), "*")
		for _, in := range []string{plain, "x " + plain + " y", "，" + plain + "。"} {
			n := normalise(nil, in)
			if !slices.ContainsFunc(ps, func(q phrase) bool { return q.index(n) >= 0 }) {
				t.Fatalf("phrase %q does not match %q (normalised %q; spellings %q)", p, in, n, ps[0].text)
			}
		}
	})
}
