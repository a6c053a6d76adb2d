package scorecard

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxTextRunes bounds how much of one turn (or phrase, or quote) is read:
// a spoken turn is far shorter, and the bound keeps matching linear in a
// call's length whatever the transcript holds.
const maxTextRunes = 20_000

// normText is a text as rules see it: lower case, full-width forms folded
// to half-width, punctuation and symbols turned into single spaces, and no
// spaces between two CJK characters (ASR output often has them). Tokens are
// words (runs of letters and digits, with inner apostrophes and the '.',
// ',' or ':' of numbers) and single CJK characters.
type normText struct {
	s string
	// orig[i] is the byte offset in the original text of the rune that
	// produced s[i] (nil when not asked for).
	orig []int32
	// toks are the tokens' byte ranges in s.
	toks []span
}

// span is a [start, end) range of bytes or tokens.
type span struct{ a, b int32 }

// foldRune maps full-width ASCII to ASCII, the ideographic space to a space
// and typographic apostrophes to '\”.
func foldRune(r rune) rune {
	switch {
	case r >= 0xFF01 && r <= 0xFF5E:
		r -= 0xFEE0
	case r == 0x3000:
		return ' '
	case r == '\u2019' || r == '\u2018' || r == '\u02bc':
		return '\''
	}
	return unicode.ToLower(r)
}

// isCJK reports whether r belongs to a script written without spaces.
func isCJK(r rune) bool {
	return r >= 0x2E80 && (unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) ||
		unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r))
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r)
}

// runeClass is how normalisation treats a rune.
type runeClass uint8

const (
	classSep  runeClass = iota // dropped (a space at most)
	classWord                  // part of a word
	classCJK                   // a token of its own
)

// normalize returns text in normal form. With offsets, orig maps each byte
// back to text. With star, '*' is kept at the end of a word (phrases:
// "apologi*").
func normalize(text string, offsets, star bool) normText {
	var (
		b        strings.Builder
		orig     []int32
		toks     []span
		prev     = classSep // class of the last rune written
		prevRune rune
		pending  bool // a separator since the last rune written
		tokStart = -1 // start of the word token being written
		n        int
	)
	b.Grow(len(text))
	if offsets {
		orig = make([]int32, 0, len(text))
	}
	endWord := func() {
		if tokStart >= 0 {
			toks = append(toks, span{int32(tokStart), int32(b.Len())})
			tokStart = -1
		}
	}
	emit := func(r rune, at int, class runeClass) {
		if pending && b.Len() > 0 {
			endWord()
			if !(class == classCJK && prev == classCJK) {
				b.WriteByte(' ')
				if offsets {
					orig = append(orig, int32(at))
				}
			}
			prev = classSep
		}
		pending = false
		start := b.Len()
		switch class {
		case classCJK:
			endWord()
			b.WriteRune(r)
			toks = append(toks, span{int32(start), int32(b.Len())})
		case classWord:
			if prev != classWord {
				endWord()
				tokStart = start
			}
			b.WriteRune(r)
		}
		if offsets {
			for i := start; i < b.Len(); i++ {
				orig = append(orig, int32(at))
			}
		}
		prev, prevRune = class, r
	}
	for i := 0; i < len(text) && n < maxTextRunes; n++ {
		r, w := utf8.DecodeRuneInString(text[i:])
		if r == utf8.RuneError && w <= 1 {
			pending = true
			i += w
			continue
		}
		r = foldRune(r)
		class := classSep
		switch {
		case isCJK(r):
			class = classCJK
		case isWordRune(r):
			class = classWord
		case r == '*' && star && prev == classWord && !pending:
			class = classWord
		case r == '\'' && prev == classWord && prevRune != '\'' && !pending:
			// Inside a word only ("don't", "o'clock").
			if nr, _ := utf8.DecodeRuneInString(text[i+w:]); isWordRune(foldRune(nr)) && !isCJK(foldRune(nr)) {
				class = classWord
			}
		case (r == '.' || r == ',' || r == ':') && prev == classWord && unicode.IsDigit(prevRune) && !pending:
			// Inside a number ("3.5", "1,000", "10:30").
			if nr, _ := utf8.DecodeRuneInString(text[i+w:]); nr >= '0' && nr <= '9' || nr >= '０' && nr <= '９' {
				class = classWord
			}
		}
		if class == classSep {
			pending = true
		} else {
			emit(r, i, class)
		}
		i += w
	}
	endWord()
	return normText{s: b.String(), orig: orig, toks: toks}
}

// tok returns the text of token i.
func (t *normText) tok(i int) string { return t.s[t.toks[i].a:t.toks[i].b] }

// origRange maps the normalised byte range [a, b) back to the original
// text's byte range.
func (t *normText) origRange(text string, a, b int) (int, int) {
	if len(t.orig) == 0 || a >= b {
		return 0, 0
	}
	start := int(t.orig[a])
	last := int(t.orig[b-1])
	_, w := utf8.DecodeRuneInString(text[last:])
	return start, last + w
}

// tokensIn returns the tokens overlapping the byte range [a, b) of s.
func (t *normText) tokensIn(a, b int) (int, int, bool) {
	first := -1
	last := -1
	for i, tk := range t.toks {
		if int(tk.b) <= a {
			continue
		}
		if int(tk.a) >= b {
			break
		}
		if first < 0 {
			first = i
		}
		last = i
	}
	return first, last + 1, first >= 0
}

// Normalize returns text as rules and quote checks compare it: lower case,
// half-width, punctuation as single spaces, no spaces between CJK
// characters. It is exported for tools that show reviewers what a rule
// sees.
func Normalize(text string) string { return normalize(text, false, false).s }
