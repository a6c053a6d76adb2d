package redact

import (
	"unicode"
	"unicode/utf8"
)

// kind classifies a token.
type kind uint8

const (
	kNum      kind = iota + 1 // a run of ASCII or full-width digits
	kWord                     // a run of letters other than Han, apostrophes inside
	kHan                      // a run of Han characters that are not digits
	kHanDigit                 // one Han digit character (零〇幺一二三四五六七八九)
	kPunct                    // any other single character
)

// token is one lexical unit of the text. Detection works on tokens and
// reports byte offsets into the original text, so offsets stay valid when
// the text holds invalid UTF-8 (bad bytes separate tokens).
type token struct {
	start, end int
	kind       kind
	sp         bool      // whitespace, a bad byte or the start of the text before it
	fw         bool      // kNum: full-width digits (3 bytes each)
	w          *wordInfo // kWord: its entry in the word table, nil when none
	r          rune      // kPunct and kHanDigit: the character
	item       int32     // index of the digit item the token belongs to, -1 when none
}

// hanDigits maps the characters of a spoken Chinese digit string ("幺三八",
// "四五六一") to their digits.
var hanDigits = map[rune]byte{
	'零': '0', '〇': '0', '幺': '1', '一': '1', '二': '2', '三': '3', '四': '4',
	'五': '5', '六': '6', '七': '7', '八': '8', '九': '9',
}

func isHan(r rune) bool {
	return r >= 0x2E80 && (r == '〇' || unicode.Is(unicode.Han, r))
}

func isDigitRune(r rune) bool {
	return (r >= '0' && r <= '9') || (r >= '０' && r <= '９')
}

func isSpaceRune(r rune) bool {
	if r < utf8.RuneSelf {
		return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f'
	}
	return unicode.IsSpace(r)
}

// tokenize appends the tokens of text to toks. It never fails: invalid
// bytes and U+FFFD act as separators.
func tokenize(toks []token, text string) []token {
	sp := true
	for i := 0; i < len(text); {
		c := text[i]
		// ASCII fast paths.
		if c < utf8.RuneSelf {
			switch {
			case c >= '0' && c <= '9':
				j := i + 1
				for j < len(text) && text[j] >= '0' && text[j] <= '9' {
					j++
				}
				if j < len(text) && text[j] >= 0x80 {
					// A full-width digit may continue the run.
					j = numEnd(text, j)
				}
				toks = append(toks, token{start: i, end: j, kind: kNum, sp: sp, fw: j-i != asciiDigits(text[i:j]), item: -1})
				i, sp = j, false
				continue
			case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f':
				i, sp = i+1, true
				continue
			case (c|0x20) >= 'a' && (c|0x20) <= 'z':
				j := wordEnd(text, i+1)
				toks = append(toks, token{start: i, end: j, kind: kWord, sp: sp, w: lookupWord(text[i:j]), item: -1})
				i, sp = j, false
				continue
			default:
				toks = append(toks, token{start: i, end: i + 1, kind: kPunct, sp: sp, r: rune(c), item: -1})
				i, sp = i+1, false
				continue
			}
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case r == utf8.RuneError:
			i, sp = i+size, true
			continue
		case isSpaceRune(r):
			i, sp = i+size, true
			continue
		case r >= '０' && r <= '９':
			j := numEnd(text, i)
			toks = append(toks, token{start: i, end: j, kind: kNum, sp: sp, fw: true, item: -1})
			i = j
		case isHan(r):
			if _, ok := hanDigits[r]; ok {
				toks = append(toks, token{start: i, end: i + size, kind: kHanDigit, sp: sp, r: r, item: -1})
				i += size
				break
			}
			j := i + size
			for j < len(text) {
				r2, n := utf8.DecodeRuneInString(text[j:])
				if !isHan(r2) {
					break
				}
				if _, ok := hanDigits[r2]; ok {
					break
				}
				j += n
			}
			toks = append(toks, token{start: i, end: j, kind: kHan, sp: sp, item: -1})
			i = j
		case unicode.IsLetter(r):
			j := wordEnd(text, i+size)
			toks = append(toks, token{start: i, end: j, kind: kWord, sp: sp, w: lookupWord(text[i:j]), item: -1})
			i = j
		default:
			toks = append(toks, token{start: i, end: i + size, kind: kPunct, sp: sp, r: r, item: -1})
			i += size
		}
		sp = false
	}
	return toks
}

// numEnd returns the end of the run of ASCII and full-width digits at i.
func numEnd(text string, i int) int {
	for i < len(text) {
		c := text[i]
		if c >= '0' && c <= '9' {
			i++
			continue
		}
		// Full-width digits are EF BC 90..99.
		if c == 0xEF && i+2 < len(text) && text[i+1] == 0xBC && text[i+2] >= 0x90 && text[i+2] <= 0x99 {
			i += 3
			continue
		}
		break
	}
	return i
}

// asciiDigits counts the bytes of s that are ASCII digits.
func asciiDigits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			n++
		}
	}
	return n
}

// wordEnd returns the end of the word whose first rune ends at j: letters
// and marks other than Han, with apostrophes between letters.
func wordEnd(text string, j int) int {
	for j < len(text) {
		c := text[j]
		if c < utf8.RuneSelf {
			if (c|0x20) >= 'a' && (c|0x20) <= 'z' {
				j++
				continue
			}
			if c == '\'' && j+1 < len(text) && (text[j+1]|0x20) >= 'a' && (text[j+1]|0x20) <= 'z' {
				j++
				continue
			}
			return j
		}
		r, n := utf8.DecodeRuneInString(text[j:])
		if r == utf8.RuneError || isHan(r) || !(unicode.IsLetter(r) || unicode.IsMark(r)) {
			return j
		}
		j += n
	}
	return j
}

// digitsOf appends the ASCII digits of a number token's text to b.
func digitsOf(b []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= '0' && c <= '9' {
			b = append(b, c)
			i++
			continue
		}
		if c == 0xEF && i+2 < len(s) {
			b = append(b, '0'+s[i+2]-0x90)
			i += 3
			continue
		}
		i++
	}
	return b
}

// firstRune and lastRune of a token's text.
func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}
