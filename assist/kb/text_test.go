package kb

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestStem(t *testing.T) {
	groups := [][]string{
		{"declined", "declines", "declining", "decline"},
		{"charge", "charges", "charged", "charging"},
		{"card", "cards"},
		{"tap", "tapping", "tapped", "taps"},
		{"stop", "stopped", "stopping"},
		{"deliveries", "delivery"},
		{"block", "blocked", "blocking", "blocks"},
		{"dispute", "disputes", "disputing", "disputed"},
	}
	for _, g := range groups {
		for _, w := range g[1:] {
			if stem(w) != stem(g[0]) {
				t.Errorf("stem(%q) = %q, stem(%q) = %q: want equal", w, stem(w), g[0], stem(g[0]))
			}
		}
	}
	for _, w := range []string{"pin", "fee", "atm", "status", "access", "this", "500", "17:00"} {
		if stem(w) != w && !(w == "access" && stem(w) == "access") {
			t.Errorf("stem(%q) = %q, want it unchanged", w, stem(w))
		}
	}
}

func TestWords(t *testing.T) {
	an := newAnalyzer()
	cases := []struct {
		in   string
		want string // content words, space separated; CJK runs marked []
	}{
		{"Um yeah, my card's been DECLINED!", "cards declined"},
		{"i want to withdraw six hundred dollars", "withdraw 600 usd"},
		{"my card got declined at the a t m", "card declined atm"},
		{"I'd like my ID checked", "id checked"},
		{"fees are 0.5% or 1,000 dollars", "fees 0.5 percent 1000 usd"},
		{"transfers sent after five pm", "transfers sent 17:00"},
		{"签收后四十八小时内提出", "[签收后] 48 [小时内提出]"},
		{"ＡＴＭ withdrawals", "atm withdrawals"},
		{"bad \xff utf8", "bad utf8"},
		{"", ""},
	}
	for _, c := range cases {
		var got []string
		for _, w := range an.words(c.in) {
			switch {
			case w.cjk:
				got = append(got, "["+w.text+"]")
			case !w.stop && !w.class:
				got = append(got, w.text)
			}
		}
		if g := strings.Join(got, " "); g != c.want {
			t.Errorf("words(%q) = %q, want %q", c.in, g, c.want)
		}
	}
}

func TestQueryTerms(t *testing.T) {
	an := newAnalyzer()
	got := queryTerms(an.words("contact less payments not working"))
	for _, want := range []string{"contact", "less", "payment", "work", "contactless"} {
		if !slices.Contains(got, want) {
			t.Errorf("terms %q lack %q", got, want)
		}
	}
	got = queryTerms(an.words("我的运费"))
	for _, want := range []string{"运", "费", "运费", "的运"} {
		if !slices.Contains(got, want) {
			t.Errorf("terms %q lack %q", got, want)
		}
	}
	if slices.Contains(got, "我") || slices.Contains(got, "的") {
		t.Errorf("terms %q keep a stop character", got)
	}
	if got := queryTerms(an.words("um yeah okay so")); len(got) != 0 {
		t.Errorf("fillers gave terms %q", got)
	}
}

func norm(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s)
}

