package asr

import (
	"strconv"
	"strings"
	"unicode"
)

// SpokenWords returns text as a caller would say it: lower-case words
// without punctuation, numbers written in digits spelled out ("4" →
// "four", "1,250" → "one thousand two hundred fifty", "3rd" → "third"),
// currency and percent signs as words ("$50" → "fifty dollars"). Chinese
// (Han) characters come out one per element. Language models and
// grammars are built from this form.
func SpokenWords(text string) []string {
	var out []string
	for _, tok := range splitTokens(text) {
		out = append(out, spellToken(tok)...)
	}
	return out
}

// NormalizeWords returns text in the canonical form WER is computed on:
// SpokenWords, then every run of number words turned back into one digit
// string, so "4", "four", "twenty one" / "21" and "four eight two one" /
// "4821" compare equal. Han characters are one element each (character
// error rate for Chinese).
func NormalizeWords(text string) []string {
	return numbersToDigits(SpokenWords(text))
}

// isHan reports whether r is a CJK ideograph.
func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

// HasHan reports whether text contains a CJK ideograph (it is then scored
// by characters).
func HasHan(text string) bool {
	for _, r := range text {
		if isHan(r) {
			return true
		}
	}
	return false
}

// splitTokens lower-cases text and splits it into word tokens: letters and
// digits with inner apostrophes, digit groups with inner "," and "."
// ("1,000", "5.50"), a leading currency sign and a trailing "%" kept on
// the token. Han characters are tokens of their own; other punctuation
// separates.
func splitTokens(text string) []string {
	rs := []rune(strings.ToLower(text))
	var toks []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			toks = append(toks, string(cur))
			cur = cur[:0]
		}
	}
	at := func(i int) rune {
		if i < 0 || i >= len(rs) {
			return 0
		}
		return rs[i]
	}
	for i, r := range rs {
		switch {
		case isHan(r):
			flush()
			toks = append(toks, string(r))
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			cur = append(cur, r)
		case (r == '\'' || r == '’') && len(cur) > 0 && unicode.IsLetter(at(i+1)):
			cur = append(cur, '\'')
		case (r == ',' || r == '.') && len(cur) > 0 && unicode.IsDigit(at(i-1)) && unicode.IsDigit(at(i+1)):
			cur = append(cur, r)
		case (r == '$' || r == '£' || r == '€') && len(cur) == 0 && unicode.IsDigit(at(i+1)):
			cur = append(cur, r)
		case r == '%' && len(cur) > 0 && unicode.IsDigit(at(i-1)):
			cur = append(cur, r)
			flush()
		default:
			flush()
		}
	}
	flush()
	return toks
}

var currencyWords = map[rune]string{'$': "dollars", '£': "pounds", '€': "euros"}

