package sentiment

import (
	"context"
	"testing"

	"github.com/switchboard-voice/switchboard/qa"
)

func newTestLexicon(tb testing.TB, opts ...Option) *Lexicon {
	tb.Helper()
	l, err := New(opts...)
	if err != nil {
		tb.Fatal(err)
	}
	return l
}

func score(tb testing.TB, l *Lexicon, text string) qa.Sentiment {
	tb.Helper()
	s, err := l.Score(context.Background(), text, "")
	if err != nil {
		tb.Fatalf("Score(%q): %v", text, err)
	}
	return s
}

// TestLabels checks what each rule decides, one utterance at a time.
func TestLabels(t *testing.T) {
	l := newTestLexicon(t)
	tests := []struct {
		name, text string
		want       qa.Label
	}{
		{"empty", "", qa.Neutral},
		{"only punctuation", "?!...", qa.Neutral},
		{"plain request", "I'd like to check the status of my order.", qa.Neutral},
		{"identification", "My order number is A-4421.", qa.Neutral},
		{"agent procedure with hold", "I'm going to put you on hold for a moment.", qa.Neutral},
		{"agent apology formula", "I'm sorry to hear that, let me see what I can do.", qa.Neutral},
		{"thanks", "Thank you so much, that's really helpful.", qa.Positive},
		{"no problem", "No problem at all.", qa.Positive},

		// negation
		{"negated positive", "I am not happy with this.", qa.Negative},
		{"negated negative", "It's not bad at all.", qa.Positive},
		{"contraction negator", "The app doesn't work.", qa.Negative},
		{"negator without apostrophe", "it doesnt work", qa.Negative},
		{"nobody as negator", "Nobody called me back.", qa.Negative},
		{"never arrived", "The parcel never arrived.", qa.Negative},
		{"no refund", "no refund yet", qa.Negative},
		{"negation stops at a clause break", "No. Great, thanks!", qa.Positive},

		// contrast
		{"but: the end weighs more", "Thanks for trying, but my card is still blocked.", qa.Negative},
		{"but: happy ending", "The delay was annoying but the refund arrived, thank you.", qa.Positive},
		{"however", "The agent was polite, however nothing has been fixed.", qa.Negative},

		// grievances without sentiment words
		{"cancelled, hold, no refund", "flight cancelled, two hours on hold, still no refund", qa.Negative},
		{"repeated contact", "This is the third time I'm calling about this.", qa.Negative},
		{"hold time", "I've been on hold for forty minutes.", qa.Negative},
		{"charged twice", "You charged me twice for the same order.", qa.Negative},
		{"not arrived", "My package hasn't arrived.", qa.Negative},
		{"transferred around", "You transferred me three times already.", qa.Negative},
		{"broken promise", "It was supposed to arrive on Monday.", qa.Negative},
		{"threat to leave", "I'm switching to another provider.", qa.Negative},
		{"still waiting", "Still waiting for my money.", qa.Negative},
		{"weeks passed", "It's been three weeks.", qa.Negative},
		{"cannot log in", "I can't log in to my account.", qa.Negative},
		{"without permission", "You took the money without my permission.", qa.Negative},

		// emphasis, emoticons
		{"emoticon alone", ":(", qa.Negative},
		{"emoji alone", "😊", qa.Positive},
		{"html-escaped emoticon", "&lt;3", qa.Positive},

		// Chinese
		{"zh request", "你好，我想查一下我的订单状态。", qa.Neutral},
		{"zh greeting is not 好", "您好", qa.Neutral},
		{"zh express delivery is not 快", "快递到哪了？", qa.Neutral},
		{"zh thanks", "非常感谢您的帮助。", qa.Positive},
		{"zh not good", "这个不好。", qa.Negative},
		{"zh not bad is good", "不错不错。", qa.Positive},
		{"zh not arrived", "我的快递一直没到。", qa.Negative},
		{"zh waited long", "等了半天也没人接电话。", qa.Negative},
		{"zh called many times", "打了好几次电话了。", qa.Negative},
		{"zh complaint", "我要投诉你们。", qa.Negative},
		{"zh still not solved", "问题还是没解决。", qa.Negative},
		{"zh refund not back", "钱还没退回来。", qa.Negative},
		{"zh contrast negative end", "客服态度挺好，可是问题还是没解决。", qa.Negative},
		{"zh contrast positive end", "虽然晚了两天，但是东西很好，满意。", qa.Positive},
		{"zh repeated", "这是我第三次打电话了。", qa.Negative},
		{"zh nobody cares", "没人管是吧？", qa.Negative},
		{"zh later is not late", "那我晚点再打过来。", qa.Neutral},
		{"zh full-width punctuation", "太好了！！", qa.Positive},

		// mixed script
		{"code switching", "我的order还没到", qa.Negative},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := score(t, l, tt.text)
			if got.Label != tt.want {
				a, _ := l.Analyze(tt.text, "")
				t.Errorf("%q: %s (%+.3f), want %s; hits %+v", tt.text, got.Label, got.Score, tt.want, a.Hits)
			}
		})
	}
}

