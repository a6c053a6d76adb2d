package nlu

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxRunes bounds how much of an utterance is read: a spoken turn is far
// shorter, and the bound keeps Classify's cost flat on pathological input.
const maxRunes = 2000

// digitToken stands for any number ("2", "1,000", "3.5"), so that amounts
// and dates generalise across values.
const digitToken = "0"

// token is one unit of normalised text: a word, or a single CJK character.
type token struct {
	text string
	cjk  bool // a Han, kana or hangul character; n-grams run across these
}

// normalise lower-cases s, folds full-width forms and typographic quotes,
// replaces invalid UTF-8 and punctuation by spaces, and truncates it to
// maxRunes runes. Currency symbols are kept as words of their own.
func normalise(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	n := 0
	for i, w := 0, 0; i < len(s) && n < maxRunes; i += w {
		var r rune
		r, w = utf8.DecodeRuneInString(s[i:])
		n++
		switch {
		case r == utf8.RuneError && w <= 1:
			b.WriteByte(' ')
			continue
		case r >= 0xFF01 && r <= 0xFF5E: // full-width ASCII
			r -= 0xFEE0
		case r == 0x3000: // ideographic space
			r = ' '
		case r == '\u2019' || r == '\u2018' || r == '`' || r == '\u00b4':
			r = '\''
		}
		switch {
		case r == '\'':
			b.WriteRune(r)
		case unicode.Is(unicode.Sc, r):
			b.WriteByte(' ')
			b.WriteRune(r)
			b.WriteByte(' ')
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r):
			b.WriteRune(unicode.ToLower(r))
		case r == '.' || r == ',':
			// Kept for numbers ("3.5", "1,000"); dropped in tokenize otherwise.
			b.WriteRune(r)
		default:
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// isCJK reports whether r belongs to a script written without spaces
// between words, which is therefore split into characters.
func isCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) ||
		unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r)
}

// contractions expands English contractions, with and without the
// apostrophe that ASR output and chat users often drop.
var contractions = map[string][]string{
	"can't": {"can", "not"}, "cant": {"can", "not"}, "cannot": {"can", "not"},
	"won't": {"will", "not"}, "wont": {"will", "not"},
	"shan't": {"shall", "not"},
	"i'm":    {"i", "am"}, "im": {"i", "am"},
	"it's": {"it", "is"}, "what's": {"what", "is"}, "whats": {"what", "is"},
	"that's": {"that", "is"}, "thats": {"that", "is"}, "there's": {"there", "is"},
	"here's": {"here", "is"}, "he's": {"he", "is"}, "she's": {"she", "is"},
	"where's": {"where", "is"}, "wheres": {"where", "is"}, "how's": {"how", "is"},
	"who's": {"who", "is"}, "when's": {"when", "is"}, "why's": {"why", "is"},
	"let's": {"let", "us"}, "lets": {"let", "us"},
	"dont": {"do", "not"}, "doesnt": {"does", "not"}, "didnt": {"did", "not"},
	"isnt": {"is", "not"}, "arent": {"are", "not"}, "wasnt": {"was", "not"},
	"werent": {"were", "not"}, "havent": {"have", "not"}, "hasnt": {"has", "not"},
	"hadnt": {"had", "not"}, "couldnt": {"could", "not"}, "wouldnt": {"would", "not"},
	"shouldnt": {"should", "not"}, "aint": {"is", "not"},
	"ive": {"i", "have"}, "youre": {"you", "are"}, "theyre": {"they", "are"},
	"youve": {"you", "have"}, "theyve": {"they", "have"}, "weve": {"we", "have"},
	"ill": {"i", "will"}, "youll": {"you", "will"}, "id": {"i", "would"},
}

// suffixes are contraction endings, tried in order.
var suffixes = []struct {
	suf  string
	repl string // "" drops the ending (possessive 's)
}{
	{"n't", "not"}, {"'re", "are"}, {"'m", "am"}, {"'ll", "will"},
	{"'ve", "have"}, {"'d", "would"}, {"'s", ""},
}

// tokenize normalises s and splits it into tokens: words (contractions
// expanded, numbers replaced by digitToken) and single CJK characters.
func tokenize(s string) []token {
	return appendTokens(nil, normalise(s))
}

func appendTokens(dst []token, norm string) []token {
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		dst = appendWord(dst, norm[start:end])
		start = -1
	}
	for i, r := range norm {
		switch {
		case r == ' ':
			flush(i)
		case isCJK(r):
			flush(i)
			dst = append(dst, token{text: norm[i : i+utf8.RuneLen(r)], cjk: true})
		case unicode.Is(unicode.Sc, r):
			flush(i)
			dst = append(dst, token{text: norm[i : i+utf8.RuneLen(r)]})
		default:
			if start < 0 {
				start = i
			}
		}
	}
	flush(len(norm))
	return dst
}

// appendWord appends the tokens of one space-free chunk, which may still
// hold dots, commas and apostrophes.
func appendWord(dst []token, w string) []token {
	w = strings.Trim(w, ".,'")
	if w == "" {
		return dst
	}
	if isNumber(w) {
		return append(dst, token{text: digitToken})
	}
	if strings.ContainsAny(w, ".,") {
		// "a.m.", "yes,please", "v2.0": split on the punctuation.
		for _, part := range strings.FieldsFunc(w, func(r rune) bool { return r == '.' || r == ',' }) {
			dst = appendWord(dst, part)
		}
		return dst
	}
	if exp, ok := contractions[w]; ok {
		for _, e := range exp {
			dst = append(dst, token{text: e})
		}
		return dst
	}
	if strings.IndexByte(w, '\'') >= 0 {
		for _, sf := range suffixes {
			if base, ok := strings.CutSuffix(w, sf.suf); ok && base != "" {
				dst = appendWord(dst, base)
				if sf.repl != "" {
					dst = append(dst, token{text: sf.repl})
				}
				return dst
			}
		}
		for _, part := range strings.Split(w, "'") {
			dst = appendWord(dst, part)
		}
		return dst
	}
	if hasDigit(w) {
		// "10am", "2nd", "card4": fold the digits, keep the letters.
		var b strings.Builder
		inDigits := false
		for _, r := range w {
			if unicode.IsDigit(r) {
				if !inDigits {
					b.WriteString(digitToken)
				}
				inDigits = true
				continue
			}
			inDigits = false
			b.WriteRune(r)
		}
		w = b.String()
	}
	return append(dst, token{text: w})
}

func isNumber(w string) bool {
	digits := false
	for _, r := range w {
		switch {
		case unicode.IsDigit(r):
			digits = true
		case r == '.' || r == ',':
		default:
			return false
		}
	}
	return digits
}

func hasDigit(w string) bool {
	for _, r := range w {
		if unicode.IsDigit(r) {
			return true
		}
	}
	return false
}