func TestHashEmbedderProperties(t *testing.T) {
	base, err := NewHashEmbedder(WithDimensions(512))
	if err != nil {
		t.Fatal(err)
	}
	corpus := []string{
		"Card delivery times. Standard card delivery takes 5 to 7 working days.",
		"PIN changes and blocked PINs. A PIN blocked after three wrong attempts can be unblocked in the app.",
		"Exchange rates. We use the interbank exchange rate.",
		"配送时效。同城一般当天或次日送达，省内一到两天。",
		"运费标准。同省首重一公斤十二元。",
	}
	fitted := base.Fit(corpus)
	ctx := context.Background()
	for name, e := range map[string]Embedder{"unfitted": base, "fitted": fitted} {
		t.Run(name, func(t *testing.T) {
			if e.Dimensions() != 512 {
				t.Fatalf("Dimensions %d", e.Dimensions())
			}
			texts := []string{"my pin is blocked", "my pin is blocked", "when will my card arrive", "um yeah okay", "", "运费多少钱", "包裹几天到"}
			vs, err := e.Embed(ctx, texts)
			if err != nil {
				t.Fatal(err)
			}
			// Deterministic, also across calls.
			again, _ := e.Embed(ctx, texts[:1])
			if !slices.Equal(vs[0], vs[1]) || !slices.Equal(vs[0], again[0]) {
				t.Fatal("same text, different vectors")
			}
			// Normalised, or zero when there is nothing to say.
			for i, v := range vs {
				n := norm(v)
				zero := texts[i] == "" || texts[i] == "um yeah okay"
				if zero && n != 0 || !zero && math.Abs(n-1) > 1e-5 {
					t.Errorf("%q: norm %v", texts[i], n)
				}
			}
			// Similar texts are closer than unrelated ones, in English
			// and in Chinese, misspelt or not.
			closer := []struct{ a, near, far string }{
				{"my pin is blocked", "PIN blocked after three wrong attempts", "standard card delivery takes 5 days"},
				{"when will my card arrive", "card delivery times", "interbank exchange rate"},
				{"recieved no card yet delivry", "card delivery times", "unblock the pin"},
				{"运费多少钱", "运费标准，首重十二元", "同城当天送达"},
				{"包裹几天到", "配送时效，几天送达", "运费标准"},
				{"contact less payments", "contactless payments not working", "exchange rates"},
			}
			for _, c := range closer {
				v, _ := e.Embed(ctx, []string{c.a, c.near, c.far})
				if near, far := Cosine(v[0], v[1]), Cosine(v[0], v[2]); near <= far {
					t.Errorf("%q: cos to %q %.3f, to %q %.3f", c.a, c.near, near, c.far, far)
				}
			}
		})
	}
	// Fitting weighs rare words up: "pin" (in one text) against "card"
	// (in three).
	f2 := base.Fit([]string{"pin reset", "card one", "card two", "card three"})
	v, _ := f2.Embed(ctx, []string{"pin card", "pin", "card"})
	if Cosine(v[0], v[1]) <= Cosine(v[0], v[2]) {
		t.Errorf("fitted: rare word weighs no more than a common one")
	}
	if _, err := NewHashEmbedder(WithDimensions(8)); err == nil {
		t.Error("8 dimensions accepted")
	}
}

func TestHashEmbedderCancelled(t *testing.T) {
	e, _ := NewHashEmbedder()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.Embed(ctx, []string{"a"}); err == nil {
		t.Fatal("no error with a cancelled context")
	}
}

func TestSpokenClasses(t *testing.T) {
	an := newAnalyzer()
	classes := func(s string) []string {
		var out []string
		for _, w := range an.words(s) {
			if w.class {
				out = append(out, w.text)
			}
		}
		return out
	}
	cases := []struct {
		in   string
		want []string
	}{
		{"couldn't get money out of the hole in the wall", []string{"~withdraw", "~atm"}},
		{"ATM withdrawals above the allowance", []string{"~atm", "~withdraw"}},
		{"my purse got nicked", []string{"~stolen"}},
		{"it didn't go through", []string{"~declined"}},
		{"I want my money back", []string{"~refund"}},
		{"寄到广州多少钱", []string{"~运费"}},
		{"包裹几天能到，运费多少", []string{"~时效", "~运费"}},
		{"my pin is blocked", []string{"~block"}},
		{"hello there", nil},
	}
	for _, c := range cases {
		if got := classes(c.in); !slices.Equal(got, c.want) {
			t.Errorf("%q: classes %q, want %q", c.in, got, c.want)
		}
	}
	// A class is a term of its own, not glued to its neighbours.
	terms := queryTerms(an.words("hole in the wall"))
	if !slices.Contains(terms, "~atm") || slices.Contains(terms, "wall~atm") {
		t.Errorf("terms %q", terms)
	}
}
