package redact

// gap says how a digit item joins the one before it.
type gap uint8

const (
	gapBreak gap = iota // the item starts a new run
	gapTight            // whitespace, "-", ".", "/", "(", ")", ",", "、" or a spoken "dash"
	gapLoose            // fillers as well: "um", "and then", "然后是", "the last four are"
)

// item is one piece of a spoken or written digit string: a written number
// ("4561", "１２３"), a digit word ("four", "oh", "forty-five", "double
// five"), a Han digit ("幺") or the X of a Chinese ID.
type item struct {
	t0, t1     int  // tokens [t0, t1)
	start, end int  // bytes
	d0, d1     int  // its digits: scan.digits[d0:d1]
	spoken     bool // words or Han characters, not written digits
	gap        gap
	claimed    bool
}

// maxGapTokens bounds the tokens between two items of one run.
const maxGapTokens = 5

// buildItems finds the digit items and how they join into runs.
func (s *scan) buildItems() {
	toks := s.toks
	broken := true
	loose := false
	nGap, nPunct := 0, 0
	emails := s.found // sorted, made of no items
	for i := 0; i < len(toks); {
		for len(emails) > 0 && emails[0].end <= toks[i].start {
			emails = emails[1:]
		}
		if len(emails) > 0 && emails[0].start < toks[i].end {
			broken = true
			i++
			continue
		}
		if it, j, ok := s.itemAt(i); ok {
			switch {
			case broken || nGap > maxGapTokens || nPunct > 2:
				it.gap = gapBreak
			case loose:
				it.gap = gapLoose
			default:
				it.gap = gapTight
			}
			for k := it.t0; k < j; k++ {
				toks[k].item = int32(len(s.items))
			}
			s.items = append(s.items, it)
			i = j
			broken, loose, nGap, nPunct = false, false, 0, 0
			continue
		}
		t := &toks[i]
		nGap++
		switch t.kind {
		case kPunct:
			switch t.r {
			case '-', '–', '—', '.', '/', ',', '，', '、', '(', ')', '（', '）', '·', '．':
				nPunct++
			default:
				broken = true
			}
		case kWord:
			switch {
			case t.w == nil:
				broken = true
			case t.w.kind == wSep:
			case t.w.kind == wFiller || t.w.kind == wCount || s.countDigit(i):
				loose = true
			default:
				broken = true
			}
		case kHan:
			if hanAll(s.text[t.start:t.end], hanFiller) {
				loose = true
			} else {
				broken = true
			}
		case kHanDigit:
			// A digit that is a count ("后四位").
			loose = true
		default:
			broken = true
		}
		i++
	}
}

// hanAll reports whether every character of s is in set.
func hanAll(s string, set map[rune]bool) bool {
	for _, r := range s {
		if !set[r] {
			return false
		}
	}
	return true
}

// countDigit reports whether the digit word at i is a count ("the last
// four", "first six digits") rather than a digit.
func (s *scan) countDigit(i int) bool {
	t := &s.toks[i]
	if t.w == nil || t.w.kind != wDigit {
		return false
	}
	p := s.prevTok(i)
	return p >= 0 && s.toks[p].kind == kWord && s.toks[p].w != nil && s.toks[p].w.kind == wCount
}

// prevTok returns i-1, or -1.
func (s *scan) prevTok(i int) int {
	if i > 0 {
		return i - 1
	}
	return -1
}

// word returns the table entry of the word token at i, or nil.
func (s *scan) word(i int) *wordInfo {
	if i >= 0 && i < len(s.toks) && s.toks[i].kind == kWord {
		return s.toks[i].w
	}
	return nil
}

// adjacent reports whether token i exists and touches token i-1.
func (s *scan) adjacent(i int) bool {
	return i > 0 && i < len(s.toks) && !s.toks[i].sp
}

// letterAdjacent reports a number token glued to letters ("SF1234",
// "1st", "A12"): part of a code, not a digit string.
func (s *scan) letterAdjacent(i int) bool {
	if s.adjacent(i) && s.toks[i-1].kind == kWord {
		return true
	}
	return s.adjacent(i+1) && s.toks[i+1].kind == kWord
}

