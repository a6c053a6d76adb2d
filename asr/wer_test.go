package asr_test

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/switchboard-voice/switchboard/asr"
)

func TestNormalizeWords(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"Please enter your password, followed by the pound key.", "please enter your password followed by the pound key"},
		{"I'd like to pay $50", "i'd like to pay 50 dollars"},
		{"fifty dollars", "50 dollars"},
		{"twenty one", "21"},
		{"21", "21"},
		{"four eight two one", "4821"},
		{"4821", "4821"},
		{"four thousand eight hundred twenty one", "4821"},
		{"one hundred and five", "105"},
		{"a hundred pounds", "100 pounds"},
		{"the 3rd of May", "the 3rd of may"},
		{"the third of may", "the 3rd of may"},
		{"May twenty first", "may 21st"},
		{"1,250.50", "1250 point 50"},
		{"call 07700 900123", "call 07700 900123"},
		{"zero seven seven oh oh", "07700"},
		{"twenty one twenty two", "21 22"},
		{"nineteen hundred", "1900"},
		{"two thousand twenty four", "2024"},
		{"10%", "10 percent"},
		{"top-up", "top up"},
		{"It’s OK", "it's ok"},
		{"转人工，谢谢", "转 人 工 谢 谢"},
		{"", ""},
	}
	for _, tt := range tests {
		got := strings.Join(asr.NormalizeWords(tt.in), " ")
		if got != tt.want {
			t.Errorf("NormalizeWords(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSpokenWords(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Top up $1,000 on the 2nd", "top up one thousand dollars on the second"},
		{"5 to 7 working days", "five to seven working days"},
		{"card ending 4821", "card ending four thousand eight hundred twenty one"},
		{"call 0800 123", "call zero eight zero zero one hundred twenty three"},
		{"A320", "a three hundred twenty"},
	}
	for _, tt := range tests {
		if got := strings.Join(asr.SpokenWords(tt.in), " "); got != tt.want {
			t.Errorf("SpokenWords(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCompare(t *testing.T) {
	tests := []struct {
		name, ref, hyp string
		want           asr.Score
		rate           float64
	}{
		{"exact", "hello world", "hello world", asr.Score{Ref: 2}, 0},
		{"case and punctuation", "Hello, World!", "hello world", asr.Score{Ref: 2}, 0},
		{"digits vs words", "press 4", "press four", asr.Score{Ref: 2}, 0},
		{"substitution", "the cat sat", "the hat sat", asr.Score{Ref: 3, Sub: 1}, 1.0 / 3},
		{"deletion", "the cat sat", "the sat", asr.Score{Ref: 3, Del: 1}, 1.0 / 3},
		{"insertion", "the cat", "the fat cat", asr.Score{Ref: 2, Ins: 1}, 0.5},
		{"empty hyp", "one two three words", "", asr.Score{Ref: 2, Del: 2}, 1}, // "123 words"
		{"empty both", "", "", asr.Score{}, 0},
		{"empty ref", "", "noise", asr.Score{Ins: 1}, 1},
		{"chinese by character", "我要转人工", "我要转人", asr.Score{Ref: 5, Del: 1, Chars: true}, 0.2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := asr.Compare(tt.ref, tt.hyp)
			if got != tt.want {
				t.Fatalf("Compare = %+v, want %+v", got, tt.want)
			}
			if r := got.Rate(); math.Abs(r-tt.rate) > 1e-9 {
				t.Fatalf("Rate = %v, want %v", r, tt.rate)
			}
		})
	}
}

func TestAlignCountsAddUp(t *testing.T) {
	ref := strings.Fields("a b c d e f g")
	hyp := strings.Fields("a x c e f f g h")
	s := asr.Align(ref, hyp)
	if s.Ref != 7 || s.Errors() != 4 {
		t.Fatalf("Align = %+v", s)
	}
	var total asr.Score
	total.Add(s)
	total.Add(asr.Align(ref, ref))
	if total.Ref != 14 || total.Errors() != 4 || !slices.Equal(ref, strings.Fields("a b c d e f g")) {
		t.Fatalf("Add = %+v", total)
	}
}

func FuzzNormalizeWords(f *testing.F) {
	for _, s := range []string{"twenty one", "$1,000.50", "3rd", "oh oh seven", "转人工", "a hundred and"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		w := asr.NormalizeWords(s)
		if asr.Compare(s, s).Errors() != 0 {
			t.Fatalf("%q differs from itself: %v", s, w)
		}
	})
}
