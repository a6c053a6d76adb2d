package nlu

import (
	"errors"
	"math"
	"strings"
	"sync"
	"testing"
)

var toyEnglish = []Example{
	{"what is my account balance", "balance"},
	{"how much money do I have", "balance"},
	{"check my balance please", "balance"},
	{"show the balance of my savings account", "balance"},
	{"I lost my card", "lost_card"},
	{"my card was stolen", "lost_card"},
	{"I can't find my debit card", "lost_card"},
	{"block my card it's missing", "lost_card"},
	{"send $20 to John", "transfer"},
	{"transfer money to my sister", "transfer"},
	{"I want to move 100 pounds to savings", "transfer"},
	{"pay my friend back", "transfer"},
	{"let me talk to a person", "agent"},
	{"I want a human agent", "agent"},
	{"connect me to customer service", "agent"},
	{"speak to someone please", "agent"},
}

var toyChinese = []Example{
	{"查快递", "track_parcel"},
	{"我的快递到哪了", "track_parcel"},
	{"帮我查一下包裹", "track_parcel"},
	{"快递什么时候到", "track_parcel"},
	{"我要投诉", "complaint"},
	{"我想投诉你们的服务", "complaint"},
	{"投诉", "complaint"},
	{"服务太差了我要投诉", "complaint"},
	{"转人工", "human_agent"},
	{"我要人工客服", "human_agent"},
	{"帮我转人工服务", "human_agent"},
	{"找真人客服", "human_agent"},
}

var toyOOS = []Example{
	{"what's the weather tomorrow", OOS},
	{"tell me a joke", OOS},
	{"who won the football game", OOS},
	{"play some music", OOS},
}

func mustTrain(t testing.TB, ex []Example, opts ...Option) *Classifier {
	t.Helper()
	c, err := Train(ex, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestTrainErrors(t *testing.T) {
	tests := []struct {
		name string
		ex   []Example
		want error
	}{
		{"no examples", nil, ErrNoExamples},
		{"one intent", []Example{{"hi", "greet"}, {"hello", "greet"}}, ErrOneIntent},
		{"only oos and one intent is fine", []Example{{"hi", "greet"}, {"weather", OOS}}, nil},
		{"only oos", []Example{{"hi", OOS}, {"hello", OOS}}, ErrOneIntent},
		{"empty text", []Example{{"hi", "greet"}, {"  ", "bye"}}, ErrEmptyText},
		{"empty intent", []Example{{"hi", "greet"}, {"bye", ""}}, ErrEmptyIntent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Train(tt.ex)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestClassify(t *testing.T) {
	en := mustTrain(t, toyEnglish)
	zh := mustTrain(t, toyChinese)
	withOOS := mustTrain(t, append(append([]Example{}, toyEnglish...), toyOOS...))
	tests := []struct {
		name string
		c    *Classifier
		text string
		want string
	}{
		{"balance", en, "What's my balance?", "balance"},
		{"lost card", en, "My CARD has been stolen!!", "lost_card"},
		{"transfer with number", en, "transfer 50 dollars to my brother", "transfer"},
		{"agent", en, "can I speak to a human", "agent"},
		{"contraction", en, "I cannot find my card", "lost_card"},
		{"full-width", en, "ｂａｌａｎｃｅ", "balance"},
		{"chinese parcel", zh, "帮我查快递", "track_parcel"},
		{"chinese complaint", zh, "我要投诉你们", "complaint"},
		{"chinese agent", zh, "转人工客服", "human_agent"},
		{"chinese punctuation", zh, "转人工！", "human_agent"},
		{"explicit oos", withOOS, "will it rain tomorrow, what's the weather", OOS},
		{"explicit oos set, in scope", withOOS, "check my account balance", "balance"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.c.Classify(tt.text)
			if r.Intent != tt.want {
				t.Fatalf("Classify(%q) = %+v, want %s", tt.text, r, tt.want)
			}
			checkResult(t, tt.c, r)
			if r.OOS != (tt.want == OOS) {
				t.Errorf("OOS = %v", r.OOS)
			}
		})
	}
}

// checkResult checks the invariants of any Result.
func checkResult(t testing.TB, c *Classifier, r Result) {
	t.Helper()
	if len(r.Ranked) != min(topK, len(c.Intents())) {
		t.Fatalf("%d ranked, want %d", len(r.Ranked), min(topK, len(c.Intents())))
	}
	for i, p := range r.Ranked {
		if !(p.Confidence >= 0 && p.Confidence <= 1) {
			t.Errorf("confidence %v out of [0,1]", p.Confidence)
		}
		if p.Intent == OOS {
			t.Errorf("OOS ranked")
		}
		if i > 0 && p.Confidence > r.Ranked[i-1].Confidence {
			t.Errorf("ranked out of order: %+v", r.Ranked)
		}
	}
	if r.Confidence != r.Ranked[0].Confidence {
		t.Errorf("confidence %v, best ranked %v", r.Confidence, r.Ranked[0].Confidence)
	}
	if r.OOS != (r.Intent == OOS) || (!r.OOS && r.Intent != r.Ranked[0].Intent) {
		t.Errorf("inconsistent result %+v", r)
	}
}

func TestThreshold(t *testing.T) {
	tests := []struct {
		name   string
		opts   []Option
		want   float64
		gibber string // OOS expected, "" in scope, "any" either
	}{
		{"default", nil, DefaultThreshold, "any"},
		{"explicit", []Option{WithThreshold(0.6)}, 0.6, OOS},
		{"off", []Option{WithThreshold(-1)}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustTrain(t, toyEnglish, tt.opts...)
			if c.Threshold() != tt.want {
				t.Errorf("Threshold() = %v, want %v", c.Threshold(), tt.want)
			}
			r := c.Classify("zxqv plorbt wubble")
			checkResult(t, c, r)
			if tt.gibber != "any" && r.OOS != (tt.gibber == OOS) {
				t.Errorf("gibberish: %+v", r)
			}
			if r := c.Classify("check my balance"); r.Intent != "balance" {
				t.Errorf("in scope: %+v", r)
			}
			if r := c.Classify("ÅÅÅ ... ~~~"); !r.OOS {
				t.Errorf("text with no known feature: %+v, want OOS", r)
			}
		})
	}
}

func TestIntents(t *testing.T) {
	c := mustTrain(t, append(append([]Example{}, toyEnglish...), toyOOS...))
	got := strings.Join(c.Intents(), ",")
	if want := "agent,balance,lost_card,transfer"; got != want {
		t.Errorf("Intents() = %s, want %s", got, want)
	}
	c.Intents()[0] = "mutated"
	if c.Intents()[0] != "agent" {
		t.Error("Intents() exposes internal state")
	}
}

func TestClassifyOddInput(t *testing.T) {
	c := mustTrain(t, toyEnglish)
	for _, text := range []string{
		"", " ", "?!", "\x00", "\xff\xfe\xfd", "card\xffstolen",
		strings.Repeat("my card was stolen ", 600)[:10000],
		strings.Repeat("界", 10000), "123456", "😀😀😀",
	} {
		r := c.Classify(text)
		checkResult(t, c, r)
	}
	if r := c.Classify(""); !r.OOS {
		t.Errorf("empty text: %+v, want OOS", r)
	}
}

func TestClassifyConcurrent(t *testing.T) {
	c := mustTrain(t, toyEnglish)
	want := c.Classify("I lost my card")
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				text := toyEnglish[(g+i)%len(toyEnglish)].Text
				if r := c.Classify(text); r.Intent != toyEnglish[(g+i)%len(toyEnglish)].Intent {
					t.Errorf("%q: %+v", text, r)
				}
			}
			if r := c.Classify("I lost my card"); r.Confidence != want.Confidence {
				t.Errorf("concurrent result differs: %+v vs %+v", r, want)
			}
		}()
	}
	wg.Wait()
}

