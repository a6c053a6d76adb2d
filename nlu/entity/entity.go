package entity

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"time"
)

// Entity is a value found in an utterance.
type Entity struct {
	Type       string  // one of the Type* constants or a custom type name
	Value      string  // canonical value
	Text       string  // the matched text as it appears
	Start, End int     // byte offsets in the input
	Num        float64 // numeric value for number, money and digits
}

// The built-in entity types.
const (
	TypeNumber = "number" // "350", "12.5"
	TypeDigits = "digits" // "4561", "0123"
	TypeMoney  = "money"  // "350.00 CNY"
	TypeDate   = "date"   // "2026-11-26"
	TypeTime   = "time"   // "15:30"
	TypePhone  = "phone"  // "+8613800138000"
	TypeEmail  = "email"  // "john.smith@example.com"
	TypeYesNo  = "yesno"  // "yes" or "no"
	TypeID     = "id"     // "SF1234567890"
)

// Errors New reports, wrapped with the name of the bad option.
var (
	// ErrBadList: a WithList list is empty, unnamed, or ambiguous.
	ErrBadList = errors.New("entity: bad list")
	// ErrBadPattern: a WithPattern or WithIDPattern expression is invalid.
	ErrBadPattern = errors.New("entity: bad pattern")
)

var builtin = []string{TypeNumber, TypeDigits, TypeMoney, TypeDate, TypeTime, TypePhone, TypeEmail, TypeYesNo, TypeID}

// Types returns the built-in entity types.
func Types() []string { return slices.Clone(builtin) }

// Option configures an Extractor.
type Option func(*Extractor)

// Extractor finds entities in utterances. It is immutable once built and
// safe for concurrent use.
type Extractor struct {
	lists    []*list
	patterns []*pattern
	idRe     *regexp.Regexp // nil: the default id shapes
	names    map[string]bool
	errs     []error
}

func (e *Extractor) claim(kind, name string) bool {
	switch {
	case name == "":
		e.errs = append(e.errs, fmt.Errorf("entity: %s with an empty name", kind))
	case slices.Contains(builtin, name):
		e.errs = append(e.errs, fmt.Errorf("entity: %s %q: name is a built-in type", kind, name))
	case e.names[name]:
		e.errs = append(e.errs, fmt.Errorf("entity: %s %q: name already used", kind, name))
	default:
		e.names[name] = true
		return true
	}
	return false
}

// WithList adds a custom list type: values maps each canonical value to
// its synonyms. Matching is case-insensitive, by whole words for Latin
// text and by substring for Chinese; the canonical value itself matches
// too. The entity's Value is the canonical value.
func WithList(name string, values map[string][]string) Option {
	return func(e *Extractor) {
		if !e.claim("list", name) {
			return
		}
		l, err := newList(name, values)
		if err != nil {
			e.errs = append(e.errs, err)
			return
		}
		e.lists = append(e.lists, l)
	}
}

// WithPattern adds a custom type matched by a regular expression (RE2
// syntax). The Value is the first non-empty capture group, or the whole
// match when the expression has none.
func WithPattern(name, expr string) Option {
	return func(e *Extractor) {
		if !e.claim("pattern", name) {
			return
		}
		re, err := regexp.Compile(expr)
		if err != nil {
			e.errs = append(e.errs, fmt.Errorf("%w: pattern %q (%q): %v", ErrBadPattern, name, expr, err))
			return
		}
		e.pats(&pattern{name: name, re: re})
	}
}

func (e *Extractor) pats(p *pattern) { e.patterns = append(e.patterns, p) }

// WithIDPattern replaces the default shapes of order and account ids. The
// expression is matched case-insensitively; values are upper-cased with
// separators removed. Parse also tries it on the text with digit groups
// and spoken digits joined ("abc 1234 five six" reads as "ABC123456").
func WithIDPattern(expr string) Option {
	return func(e *Extractor) {
		re, err := regexp.Compile("(?i)" + expr)
		if err != nil {
			e.errs = append(e.errs, fmt.Errorf("%w: id pattern %q: %v", ErrBadPattern, expr, err))
			return
		}
		e.idRe = re
	}
}

// New builds an Extractor. The error names every bad list or pattern.
func New(opts ...Option) (*Extractor, error) {
	e := &Extractor{names: map[string]bool{}}
	for _, o := range opts {
		if o != nil {
			o(e)
		}
	}
	if len(e.errs) > 0 {
		return nil, errors.Join(e.errs...)
	}
	e.errs = nil
	return e, nil
}

// run adds the candidates of one type (or all when typ is "").
func (e *Extractor) run(s *scan, typ string) {
	all := typ == ""
	if all || typ == TypeNumber {
		s.numbers()
	}
	if all || typ == TypeDigits {
		s.digits()
	}
	if all || typ == TypeMoney {
		s.money()
	}
	if all || typ == TypeDate {
		s.dates()
	}
	if all || typ == TypeTime {
		s.times()
	}
	if all || typ == TypePhone {
		s.phones()
	}
	if all || typ == TypeEmail {
		s.emails()
	}
	if all || typ == TypeYesNo {
		s.yesno()
	}
	if all || typ == TypeID {
		if e.idRe == nil {
			s.defaultIDs()
		} else {
			for _, m := range e.idRe.FindAllStringIndex(s.text, -1) {
				if v := idValue(s.text[m[0]:m[1]]); v != "" {
					s.addSpan(TypeID, v, m[0], m[1], 0, priID)
				}
			}
		}
	}
	var low string
	lower := func() string {
		if low == "" {
			low = asciiLower(s.text)
		}
		return low
	}
	for _, l := range e.lists {
		if all || typ == l.name {
			l.find(s, lower)
		}
	}
	for _, p := range e.patterns {
		if all || typ == p.name {
			p.find(s)
		}
	}
}

