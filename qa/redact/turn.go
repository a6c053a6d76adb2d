package redact

import (
	"cmp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/switchboard-voice/switchboard/qa"
)

// TurnResult is a redacted turn.
type TurnResult struct {
	// Turn is a copy of the turn with its Text and Words masked.
	Turn qa.Turn
	// Spans are the spans masked in the original Text.
	Spans []Span
	// Audio are the stretches of the call's recording that said them
	// (offsets from the start of the call), merged and in order.
	Audio []qa.Span
}

// Turn redacts a turn: its Text, and its Words, each word that overlaps a
// span masked whole ("[CARD]" under Label). The words are also redacted
// as a text of their own, so a number that only the word list spells out
// is masked too. Audio places the spans in the recording (see Ranges).
func (r *Redactor) Turn(t qa.Turn) TurnResult {
	res := r.Redact(t.Text)
	out := TurnResult{Turn: t, Spans: res.Spans}
	out.Turn.Text = res.Text
	if len(t.Words) == 0 {
		out.Audio = r.ranges(t, res.Spans, nil)
		return out
	}
	offs := wordOffsets(t.Text, t.Words)
	masked := make([]Type, len(t.Words))
	for _, sp := range res.Spans {
		for k, o := range offs {
			if o[0] < sp.End && sp.Start < o[1] {
				masked[k] = sp.Type
			}
		}
	}
	// The words as a text of their own.
	var b strings.Builder
	wo := make([][2]int, len(t.Words))
	for k, w := range t.Words {
		if k > 0 {
			b.WriteByte(' ')
		}
		wo[k][0] = b.Len()
		b.WriteString(w.Text)
		wo[k][1] = b.Len()
	}
	var extra []qa.Span
	for _, sp := range r.Redact(b.String()).Spans {
		first, last := -1, -1
		for k, o := range wo {
			if o[0] < sp.End && sp.Start < o[1] {
				if masked[k] == "" {
					masked[k] = sp.Type
				}
				if first < 0 {
					first = k
				}
				last = k
			}
		}
		if first >= 0 {
			extra = append(extra, qa.Span{Start: t.Words[first].Start, End: t.Words[last].End})
		}
	}
	if slices.ContainsFunc(masked, func(x Type) bool { return x != "" }) {
		out.Turn.Words = slices.Clone(t.Words)
		for k, typ := range masked {
			if typ != "" {
				out.Turn.Words[k].Text = r.maskWord(t.Words[k].Text, typ)
			}
		}
	}
	audio := r.ranges(t, res.Spans, offs)
	for _, e := range extra {
		audio = append(audio, widen(e, r.margin, 0, -1))
	}
	out.Audio = mergeSpans(audio)
	return out
}

// maskWord masks a word inside a span of type typ.
func (r *Redactor) maskWord(w string, typ Type) string {
	if r.styleOf(typ) == Label {
		return "[" + strings.ToUpper(string(typ)) + "]"
	}
	var b strings.Builder
	maskText(&b, w, 0)
	return b.String()
}

// Turns redacts every turn (see Turn).
func (r *Redactor) Turns(ts []qa.Turn) []TurnResult {
	out := make([]TurnResult, len(ts))
	for i, t := range ts {
		out[i] = r.Turn(t)
	}
	return out
}

// Ranges places the spans of a turn's Text in the call's recording, with
// margin on each side; the result is merged and in order.
//
// With word timings the stretch of a span runs from the first word that
// overlaps it to the last. Words are placed in the Text by matching their
// spelling; a word the Text spells differently ("four" for "4") is placed
// between its neighbours in proportion. Without words, the span is placed
// in proportion within the turn's Start..End, weighing each character by
// how long it takes to say (a digit as a short word, a Han character as a
// syllable), and widened by a tenth of the turn (at most a second) more,
// since speech is not even; those ranges stay within the turn's
// Start-margin..End+margin. A turn without an End (End <= Start) and no
// words cannot be placed: Ranges returns nil for it.
func Ranges(t qa.Turn, spans []Span, margin time.Duration) []qa.Span {
	var offs [][2]int
	if len(t.Words) > 0 {
		offs = wordOffsets(t.Text, t.Words)
	}
	return mergeSpans(rangesOf(t, spans, offs, margin))
}

func (r *Redactor) ranges(t qa.Turn, spans []Span, offs [][2]int) []qa.Span {
	return mergeSpans(rangesOf(t, spans, offs, r.margin))
}

