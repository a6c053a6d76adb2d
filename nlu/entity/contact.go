package entity

import (
	"strings"
)

// phones finds telephone numbers.
func (s *scan) phones() {
	for i := 0; i < len(s.toks); {
		if j, ok := s.phoneAt(i); ok {
			i = j
			continue
		}
		i++
	}
}

// phoneAt reads a phone number at token i: "+86 138 0013 8000",
// "(555) 123-4567", "13800138000", "400-820-8820", "95555".
func (s *scan) phoneAt(i int) (int, bool) {
	k := i
	plus := false
	if s.punct(k, '+') || s.punct(k, '＋') {
		plus = true
		k++
		if !s.adj(k) {
			return i, false
		}
	}
	if s.punct(k, '(') && s.adj(k+1) && s.num(k+1) != "" {
		k++
	}
	if s.num(k) == "" {
		return i, false
	}
	// A number glued to a word or number before it is something else.
	if !plus && k == i && s.adj(i) && (s.toks[i-1].kind == tWord || s.toks[i-1].kind == tNum || s.punct(i-1, '.') || s.punct(i-1, '/')) {
		return i, false
	}
	type group struct{ end, n int } // token after the group, digits so far
	var groups [16]group
	ng := 0
	digits := make([]byte, 0, 16)
	for ng < len(groups) {
		n := s.num(k)
		if n == "" || len(digits)+len(n) > 16 {
			break
		}
		digits = append(digits, n...)
		k++
		groups[ng] = group{end: k, n: len(digits)}
		ng++
		m := k
		for seps := 0; seps < 2 && m < len(s.toks) && s.toks[m].kind == tPunct; seps++ {
			r := s.toks[m].r
			if r != '-' && r != '.' && r != '(' && r != ')' && r != '–' {
				break
			}
			m++
		}
		if s.num(m) == "" {
			break
		}
		if m == k && !s.toks[m].sp {
			break
		}
		k = m
	}
	// Try the longest prefix of groups that is a valid number.
	for g := ng; g >= 1; g-- {
		d := string(digits[:groups[g-1].n])
		first := groups[0].n
		if !phoneValid(d, plus, g, first) {
			continue
		}
		end := groups[g-1].end
		if s.adj(end) && (s.toks[end].kind == tWord || s.toks[end].kind == tNum) {
			continue
		}
		if g < ng && g == 1 && !plus && len(d) < 10 {
			continue // "95555" must stand alone
		}
		if plus {
			d = "+" + d
		}
		s.add(TypePhone, d, i, end, 0, priPhone)
		return end, true
	}
	return i, false
}

// phoneValid decides whether a digit string (with its grouping) is a
// phone number.
func phoneValid(d string, plus bool, groups, first int) bool {
	n := len(d)
	if n == 0 {
		return false
	}
	if plus {
		return n >= 8 && n <= 15 && d[0] != '0'
	}
	switch {
	case n == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9':
		return true // Chinese mobile, or NANP with country code
	case n == 10 && (strings.HasPrefix(d, "400") || strings.HasPrefix(d, "800")):
		return true // Chinese service numbers
	case n == 10 && groups >= 2 && d[0] >= '2' && first == 3:
		return true // NANP, written with separators
	case n == 11 && d[0] == '1' && groups >= 3:
		return true // 1-555-123-4567
	case d[0] == '0' && n >= 10 && n <= 12 && (groups >= 2 || n >= 11) && d[1] != '0':
		return true // Chinese landline with area code
	case n == 5 && groups == 1 && strings.HasPrefix(d, "95"):
		return true // bank and utility hotlines
	case n == 7 && groups == 2 && first == 3:
		return true // 555-1234
	}
	return false
}

// tlds are top-level domains accepted in spoken addresses.
var tlds = map[string]bool{
	"com": true, "net": true, "org": true, "edu": true, "gov": true, "io": true,
	"co": true, "cn": true, "uk": true, "us": true, "de": true, "fr": true, "jp": true,
	"info": true, "biz": true, "me": true, "ai": true, "app": true, "dev": true,
	"ca": true, "au": true, "in": true, "hk": true, "tw": true, "sg": true, "ru": true,
	"br": true, "it": true, "es": true, "nl": true, "se": true, "ch": true, "kr": true,
	"email": true, "xyz": true, "online": true, "tech": true, "mil": true, "eu": true,
}

// localStop are words that are not the local part of a spoken address
// ("I'm at home dot com" is not an address).
var localStop = map[string]bool{
	"is": true, "it's": true, "me": true, "my": true, "email": true, "address": true,
	"mail": true, "was": true, "am": true, "i'm": true, "are": true, "be": true,
	"the": true, "to": true, "reach": true, "contact": true, "it": true, "that": true,
	"this": true, "here": true, "there": true, "him": true, "her": true, "us": true,
	"them": true, "you": true, "i": true, "we": true, "a": true, "an": true, "and": true,
	"or": true, "look": true, "arrive": true, "arrived": true, "stay": true, "live": true,
	"work": true, "working": true, "staying": true, "located": true, "found": true,
	"please": true, "one": true, "sent": true, "send": true, "try": true,
}

func isLocalByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '.' || c == '_' || c == '%' || c == '+' || c == '-'
}

func isDomainByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-'
}

// validDomain checks labels and an alphabetic top-level domain.
func validDomain(d string) bool {
	if !strings.Contains(d, ".") {
		return false
	}
	labels := strings.Split(d, ".")
	for _, l := range labels {
		if l == "" || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
	}
	tld := labels[len(labels)-1]
	if len(tld) < 2 {
		return false
	}
	for i := 0; i < len(tld); i++ {
		c := tld[i] | 0x20
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// emails finds written ("john@example.com") and spoken ("john dot smith
// at example dot com") addresses.
func (s *scan) emails() {
	t := s.text
	for p := 0; p < len(t); {
		q := strings.IndexByte(t[p:], '@')
		if q < 0 {
			break
		}
		at := p + q
		p = at + 1
		l := at
		for l > 0 && isLocalByte(t[l-1]) {
			l--
		}
		r := at + 1
		for r < len(t) && isDomainByte(t[r]) {
			r++
		}
		for l < at && t[l] == '.' {
			l++
		}
		for r > at+1 && (t[r-1] == '.' || t[r-1] == '-') {
			r--
		}
		local, dom := t[l:at], t[at+1:r]
		if local == "" || strings.HasSuffix(local, ".") || strings.Contains(local, "..") || !validDomain(dom) {
			continue
		}
		s.addSpan(TypeEmail, strings.ToLower(t[l:r]), l, r, 0, priEmail)
	}
	s.spokenEmails()
}

// emailItem reads adjacent word and number tokens from k ("john123").
func (s *scan) emailItem(k int) (string, int, bool) {
	j := k
	var b strings.Builder
	for j < len(s.toks) && (j == k || s.adj(j)) {
		t := &s.toks[j]
		if t.kind == tNum || (t.kind == tWord && isASCIIWord(t.s) && !emailWords[t.s]) {
			b.WriteString(t.s)
			j++
			continue
		}
		break
	}
	return b.String(), j, j > k
}

// emailItemBack reads adjacent word and number tokens ending at m and
// returns them with the index of the first.
func (s *scan) emailItemBack(m int) (string, int, bool) {
	k := m
	for k >= 0 && k < len(s.toks) {
		t := &s.toks[k]
		if t.kind == tNum || (t.kind == tWord && isASCIIWord(t.s) && !emailWords[t.s]) {
			if k < m && s.toks[k+1].sp {
				break
			}
			k--
			continue
		}
		break
	}
	k++
	if k > m {
		return "", m, false
	}
	var b strings.Builder
	for x := k; x <= m; x++ {
		b.WriteString(s.toks[x].s)
	}
	return b.String(), k, true
}

var emailWords = map[string]bool{"at": true, "dot": true, "underscore": true, "dash": true, "hyphen": true}

func isASCIIWord(w string) bool {
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return w != ""
}

func (s *scan) spokenEmails() {
	for a := 1; a+1 < len(s.toks); a++ {
		if s.word(a) != "at" && !s.punct(a, '@') {
			continue
		}
		lab, k, ok := s.emailItem(a + 1)
		if !ok {
			continue
		}
		labels := []string{lab}
		goodN, goodEnd := 0, 0
		for {
			c := k
			if s.word(c) == "dot" || s.punct(c, '.') {
				c++
			} else {
				break
			}
			lab, k2, ok := s.emailItem(c)
			if !ok {
				break
			}
			labels = append(labels, lab)
			k = k2
			if tlds[lab] {
				goodN, goodEnd = len(labels), k
			}
		}
		if goodN < 2 {
			continue
		}
		local, start, ok := s.emailItemBack(a - 1)
		if !ok || (localStop[local] && start == a-1) {
			continue
		}
		for {
			c := start - 1
			sep := ""
			switch {
			case s.word(c) == "dot" || s.punct(c, '.'):
				sep = "."
			case s.word(c) == "underscore" || s.punct(c, '_'):
				sep = "_"
			case s.word(c) == "dash" || s.word(c) == "hyphen" || s.punct(c, '-'):
				sep = "-"
			}
			if sep == "" {
				break
			}
			it, st, ok := s.emailItemBack(c - 1)
			if !ok || localStop[it] {
				break
			}
			local = it + sep + local
			start = st
		}
		s.add(TypeEmail, local+"@"+strings.Join(labels[:goodN], "."), start, goodEnd, 0, priEmail)
		a = goodEnd - 1
	}
}