// resolve keeps the longest candidates (then the highest priority) that
// do not overlap, in text order.
func resolve(c []cand, n int) []Entity {
	if len(c) == 0 {
		return nil
	}
	idx := make([]int, len(c))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		x, y := &c[a], &c[b]
		if la, lb := x.End-x.Start, y.End-y.Start; la != lb {
			return lb - la
		}
		if x.pri != y.pri {
			return y.pri - x.pri
		}
		return x.Start - y.Start
	})
	used := make([]uint64, n/64+1)
	out := make([]Entity, 0, len(c))
next:
	for _, i := range idx {
		x := &c[i]
		for p := x.Start; p < x.End; p++ {
			if used[p/64]&(1<<(p%64)) != 0 {
				continue next
			}
		}
		for p := x.Start; p < x.End; p++ {
			used[p/64] |= 1 << (p % 64)
		}
		out = append(out, x.Entity)
	}
	slices.SortFunc(out, func(a, b Entity) int { return a.Start - b.Start })
	return out
}

// Extract returns every entity found in text, without overlaps, in text
// order. Relative dates are resolved against now (in now's location).
func (e *Extractor) Extract(text string, now time.Time) []Entity {
	if text == "" {
		return nil
	}
	s := newScan(text, now, false)
	e.run(s, "")
	return resolve(s.out, len(text))
}

// Parse returns the best single value of type typ in text, for filling a
// slot: the entity Extract would report (the longest one; for yesno the
// last one), else the type read with looser rules ("three thirty" as a
// time, "two hundred" as money in the default currency, spoken digits as
// a phone number or an id). Custom list and pattern names are accepted.
func (e *Extractor) Parse(typ, text string, now time.Time) (Entity, bool) {
	if text == "" {
		return Entity{}, false
	}
	known := slices.Contains(builtin, typ) || e.names[typ]
	if !known {
		return Entity{}, false
	}
	s := newScan(text, now, false)
	switch typ {
	case TypeDigits:
		return s.bestRun()
	}
	e.run(s, "")
	if x, ok := pick(resolve(s.out, len(text)), typ); ok {
		return x, true
	}
	// Looser readings.
	lsv := *s
	ls := &lsv
	ls.loose, ls.out = true, nil
	switch typ {
	case TypePhone:
		return ls.loosePhone()
	case TypeID:
		if e.idRe != nil {
			return ls.patternID(e.idRe)
		}
		return ls.looseID()
	case TypeMoney:
		ls.money()
		if x, ok := pick(candEntities(ls.out), typ); ok {
			return x, true
		}
		return ls.defaultMoney()
	}
	e.run(ls, typ)
	return pick(candEntities(ls.out), typ)
}

func candEntities(c []cand) []Entity {
	out := make([]Entity, len(c))
	for i := range c {
		out[i] = c[i].Entity
	}
	slices.SortStableFunc(out, func(a, b Entity) int { return a.Start - b.Start })
	return out
}

// pick chooses the entity of type typ: the last yes/no, otherwise the
// longest (the first among equals).
func pick(es []Entity, typ string) (Entity, bool) {
	var best Entity
	found := false
	for _, x := range es {
		if x.Type != typ {
			continue
		}
		if typ == TypeYesNo || !found || len(x.Text) > len(best.Text) {
			best, found = x, true
		}
	}
	return best, found
}

// loosePhone reads a phone number said as digits ("five five five one two
// three four five six seven", "plus eight six ...").
func (s *scan) loosePhone() (Entity, bool) {
	var best Entity
	found := false
	for i := 0; i < len(s.toks); i++ {
		k := i
		plus := false
		if s.word(k) == "plus" || s.punct(k, '+') {
			plus = true
			k++
		}
		r, ok := s.runAt(k, true)
		if !ok {
			continue
		}
		d := r.digits
		if len(d) < 7 && !(len(d) == 5 && d[:2] == "95") || len(d) > 15 {
			i = r.end - 1
			continue
		}
		if plus {
			d = "+" + d
		}
		e := Entity{Type: TypePhone, Value: d, Start: s.toks[i].start, End: s.toks[r.end-1].end}
		if !found || len(e.Value) > len(best.Value) {
			best, found = e, true
		}
		i = r.end - 1
	}
	if found {
		best.Text = s.text[best.Start:best.End]
	}
	return best, found
}

// defaultMoney reads a bare amount as money: CNY when the text is Chinese,
// else USD.
func (s *scan) defaultMoney() (Entity, bool) {
	cur := "USD"
	if s.hasHan {
		cur = "CNY"
	}
	var best Entity
	found := false
	for i := 0; i < len(s.toks); {
		v, j, ok := s.numAt(i)
		if !ok {
			i++
			continue
		}
		st, en := s.toks[i].start, s.toks[j-1].end
		if !found || en-st > best.End-best.Start {
			best = Entity{Type: TypeMoney, Value: fmtMoney(v, cur), Text: s.text[st:en], Start: st, End: en, Num: v}
			found = true
		}
		i = j
	}
	return best, found
}
