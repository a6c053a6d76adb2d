package sentiment

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxRunes bounds how much of an utterance is read: a spoken turn or a
// chat message is far shorter, and the bound keeps the cost of one Score
// flat on pathological input.
const maxRunes = 2000

// tokKind says what a token is.
type tokKind uint8

const (
	tokWord     tokKind = iota // a word of a spaced script, lower-cased
	tokCJK                     // one Han, kana or hangul character
	tokSymbol                  // an emoji or other symbol character
	tokEmoticon                // a whitespace-delimited emoticon such as ":-)"
	tokBreak                   // a clause break: . , ; : ! ? and their CJK forms
)

// token is one unit of an utterance.
type token struct {
	text string // lower-cased; the break character for tokBreak
	kind tokKind
	caps bool // written in capitals ("NEVER"), two letters or more
	num  bool // a number: digits, a number word, a CJK numeral
	ord  bool // an ordinal: "third", "3rd"
}

// tokens is the tokenized utterance plus the facts read on the way.
type tokens struct {
	toks    []token
	excl    int  // exclamation marks
	quest   int  // question marks
	letters int  // letters of spaced scripts
	upper   int  // of which upper case
	cjk     int  // CJK characters
	capsAll bool // every word in capitals: emphasis by capitals means nothing
}

// tokenize splits s into tokens. emoticons holds the emoticons the lexicon
// knows, matched against whole whitespace-separated chunks.
func tokenize(s string, emoticons map[string]bool) tokens {
	var t tokens
	s = truncate(s, maxRunes)
	t.toks = make([]token, 0, len(s)/4+4)
	if strings.IndexByte(s, '&') >= 0 {
		s = entities.Replace(s) // tweets and web chat arrive HTML-escaped
	}
	for chunk := range strings.FieldsSeq(s) {
		if emoticons[chunk] {
			t.toks = append(t.toks, token{text: chunk, kind: tokEmoticon})
			continue
		}
		if chunk[0] == '@' || strings.HasPrefix(chunk, "http://") || strings.HasPrefix(chunk, "https://") || strings.HasPrefix(chunk, "www.") {
			// A handle (@SkyJet) or a link names something; it says
			// nothing about how the writer feels.
			continue
		}
		t.chunk(chunk)
	}
	words, capsWords := 0, 0
	for _, k := range t.toks {
		if k.kind == tokWord && !k.num {
			words++
			if k.caps {
				capsWords++
			}
		}
	}
	t.capsAll = words > 0 && capsWords == words
	return t
}

// truncate cuts s after n runes.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// chunk tokenizes one whitespace-free piece of text.
func (t *tokens) chunk(s string) {
	start := -1 // start of the word being read
	flush := func(end int) {
		if start >= 0 {
			t.word(s[start:end])
			start = -1
		}
	}
	for i, w := 0, 0; i < len(s); i += w {
		var r rune
		r, w = utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && w <= 1 {
			flush(i)
			continue
		}
		orig := r
		r = fold(r)
		switch {
		case r == '\'' && start >= 0:
			// inside a word: "don't", "i've"
		case unicode.IsLetter(r) && isCJK(r):
			flush(i)
			t.cjk++
			text := s[i : i+w] // no allocation: CJK letters are not folded
			if r != orig {
				text = string(r)
			}
			t.toks = append(t.toks, token{text: text, kind: tokCJK, num: isCJKNumeral(r)})
		case unicode.IsLetter(r) || unicode.IsDigit(r) || start >= 0 && unicode.Is(unicode.Mn, r):
			if start < 0 {
				start = i
			}
		case r == '!' || r == '?' || r == '.' || r == ',' || r == ';' || r == ':':
			flush(i)
			if r == '!' {
				t.excl++
			} else if r == '?' {
				t.quest++
			}
			if r == '.' && len(t.toks) > 0 && t.toks[len(t.toks)-1].kind == tokBreak && t.toks[len(t.toks)-1].text == "." {
				continue // "..." is one break
			}
			t.toks = append(t.toks, token{text: string(r), kind: tokBreak})
		case unicode.Is(unicode.So, r):
			flush(i)
			t.toks = append(t.toks, token{text: s[i : i+w], kind: tokSymbol})
		default:
			// hyphens, slashes, quotes, brackets, currency, '#': separators
			flush(i)
		}
	}
	flush(len(s))
}

// word appends one word (letters, digits, inner apostrophes).
func (t *tokens) word(w string) {
	w = strings.Trim(w, "'")
	if w == "" {
		return
	}
	upper, lower := 0, 0
	allDigits := true
	for _, r := range w {
		switch {
		case unicode.IsUpper(r):
			upper++
		case unicode.IsLower(r):
			lower++
		}
		if !unicode.IsDigit(r) {
			allDigits = false
		}
	}
	t.letters += upper + lower
	t.upper += upper
	lw := w
	if upper > 0 || strings.ContainsFunc(w, func(r rune) bool { return r > unicode.MaxASCII }) {
		lw = strings.Map(func(r rune) rune { return unicode.ToLower(fold(r)) }, w)
	}
	tok := token{text: lw, kind: tokWord, caps: upper >= 2 && lower == 0}
	switch {
	case allDigits:
		tok.num = true
	case numberWords[lw]:
		tok.num = true
	case ordinalWords[lw] || isDigitOrdinal(lw):
		tok.ord = true
	}
	t.toks = append(t.toks, tok)
}

var entities = strings.NewReplacer("&amp;", "&", "&gt;", ">", "&lt;", "<", "&quot;", "\"", "&#39;", "'", "&apos;", "'", "&nbsp;", " ")

// fold maps full-width ASCII, CJK punctuation and typographic quotes to
// their plain forms.
func fold(r rune) rune {
	switch {
	case r >= 0xFF01 && r <= 0xFF5E:
		return r - 0xFEE0
	}
	switch r {
	case '\u3002', '\uFF61': // 。｡
		return '.'
	case '\u3001': // 、
		return ','
	case '\u2019', '\u2018', '`', '\u00b4':
		return '\''
	case '\u2026': // …
		return '.'
	}
	return r
}

// isCJK reports whether r belongs to a script written without spaces
// between words, which is therefore split into characters.
func isCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) ||
		unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r)
}

func isCJKNumeral(r rune) bool {
	return strings.ContainsRune("零〇一二三四五六七八九十百千万两几半俩仨", r)
}

// numberWords can stand for a count in a phrase pattern (<num>).
var numberWords = setOf("one two three four five six seven eight nine ten eleven twelve " +
	"thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty thirty " +
	"forty fifty sixty seventy eighty ninety hundred couple few several many dozen")

// ordinalWords can stand for a rank in a phrase pattern (<ord>): a
// repeat ("the third time"), so not "first".
var ordinalWords = setOf("second third fourth fifth sixth seventh eighth ninth tenth " +
	"eleventh twelfth umpteenth nth")

func isDigitOrdinal(w string) bool {
	for _, suf := range []string{"nd", "rd", "th"} {
		if base, ok := strings.CutSuffix(w, suf); ok && base != "" && strings.Trim(base, "0123456789") == "" {
			return true
		}
	}
	return false
}

func setOf(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}
