package redact

import (
	"cmp"
	"slices"
	"strings"
	"unicode/utf8"
)

// scan is the state of one Redact call, pooled by the Redactor.
type scan struct {
	r      *Redactor
	text   string
	hint   cue
	hasHan bool
	toks   []token
	items  []item
	digits []byte
	found  []found
	canon  []byte // canonical values of spoken emails
}

// found is a span to mask. Digit spans keep their items for rendering.
type found struct {
	typ        Type
	start, end int
	i0, i1     int  // items [i0, i1], or -1
	c0, c1     int  // spoken email: its value is canon[c0:c1]
	emit       bool // masked; false for a claim that keeps a number as it is (a 400 number)
}

// maxScanCap bounds the buffers a pooled scan keeps between calls.
const maxScanCap = 1 << 14

func (s *scan) reset(r *Redactor, text string, hint cue) {
	s.r, s.text, s.hint, s.hasHan = r, text, hint, false
	s.toks = tokenize(s.toks[:0], text)
	for i := range s.toks {
		if k := s.toks[i].kind; k == kHan || k == kHanDigit {
			s.hasHan = true
			break
		}
	}
	s.items, s.digits, s.found, s.canon = s.items[:0], s.digits[:0], s.found[:0], s.canon[:0]
}

// release drops references to the text and oversized buffers.
func (s *scan) release() {
	s.r, s.text = nil, ""
	if cap(s.toks) > maxScanCap {
		s.toks = nil
	}
	if cap(s.items) > maxScanCap {
		s.items = nil
	}
	if cap(s.digits) > maxScanCap {
		s.digits = nil
	}
	if cap(s.found) > maxScanCap {
		s.found = nil
	}
	if cap(s.canon) > maxScanCap {
		s.canon = nil
	}
}

// detect fills s.found, sorted by start and without overlaps.
func (s *scan) detect() {
	s.emails()
	s.buildItems()
	for a := 0; a < len(s.items); {
		b := a + 1
		for b < len(s.items) && s.items[b].gap != gapBreak {
			b++
		}
		s.run(a, b)
		a = b
	}
	s.sortFound()
	if len(s.r.patterns) > 0 {
		s.patterns()
	}
	// Drop the claims that keep a number as it is.
	out := s.found[:0]
	for _, f := range s.found {
		if f.emit && s.r.enabled(f.typ) {
			out = append(out, f)
		}
	}
	s.found = out
}

func (s *scan) sortFound() {
	slices.SortFunc(s.found, func(a, b found) int { return cmp.Compare(a.start, b.start) })
}

// patterns adds the configured patterns' matches that overlap no span.
// s.found is sorted.
func (s *scan) patterns() {
	n := len(s.found)
	for _, p := range s.r.patterns {
		for _, m := range p.re.FindAllStringIndex(s.text, -1) {
			if m[0] == m[1] || overlapsSorted(s.found[:n], m[0], m[1]) {
				continue
			}
			s.found = append(s.found, found{typ: p.typ, start: m[0], end: m[1], i0: -1, emit: true})
		}
	}
	if len(s.found) > n {
		// Matches of two patterns may overlap: the first pattern wins.
		s.sortFound()
		out := s.found[:0]
		end := 0
		for _, f := range s.found {
			if f.start >= end {
				out = append(out, f)
				end = f.end
			}
		}
		s.found = out
	}
}

// overlapsSorted reports whether [start, end) overlaps a span of fs,
// which are sorted by start and do not overlap.
func overlapsSorted(fs []found, start, end int) bool {
	// The first span ending after start.
	k, _ := slices.BinarySearchFunc(fs, start, func(f found, x int) int {
		if f.end <= x {
			return -1
		}
		return 1
	})
	return k < len(fs) && fs[k].start < end
}

// claim records items [i, j] as a span of type t.
func (s *scan) claim(i, j int, t Type, emit bool) {
	for k := i; k <= j; k++ {
		s.items[k].claimed = true
	}
	s.found = append(s.found, found{typ: t, start: s.items[i].start, end: s.items[j].end, i0: i, i1: j, emit: emit})
}