// spellToken spells out the digits of one token.
func spellToken(tok string) []string {
	if !strings.ContainsFunc(tok, unicode.IsDigit) {
		return []string{tok}
	}
	var pre, post []string
	rs := []rune(tok)
	if w, ok := currencyWords[rs[0]]; ok {
		post = append(post, w)
		tok = string(rs[1:])
	}
	if strings.HasSuffix(tok, "%") {
		tok = strings.TrimSuffix(tok, "%")
		post = append([]string{"percent"}, post...)
	}
	// Ordinals: 1st, 2nd, 3rd, 4th.
	for _, suf := range []string{"st", "nd", "rd", "th"} {
		if n, ok := strings.CutSuffix(tok, suf); ok {
			if v, err := strconv.ParseInt(n, 10, 64); err == nil {
				return append(pre, ordinalWords(v)...)
			}
		}
	}
	whole, frac, hasFrac := strings.Cut(strings.ReplaceAll(tok, ",", ""), ".")
	if isDigits(whole) && (len(whole) > 6 && !strings.Contains(tok, ",") || len(whole) > 1 && whole[0] == '0') && !hasFrac {
		// Phone and account numbers: digit by digit.
		for _, d := range whole {
			pre = append(pre, unitWords[d-'0'])
		}
		return append(pre, post...)
	}
	if v, err := strconv.ParseInt(whole, 10, 64); err == nil && isDigits(frac) {
		words := cardinalWords(v)
		if hasFrac && frac != "" {
			words = append(words, "point")
			for _, d := range frac {
				words = append(words, unitWords[d-'0'])
			}
		}
		return append(append(pre, words...), post...)
	}
	// Mixed letters and digits ("a320", "4g"): split into runs.
	var out []string
	var run []rune
	digit := false
	emit := func() {
		if len(run) == 0 {
			return
		}
		if digit {
			v, err := strconv.ParseInt(string(run), 10, 64)
			if err != nil || len(run) > 4 {
				for _, d := range run {
					out = append(out, unitWords[d-'0'])
				}
			} else {
				out = append(out, cardinalWords(v)...)
			}
		} else {
			out = append(out, string(run))
		}
		run = run[:0]
	}
	for _, r := range tok {
		d := r >= '0' && r <= '9'
		if !unicode.IsLetter(r) && !d {
			continue
		}
		if len(run) > 0 && d != digit {
			emit()
		}
		digit = d
		run = append(run, r)
	}
	emit()
	return append(append(pre, out...), post...)
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

var (
	unitWords = []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
		"ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"}
	tensWords = []string{"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"}
	scales    = []struct {
		v    int64
		word string
	}{{1e9, "billion"}, {1e6, "million"}, {1e3, "thousand"}}
	ordinalOf = map[string]string{
		"one": "first", "two": "second", "three": "third", "four": "fourth", "five": "fifth",
		"six": "sixth", "seven": "seventh", "eight": "eighth", "nine": "ninth", "ten": "tenth",
		"eleven": "eleventh", "twelve": "twelfth", "thirteen": "thirteenth", "fourteen": "fourteenth",
		"fifteen": "fifteenth", "sixteen": "sixteenth", "seventeen": "seventeenth", "eighteen": "eighteenth",
		"nineteen": "nineteenth", "twenty": "twentieth", "thirty": "thirtieth", "forty": "fortieth",
		"fifty": "fiftieth", "sixty": "sixtieth", "seventy": "seventieth", "eighty": "eightieth",
		"ninety": "ninetieth", "hundred": "hundredth", "thousand": "thousandth", "million": "millionth",
		"billion": "billionth", "zero": "zeroth",
	}
)

// CardinalWords spells a whole number the American way, without "and":
// 1250 → "one thousand two hundred fifty".
func CardinalWords(n int64) string { return strings.Join(cardinalWords(n), " ") }

func cardinalWords(n int64) []string {
	if n < 0 {
		return append([]string{"minus"}, cardinalWords(-n)...)
	}
	if n == 0 {
		return []string{"zero"}
	}
	var out []string
	for _, s := range scales {
		if n >= s.v {
			out = append(out, cardinalWords(n/s.v)...)
			out = append(out, s.word)
			n %= s.v
		}
	}
	if n >= 100 {
		out = append(out, unitWords[n/100], "hundred")
		n %= 100
	}
	switch {
	case n >= 20:
		out = append(out, tensWords[n/10])
		if n%10 != 0 {
			out = append(out, unitWords[n%10])
		}
	case n > 0:
		out = append(out, unitWords[n])
	}
	return out
}

// ordinalWords spells an ordinal: 21 → "twenty first".
func ordinalWords(n int64) []string {
	w := cardinalWords(n)
	w[len(w)-1] = ordinalOf[w[len(w)-1]]
	return w
}

// numKind classifies a number word.
type numKind int

const (
	kNone numKind = iota
	kUnit         // zero..nine
	kTeen         // ten..nineteen
	kTens         // twenty..ninety
	kHundred
	kScale
)

// numWord is the value and kind of a cardinal or ordinal number word.
type numWord struct {
	v       int64
	kind    numKind
	ordinal bool
}

var numWords = func() map[string]numWord {
	m := map[string]numWord{"hundred": {100, kHundred, false}}
	for i, w := range unitWords {
		k := kUnit
		if i >= 10 {
			k = kTeen
		}
		m[w] = numWord{int64(i), k, false}
	}
	for i, w := range tensWords {
		if w != "" {
			m[w] = numWord{int64(i * 10), kTens, false}
		}
	}
	for _, s := range scales {
		m[s.word] = numWord{s.v, kScale, false}
	}
	for c, o := range ordinalOf {
		nw := m[c]
		nw.ordinal = true
		m[o] = nw
	}
	return m
}()