func TestDeterministic(t *testing.T) {
	a := mustTrain(t, toyEnglish, WithSeed(5)).Classify("move money to savings")
	b := mustTrain(t, toyEnglish, WithSeed(5)).Classify("move money to savings")
	if a.Intent != b.Intent || a.Confidence != b.Confidence {
		t.Errorf("same seed: %+v vs %+v", a, b)
	}
}

// TestBanking77Subset is the data-driven test that -race runs: a fifth of
// banking77 (about 2,000 examples), 80/20, calibration fold included.
func TestBanking77Subset(t *testing.T) {
	all := readShared(t, "banking77", "train.csv")
	_, subset := SplitHoldout(all, 0.2, 11)
	train, test := SplitHoldout(subset, 0.2, 12)
	rep, err := Evaluate(train, test, WithThreshold(-1))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("banking77 subset (%d train): %v", len(train), rep)
	check(t, "subset accuracy", rep.Accuracy, 0.75)
	c := mustTrain(t, train)
	if temp := c.Temperature(); temp == defaultTemperature || math.IsNaN(temp) {
		t.Errorf("temperature %v was not fitted", temp)
	}
	if e := CalibrationError(c, test); e > 0.12 {
		t.Errorf("ECE %.3f, want <= 0.12", e)
	}
}

// BenchmarkClassify classifies banking77 utterances with a model trained
// on all of banking77/train.csv (or the toy set without the data).
func BenchmarkClassify(b *testing.B) {
	ex := toyEnglish
	if p, err := sharedPath("banking77", "train.csv"); err == nil {
		if all, err := ReadCSV(p); err == nil {
			ex = all
		}
	}
	c := mustTrain(b, ex)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c.Classify(ex[i%len(ex)].Text)
		i += 7
	}
}
