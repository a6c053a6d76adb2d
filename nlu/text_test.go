package nlu

import (
	"strings"
	"testing"
)

func TestTokenize(t *testing.T) {
	tests := []struct {
		in, want string // want: tokens joined by "|"
	}{
		{"Hello, World!", "hello|world"},
		{"I can't find my card", "i|can|not|find|my|card"},
		{"What's up? I'm here; they're gone", "what|is|up|i|am|here|they|are|gone"},
		{"dont didnt Won't", "do|not|did|not|will|not"},
		{"my card's PIN", "my|card|pin"},
		{"send £1,000.50 on 3/4", "send|£|0|on|0|0"},
		{"at 10am on the 2nd", "at|0am|on|the|0nd"},
		{"e.g. yes,please", "e|g|yes|please"},
		{"我要投诉！", "我|要|投|诉"},
		{"转人工 please", "转|人|工|please"},
		{"ＣＡＲＤ　ｌｏｓｔ", "card|lost"},
		{"it’s fine", "it|is|fine"},
		{"bad\xffutf8", "bad|utf0"},
		{"", ""},
		{"!!! ...", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var got []string
			for _, tok := range tokenize(tt.in) {
				got = append(got, tok.text)
			}
			if g := strings.Join(got, "|"); g != tt.want {
				t.Errorf("tokenize(%q) = %s, want %s", tt.in, g, tt.want)
			}
		})
	}
}

func TestNormaliseTruncates(t *testing.T) {
	if n := len([]rune(normalise(strings.Repeat("ab", 10000)))); n != maxRunes {
		t.Errorf("normalised length %d, want %d", n, maxRunes)
	}
}
