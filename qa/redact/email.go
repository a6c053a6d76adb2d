package redact

import (
	"strings"
	"unicode/utf8"
)

// emails finds written addresses ("john.smith@example.com") and spoken
// ones ("john dot smith at gmail dot com", "zhangsan艾特qq点com").
func (s *scan) emails() {
	wide := strings.Contains(s.text, "＠")
	for i := 0; i < len(s.text); {
		k := strings.IndexByte(s.text[i:], '@')
		if wide {
			if w := strings.Index(s.text[i:], "＠"); w >= 0 && (k < 0 || w < k) {
				k = w
			}
		}
		if k < 0 {
			break
		}
		at := i + k
		size := 1
		if s.text[at] != '@' {
			size = len("＠")
		}
		if st, en, ok := writtenEmail(s.text, at, size); ok {
			s.found = append(s.found, found{typ: Email, start: st, end: en, i0: -1, emit: true})
			i = en
			continue
		}
		i = at + size
	}
	written := len(s.found)
	for k := range s.toks {
		if s.isAt(k) && !s.emailAt(written, s.toks[k].start, s.toks[k].end) {
			s.spokenEmail(k, written)
		}
	}
	if len(s.found) > written {
		s.sortFound()
	}
}

// emailAt reports whether [start, end) overlaps an address found: one of
// the first written (sorted), or the last spoken one (they come in order).
func (s *scan) emailAt(written, start, end int) bool {
	if overlapsSorted(s.found[:written], start, end) {
		return true
	}
	if n := len(s.found); n > written {
		return start < s.found[n-1].end && s.found[n-1].start < end
	}
	return false
}

func isLocalByte(c byte) bool {
	return (c|0x20) >= 'a' && (c|0x20) <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'
}

func isDomainByte(c byte) bool {
	return (c|0x20) >= 'a' && (c|0x20) <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-'
}

// writtenEmail reads the address around the @ at text[at:at+size].
func writtenEmail(text string, at, size int) (int, int, bool) {
	st := at
	for st > 0 && isLocalByte(text[st-1]) {
		st--
	}
	for st < at && (text[st] == '.' || text[st] == '-') {
		st++
	}
	if st == at {
		return 0, 0, false
	}
	en := at + size
	for en < len(text) && isDomainByte(text[en]) {
		en++
	}
	for en > at+size && (text[en-1] == '.' || text[en-1] == '-') {
		en--
	}
	dom := text[at+size : en]
	dot := strings.LastIndexByte(dom, '.')
	if dot <= 0 || strings.Contains(dom, "..") || dom[0] == '.' || dom[0] == '-' {
		return 0, 0, false
	}
	tld := dom[dot+1:]
	if len(tld) < 2 {
		return 0, 0, false
	}
	for i := 0; i < len(tld); i++ {
		if (tld[i]|0x20) < 'a' || (tld[i]|0x20) > 'z' {
			return 0, 0, false
		}
	}
	return st, en, true
}

// isAt reports a spoken or spaced "at": the word, "艾特", or an @ that is
// not part of a written address.
func (s *scan) isAt(k int) bool {
	t := &s.toks[k]
	switch t.kind {
	case kWord:
		return t.w != nil && t.w.email == emailAt
	case kHan:
		return s.text[t.start:t.end] == "艾特"
	case kPunct:
		return t.r == '@' || t.r == '＠'
	}
	return false
}

// emailSep returns the separator a token spells inside a spoken address
// ('.', '_', '-'), or 0.
func (s *scan) emailSep(k int) byte {
	if k < 0 || k >= len(s.toks) {
		return 0
	}
	t := &s.toks[k]
	switch t.kind {
	case kWord:
		if t.w != nil {
			switch t.w.email {
			case emailDot:
				return '.'
			case emailUnderscore:
				return '_'
			case emailDash:
				return '-'
			}
		}
	case kHan:
		switch s.text[t.start:t.end] {
		case "点":
			return '.'
		case "下划线":
			return '_'
		case "杠", "横杠":
			return '-'
		}
	case kPunct:
		switch t.r {
		case '.', '．', '。':
			return '.'
		case '_':
			return '_'
		case '-':
			return '-'
		}
	}
	return 0
}

// emailLabel reports whether token k can be a label of a spoken address:
// an ASCII word or a number, not a spoken separator. stopOK allows words
// like "me" and "in" (domain labels).
func (s *scan) emailLabel(k int, stopOK bool) bool {
	if k < 0 || k >= len(s.toks) {
		return false
	}
	t := &s.toks[k]
	switch t.kind {
	case kNum:
		return !t.fw
	case kWord:
		for i := t.start; i < t.end; i++ {
			if s.text[i] >= utf8.RuneSelf || s.text[i] == '\'' {
				return false
			}
		}
		return t.w == nil || (t.w.email == 0 && (stopOK || !t.w.stop))
	}
	return false
}

// maxLocalLabels bounds the labels of a spoken local part.
const maxLocalLabels = 6

// spokenEmail reads an address spoken around the "at" at token k; the
// first written spans of s.found are the written addresses.
func (s *scan) spokenEmail(k, written int) {
	// Domain: label (sep label)+ ending in a known top-level domain.
	end := -1
	j := k + 1
	if !s.emailLabel(j, false) {
		return
	}
	for {
		if s.emailSep(j+1) != '.' || !s.emailLabel(j+2, true) {
			break
		}
		j += 2
		if w := s.word(j); w != nil && w.tld {
			end = j
		}
	}
	if end < 0 {
		return
	}
	// Local part: labels joined by separators, or up to three words.
	first := k - 1
	if !s.emailLabel(first, false) {
		return
	}
	labels := 1
	for labels < maxLocalLabels {
		if sep := s.emailSep(first - 1); sep != 0 && s.emailLabel(first-2, false) {
			first -= 2
			labels++
			continue
		}
		if s.adjacent(first) && s.emailLabel(first-1, false) {
			first-- // "lisi123"
			continue
		}
		if labels < 3 && s.emailLabel(first-1, false) && s.toks[first-1].kind == kWord && s.toks[first].kind == kWord {
			first--
			labels++
			continue
		}
		break
	}
	if s.emailAt(written, s.toks[first].start, s.toks[end].end) {
		return
	}
	// The canonical address, for masking.
	c0 := len(s.canon)
	for t := first; t <= end; t++ {
		switch {
		case t == k:
			s.canon = append(s.canon, '@')
		case s.emailLabel(t, true) && s.emailSep(t) == 0:
			s.canon = append(s.canon, strings.ToLower(s.text[s.toks[t].start:s.toks[t].end])...)
		default:
			if sep := s.emailSep(t); sep != 0 {
				s.canon = append(s.canon, sep)
			}
		}
	}
	s.found = append(s.found, found{typ: Email, start: s.toks[first].start, end: s.toks[end].end, i0: -1, c0: c0, c1: len(s.canon), emit: true})
}
