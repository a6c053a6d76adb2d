package redact

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/qa"
)

const ms = time.Millisecond

// words builds timed words, each 400 ms with 100 ms gaps, from at.
func timedWords(at time.Duration, ws ...string) []qa.Word {
	out := make([]qa.Word, len(ws))
	for i, w := range ws {
		out[i] = qa.Word{Text: w, Start: at + time.Duration(i)*500*ms, End: at + time.Duration(i)*500*ms + 400*ms}
	}
	return out
}

func TestTurnWithWords(t *testing.T) {
	r := newDefault(t)
	// The recogniser's text has the card written; its words spell it out.
	ws := timedWords(10*time.Second, "my", "card", "is", "four", "one", "one", "one", "one", "one", "one", "one",
		"one", "one", "one", "one", "one", "one", "one", "one", "thanks")
	turn := qa.Turn{Seq: 3, Speaker: qa.Caller, Text: "My card is 4111 1111 1111 1111, thanks.", Start: 10 * time.Second, End: 20 * time.Second, Words: ws}
	got := r.Turn(turn)
	if got.Turn.Text != "My card is **** **** **** 1111, thanks." {
		t.Errorf("Text %q", got.Turn.Text)
	}
	if len(got.Spans) != 1 || got.Spans[0].Type != Card || turn.Text[got.Spans[0].Start:got.Spans[0].End] != "4111 1111 1111 1111" {
		t.Fatalf("Spans %v", got.Spans)
	}
	for i, w := range got.Turn.Words {
		masked := i >= 3 && i < 19
		if masked != (w.Text != ws[i].Text) {
			t.Errorf("word %d %q -> %q (masked: %v)", i, ws[i].Text, w.Text, masked)
		}
		if masked && strings.ContainsAny(w.Text, "abcdefghijklmnopqrstuvwxyz0123456789") {
			t.Errorf("word %d masked as %q", i, w.Text)
		}
	}
	if turn.Words[3].Text != "four" {
		t.Error("Turn changed the caller's words")
	}
	// From the first digit word to the last, plus the margin.
	want := []qa.Span{{Start: ws[3].Start - DefaultAudioMargin, End: ws[18].End + DefaultAudioMargin}}
	if !slices.Equal(got.Audio, want) {
		t.Errorf("Audio %v, want %v", got.Audio, want)
	}
}

func TestTurnWordsOnly(t *testing.T) {
	r := newDefault(t)
	// The text lost the number (a summary, a partial); the words still have it.
	ws := timedWords(0, "call", "me", "at", "13800138000", "please")
	got := r.Turn(qa.Turn{Text: "call me please", Start: 0, End: 3 * time.Second, Words: ws})
	if got.Turn.Words[3].Text != "***********" || got.Turn.Words[2].Text != "at" {
		t.Errorf("Words %v", got.Turn.Words)
	}
	if len(got.Audio) != 1 || got.Audio[0].Start != ws[3].Start-DefaultAudioMargin || got.Audio[0].End != ws[3].End+DefaultAudioMargin {
		t.Errorf("Audio %v", got.Audio)
	}
}

func TestTurnWithoutWords(t *testing.T) {
	r := newDefault(t)
	turn := qa.Turn{Text: "my phone is 13800138000 ok", Start: 30 * time.Second, End: 36 * time.Second}
	got := r.Turn(turn)
	if got.Turn.Text != "my phone is *********** ok" || len(got.Audio) != 1 {
		t.Fatalf("got %q %v", got.Turn.Text, got.Audio)
	}
	a := got.Audio[0]
	// The digits are most of what is said: the range must cover their
	// proportional place and stay within the turn and its margins.
	if a.Start < turn.Start-DefaultAudioMargin || a.End > turn.End+DefaultAudioMargin {
		t.Errorf("Audio %v outside the turn %v..%v", a, turn.Start, turn.End)
	}
	total, before, upto := speechWeights(turn.Text, got.Spans[0].Start, got.Spans[0].End)
	d := turn.End - turn.Start
	from := turn.Start + time.Duration(float64(d)*before/total)
	to := turn.Start + time.Duration(float64(d)*upto/total)
	if a.Start > from-DefaultAudioMargin || a.End < to+DefaultAudioMargin-1 {
		t.Errorf("Audio %v does not cover %v..%v with its margin", a, from, to)
	}
	if a.Start >= from-DefaultAudioMargin-100*ms && a.Start != turn.Start-DefaultAudioMargin {
		t.Errorf("Audio %v: no widening for uneven speech", a)
	}
	// No End: nothing can be placed.
	turn.End = turn.Start
	if got := r.Turn(turn); got.Audio != nil || len(got.Spans) != 1 {
		t.Errorf("turn without End: Audio %v, Spans %v", got.Audio, got.Spans)
	}
}