// win returns the digits of items [i, j].
func (s *scan) win(i, j int) []byte { return s.digits[s.items[i].d0:s.items[j].d1] }

// loose reports whether a filler joins two of items [i, j].
func (s *scan) loose(i, j int) bool {
	for k := i + 1; k <= j; k++ {
		if s.items[k].gap == gapLoose {
			return true
		}
	}
	return false
}

// spoken reports whether any of items [i, j] is spoken.
func (s *scan) spoken(i, j int) bool {
	for k := i; k <= j; k++ {
		if s.items[k].spoken {
			return true
		}
	}
	return false
}

// clause is what is known about the words before a run of digits.
type clause struct {
	all  cue  // every cue in the clause before the run
	near cue  // the cues of the nearest word that has any
	plus bool // "+" or "plus" right before the run
}

// Context limits: how far back a cue may be.
const (
	ctxTokens = 12
	ctxBytes  = 90
)

// contextAt reads the cues before token t0.
func (s *scan) contextAt(t0 int) clause {
	var c clause
	if p := t0 - 1; p >= 0 {
		t := &s.toks[p]
		c.plus = (t.kind == kPunct && (t.r == '+' || t.r == '＋')) || (t.kind == kWord && t.w != nil && t.w.kind == wPlus)
	}
	lim := s.toks[t0].start - ctxBytes
walk:
	for k, n := t0-1, 0; k >= 0 && n < ctxTokens && s.toks[k].end > lim; k, n = k-1, n+1 {
		t := &s.toks[k]
		if t.item >= 0 || t.kind == kNum {
			break // a number before has its own cue
		}
		var cu cue
		switch t.kind {
		case kPunct:
			// The end of the sentence before: "?", "。", or ". " after a word.
			if sentenceEnd(t.r) || (t.r == '.' && s.adjacent(k) && (k+1 >= len(s.toks) || s.toks[k+1].sp)) {
				break walk
			}
		case kWord:
			cu = s.wordCue(k)
		case kHan:
			from := t.start
			if from < lim {
				from = lim
				for from < t.end && !utf8.RuneStart(s.text[from]) {
					from++
				}
			}
			cu = hanCueOf(s.text[from:t.end])
		}
		cu |= s.customCue(t)
		if cu != 0 {
			if c.near == 0 {
				c.near = cu
			}
			c.all |= cu
		}
	}
	if s.hint != 0 {
		if c.near == 0 {
			c.near = s.hint
		}
		c.all |= s.hint
	}
	return c
}

// wordCue returns the cues of the word at k, read with the word before
// it: "social security" is not a CVV cue, "order id" is an order number,
// "id card" an ID, "my number" a phone.
func (s *scan) wordCue(k int) cue {
	w := s.toks[k].w
	prev := s.word(k - 1)
	lw := strings.ToLower(s.text[s.toks[k].start:s.toks[k].end])
	switch lw {
	case "security":
		if prev != nil && prev.cue&cueSSN != 0 {
			return 0
		}
	case "back":
		// "the three digits on the back", not "call me back", "read back".
		if p := s.prevTok(k); p < 0 || !strings.EqualFold(s.text[s.toks[p].start:s.toks[p].end], "the") {
			return 0
		}
	case "id", "card":
		if prev != nil && prev.cue&(cueNeg|cueID) != 0 {
			if prev.cue&cueNeg != 0 {
				return cueNeg
			}
			return cueID
		}
	case "number", "numbers", "no", "num":
		if prev != nil {
			p := strings.ToLower(s.text[s.toks[k-1].start:s.toks[k-1].end])
			switch p {
			case "my", "your", "his", "her", "their", "our", "best", "contact", "callback":
				return cuePhone
			}
		}
		return 0
	}
	if w == nil {
		return 0
	}
	return w.cue
}