// quantity reports a written number that is an amount, a decimal, a time
// or a count: "$1,250.00", "12.5", "10:30", "3%". Numbers of 13 digits or
// more are never quantities (a card number must not hide behind a "$").
func (s *scan) quantity(i int) bool {
	t := &s.toks[i]
	if t.end-t.start >= 13 {
		return false
	}
	isP := func(k int, rs ...rune) bool {
		if k < 0 || k >= len(s.toks) || s.toks[k].kind != kPunct {
			return false
		}
		for _, r := range rs {
			if s.toks[k].r == r {
				return true
			}
		}
		return false
	}
	numLen := func(k int) int {
		if k < 0 || k >= len(s.toks) || s.toks[k].kind != kNum {
			return 0
		}
		return s.toks[k].end - s.toks[k].start
	}
	// Currency before: "$12", "¥ 300", "USD 40".
	if isP(i-1, '$', '¥', '￥', '€', '£') || (s.word(i-1) != nil && s.word(i-1).kind == wCurrency) {
		return true
	}
	// Thousands: "1,250" / "12,500,000" (digits glued to ",ddd").
	if s.adjacent(i+1) && isP(i+1, ',') && s.adjacent(i+2) && numLen(i+2) == 3 && numLen(i) <= 3 {
		return true
	}
	if s.adjacent(i) && isP(i-1, ',') && s.adjacent(i-1) && numLen(i-2) > 0 && numLen(i-2) <= 3 && numLen(i) == 3 {
		return true
	}
	// Decimals: "12.5", "1,250.00": a dot glued on both sides with one or
	// two digits after it and no further dot.
	if s.adjacent(i+1) && isP(i+1, '.') && s.adjacent(i+2) && numLen(i+2) > 0 && numLen(i+2) <= 2 && !(s.adjacent(i+3) && isP(i+3, '.')) {
		return true
	}
	if s.adjacent(i) && isP(i-1, '.') && s.adjacent(i-1) && numLen(i-2) > 0 && numLen(i) <= 2 && !(s.adjacent(i+1) && isP(i+1, '.')) && !(s.adjacent(i-2) && isP(i-3, '.')) {
		return true
	}
	// Times and ratios: "10:30".
	if (s.adjacent(i+1) && isP(i+1, ':', '：') && numLen(i+2) > 0) || (s.adjacent(i) && isP(i-1, ':', '：') && numLen(i-2) > 0) {
		return true
	}
	// Percent, ordinal and units after: "3%", "50元", "3 items".
	if s.adjacent(i+1) && isP(i+1, '%', '％') {
		return true
	}
	if numLen(i) > 6 {
		return false
	}
	if s.adjacent(i+1) && s.toks[i+1].kind == kHan && hanUnitAfter[firstRune(s.text[s.toks[i+1].start:])] {
		return true
	}
	if w := s.word(i + 1); w != nil && w.kind == wUnit {
		return true
	}
	return false
}