func TestRanges(t *testing.T) {
	ws := timedWords(time.Second, "my", "number", "is", "four", "one", "five", "five", "five", "five", "oh", "one", "three", "four")
	turn := qa.Turn{Text: "my number is 415-555-0134", Start: time.Second, End: 8 * time.Second, Words: ws}
	start := strings.Index(turn.Text, "415")
	spans := []Span{{Type: Phone, Start: start, End: len(turn.Text)}}
	got := Ranges(turn, spans, 100*ms)
	want := []qa.Span{{Start: ws[3].Start - 100*ms, End: ws[12].End + 100*ms}}
	if !slices.Equal(got, want) {
		t.Errorf("Ranges %v, want %v", got, want)
	}
	// Two spans close together merge; the margin never goes below 0.
	turn2 := qa.Turn{Text: "a 1 b 2", Words: timedWords(0, "a", "1", "b", "2")}
	got = Ranges(turn2, []Span{{Start: 2, End: 3}, {Start: 6, End: 7}}, 300*ms)
	if want := []qa.Span{{Start: 200 * ms, End: 2200 * ms}}; !slices.Equal(got, want) {
		t.Errorf("merged %v, want %v", got, want)
	}
	if got := Ranges(turn2, nil, time.Second); got != nil {
		t.Errorf("no spans: %v", got)
	}
}

func TestWordOffsets(t *testing.T) {
	text := "My card is 4111 1111, OK?"
	ws := []qa.Word{{Text: "my"}, {Text: "card"}, {Text: "is"}, {Text: "four"}, {Text: "one"}, {Text: "1111,"}, {Text: "ok"}}
	got := wordOffsets(text, ws)
	want := [][2]int{{0, 2}, {3, 7}, {8, 10}, {11, 13}, {13, 15}, {16, 20}, {22, 24}}
	if !slices.Equal(got, want) {
		t.Errorf("wordOffsets = %v, want %v", got, want)
	}
	// Nothing matches: spread over the whole text.
	got = wordOffsets("abcdef", []qa.Word{{Text: "x"}, {Text: "y"}, {Text: "z"}})
	if want := [][2]int{{0, 2}, {2, 4}, {4, 6}}; !slices.Equal(got, want) {
		t.Errorf("unmatched words = %v, want %v", got, want)
	}
}

func TestCall(t *testing.T) {
	r := newDefault(t)
	c := qa.Call{
		SessionID: "s1",
		Slots:     map[string]string{"account_number": "12345678", "city": "Shanghai", "phone": "555 0134"},
		Turns: []qa.Turn{
			{Seq: 1, Speaker: qa.Bot, Text: "What is your card number?", Start: 0, End: 2 * time.Second},
			{Seq: 2, Speaker: qa.Caller, Text: "4111 1111 1111 1111", Start: 3 * time.Second, End: 9 * time.Second},
			{Seq: 3, Speaker: qa.Agent, Text: "Thanks, and your phone? 13800138000?", Start: 9 * time.Second},
		},
		HandoffReason: "caller gave card 4111111111111111",
	}
	got := r.Call(c)
	if got.Call.Turns[1].Text != "**** **** **** 1111" || got.Call.Turns[0].Text != c.Turns[0].Text {
		t.Errorf("turns %q %q", got.Call.Turns[0].Text, got.Call.Turns[1].Text)
	}
	if c.Turns[1].Text != "4111 1111 1111 1111" {
		t.Error("Call changed its argument")
	}
	if got.Call.Slots["account_number"] != "********" || got.Call.Slots["city"] != "Shanghai" || got.Call.Slots["phone"] != "*** ****" {
		t.Errorf("slots %v", got.Call.Slots)
	}
	if got.Call.HandoffReason != "caller gave card ************1111" {
		t.Errorf("handoff reason %q", got.Call.HandoffReason)
	}
	if len(got.Spans) != 3 || len(got.Spans[1]) != 1 || len(got.Spans[2]) != 1 {
		t.Errorf("spans %v", got.Spans)
	}
	if !slices.Equal(got.Unplaced, []int{3}) {
		t.Errorf("Unplaced %v, want [3] (no End, no words)", got.Unplaced)
	}
	if len(got.Audio) != 1 || got.Audio[0].Channel != Both || got.Audio[0].Start > 3*time.Second || got.Audio[0].End < 9*time.Second-time.Second {
		t.Errorf("Audio %v", got.Audio)
	}
}

func TestMergeRanges(t *testing.T) {
	got := mergeRanges([]Range{
		{Start: 5, End: 8, Channel: Left}, {Start: 1, End: 3}, {Start: 2, End: 4}, {Start: 6, End: 9, Channel: Left}, {Start: 7, End: 10, Channel: Right},
	})
	want := []Range{{Start: 1, End: 4}, {Start: 5, End: 9, Channel: Left}, {Start: 7, End: 10, Channel: Right}}
	if !slices.Equal(got, want) {
		t.Errorf("mergeRanges = %v, want %v", got, want)
	}
	if ChannelOf(qa.Caller) != Left || ChannelOf(qa.Agent) != Right || ChannelOf(qa.Bot) != Right {
		t.Error("ChannelOf")
	}
}