// customCue reports the configured account cues in token t.
func (s *scan) customCue(t *token) cue {
	if len(s.r.acctCues) == 0 || (t.kind != kWord && t.kind != kHan) {
		return 0
	}
	tx := s.text[t.start:t.end]
	for _, c := range s.r.acctCues {
		if t.kind == kHan {
			if strings.Contains(tx, c) {
				return cueAccount
			}
			continue
		}
		if strings.EqualFold(tx, c) {
			return cueAccount
		}
		// A phrase: its last word is this token and the text before matches.
		if sp := strings.LastIndexByte(c, ' '); sp >= 0 && strings.EqualFold(tx, c[sp+1:]) {
			head := c[:sp]
			before := strings.TrimRight(s.text[:t.start], " \t")
			if len(before) >= len(head) && strings.EqualFold(before[len(before)-len(head):], head) {
				return cueAccount
			}
		}
	}
	return 0
}

// after returns the token after items [.., j], or -1.
func (s *scan) after(j int) int {
	if t := s.items[j].t1; t < len(s.toks) {
		return t
	}
	return -1
}

// unitAfter reports a quantity word or character right after item j:
// "125000 元", "20 dollars".
func (s *scan) unitAfter(j int) bool {
	k := s.after(j)
	if k < 0 {
		return false
	}
	t := &s.toks[k]
	switch t.kind {
	case kWord:
		return t.w != nil && t.w.kind == wUnit
	case kHan:
		return hanUnitAfter[firstRune(s.text[t.start:t.end])]
	case kPunct:
		return t.r == '%' || t.r == '％'
	}
	return false
}

// run classifies the digit items [a, b) that form one run.
func (s *scan) run(a, b int) {
	ctx := s.contextAt(s.items[a].t0)
	s.passDate(a, b)
	s.passID18(a, b)
	// The nearest cue goes first: after "+" or "phone" a phone number,
	// after "account" or "card number" what the cue says.
	switch {
	case ctx.plus || ctx.near&cuePhone != 0:
		s.passPhone(a, b, ctx)
		s.passCard(a, b, ctx)
	case ctx.near&(cueCard|cueAccount|cueID|cueSSN|cueCVV) != 0 && ctx.near&cueNeg == 0:
		s.passCard(a, b, ctx)
		s.passSSN(a, b)
		s.passCued(a, b, ctx)
	default:
		s.passCard(a, b, ctx)
	}
	s.passSSN(a, b)
	s.passPhone(a, b, ctx)
	s.passCued(a, b, ctx)
}

// passDate keeps dates written with separators as they are: 2024-03-15,
// 15/03/2024, 03.15.2024.
func (s *scan) passDate(a, b int) {
	for i := a; i+2 < b; i++ {
		x, y, z := s.items[i], s.items[i+1], s.items[i+2]
		if x.spoken || y.spoken || z.spoken || x.claimed || y.gap != gapTight || z.gap != gapTight {
			continue
		}
		sep1, sep2 := s.text[x.end:y.start], s.text[y.end:z.start]
		if sep1 != sep2 || (sep1 != "-" && sep1 != "/" && sep1 != ".") {
			continue
		}
		lx, ly, lz := x.d1-x.d0, y.d1-y.d0, z.d1-z.d0
		dx, dy, dz := num(s.digits[x.d0:x.d1]), num(s.digits[y.d0:y.d1]), num(s.digits[z.d0:z.d1])
		ok := false
		switch {
		case lx == 4 && ly <= 2 && lz <= 2:
			ok = validDate(dx, dy, dz, 1900, 2100)
		case lx <= 2 && ly <= 2 && lz == 4:
			ok = validDate(dz, dy, dx, 1900, 2100) || validDate(dz, dx, dy, 1900, 2100)
		}
		if ok {
			s.claim(i, i+2, "", false)
			i += 2
		}
	}
}

