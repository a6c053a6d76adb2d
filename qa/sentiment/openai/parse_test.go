package openai

import (
	"errors"
	"math"
	"testing"

	"github.com/switchboard-voice/switchboard/qa"
	"github.com/switchboard-voice/switchboard/qa/sentiment"
)

func TestParseReply(t *testing.T) {
	tests := []struct {
		in   string
		want qa.Sentiment
	}{
		{`{"score":-0.5,"label":"negative"}`, qa.Sentiment{Score: -0.5, Label: qa.Negative}},
		{`Here you go: {"score": 0, "label": "Neutral"} Hope it helps.`, qa.Sentiment{Label: qa.Neutral}},
		{"```json\n{\"score\": 1, \"label\": \"positive\", \"reason\": \"thanks {x}\"}\n```", qa.Sentiment{Score: 1, Label: qa.Positive}},
		{`{"label":"neutral","score":-0.1}`, qa.Sentiment{Score: -0.1, Label: qa.Neutral}},
		{`{"score":-1,"label":"neg"}`, qa.Sentiment{Score: -1, Label: qa.Negative}},
	}
	for _, tt := range tests {
		got, err := ParseReply(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseReply(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "{", `{"score":1e9,"label":"positive"}`, `{"score":null,"label":"positive"}`, `{"score":0.5,"label":"negative"}`} {
		if _, err := ParseReply(bad); !errors.Is(err, sentiment.ErrInvalidReply) {
			t.Errorf("ParseReply(%q): %v, want ErrInvalidReply", bad, err)
		}
	}
}

// FuzzParseReply: a model's reply is untrusted text; any reply gives a
// valid sentiment or ErrInvalidReply, never a panic.
func FuzzParseReply(f *testing.F) {
	for _, s := range []string{
		`{"score":-0.5,"label":"negative"}`, "```json\n{}\n```", `{"score":"\u0000"}`, `{{{{`, `{"a":"}"}`, `"\"{`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseReply(s)
		if err != nil {
			if !errors.Is(err, sentiment.ErrInvalidReply) {
				t.Fatalf("ParseReply(%q): %v does not wrap ErrInvalidReply", s, err)
			}
			return
		}
		if math.IsNaN(got.Score) || got.Score < -1 || got.Score > 1 || got.Label == "" {
			t.Fatalf("ParseReply(%q) = %+v", s, got)
		}
	})
}