// itemAt reads the digit item starting at token i and returns the token
// index after it.
func (s *scan) itemAt(i int) (item, int, bool) {
	t := &s.toks[i]
	it := item{t0: i, start: t.start, d0: len(s.digits)}
	j := i + 1
	switch t.kind {
	case kNum:
		if s.quantity(i) {
			return it, i, false
		}
		if s.letterAdjacent(i) {
			// The X of a Chinese ID: "11010519491231002X".
			if !(s.adjacent(i+1) && s.isX(i+1) && !s.adjacent(i+2) && !(s.adjacent(i) && s.toks[i-1].kind == kWord) && t.end-t.start == 17) {
				return it, i, false
			}
			s.digits = digitsOf(s.digits, s.text[t.start:t.end])
			s.digits = append(s.digits, 'X')
			j = i + 2
			break
		}
		s.digits = digitsOf(s.digits, s.text[t.start:t.end])
	case kHanDigit:
		if s.adjacent(i) && s.toks[i-1].kind == kHan && hanUnitBefore[lastRune(s.text[s.toks[i-1].start:s.toks[i-1].end])] {
			return it, i, false
		}
		if s.adjacent(i+1) && s.toks[i+1].kind == kHan && hanUnitAfter[firstRune(s.text[s.toks[i+1].start:])] {
			return it, i, false
		}
		s.digits = append(s.digits, hanDigits[t.r])
		it.spoken = true
	case kWord:
		w := t.w
		if w == nil {
			return it, i, false
		}
		it.spoken = true
		switch w.kind {
		case wDigit:
			if s.countDigit(i) {
				return it, i, false
			}
			if s.word(i+1) != nil && s.word(i+1).kind == wHundred {
				s.digits = append(s.digits, '0'+w.val, '0', '0')
				j = i + 2
				break
			}
			s.digits = append(s.digits, '0'+w.val)
		case wOh:
			// Zero only next to another digit item: "four oh one", not "oh, ok".
			if !s.itemJustBefore(i) && !s.digitAhead(i+1) {
				return it, i, false
			}
			s.digits = append(s.digits, '0')
		case wTeen:
			s.digits = append(s.digits, '0'+w.val/10, '0'+w.val%10)
		case wTens:
			k := i + 1
			if s.isPunct(k, '-') && s.adjacent(k) && s.adjacent(k+1) {
				k++
			}
			if u := s.word(k); u != nil && u.kind == wDigit && u.val > 0 {
				s.digits = append(s.digits, '0'+w.val/10, '0'+u.val)
				j = k + 1
				break
			}
			s.digits = append(s.digits, '0'+w.val/10, '0')
		case wRepeat:
			var d byte
			switch u := s.word(i + 1); {
			case u != nil && (u.kind == wDigit || u.kind == wOh):
				d = '0' + u.val
			case i+1 < len(s.toks) && s.toks[i+1].kind == kNum && s.toks[i+1].end-s.toks[i+1].start == 1:
				d = s.text[s.toks[i+1].start]
			default:
				return it, i, false
			}
			for range w.val {
				s.digits = append(s.digits, d)
			}
			j = i + 2
		case wX:
			// Only as the last character of an ID read out: "... zero two x".
			if !s.itemJustBefore(i) {
				return it, i, false
			}
			s.digits = append(s.digits, 'X')
		default:
			return it, i, false
		}
	case kHan:
		// "叉" is how an X is read in a Chinese ID.
		if s.text[t.start:t.end] != "叉" || !s.itemJustBefore(i) {
			return it, i, false
		}
		s.digits = append(s.digits, 'X')
		it.spoken = true
	default:
		return it, i, false
	}
	it.t1, it.end, it.d1 = j, s.toks[j-1].end, len(s.digits)
	return it, j, true
}

// itemJustBefore reports whether the token before i ends a digit item.
func (s *scan) itemJustBefore(i int) bool {
	return len(s.items) > 0 && s.items[len(s.items)-1].t1 == i
}

// isX reports the letter X (a Chinese ID's check character) at token i.
func (s *scan) isX(i int) bool {
	t := &s.toks[i]
	return t.kind == kWord && t.end-t.start == 1 && (s.text[t.start] == 'X' || s.text[t.start] == 'x')
}

// isPunct reports whether token k is the punctuation r.
func (s *scan) isPunct(k int, r rune) bool {
	return k >= 0 && k < len(s.toks) && s.toks[k].kind == kPunct && s.toks[k].r == r
}

// digitAhead reports whether token k starts a digit: a number, a digit
// word, "double", or a Han digit.
func (s *scan) digitAhead(k int) bool {
	if k >= len(s.toks) {
		return false
	}
	t := &s.toks[k]
	switch t.kind {
	case kNum, kHanDigit:
		return true
	case kWord:
		return t.w != nil && (t.w.kind == wDigit || t.w.kind == wOh || t.w.kind == wRepeat || t.w.kind == wTeen || t.w.kind == wTens)
	}
	return false
}
