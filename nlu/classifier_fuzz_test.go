package nlu

import (
	"sync"
	"testing"
)

var fuzzModel = sync.OnceValue(func() *Classifier {
	c, err := Train(append(append(append([]Example{}, toyEnglish...), toyChinese...), toyOOS...))
	if err != nil {
		panic(err)
	}
	return c
})

func FuzzClassify(f *testing.F) {
	for _, s := range []string{"", "I lost my card", "转人工", "\xff", "can't won't 1,000.5 $", "ｈｅｌｌｏ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		c := fuzzModel()
		r := c.Classify(text)
		checkResult(t, c, r)
		if !(r.Confidence >= 0 && r.Confidence <= 1) {
			t.Fatalf("confidence %v", r.Confidence)
		}
	})
}
