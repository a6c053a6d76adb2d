package scorecard

import (
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	for _, tc := range []struct {
		in, norm, toks string // toks joined by |
	}{
		{"Hello, World!", "hello world", "hello|world"},
		{"I’m SORRY… it's fine", "i'm sorry it's fine", "i'm|sorry|it's|fine"},
		{"'quoted' words", "quoted words", "quoted|words"},
		{"Ｈｅｌｌｏ　ＷＯＲＬＤ１２３", "hello world123", "hello|world123"},
		{"您好，欢迎致电速达物流。", "您好欢迎致电速达物流", "您|好|欢|迎|致|电|速|达|物|流"},
		{"我 叫 小 王", "我叫小王", "我|叫|小|王"},
		{"工号８０２１，很高兴", "工号8021 很高兴", "工|号|8021|很|高|兴"},
		{"24小时内回复", "24小时内回复", "24|小|时|内|回|复"},
		{"£3.50 or 1,000 at 10:30.", "3.50 or 1,000 at 10:30", "3.50|or|1,000|at|10:30"},
		{"end. 3", "end 3", "end|3"},
		{"C-4471", "c 4471", "c|4471"},
		{"\xff\xfebad", "bad", "bad"},
		{"   ", "", ""},
		{"café naïve", "café naïve", "café|naïve"},
	} {
		n := normalize(tc.in, true, false)
		var toks []string
		for i := range n.toks {
			toks = append(toks, n.tok(i))
		}
		if n.s != tc.norm || strings.Join(toks, "|") != tc.toks {
			t.Errorf("normalize(%q) = %q %q, want %q %q", tc.in, n.s, strings.Join(toks, "|"), tc.norm, tc.toks)
		}
		if len(n.orig) != len(n.s) {
			t.Errorf("normalize(%q): %d offsets for %d bytes", tc.in, len(n.orig), len(n.s))
		}
		// Every token maps back to the same words in the original.
		for i := range n.toks {
			a, b := n.origRange(tc.in, int(n.toks[i].a), int(n.toks[i].b))
			if got := normalize(tc.in[a:b], false, false).s; got != n.tok(i) {
				t.Errorf("normalize(%q): token %q maps back to %q", tc.in, n.tok(i), tc.in[a:b])
			}
		}
	}
	if got := normalize("Apologi* sorry*", false, true); got.s != "apologi* sorry*" || len(got.toks) != 2 {
		t.Errorf("phrase with stars: %q", got.s)
	}
	if got := Normalize("ＯＫ，好的！"); got != "ok 好的" {
		t.Errorf("Normalize = %q", got)
	}
}

func TestNormalizeBounded(t *testing.T) {
	n := normalize(strings.Repeat("ab ", maxTextRunes), false, false)
	if len(n.toks) > maxTextRunes/3+1 {
		t.Errorf("%d tokens from a text cut at %d runes", len(n.toks), maxTextRunes)
	}
}

func TestStripLabel(t *testing.T) {
	for in, want := range map[string]string{
		"[12] agent 0:34: I'm sorry":  "I'm sorry",
		"Agent (1:02): I'm sorry":     "I'm sorry",
		"caller: hello":               "hello",
		"[3] 我是客服小李":                  "我是客服小李",
		"agent：您好":                    "您好",
		"agents are people":           "agents are people",
		"botanical garden: the place": "botanical garden: the place",
	} {
		if got := stripLabel(in); got != want {
			t.Errorf("stripLabel(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIndexTokens(t *testing.T) {
	for _, tc := range []struct {
		s, p string
		want int
	}{
		{"this is it", "is", 5},
		{"this is it", "hi", -1},
		{"我要投诉你们", "投诉", 6},
		{"name is tom", "name is t", -1},
		{"a b", "a b", 0},
	} {
		if got := indexTokens(tc.s, tc.p); got != tc.want {
			t.Errorf("indexTokens(%q, %q) = %d, want %d", tc.s, tc.p, got, tc.want)
		}
	}
}
