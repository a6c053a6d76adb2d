package tts

import "testing"

func TestNormalize(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Your card ending in 4821 is blocked.", "Your card ending in 4 8 2 1 is blocked."},
		{"**Order** #120394 ships in 2025.", "Order 1 2 0 3 9 4 ships in 2025."},
		{"It costs $1500, or 1,500 euros, or 250.", "It costs $1500, or 1,500 euros, or 250."},
		{"Code 0199 and year 1999", "Code 0 1 9 9 and year 1999"},
		{"See [our FAQ](https://example.com/faq) for more.", "See our FAQ for more."},
		{"- first\n- second\n> quote `code`", "first second quote code"},
		{"a\x00b\tc\r\nd", "a b c d"},
		{"您的取件码是 583920。", "您的取件码是 5 8 3 9 2 0。"},
		{"AB12345", "AB1 2 3 4 5"},
		{"pi is 3.14159", "pi is 3.1 4 1 5 9"},
		{"  ***  ", ""},
		{"Your code is **4821**. Thanks _a lot_ !", "Your code is 4 8 2 1. Thanks a lot!"},
		{"x . . y", "x.. y"},
		{"[not a link] (x)", "not a link (x)"},
		{"bad \xff utf8", "bad utf8"},
	} {
		if got := Normalize(tc.in); got != tc.want {
			t.Errorf("Normalize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"card 4821", "[a](b)", "- x\n+ y", "¥12345", "\x00\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Normalize(s)
		if Normalize(out) != out {
			t.Errorf("not idempotent: %q → %q → %q", s, out, Normalize(out))
		}
	})
}
