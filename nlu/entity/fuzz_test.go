package entity

import (
	"testing"
	"time"
)

func FuzzExtract(f *testing.F) {
	for _, c := range extractCases {
		f.Add(c.text)
	}
	for _, c := range parseCases {
		f.Add(c.text)
	}
	f.Add("\xff\xfe 三\xe4 hundred $ + ( @ .")
	e, err := New(WithList("card", map[string][]string{"visa": {"维萨"}}), WithPattern("zip", `\d{5}`))
	if err != nil {
		f.Fatal(err)
	}
	now := time.Date(2026, 2, 28, 23, 59, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, text string) {
		es := e.Extract(text, now)
		prev := 0
		for _, x := range es {
			if x.Start < prev || x.End <= x.Start || x.End > len(text) {
				t.Fatalf("bad span %d:%d after %d (len %d)", x.Start, x.End, prev, len(text))
			}
			if text[x.Start:x.End] != x.Text {
				t.Fatalf("Text %q != text[%d:%d]", x.Text, x.Start, x.End)
			}
			if x.Type == "" || x.Value == "" {
				t.Fatalf("empty type or value: %+v", x)
			}
			prev = x.End
		}
		for _, typ := range []string{TypeDigits, TypePhone, TypeID, TypeMoney, TypeTime, TypeYesNo} {
			if x, ok := e.Parse(typ, text, now); ok {
				if x.Start < 0 || x.End > len(text) || x.Start >= x.End || text[x.Start:x.End] != x.Text {
					t.Fatalf("Parse(%s) bad span %+v", typ, x)
				}
			}
		}
	})
}
