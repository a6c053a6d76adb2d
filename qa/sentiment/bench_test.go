package sentiment

import (
	"context"
	"strings"
	"testing"
)

func BenchmarkScore(b *testing.B) {
	l, err := New()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for _, bc := range []struct{ name, text string }{
		{"en_short", "Thanks, that's great."},
		{"en_complaint", "This is the third time I'm calling, I've been on hold for two hours and I still haven't got my refund, it's unacceptable!"},
		{"zh_short", "好的，谢谢。"},
		{"zh_complaint", "这已经是我第三次打电话了，等了半天也没人接，退款到现在还没到账，我要投诉。"},
		{"en_200_words", strings.Repeat("the parcel was supposed to arrive on monday but it never came and nobody called me back ", 12)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := l.Score(ctx, bc.text, ""); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		if _, err := New(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkScorePathological(b *testing.B) {
	l, err := New()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for _, bc := range []struct{ name, text string }{
		{"numbers", strings.Repeat("1 2 3 ", 400)},
		{"zh_numerals", strings.Repeat("一二三四五六七八九十", 200)},
		{"negators", strings.Repeat("not ", 500)},
		{"long_word", strings.Repeat("a", 100000)},
		{"breaks", strings.Repeat("!?", 5000)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := l.Score(ctx, bc.text, ""); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