// passID18 finds Chinese resident IDs: 18 characters with a valid check.
func (s *scan) passID18(a, b int) {
	for i := a; i < b; i++ {
		for j := i; j < b && !s.items[j].claimed; j++ {
			n := s.items[j].d1 - s.items[i].d0
			if n > 18 {
				break
			}
			if n == 18 && !s.loose(i, j) && cnID18(s.win(i, j)) {
				s.claim(i, j, ID, true)
				i = j
				break
			}
		}
	}
}

// passCard finds card numbers: 13-19 digits passing the Luhn check. A
// filler may join the groups only after a card cue. Of the windows
// starting at an item, the one ending the run wins, then one of 16 digits,
// then the longest. After an account cue (and no card cue) a card number
// is masked as an account.
func (s *scan) passCard(a, b int, ctx clause) {
	cardCue := ctx.all&cueCard != 0
	typ := Card
	if ctx.near&cueAccount != 0 && ctx.near&cueCard == 0 {
		typ = Account
	}
	for i := a; i < b; i++ {
		if s.items[i].claimed {
			continue
		}
		best, bestScore := -1, -1
		for j := i; j < b && !s.items[j].claimed; j++ {
			d := s.win(i, j)
			n := len(d)
			if n > 19 || d[n-1] == 'X' {
				break
			}
			if n < 13 || (!cardCue && s.loose(i, j)) || !luhn(d) || !s.cardWindow(a, b, i, j) {
				continue
			}
			score := n
			if n == 16 {
				score += 20
			}
			if j == b-1 || s.items[j+1].claimed {
				score += 40
			}
			if s.loose(i, j) {
				score -= 80
			}
			if score > bestScore {
				best, bestScore = j, score
			}
		}
		if best >= 0 {
			s.claim(i, best, typ, true)
			i = best
		}
	}
}

// cardWindow reports whether written items [i, j] of run [a, b) may be a
// card number: one block of digits; or groups standing alone (the digits
// next to them are claimed, spoken or joined by a filler); or grouped the
// way cards are (4-4-4-4, 4-6-5, 4-4-4-4-3) next to no other 4-digit group.
// A 22-digit parcel number written in groups of four is not a card number.
func (s *scan) cardWindow(a, b, i, j int) bool {
	if i == j || s.spoken(i, j) {
		return true
	}
	tightBefore := i > a && s.items[i].gap == gapTight && !s.items[i-1].claimed && !s.items[i-1].spoken
	tightAfter := j+1 < b && s.items[j+1].gap == gapTight && !s.items[j+1].claimed && !s.items[j+1].spoken
	if !tightBefore && !tightAfter {
		return true
	}
	size := func(k int) int { return s.items[k].d1 - s.items[k].d0 }
	var shape [8]int
	n := j - i + 1
	if n > len(shape) {
		return false
	}
	for k := i; k <= j; k++ {
		shape[k-i] = size(k)
	}
	ok := false
	switch {
	case n == 4 && shape[0] == 4 && shape[1] == 4 && shape[2] == 4 && shape[3] == 4,
		n == 5 && shape[0] == 4 && shape[1] == 4 && shape[2] == 4 && shape[3] == 4 && shape[4] == 3,
		n == 3 && shape[0] == 4 && shape[1] == 6 && (shape[2] == 5 || shape[2] == 4):
		ok = true
	}
	if !ok {
		return false
	}
	return !(tightBefore && size(i-1) == 4) && !(tightAfter && size(j+1) == 4)
}

// passSSN finds US Social Security numbers written 123-45-6789 or
// 123 45 6789 (the whole run, within the valid ranges).
func (s *scan) passSSN(a, b int) {
	if b-a != 3 {
		return
	}
	x, y, z := s.items[a], s.items[a+1], s.items[a+2]
	if x.claimed || y.claimed || z.claimed || x.spoken || y.spoken || z.spoken || y.gap != gapTight || z.gap != gapTight {
		return
	}
	if x.d1-x.d0 != 3 || y.d1-y.d0 != 2 || z.d1-z.d0 != 4 {
		return
	}
	sep1, sep2 := strings.TrimSpace(s.text[x.end:y.start]), strings.TrimSpace(s.text[y.end:z.start])
	if sep1 != sep2 || (sep1 != "-" && sep1 != "") {
		return
	}
	if ssn(s.win(a, a+2)) {
		s.claim(a, a+2, ID, true)
	}
}

