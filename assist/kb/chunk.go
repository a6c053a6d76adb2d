package kb

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Chunker defaults.
const (
	DefaultMaxRunes     = 400
	DefaultOverlapRunes = 80
	DefaultMinRunes     = 40
)

// Chunker splits an article body into passages small enough to match a
// spoken question and to show as a snippet. It never assumes spaces
// between words, so Chinese text is split as well as English.
//
// A body is first cut into paragraphs at blank lines; a paragraph shorter
// than MinRunes is joined to the next one when both fit in MaxRunes (a
// heading stays with its text). A paragraph that fits in MaxRunes is one
// chunk. A longer one is cut into sentences (after . ! ? followed by a
// space, and after 。！？；… and line breaks), and sentences are packed
// into chunks of at most MaxRunes; each chunk after the first starts with
// the last sentences of the previous one, up to OverlapRunes, so that a
// passage cut at a chunk boundary is still found whole. A sentence longer
// than MaxRunes is cut at its last clause mark (, ， 、 ; : ：) before the
// limit, else at the limit, and the pieces overlap by OverlapRunes.
//
// The zero Chunker uses the defaults. A Chunker is a value and safe for
// concurrent use.
type Chunker struct {
	// MaxRunes is the most runes in a chunk. Default DefaultMaxRunes.
	MaxRunes int
	// OverlapRunes is the most runes a chunk repeats from the previous
	// one of the same paragraph. Default DefaultOverlapRunes; negative
	// means no overlap.
	OverlapRunes int
	// MinRunes: shorter paragraphs are joined to the next one. Default
	// DefaultMinRunes; negative means never.
	MinRunes int
}

func (c Chunker) withDefaults() Chunker {
	if c.MaxRunes <= 0 {
		c.MaxRunes = DefaultMaxRunes
	}
	if c.OverlapRunes == 0 {
		c.OverlapRunes = DefaultOverlapRunes
	}
	if c.OverlapRunes < 0 {
		c.OverlapRunes = 0
	}
	if c.OverlapRunes >= c.MaxRunes {
		c.OverlapRunes = c.MaxRunes / 2
	}
	if c.MinRunes == 0 {
		c.MinRunes = DefaultMinRunes
	}
	return c
}

// Split returns the chunks of body in order, each with its whitespace
// tidied (runs of spaces and line breaks become one space, or nothing
// between two CJK characters). An empty body has no chunks.
func (c Chunker) Split(body string) []string {
	c = c.withDefaults()
	var out []string
	paras := paragraphs(body)
	for i := 0; i < len(paras); i++ {
		p := paras[i]
		// Join short paragraphs (headings, one-liners) to what follows.
		for c.MinRunes > 0 && i+1 < len(paras) && runes(p) < c.MinRunes &&
			runes(p)+1+runes(paras[i+1]) <= c.MaxRunes {
			p = joinText(p, paras[i+1])
			i++
		}
		if runes(p) <= c.MaxRunes {
			out = append(out, p)
			continue
		}
		out = append(out, c.pack(sentences(p))...)
	}
	return out
}

// paragraphs cuts body at blank lines and tidies each paragraph.
func paragraphs(body string) []string {
	var out []string
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			out = append(out, tidy(strings.Join(cur, "\n")))
			cur = cur[:0]
		}
	}
	for line := range strings.Lines(body) {
		if strings.TrimSpace(line) == "" {
			flush()
			continue
		}
		cur = append(cur, line)
	}
	flush()
	return out
}

// tidy collapses whitespace: one space between words, none between two
// CJK characters, none at the ends.
func tidy(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	var prev rune
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		if space && !(isCJK(prev) && isCJK(r)) {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
		prev = r
	}
	return b.String()
}