// TestOrder checks that each rule moves the score the right way: the
// first text of each pair must score strictly lower than the second.
func TestOrder(t *testing.T) {
	l := newTestLexicon(t)
	tests := []struct{ name, lower, higher string }{
		{"booster", "good", "very good"},
		{"booster on negative", "very bad", "bad"},
		{"dampener", "slightly good", "good"},
		{"zh booster", "好", "非常好"},
		{"zh booster on negative", "太慢了", "慢"},
		{"zh dampener", "慢", "有点慢"},
		{"negation", "not good", "good"},
		{"exclamation on positive", "great", "great!!!"},
		{"exclamation on negative", "terrible!!!", "terrible"},
		{"capitals on negative", "this is TERRIBLE service", "this is terrible service"},
		{"capitals on positive", "this is great", "this is GREAT"},
		{"emoticon", "ok :(", "ok :)"},
		{"contrast: the end weighs more", "good but bad", "bad but good"},
		{"zh contrast", "很好，但是太慢了", "太慢了，但是很好"},
		{"concession weighs less", "it was late, it is good", "although it was late, it is good"},
		{"hours on hold worse than minutes mention", "two hours on hold", "on hold"},
		{"still waiting worse than waiting", "still waiting", "waiting"},
		{"questions amplify a complaint", "where is my refund???", "where is my refund"},
		{"more grievances score lower", "cancelled and no refund", "cancelled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lo, hi := score(t, l, tt.lower), score(t, l, tt.higher)
			if !(lo.Score < hi.Score) {
				t.Errorf("score(%q) = %+.3f, want < score(%q) = %+.3f", tt.lower, lo.Score, tt.higher, hi.Score)
			}
		})
	}
}

func TestScoreRangeAndSymmetry(t *testing.T) {
	l := newTestLexicon(t)
	for _, text := range []string{
		"terrible terrible terrible terrible terrible terrible!!!!!!!!",
		"great great great great great great great :) :) :)",
		"不不不不不不好好好好好",
	} {
		s := score(t, l, text)
		if s.Score < -1 || s.Score > 1 {
			t.Errorf("%q: score %v outside [-1, 1]", text, s.Score)
		}
	}
}

func TestLanguage(t *testing.T) {
	tests := []struct {
		tag, text, want string
		err             bool
	}{
		{"", "hello there", "en", false},
		{"", "我的快递一直没到", "zh", false},
		{"", "我的order还没到", "zh", false},
		{"", "12345", "en", false},
		{"en-GB", "", "en", false},
		{"zh_CN", "", "zh", false},
		{"cmn", "", "zh", false},
		{"ZH-hant", "", "zh", false},
		{"fr", "bonjour", "", true},
	}
	for _, tt := range tests {
		got, err := Language(tt.tag, tt.text)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("Language(%q, %q) = %q, %v; want %q (error %v)", tt.tag, tt.text, got, err, tt.want, tt.err)
		}
	}
	l := newTestLexicon(t)
	if _, err := l.Score(context.Background(), "bonjour", "fr"); err == nil {
		t.Error("Score with lang fr: no error")
	}
}

func TestScoreHonoursContext(t *testing.T) {
	l := newTestLexicon(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.Score(ctx, "good", "en"); err == nil {
		t.Error("Score with a cancelled context: no error")
	}
}

func TestAnalyzeExplains(t *testing.T) {
	l := newTestLexicon(t)
	a, err := l.Analyze("I am not happy, but thanks", "")
	if err != nil {
		t.Fatal(err)
	}
	if a.Lang != "en" || len(a.Hits) != 2 {
		t.Fatalf("Analyze: lang %q, hits %+v; want en and 2 hits", a.Lang, a.Hits)
	}
	h := a.Hits[0]
	if h.Text != "happy" || !h.Negated || h.Final >= 0 || h.Valence <= 0 {
		t.Errorf("first hit %+v: want happy, negated, valence > 0 > final", h)
	}
	if a.Hits[1].Final <= a.Hits[1].Valence {
		t.Errorf("hit after 'but' %+v: want its weight raised", a.Hits[1])
	}
	z, _ := l.Analyze("我的快递一直没到", "")
	if z.Lang != "zh" || len(z.Hits) != 1 || z.Hits[0].Text != "一直没到" {
		t.Errorf("zh Analyze: %+v", z)
	}
}

func TestConcurrentUse(t *testing.T) {
	l := newTestLexicon(t)
	want := score(t, l, "third time I call, still no refund")
	done := make(chan qa.Sentiment)
	for range 4 {
		go func() {
			var last qa.Sentiment
			for range 200 {
				last, _ = l.Score(context.Background(), "third time I call, still no refund", "")
				l.Analyze("我的快递一直没到", "")
			}
			done <- last
		}()
	}
	for range 4 {
		if got := <-done; got != want {
			t.Errorf("concurrent Score = %+v, want %+v", got, want)
		}
	}
}
