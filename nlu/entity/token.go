package entity

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// tokKind classifies a token.
type tokKind uint8

const (
	tWord  tokKind = iota + 1 // a run of letters (not Han), apostrophes inside
	tNum                      // a run of digits (ASCII or full-width)
	tHan                      // one Han character
	tPunct                    // any other single character
)

// token is one lexical unit of the input. Recognizers work on tokens and
// report byte offsets into the original text, so offsets stay valid even
// when the text holds invalid UTF-8 (those bytes separate tokens).
type token struct {
	kind       tokKind
	sp         bool // not adjacent to the previous token (space, bad byte or start)
	start, end int
	s          string // lower-cased word, ASCII digits, or the character
	r          rune   // the character of a Han or punct token
}

// isDigitRune reports ASCII and full-width digits.
func isDigitRune(r rune) bool {
	return (r >= '0' && r <= '9') || (r >= '０' && r <= '９')
}

func isHan(r rune) bool {
	return r == '〇' || (r >= 0x2E80 && unicode.Is(unicode.Han, r))
}

// tokenize splits text into tokens. It never fails: invalid bytes and
// U+FFFD act as separators.
func tokenize(text string) []token {
	toks := make([]token, 0, len(text)/4+1)
	sp := true
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case r == utf8.RuneError:
			sp = true
			i += size
			continue
		case r < utf8.RuneSelf && (r == ' ' || r == '\t' || r == '\n' || r == '\r'),
			r >= utf8.RuneSelf && unicode.IsSpace(r):
			sp = true
			i += size
			continue
		case isDigitRune(r):
			j := i
			ascii := true
			for j < len(text) {
				r2, n := utf8.DecodeRuneInString(text[j:])
				if !isDigitRune(r2) {
					break
				}
				if r2 > '9' {
					ascii = false
				}
				j += n
			}
			s := text[i:j]
			if !ascii {
				var b strings.Builder
				for _, r2 := range s {
					if r2 >= '０' {
						r2 = r2 - '０' + '0'
					}
					b.WriteRune(r2)
				}
				s = b.String()
			}
			toks = append(toks, token{kind: tNum, sp: sp, start: i, end: j, s: s})
			i = j
		case isHan(r):
			toks = append(toks, token{kind: tHan, sp: sp, start: i, end: i + size, s: text[i : i+size], r: r})
			i += size
		case unicode.IsLetter(r):
			j := i + size
			for j < len(text) {
				r2, n := utf8.DecodeRuneInString(text[j:])
				if r2 == utf8.RuneError || isHan(r2) {
					break
				}
				if unicode.IsLetter(r2) || unicode.IsMark(r2) {
					j += n
					continue
				}
				if r2 == '\'' || r2 == '’' {
					r3, _ := utf8.DecodeRuneInString(text[j+n:])
					if r3 != utf8.RuneError && unicode.IsLetter(r3) && !isHan(r3) {
						j += n
						continue
					}
				}
				break
			}
			w := strings.ToLower(text[i:j])
			if strings.Contains(w, "’") {
				w = strings.ReplaceAll(w, "’", "'")
			}
			toks = append(toks, token{kind: tWord, sp: sp, start: i, end: j, s: w})
			i = j
		default:
			toks = append(toks, token{kind: tPunct, sp: sp, start: i, end: i + size, s: text[i : i+size], r: r})
			i += size
		}
		sp = false
	}
	return toks
}

// cand is a candidate entity with its priority for overlap resolution.
type cand struct {
	Entity
	pri int
}

// Priorities break ties between candidates of equal length.
const (
	priYesNo  = 10
	priNumber = 20
	priDigits = 30
	priTime   = 40
	priDate   = 50
	priMoney  = 60
	priID     = 70
	priPhone  = 80
	priEmail  = 90
	priCustom = 100
)

// scan is the per-call state shared by recognizers.
type scan struct {
	text   string
	toks   []token
	loose  bool // Parse fallback: accept weaker evidence
	hasHan bool
	out    []cand
	today  time.Time // midnight of the reference day
}

func newScan(text string, now time.Time, loose bool) *scan {
	s := &scan{text: text, toks: tokenize(text), loose: loose, out: make([]cand, 0, 8),
		today: time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())}
	for i := range s.toks {
		if s.toks[i].kind == tHan {
			s.hasHan = true
			break
		}
	}
	return s
}

// add records a candidate spanning tokens [i, j).
func (s *scan) add(typ, value string, i, j int, num float64, pri int) {
	if i < 0 || j > len(s.toks) || i >= j {
		return
	}
	s.addSpan(typ, value, s.toks[i].start, s.toks[j-1].end, num, pri)
}

// addSpan records a candidate spanning bytes [start, end).
func (s *scan) addSpan(typ, value string, start, end int, num float64, pri int) {
	if start < 0 || end > len(s.text) || start >= end {
		return
	}
	s.out = append(s.out, cand{Entity: Entity{Type: typ, Value: value, Text: s.text[start:end], Start: start, End: end, Num: num}, pri: pri})
}

// word returns the lower-cased word at i, or "".
func (s *scan) word(i int) string {
	if i >= 0 && i < len(s.toks) && s.toks[i].kind == tWord {
		return s.toks[i].s
	}
	return ""
}

// num returns the digits of the number token at i, or "".
func (s *scan) num(i int) string {
	if i >= 0 && i < len(s.toks) && s.toks[i].kind == tNum {
		return s.toks[i].s
	}
	return ""
}

// han returns the Han character at i, or 0.
func (s *scan) han(i int) rune {
	if i >= 0 && i < len(s.toks) && s.toks[i].kind == tHan {
		return s.toks[i].r
	}
	return 0
}

// punct reports whether token i is the punctuation r.
func (s *scan) punct(i int, r rune) bool {
	return i >= 0 && i < len(s.toks) && s.toks[i].kind == tPunct && s.toks[i].r == r
}

// adj reports whether token i exists and touches token i-1.
func (s *scan) adj(i int) bool {
	return i > 0 && i < len(s.toks) && !s.toks[i].sp
}

// hanSeq reports whether the adjacent Han characters from i spell w, and
// returns the index after them.
func (s *scan) hanSeq(i int, w string) (int, bool) {
	if r0, _ := utf8.DecodeRuneInString(w); s.han(i) != r0 {
		return i, false
	}
	j := i
	for k, r := range w {
		if s.han(j) != r || (k > 0 && !s.adj(j)) {
			return i, false
		}
		j++
	}
	return j, true
}

// hanAny returns the first of ws spelled at i (longest first if the
// caller orders ws so) and the index after it.
func (s *scan) hanAny(i int, ws ...string) (string, int, bool) {
	for _, w := range ws {
		if j, ok := s.hanSeq(i, w); ok {
			return w, j, true
		}
	}
	return "", i, false
}

// words reports whether the words from i are ws, and returns the index
// after them.
func (s *scan) words(i int, ws ...string) (int, bool) {
	for _, w := range ws {
		if s.word(i) != w {
			return 0, false
		}
		i++
	}
	return i, true
}

// endOrBreak reports whether token i is the end of text or not a word,
// number or Han character (a clause boundary).
func (s *scan) endOrBreak(i int) bool {
	return i >= len(s.toks) || s.toks[i].kind == tPunct
}