// joinText joins two tidied texts with a space, or without one between
// CJK characters.
func joinText(a, b string) string {
	if a == "" || b == "" {
		return a + b
	}
	ra, _ := utf8.DecodeLastRuneInString(a)
	rb, _ := utf8.DecodeRuneInString(b)
	if isCJK(ra) && isCJK(rb) || isCJKPunct(ra) {
		return a + b
	}
	return a + " " + b
}

func runes(s string) int { return utf8.RuneCountInString(s) }

// isCJKPunct reports full-width sentence and clause marks.
func isCJKPunct(r rune) bool { return strings.ContainsRune("。！？；…，、：", r) }

// sentences cuts a tidied paragraph after sentence ends.
func sentences(p string) []string {
	var out []string
	start := 0
	rs := []rune(p)
	pos := 0 // byte offset of rs[i]
	for i, r := range rs {
		next := pos + utf8.RuneLen(r)
		end := false
		switch {
		case strings.ContainsRune("。！？；…", r):
			// Keep closing quotes and repeated marks with the sentence.
			end = i+1 == len(rs) || !strings.ContainsRune("。！？；…”」』）)\"'", rs[i+1])
		case r == '.' || r == '!' || r == '?':
			end = i+1 < len(rs) && rs[i+1] == ' '
		case r == '\n':
			end = true
		}
		if end {
			if s := strings.TrimSpace(p[start:next]); s != "" {
				out = append(out, s)
			}
			start = next
		}
		pos = next
	}
	if s := strings.TrimSpace(p[start:]); s != "" {
		out = append(out, s)
	}
	return out
}

// pack groups sentences into chunks of at most MaxRunes with overlap.
func (c Chunker) pack(sents []string) []string {
	// Cut sentences that are too long on their own first.
	var units []string
	for _, s := range sents {
		if runes(s) <= c.MaxRunes {
			units = append(units, s)
			continue
		}
		units = append(units, c.cutLong(s)...)
	}
	var out []string
	for i := 0; i < len(units); {
		text, n := units[i], runes(units[i])
		j := i + 1
		for j < len(units) && n+1+runes(units[j]) <= c.MaxRunes {
			text = joinText(text, units[j])
			n += 1 + runes(units[j])
			j++
		}
		out = append(out, text)
		if j == len(units) {
			break
		}
		// Start the next chunk with the tail of this one, up to
		// OverlapRunes, but always move forward.
		// The overlap must leave room for the next new sentence.
		next := j
		for k, ov := j-1, 0; k > i; k-- {
			ov += runes(units[k]) + 1
			if ov > c.OverlapRunes || ov+runes(units[j]) > c.MaxRunes {
				break
			}
			next = k
		}
		i = next
	}
	return out
}

// cutLong cuts one sentence longer than MaxRunes into overlapping pieces,
// at the last clause mark before the limit when there is one.
func (c Chunker) cutLong(s string) []string {
	rs := []rune(s)
	var out []string
	for start := 0; start < len(rs); {
		end := start + c.MaxRunes
		if end >= len(rs) {
			if p := strings.TrimSpace(string(rs[start:])); p != "" {
				out = append(out, p)
			}
			break
		}
		// Prefer the last clause mark in the second half of the window,
		// then the last space there.
		clause, space := -1, -1
		for k := end - 1; k > start+c.MaxRunes/2 && clause < 0; k-- {
			switch {
			case strings.ContainsRune(",，、;；:：", rs[k]):
				clause = k + 1
			case rs[k] == ' ' && space < 0:
				space = k
			}
		}
		switch {
		case clause > 0:
			end = clause
		case space > 0:
			end = space
		}
		if p := strings.TrimSpace(string(rs[start:end])); p != "" {
			out = append(out, p)
		}
		next := end - c.OverlapRunes
		if next <= start {
			next = start + 1
		}
		// Start the overlap at a word boundary when there is one.
		for k := next; k < end && k > start; k++ {
			if rs[k-1] == ' ' || isCJK(rs[k]) || isCJKPunct(rs[k-1]) {
				next = k
				break
			}
		}
		start = next
	}
	return out
}
