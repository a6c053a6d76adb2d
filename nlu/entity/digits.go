package entity

import (
	"strconv"
	"strings"
)

// zhDigitChars are the characters of a spoken Chinese digit string
// ("幺三五", "一三五八"). 两 only counts in loose mode.
var zhDigitChars = map[rune]byte{
	'零': '0', '〇': '0', '幺': '1', '一': '1', '二': '2', '三': '3', '四': '4',
	'五': '5', '六': '6', '七': '7', '八': '8', '九': '9',
}

var repeatWords = map[string]int{"double": 2, "triple": 3, "treble": 3, "quadruple": 4}

// digitRun is a run of spoken or written digits.
type digitRun struct {
	digits string
	end    int  // token index after the run
	items  int  // number of items (words, characters, digit groups)
	spoken bool // some item was a word or a Han character
	rep    bool // "double"/"triple" was used
	numTok int  // number of digit tokens
	single bool // every digit token had one digit
}

// digitWord returns the digit of a spoken digit word ("oh" too).
func digitWord(w string) (byte, bool) {
	if u, ok := enUnits[w]; ok {
		return byte('0' + u), true
	}
	if w == "oh" || w == "o" || w == "nought" || w == "nil" {
		return '0', true
	}
	return 0, false
}

// digitItem reads one digit item at k and returns its digits and the
// index after it.
func (s *scan) digitItem(k int, loose bool) (string, int, bool) {
	if k >= len(s.toks) {
		return "", k, false
	}
	t := &s.toks[k]
	switch t.kind {
	case tNum:
		// A number with thousand separators or decimals is not a digit item
		// in strict mode.
		if !loose && ((s.punct(k+1, ',') || s.punct(k+1, '.')) && s.adj(k+1) && s.adj(k+2) && s.num(k+2) != "") {
			return "", k, false
		}
		return t.s, k + 1, true
	case tHan:
		if d, ok := zhDigitChars[t.r]; ok {
			return string(d), k + 1, true
		}
		if loose && t.r == '两' {
			return "2", k + 1, true
		}
	case tWord:
		if d, ok := digitWord(t.s); ok {
			return string(d), k + 1, true
		}
		if n, ok := repeatWords[t.s]; ok {
			if d, ok := digitWord(s.word(k + 1)); ok {
				return strings.Repeat(string(d), n), k + 2, true
			}
			if n1 := s.num(k + 1); len(n1) == 1 {
				return strings.Repeat(n1, n), k + 2, true
			}
		}
		if loose {
			if v, ok := enTeens[t.s]; ok {
				return strconv.Itoa(v), k + 1, true
			}
			if v, ok := enTens[t.s]; ok {
				j := k + 1
				if s.punct(j, '-') && s.adj(j) {
					j++
				}
				if u, ok := enUnits[s.word(j)]; ok && u > 0 {
					return strconv.Itoa(v + u), j + 1, true
				}
				return strconv.Itoa(v), k + 1, true
			}
		}
	}
	return "", k, false
}

// runAt reads a digit run starting at token i.
func (s *scan) runAt(i int, loose bool) (digitRun, bool) {
	var r digitRun
	var b strings.Builder
	r.single = true
	k := i
	for {
		d, j, ok := s.digitItem(k, loose)
		if !ok {
			break
		}
		// "oh"/"o" may not start a run unless a digit follows.
		if r.items == 0 && s.toks[k].kind == tWord && (s.toks[k].s == "oh" || s.toks[k].s == "o") {
			if _, _, next := s.digitItem(j, loose); !next {
				break
			}
		}
		switch s.toks[k].kind {
		case tNum:
			r.numTok++
			if len(d) != 1 {
				r.single = false
			}
		case tWord:
			r.spoken = true
			if _, ok := repeatWords[s.toks[k].s]; ok {
				r.rep = true
			}
		case tHan:
			r.spoken = true
		}
		b.WriteString(d)
		r.items++
		r.end = j
		// Separator: whitespace, or one of - , ， 、 between items.
		k = j
		if k < len(s.toks) && s.toks[k].kind == tPunct {
			switch s.toks[k].r {
			case '-', ',', '，', '、':
				if _, _, next := s.digitItem(k+1, loose); next {
					k++
				}
			}
		}
		if k < len(s.toks) && s.toks[k].kind == tHan && s.toks[k].sp && s.toks[r.end-1].kind == tHan {
			// Han digit strings must be contiguous.
			if !loose {
				break
			}
		}
		if b.Len() > 64 {
			break
		}
	}
	if r.items == 0 {
		return r, false
	}
	r.digits = b.String()
	return r, true
}

// digits finds digit-string entities: spoken digit sequences ("four five
// six one", "double five", "幺三五"), groups of single digits ("4 5 6 1")
// and written digit strings with a leading zero ("0123").
func (s *scan) digits() {
	for i := 0; i < len(s.toks); {
		t := &s.toks[i]
		r, ok := s.runAt(i, false)
		if !ok {
			i++
			continue
		}
		// Part of a Chinese number with units ("一百零五", "二十")?
		if s.zhUnitAround(i, r.end) {
			i = r.end
			continue
		}
		strong := r.rep || (r.items >= 2 && (r.spoken || r.numTok >= 2))
		if r.items == 1 && t.kind == tNum && (len(t.s) > 15 || (len(t.s) > 1 && t.s[0] == '0')) {
			strong = !(s.punct(i+1, '.') && s.adj(i+1))
		}
		if strong {
			s.add(TypeDigits, r.digits, i, r.end, digitsNum(r.digits), priDigits)
			i = r.end
			continue
		}
		i++
	}
}

// zhUnitAround reports a Chinese unit character touching tokens [i, j).
func (s *scan) zhUnitAround(i, j int) bool {
	if s.adj(j) {
		if _, ok := zhUnits[s.han(j)]; ok {
			return true
		}
	}
	if s.han(i) != 0 && s.adj(i) {
		if _, ok := zhUnits[s.han(i-1)]; ok {
			return true
		}
		if s.han(i-1) == '点' {
			return true
		}
	}
	return false
}

// digitsNum is the value of a digit string, 0 when too long to be exact.
func digitsNum(d string) float64 {
	if len(d) > 15 {
		return 0
	}
	v, _ := strconv.ParseFloat(d, 64)
	return v
}

// bestRun returns the loose digit run with the most digits, comparing it
// with whole numbers ("three hundred twelve").
func (s *scan) bestRun() (Entity, bool) {
	var best Entity
	found := false
	for i := 0; i < len(s.toks); {
		r, ok := s.runAt(i, true)
		if !ok {
			i++
			continue
		}
		e := Entity{Type: TypeDigits, Value: r.digits, Start: s.toks[i].start, End: s.toks[r.end-1].end}
		if !found || len(e.Value) > len(best.Value) {
			best, found = e, true
		}
		i = r.end
	}
	// A number written with units may be longer than any run.
	for i := 0; i < len(s.toks); {
		v, j, ok := s.numAt(i)
		if !ok {
			i++
			continue
		}
		if v >= 0 && v < 1e15 && v == float64(int64(v)) {
			d := strconv.FormatInt(int64(v), 10)
			st, en := s.toks[i].start, s.toks[j-1].end
			if !found || (en-st > best.End-best.Start && len(d) >= len(best.Value)) {
				best = Entity{Type: TypeDigits, Value: d, Start: st, End: en}
				found = true
			}
		}
		i = j
	}
	if found {
		best.Text = s.text[best.Start:best.End]
		best.Num = digitsNum(best.Value)
	}
	return best, found
}
