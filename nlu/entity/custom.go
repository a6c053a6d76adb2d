package entity

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// list is a custom list type (WithList).
type list struct {
	name  string
	latin map[string][]listPhrase // first token -> phrases, longest first
	cjk   []listPhrase            // matched as case-insensitive substrings
}

type listPhrase struct {
	toks  []string // lower-cased tokens (Latin phrases)
	text  string   // ASCII-lower-cased text (CJK phrases)
	value string
}

func hasHan(s string) bool {
	for _, r := range s {
		if isHan(r) {
			return true
		}
	}
	return false
}

// asciiLower lower-cases ASCII letters only, keeping byte offsets.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for k := i; k < len(b); k++ {
				if b[k] >= 'A' && b[k] <= 'Z' {
					b[k] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

func newList(name string, values map[string][]string) (*list, error) {
	if len(values) == 0 {
		return nil, fmt.Errorf("%w: list %q has no values", ErrBadList, name)
	}
	l := &list{name: name, latin: map[string][]listPhrase{}}
	owner := map[string]string{}
	canon := make([]string, 0, len(values))
	for v := range values {
		canon = append(canon, v)
	}
	sort.Strings(canon)
	for _, v := range canon {
		if strings.TrimSpace(v) == "" {
			return nil, fmt.Errorf("%w: list %q has an empty value", ErrBadList, name)
		}
		for _, syn := range append([]string{v}, values[v]...) {
			syn = strings.TrimSpace(syn)
			if syn == "" {
				return nil, fmt.Errorf("%w: list %q value %q has an empty synonym", ErrBadList, name, v)
			}
			key := strings.ToLower(syn)
			if o, ok := owner[key]; ok {
				if o != v {
					return nil, fmt.Errorf("%w: list %q: synonym %q belongs to both %q and %q", ErrBadList, name, syn, o, v)
				}
				continue
			}
			owner[key] = v
			if hasHan(syn) {
				l.cjk = append(l.cjk, listPhrase{text: asciiLower(syn), value: v})
				continue
			}
			toks := tokenize(syn)
			if len(toks) == 0 {
				return nil, fmt.Errorf("%w: list %q value %q: synonym %q has no words", ErrBadList, name, v, syn)
			}
			p := listPhrase{value: v}
			for _, t := range toks {
				p.toks = append(p.toks, t.s)
			}
			l.latin[p.toks[0]] = append(l.latin[p.toks[0]], p)
		}
	}
	for _, ps := range l.latin {
		sort.SliceStable(ps, func(a, b int) bool { return len(ps[a].toks) > len(ps[b].toks) })
	}
	sort.SliceStable(l.cjk, func(a, b int) bool { return len(l.cjk[a].text) > len(l.cjk[b].text) })
	return l, nil
}

// find adds the list's matches to s.
func (l *list) find(s *scan, lower func() string) {
	for i := 0; i < len(s.toks); i++ {
		t := &s.toks[i]
		if t.kind == tHan {
			continue
		}
		// Whole words: the phrase may not continue a word or number.
		if s.adj(i) && t.kind != tPunct && (s.toks[i-1].kind == t.kind) {
			continue
		}
		for _, p := range l.latin[t.s] {
			j := i + 1
			ok := true
			for _, w := range p.toks[1:] {
				if j >= len(s.toks) || s.toks[j].s != w || s.toks[j].kind == tHan {
					ok = false
					break
				}
				j++
			}
			if !ok {
				continue
			}
			if s.adj(j) && s.toks[j].kind == s.toks[j-1].kind && s.toks[j].kind != tPunct {
				continue
			}
			s.add(l.name, p.value, i, j, 0, priCustom)
			break
		}
	}
	if len(l.cjk) == 0 {
		return
	}
	low := lower()
	for _, p := range l.cjk {
		for off := 0; off < len(low); {
			q := strings.Index(low[off:], p.text)
			if q < 0 {
				break
			}
			st := off + q
			s.addSpan(l.name, p.value, st, st+len(p.text), 0, priCustom)
			off = st + len(p.text)
		}
	}
}

// pattern is a custom regular-expression type (WithPattern).
type pattern struct {
	name string
	re   *regexp.Regexp
}

func (p *pattern) find(s *scan) {
	for _, m := range p.re.FindAllStringSubmatchIndex(s.text, -1) {
		if m[1] <= m[0] {
			continue
		}
		val := s.text[m[0]:m[1]]
		for g := 2; g+1 < len(m); g += 2 {
			if m[g] >= 0 && m[g+1] > m[g] {
				val = s.text[m[g]:m[g+1]]
				break
			}
		}
		s.addSpan(p.name, val, m[0], m[1], 0, priCustom)
	}
}

// idStop are short words that are not an id prefix ("is 1234567890").
var idStop = map[string]bool{
	"is": true, "it": true, "its": true, "my": true, "no": true, "on": true, "at": true,
	"to": true, "in": true, "of": true, "an": true, "the": true, "and": true, "was": true,
	"for": true, "are": true, "id": true, "me": true, "be": true, "by": true, "or": true,
	"as": true, "so": true, "we": true, "us": true, "our": true, "your": true, "has": true,
	"had": true, "have": true, "with": true, "from": true, "this": true, "that": true,
	"says": true, "said": true, "read": true, "code": true, "num": true, "ref": false,
	"yes": true, "yeah": true, "okay": true, "ok": true, "um": true, "uh": true, "er": true,
	"oh": true, "one": true, "two": true, "six": true, "ten": true, "four": true,
	"five": true, "nine": true, "zero": true, "plus": true, "then": true, "like": true,
	"just": true, "also": true, "here": true, "there": true, "call": true, "last": true,
	"card": true, "ends": true, "mine": true, "it's": true, "i'm": true, "am": true,
}

func isASCIILetters(w string) bool {
	if w == "" {
		return false
	}
	for i := 0; i < len(w); i++ {
		c := w[i] | 0x20
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// idValue upper-cases an id and drops separators.
func idValue(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z':
			b.WriteByte(c - 'a' + 'A')
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
			b.WriteByte(c)
		}
	}
	return b.String()
}

// defaultIDs finds "SF1234567890", "ORD-20231234": 2-4 letters, an
// optional hyphen, 6-14 digits.
func (s *scan) defaultIDs() {
	for i := 0; i < len(s.toks); i++ {
		w := s.toks[i]
		if w.kind != tWord || len(w.s) < 2 || len(w.s) > 4 || !isASCIILetters(w.s) {
			continue
		}
		if s.adj(i) && (s.toks[i-1].kind == tWord || s.toks[i-1].kind == tNum) {
			continue
		}
		k := i + 1
		if s.punct(k, '-') && s.adj(k) {
			k++
		}
		n := s.num(k)
		if !s.adj(k) || len(n) < 6 || len(n) > 14 {
			continue
		}
		if s.adj(k+1) && (s.toks[k+1].kind == tWord || s.toks[k+1].kind == tNum) {
			continue
		}
		s.add(TypeID, strings.ToUpper(w.s)+n, i, k+1, 0, priID)
		i = k
	}
}

// looseID reads an id said with spaces: "sf 1234 5678 90", "s f one two
// three ...", or a bare run of 10-20 digits.
func (s *scan) looseID() (Entity, bool) {
	var best Entity
	found := false
	consider := func(e Entity) {
		if !found || len(e.Value) > len(best.Value) {
			best, found = e, true
		}
	}
	for i := 0; i < len(s.toks); i++ {
		// Letter prefix: one word of 2-4 letters, or spelled single letters.
		prefix := ""
		k := i
		if w := s.word(i); w != "" && isASCIILetters(w) {
			if len(w) >= 2 && len(w) <= 4 && !idStop[w] {
				prefix, k = w, i+1
			} else if len(w) == 1 && w != "a" && w != "i" && w != "o" {
				for k < len(s.toks) && len(s.word(k)) == 1 && isASCIILetters(s.word(k)) && len(prefix) < 4 {
					if _, isDigit := digitWord(s.word(k)); isDigit && k > i {
						break
					}
					prefix += s.word(k)
					k++
				}
				if len(prefix) < 2 {
					prefix, k = "", i
				}
			}
		}
		if s.punct(k, '-') {
			k++
		}
		r, ok := s.runAt(k, true)
		if !ok {
			continue
		}
		if prefix != "" && len(r.digits) >= 6 && len(r.digits) <= 14 {
			consider(Entity{Type: TypeID, Value: strings.ToUpper(prefix) + r.digits, Start: s.toks[i].start, End: s.toks[r.end-1].end})
		} else if prefix == "" && len(r.digits) >= 10 && len(r.digits) <= 20 {
			consider(Entity{Type: TypeID, Value: r.digits, Start: s.toks[k].start, End: s.toks[r.end-1].end})
		}
	}
	if found {
		best.Text = s.text[best.Start:best.End]
	}
	return best, found
}

// patternID applies a custom id pattern to a compacted form of the text
// in which digit groups and spoken digits are joined ("abc 1234 five six"
// -> "ABC123456"), mapping the match back to the original span.
func (s *scan) patternID(re *regexp.Regexp) (Entity, bool) {
	var b strings.Builder
	var from []int // byte in b -> token index
	write := func(str string, tok int) {
		for k := 0; k < len(str); k++ {
			from = append(from, tok)
		}
		b.WriteString(str)
	}
	prevKind := tokKind(0)
	for i := 0; i < len(s.toks); {
		t := &s.toks[i]
		if r, ok := s.runAt(i, true); ok {
			write(r.digits, i)
			from[len(from)-1] = r.end - 1
			i = r.end
			prevKind = tNum
			continue
		}
		switch t.kind {
		case tWord:
			if prevKind == tWord && !(len(t.s) == 1 && len(s.word(i-1)) == 1) {
				write(" ", i)
			}
			write(strings.ToUpper(t.s), i)
			prevKind = tWord
		case tPunct:
			if t.r == '-' || t.r == '_' || t.r == '/' {
				break
			}
			write(" ", i)
			prevKind = tPunct
		default:
			write(" ", i)
			prevKind = tPunct
		}
		i++
	}
	c := b.String()
	var best Entity
	found := false
	for _, m := range re.FindAllStringIndex(c, -1) {
		v := idValue(c[m[0]:m[1]])
		if v == "" || (found && len(v) <= len(best.Value)) {
			continue
		}
		st, en := s.toks[from[m[0]]].start, s.toks[from[m[1]-1]].end
		if en <= st {
			continue
		}
		best, found = Entity{Type: TypeID, Value: v, Start: st, End: en, Text: s.text[st:en]}, true
	}
	return best, found
}
