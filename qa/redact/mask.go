package redact

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maskRune replaces a masked character.
const maskRune = '*'

// keptDigits is how many trailing digits KeepLast4 shows of an n-digit
// value of type t: four, when at least as many are masked, and for a card
// only a whole card number (the last four of a partial one may be digits
// from its middle, which PCI DSS does not allow to show).
func keptDigits(st Style, t Type, n int) int {
	if st != KeepLast4 || n < 8 || (t == Card && n < 13) {
		return 0
	}
	return 4
}

// render writes the masked text and the spans.
func (s *scan) render() Result {
	var b strings.Builder
	b.Grow(len(s.text) + 16)
	spans := make([]Span, 0, len(s.found))
	pos := 0
	for i := range s.found {
		f := &s.found[i]
		if f.start < pos {
			continue // never happens: spans are claimed without overlaps
		}
		b.WriteString(s.text[pos:f.start])
		s.mask(&b, f)
		pos = f.end
		spans = append(spans, Span{Type: f.typ, Start: f.start, End: f.end})
	}
	b.WriteString(s.text[pos:])
	return Result{Text: b.String(), Spans: spans}
}

// mask writes the masked form of span f.
func (s *scan) mask(b *strings.Builder, f *found) {
	st := s.r.styleOf(f.typ)
	if f.typ == CVV && st == KeepLast4 {
		st = Full
	}
	if st == Label {
		b.WriteByte('[')
		b.WriteString(strings.ToUpper(string(f.typ)))
		b.WriteByte(']')
		return
	}
	switch {
	case f.i0 >= 0:
		s.maskDigits(b, f, st)
	case f.c1 > f.c0:
		maskText(b, string(s.canon[f.c0:f.c1]), 0)
	default:
		keep := 0
		if st == KeepLast4 && f.typ != Email {
			keep = 4
		}
		maskText(b, s.text[f.start:f.end], keep)
	}
}

// maskDigits masks a span of digit items. Written digits are masked in
// place, keeping separators and anything between the groups; a span with
// spoken digits is replaced by its digits, masked ("**** **** **** 4821").
func (s *scan) maskDigits(b *strings.Builder, f *found, st Style) {
	d := s.win(f.i0, f.i1)
	n := len(d)
	keep := keptDigits(st, f.typ, n)
	if s.spoken(f.i0, f.i1) {
		for k := range n {
			if k > 0 && f.typ == Card && (n-k)%4 == 0 {
				b.WriteByte(' ')
			}
			if k >= n-keep {
				b.WriteByte(d[k])
			} else {
				b.WriteByte(maskRune)
			}
		}
		return
	}
	pos, di := f.start, 0
	for i := f.i0; i <= f.i1; i++ {
		it := &s.items[i]
		for t := it.t0; t < it.t1; t++ {
			tk := &s.toks[t]
			b.WriteString(s.text[pos:tk.start])
			for p := tk.start; p < tk.end; {
				_, size := utf8.DecodeRuneInString(s.text[p:])
				if di >= n-keep {
					b.WriteString(s.text[p : p+size])
				} else {
					b.WriteByte(maskRune)
				}
				p += size
				di++
			}
			pos = tk.end
		}
	}
	b.WriteString(s.text[pos:f.end])
}

// maskText masks every letter and digit of t but the last keep; other
// bytes are copied as they are.
func maskText(b *strings.Builder, t string, keep int) {
	alnum := func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
	total := 0
	if keep > 0 {
		for _, r := range t {
			if alnum(r) {
				total++
			}
		}
	}
	k := 0
	for p := 0; p < len(t); {
		r, size := utf8.DecodeRuneInString(t[p:])
		if alnum(r) {
			if keep > 0 && k >= total-keep {
				b.WriteString(t[p : p+size])
			} else {
				b.WriteByte(maskRune)
			}
			k++
		} else {
			b.WriteString(t[p : p+size])
		}
		p += size
	}
}