func rangesOf(t qa.Turn, spans []Span, offs [][2]int, margin time.Duration) []qa.Span {
	if len(spans) == 0 {
		return nil
	}
	var out []qa.Span
	for _, sp := range spans {
		if len(offs) > 0 {
			first, last := -1, -1
			for k, o := range offs {
				if o[0] < sp.End && sp.Start < o[1] {
					if first < 0 {
						first = k
					}
					last = k
				}
			}
			if first < 0 {
				// Between two words: from the end of the one before to the
				// start of the one after.
				for k, o := range offs {
					if o[1] <= sp.Start {
						first = k
					}
					if o[0] >= sp.End && last < 0 {
						last = k
					}
				}
				if first < 0 {
					first = 0
				}
				if last < 0 {
					last = len(offs) - 1
				}
				if last < first {
					first, last = last, first
				}
			}
			out = append(out, widen(qa.Span{Start: t.Words[first].Start, End: t.Words[last].End}, margin, 0, -1))
			continue
		}
		if t.End <= t.Start {
			return nil
		}
		d := t.End - t.Start
		total, before, upto := speechWeights(t.Text, sp.Start, sp.End)
		if total == 0 {
			return nil
		}
		at := func(w float64) time.Duration { return t.Start + time.Duration(float64(d)*w/total) }
		extra := min(d/10, time.Second)
		out = append(out, widen(qa.Span{Start: at(before), End: at(upto)}, margin+extra, t.Start-margin, t.End+margin))
	}
	return out
}

// widen adds margin on both sides of s, within lo..hi (hi < 0: no bound;
// never before 0).
func widen(s qa.Span, margin, lo, hi time.Duration) qa.Span {
	s.Start -= margin
	s.End += margin
	lo = max(lo, 0)
	s.Start = max(s.Start, lo)
	if hi >= 0 {
		s.End = min(s.End, hi)
	}
	if s.End < s.Start {
		s.End = s.Start
	}
	return s
}

// mergeSpans sorts spans and merges those that overlap or touch.
func mergeSpans(spans []qa.Span) []qa.Span {
	if len(spans) < 2 {
		return spans
	}
	slices.SortFunc(spans, func(a, b qa.Span) int { return cmp.Compare(a.Start, b.Start) })
	out := spans[:1]
	for _, s := range spans[1:] {
		last := &out[len(out)-1]
		if s.Start <= last.End {
			last.End = max(last.End, s.End)
			continue
		}
		out = append(out, s)
	}
	return out
}

// speechWeights returns how long text takes to say, in arbitrary units,
// and how much of it comes before byte start and before byte end.
func speechWeights(text string, start, end int) (total, before, upto float64) {
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		w := 0.0
		switch {
		case isDigitRune(r):
			w = 4 // a digit is said as a short word
		case isHan(r):
			w = 3 // a syllable
		case unicode.IsLetter(r):
			w = 1
		case isSpaceRune(r), unicode.IsPunct(r):
			w = 0.5
		}
		if i < start {
			before += w
		}
		if i < end {
			upto += w
		}
		total += w
		i += size
	}
	return total, before, upto
}

// wordOffsets places each word in text: its byte offsets, found by its
// spelling (case-insensitive, punctuation around it ignored) a little
// after where the previous word was found. Words not found ("four" where
// the text has "4111") take a share of the gap between their neighbours.
func wordOffsets(text string, words []qa.Word) [][2]int {
	offs := make([][2]int, len(words))
	found := make([]bool, len(words))
	c := 0
	for k, w := range words {
		core := strings.TrimFunc(w.Text, func(r rune) bool { return !isWordRune(r) })
		if core == "" {
			continue
		}
		if p, ok := findWord(text, c, core); ok {
			offs[k] = [2]int{p, p + len(core)}
			found[k] = true
			c = p + len(core)
		}
	}
	// Spread the words not found over the gaps.
	for k := 0; k < len(words); {
		if found[k] {
			k++
			continue
		}
		j := k
		for j < len(words) && !found[j] {
			j++
		}
		lo, hi := 0, len(text)
		if k > 0 {
			lo = offs[k-1][1]
		}
		if j < len(words) {
			hi = offs[j][0]
		}
		lo, hi = trimGap(text, lo, hi)
		n := j - k
		for m := k; m < j; m++ {
			a := lo + (hi-lo)*(m-k)/n
			b := lo + (hi-lo)*(m-k+1)/n
			offs[m] = [2]int{a, max(b, a)}
		}
		k = j
	}
	return offs
}

// wordSearch bounds how far past the previous word a word is looked for.
const wordSearch = 48

// findWord looks for word at the starts of words in text from c: a run of
// letters and digits, or any Han character.
func findWord(text string, c int, word string) (int, bool) {
	first := -1
	prev := rune(' ')
	for p := c; p < len(text); {
		r, size := utf8.DecodeRuneInString(text[p:])
		start := isWordRune(r) && (isHan(r) || !isWordRune(prev) || isHan(prev))
		if start {
			if first < 0 {
				first = p
			}
			if p-first > wordSearch {
				return 0, false
			}
			if p+len(word) <= len(text) && strings.EqualFold(text[p:p+len(word)], word) {
				return p, true
			}
		}
		prev = r
		p += size
	}
	return 0, false
}

// trimGap narrows [lo, hi) to what lies between its first and last letter
// or digit.
func trimGap(text string, lo, hi int) (int, int) {
	for lo < hi {
		r, size := utf8.DecodeRuneInString(text[lo:])
		if isWordRune(r) {
			break
		}
		lo += size
	}
	for hi > lo {
		r, size := utf8.DecodeLastRuneInString(text[:hi])
		if isWordRune(r) {
			break
		}
		hi -= size
	}
	return lo, hi
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}
