package scorecard

import (
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/switchboard-voice/switchboard/qa"
)

// maxMatches bounds the matches one matcher collects in a call.
const maxMatches = 1000

// ptok is one token of a phrase: a word, a CJK character, or a word
// prefix ("apologi*").
type ptok struct {
	s      string
	prefix bool
}

func (p ptok) matches(tok string) bool {
	if p.prefix {
		return strings.HasPrefix(tok, p.s)
	}
	return tok == p.s
}

// cphrase is a compiled phrase.
type cphrase struct {
	src  string // as written in the card
	toks []ptok
}

// cregex is a compiled, bounded regex.
type cregex struct {
	src string
	re  *regexp.Regexp
}

// matcher finds phrases and regexes in the turns of some speakers.
type matcher struct {
	phrases  []cphrase
	regex    []cregex
	speakers uint8
}

func newMatcher(phrases []cphrase, regex []cregex, speakers uint8) *matcher {
	return &matcher{phrases: phrases, regex: regex, speakers: speakers}
}

// match is one place a matcher matched.
type match struct {
	turn    int // index in the call's turns
	a, b    int // token range in the turn
	pattern string
	at      qa.Span
}

// find returns the matches in the transcript, in call order. Where phrase
// matches overlap, the one starting first wins, then the longest (so
// "thank you for calling" beats "thank you"); a regex match overlapping a
// phrase match is dropped. Phrases are looked up through the transcript's
// token index, so the cost follows the phrases' occurrences, not the
// call's length.
func (m *matcher) find(tr *transcript) []match {
	var cands []match
	try := func(p *cphrase, ref tokRef) {
		tt := &tr.turns[ref.turn]
		k := int(ref.pos)
		if speakerBit(tt.t.Speaker)&m.speakers == 0 || k+len(p.toks) > len(tt.n.toks) {
			return
		}
		for j := 1; j < len(p.toks); j++ {
			if !p.toks[j].matches(tt.n.tok(k + j)) {
				return
			}
		}
		cands = append(cands, match{turn: int(ref.turn), a: k, b: k + len(p.toks), pattern: p.src})
	}
	for pi := range m.phrases {
		p := &m.phrases[pi]
		if first := p.toks[0]; first.prefix {
			for _, tok := range tr.vocab {
				if strings.HasPrefix(tok, first.s) {
					for _, ref := range tr.index[tok] {
						try(p, ref)
					}
				}
			}
		} else {
			for _, ref := range tr.index[first.s] {
				try(p, ref)
			}
		}
	}
	slices.SortStableFunc(cands, func(x, y match) int {
		if x.turn != y.turn {
			return tr.rank[x.turn] - tr.rank[y.turn]
		}
		if x.a != y.a {
			return x.a - y.a
		}
		return (y.b - y.a) - (x.b - x.a)
	})
	var out []match
	for _, c := range cands {
		if len(out) == maxMatches {
			break
		}
		if len(out) > 0 && out[len(out)-1].turn == c.turn && c.a < out[len(out)-1].b {
			continue // overlaps the match kept before it
		}
		out = append(out, c)
	}
	if len(m.regex) > 0 {
		out = m.findRegex(tr, out)
	}
	for j := range out {
		out[j].at = tr.tokenSpan(out[j].turn, out[j].a, out[j].b)
	}
	return out
}

// findRegex adds the regex matches to the phrase matches, in call order.
func (m *matcher) findRegex(tr *transcript, phrases []match) []match {
	var out []match
	next := 0 // phrases[next:] are in turns not reached yet
	for _, i := range tr.order {
		first := len(out)
		for next < len(phrases) && phrases[next].turn == i {
			out = append(out, phrases[next])
			next++
		}
		tt := &tr.turns[i]
		if speakerBit(tt.t.Speaker)&m.speakers == 0 {
			continue
		}
		nPhrases := len(out) - first
		for _, rx := range m.regex {
			if len(out) >= maxMatches {
				break
			}
			for _, loc := range rx.re.FindAllStringIndex(tt.n.s, maxMatches-len(out)) {
				a, b, ok := tt.n.tokensIn(loc[0], loc[1])
				if !ok || overlaps(out[first:first+nPhrases], a, b) {
					continue
				}
				out = append(out, match{turn: i, a: a, b: b, pattern: rx.src})
			}
		}
		turnMatches := out[first:]
		slices.SortStableFunc(turnMatches, func(x, y match) int { return x.a - y.a })
	}
	return out
}

func overlaps(ms []match, a, b int) bool {
	for _, x := range ms {
		if x.a < b && a < x.b {
			return true
		}
	}
	return false
}

// window restricts matches to the first or last part of a call.
type window struct {
	first, last time.Duration
}

func (w window) contains(tr *transcript, at qa.Span) bool {
	if w.first > 0 && at.Start > w.first {
		return false
	}
	if w.last > 0 && at.Start < tr.end-w.last {
		return false
	}
	return true
}

// proximity is a compiled Proximity.
type proximity struct {
	m      *matcher
	words  int
	within time.Duration
}

// near returns a match of x close to m, if any.
func (x *proximity) near(tr *transcript, m match, others []match) (match, bool) {
	ma := tr.turns[m.turn].base + m.a
	mb := tr.turns[m.turn].base + m.b
	for _, o := range others {
		if o.turn == m.turn && o.a == m.a && o.b == m.b {
			continue
		}
		if x.words > 0 {
			oa := tr.turns[o.turn].base + o.a
			ob := tr.turns[o.turn].base + o.b
			if gap(ma, mb, oa, ob) <= x.words {
				return o, true
			}
			continue
		}
		if gap(m.at.Start, m.at.End, o.at.Start, o.at.End) <= x.within {
			return o, true
		}
	}
	return match{}, false
}

// gap is the distance between [a1, b1) and [a2, b2): 0 when they touch or
// overlap.
func gap[T int | time.Duration](a1, b1, a2, b2 T) T {
	switch {
	case a2 >= b1:
		return a2 - b1
	case a1 >= b2:
		return a1 - b2
	}
	return 0
}