// numberParser turns runs of number words into digit strings.
type numberParser struct {
	out        []string
	total, cur int64
	last       numKind
	lastScale  int64
	active     bool
	digitsRun  bool // the pending output is a run of single spoken digits
}

// numbersToDigits rewrites every run of number words as digits; a run of
// single digits ("four eight two one") becomes one digit string.
func numbersToDigits(words []string) []string {
	p := &numberParser{out: make([]string, 0, len(words))}
	for i, w := range words {
		nw, ok := numWords[w]
		next := ""
		if i+1 < len(words) {
			next = words[i+1]
		}
		if !ok && (w == "oh" || w == "o") && (p.active && p.last == kUnit || isUnitWord(next)) {
			nw, ok = numWord{0, kUnit, false}, true
		}
		if !ok && w == "and" && p.active && (p.last == kHundred || p.last == kScale) && isNumberWord(next) {
			continue
		}
		if !ok && w == "a" && (next == "hundred" || next == "thousand" || next == "million") && !p.active {
			nw, ok = numWord{1, kUnit, false}, true
		}
		if !ok {
			p.flush(false)
			p.out = append(p.out, w)
			p.digitsRun = false
			continue
		}
		p.add(nw)
	}
	p.flush(false)
	return p.out
}

func isUnitWord(w string) bool {
	nw, ok := numWords[w]
	return ok && nw.kind == kUnit && !nw.ordinal
}

func isNumberWord(w string) bool { _, ok := numWords[w]; return ok }

// add takes one number word, first ending the pending number when the word
// cannot continue it.
func (p *numberParser) add(nw numWord) {
	if p.active && !p.continues(nw) {
		p.flush(p.last == kUnit && nw.kind == kUnit && !nw.ordinal)
	}
	p.active = true
	switch nw.kind {
	case kUnit, kTeen, kTens:
		p.cur += nw.v
	case kHundred:
		if p.cur == 0 {
			p.cur = 1
		}
		p.cur *= 100
	case kScale:
		if p.cur == 0 {
			p.cur = 1
		}
		p.total += p.cur * nw.v
		p.cur = 0
		p.lastScale = nw.v
	}
	p.last = nw.kind
	if nw.ordinal {
		p.flushOrdinal()
	}
}

// continues reports whether nw can extend the pending number.
func (p *numberParser) continues(nw numWord) bool {
	switch nw.kind {
	case kUnit:
		return p.last == kTens || p.last == kHundred || p.last == kScale
	case kTeen, kTens:
		return p.last == kHundred || p.last == kScale
	case kHundred:
		return (p.last == kUnit || p.last == kTeen) && p.cur < 100
	case kScale:
		return p.last != kScale && (p.lastScale == 0 || nw.v < p.lastScale)
	}
	return false
}

// flush emits the pending number. When digit is true the number was a
// single spoken digit followed by another: the next one is appended to it.
func (p *numberParser) flush(digit bool) {
	if !p.active {
		return
	}
	s := strconv.FormatInt(p.total+p.cur, 10)
	single := p.total == 0 && p.cur < 10 && p.last == kUnit
	if p.digitsRun && single && len(p.out) > 0 {
		p.out[len(p.out)-1] += s
	} else {
		p.out = append(p.out, s)
	}
	p.digitsRun = single && (digit || p.digitsRun)
	p.total, p.cur, p.last, p.lastScale, p.active = 0, 0, kNone, 0, false
}

// flushOrdinal emits the pending number as an ordinal ("21st").
func (p *numberParser) flushOrdinal() {
	v := p.total + p.cur
	suf := "th"
	if v%100 < 11 || v%100 > 13 {
		switch v % 10 {
		case 1:
			suf = "st"
		case 2:
			suf = "nd"
		case 3:
			suf = "rd"
		}
	}
	p.out = append(p.out, strconv.FormatInt(v, 10)+suf)
	p.total, p.cur, p.last, p.lastScale, p.active, p.digitsRun = 0, 0, kNone, 0, false, false
}