// passPhone finds phone numbers. A number written as one block of digits
// ("4155550134") is taken unless the nearest cue says it is an order or
// tracking number; fillers may join groups only when spoken or after a
// phone cue. Company numbers are claimed (kept) unless WithTollFree.
func (s *scan) passPhone(a, b int, ctx clause) {
	phoneCue := ctx.all&cuePhone != 0
	nanpFirst := !s.hasHan
	for i := a; i < b; i++ {
		if s.items[i].claimed {
			continue
		}
		best, bestClass := -1, notPhone
		for j := i; j < b && !s.items[j].claimed; j++ {
			d := s.win(i, j)
			if len(d) > 15 || d[len(d)-1] == 'X' {
				break
			}
			if len(d) < 5 {
				continue
			}
			sp := s.spoken(i, j)
			if s.loose(i, j) && !sp && !phoneCue {
				continue
			}
			nf := nanpFirst || (!s.items[i].spoken && s.items[i].d1-s.items[i].d0 == 1 && j > i)
			c := classifyPhone(d, i == a && ctx.plus, nf)
			if c == notPhone {
				continue
			}
			if c == business && len(d) < 10 && (i != a || j != b-1) {
				continue // a short service number must stand alone
			}
			if c == personal && i == j && !sp && ctx.near&cueNeg != 0 {
				continue // "order number 13912345678"
			}
			best, bestClass = j, c
		}
		if best >= 0 {
			s.claim(i, best, Phone, bestClass == personal || s.r.tollFree)
			i = best
		}
	}
}

// passCued masks what is left of the run after a cue: a card number the
// recogniser got a digit wrong in, a CVV or PIN, an SSN or ID read out, a
// local phone number, an account number. The nearest cue decides; an
// order or tracking cue keeps the number.
func (s *scan) passCued(a, b int, ctx clause) {
	if ctx.all&^cueNeg == 0 {
		return
	}
	for i := a; i < b; i++ {
		if s.items[i].claimed {
			continue
		}
		j := i
		for j+1 < b && !s.items[j+1].claimed {
			j++
		}
		if t, ok := s.cued(i, j, ctx.near); ok {
			s.claim(i, j, t, true)
		} else if t, ok := s.cued(i, j, ctx.all&^cueNeg); ok && ctx.near&cueNeg == 0 {
			s.claim(i, j, t, true)
		}
		i = j
	}
}

// cued returns the type of items [i, j] given cues c.
func (s *scan) cued(i, j int, c cue) (Type, bool) {
	if c&cueNeg != 0 || c == 0 {
		return "", false
	}
	d := s.win(i, j)
	n := len(d)
	if s.unitAfter(j) {
		return "", false
	}
	hasX := false
	for _, x := range d[:n-1] {
		if x == 'X' {
			return "", false
		}
	}
	if d[n-1] == 'X' {
		hasX = true
	}
	switch {
	case c&cueCVV != 0 && n >= 3 && n <= 6 && !hasX:
		return CVV, true
	case c&cueCard != 0 && n >= 7 && n <= 19 && !hasX:
		return Card, true
	case c&cueSSN != 0 && n == 9 && !hasX:
		return ID, true
	case c&cueID != 0 && n >= 8 && n <= 18:
		return ID, true
	case c&cuePhone != 0 && n >= 7 && n <= 15 && !hasX:
		if classifyPhone(d, false, !s.hasHan) == business && !s.r.tollFree {
			return "", false
		}
		return Phone, true
	case c&(cueAccount|cueCard) != 0 && n >= s.r.acctMin && n <= s.r.acctMax && !hasX:
		return Account, true
	}
	return "", false
}
