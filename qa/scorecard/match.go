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
	byFirst  map[string][]int // phrases whose first token is an exact word
	prefixed []int            // phrases whose first token is a prefix
	regex    []cregex
	speakers uint8
}

func newMatcher(phrases []cphrase, regex []cregex, speakers uint8) *matcher {
	m := &matcher{phrases: phrases, regex: regex, speakers: speakers, byFirst: map[string][]int{}}
	for i, p := range phrases {
		if p.toks[0].prefix {
			m.prefixed = append(m.prefixed, i)
		} else {
			m.byFirst[p.toks[0].s] = append(m.byFirst[p.toks[0].s], i)
		}
	}
	return m
}

// match is one place a matcher matched.
type match struct {
	turn    int // index in the call's turns
	a, b    int // token range in the turn
	pattern string
	at      qa.Span
}

// find returns the matches in the transcript, in call order. At each
// position the longest phrase wins and matches do not overlap; a regex
// match overlapping a phrase match is dropped.
func (m *matcher) find(tr *transcript) []match {
	var out []match
	for _, i := range tr.order {
		tt := &tr.turns[i]
		if speakerBit(tt.t.Speaker)&m.speakers == 0 {
			continue
		}
		start := len(out)
		toks := &tt.n
		for k := 0; k < len(toks.toks) && len(out) < maxMatches; {
			best, bestLen := -1, 0
			consider := func(pi int) {
				p := &m.phrases[pi]
				if len(p.toks) <= bestLen || k+len(p.toks) > len(toks.toks) {
					return
				}
				for j, pt := range p.toks {
					if !pt.matches(toks.tok(k + j)) {
						return
					}
				}
				best, bestLen = pi, len(p.toks)
			}
			for _, pi := range m.byFirst[toks.tok(k)] {
				consider(pi)
			}
			for _, pi := range m.prefixed {
				consider(pi)
			}
			if best < 0 {
				k++
				continue
			}
			out = append(out, match{turn: i, a: k, b: k + bestLen, pattern: m.phrases[best].src})
			k += bestLen
		}
		for _, rx := range m.regex {
			if len(out) >= maxMatches {
				break
			}
			for _, loc := range rx.re.FindAllStringIndex(toks.s, maxMatches-len(out)) {
				a, b, ok := toks.tokensIn(loc[0], loc[1])
				if !ok || overlaps(out[start:], a, b) {
					continue
				}
				out = append(out, match{turn: i, a: a, b: b, pattern: rx.src})
			}
		}
		turnMatches := out[start:]
		slices.SortStableFunc(turnMatches, func(x, y match) int { return x.a - y.a })
		for j := range turnMatches {
			turnMatches[j].at = tr.tokenSpan(i, turnMatches[j].a, turnMatches[j].b)
		}
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
