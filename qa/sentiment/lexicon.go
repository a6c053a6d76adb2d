package sentiment

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// kind is what a lexicon entry does.
type kind uint8

const (
	kindValence    kind = iota // carries a valence (-4..+4)
	kindNegator                // flips the valence of what follows
	kindBooster                // intensifies (scalar > 0) or dampens (< 0) what follows
	kindContrast               // "but": what follows weighs more, what precedes less
	kindConcession             // "although": its own clause weighs less
)

var sectionKinds = map[string]kind{
	"valence":    kindValence,
	"emoticons":  kindValence,
	"negators":   kindNegator,
	"boosters":   kindBooster,
	"contrast":   kindContrast,
	"concession": kindConcession,
}

// Entry priorities: an extra lexicon (WithLexicon) overrides the embedded
// one, which overrides a VADER-format lexicon (WithVADER).
const (
	prioVADER = iota
	prioEmbedded
	prioExtra
)

// entry is one lexicon entry: a word, a phrase pattern or an emoticon.
type entry struct {
	kind kind
	// val is the valence (kindValence) or the scalar (negators: the
	// factor applied to a negated valence; boosters: what is added to
	// the valence's magnitude).
	val float64
	// neg is the valence when negated ("arrived" 0.2, "never arrived"
	// -2.2), for entries with hasNeg; others are multiplied by the
	// negator's scalar.
	neg    float64
	hasNeg bool
	prio   int
	// pattern as written, for explanations.
	pattern string
}

// ptok is one element of a phrase pattern.
type ptok struct {
	lit   string // literal token text, when class is 0
	class byte   // 0, or one of '#' (<num>), 'o' (<ord>), '*' (any one token)
}

// node is a trie node over token texts.
type node struct {
	kids          map[string]*node
	num, ord, any *node
	e             *entry
}

func (n *node) child(p ptok) *node {
	slot := func(c **node) *node {
		if *c == nil {
			*c = &node{}
		}
		return *c
	}
	switch p.class {
	case '#':
		return slot(&n.num)
	case 'o':
		return slot(&n.ord)
	case '*':
		return slot(&n.any)
	}
	if n.kids == nil {
		n.kids = map[string]*node{}
	}
	c := n.kids[p.lit]
	if c == nil {
		c = &node{}
		n.kids[p.lit] = c
	}
	return c
}

// maxNumTokens is how many number tokens one <num> may take ("twenty
// five", "二十五").
const maxNumTokens = 3

// longest returns the length (in tokens) of the longest entry matching
// toks[i:], and that entry; 0 and nil when none does.
func (n *node) longest(toks []token, i int) (int, *entry) {
	m := matcher{toks: toks, start: i}
	m.walk(n, i)
	return m.best, m.e
}

type matcher struct {
	toks  []token
	start int
	best  int
	e     *entry
}

func (m *matcher) walk(n *node, j int) {
	if n.e != nil && (j-m.start > m.best || j-m.start == m.best && m.e != nil && n.e.prio > m.e.prio) {
		m.best, m.e = j-m.start, n.e
	}
	if j >= len(m.toks) {
		return
	}
	t := &m.toks[j]
	if c := n.kids[t.text]; c != nil {
		m.walk(c, j+1)
	}
	if t.num && n.num != nil {
		for k := j; k < len(m.toks) && k < j+maxNumTokens && m.toks[k].num; k++ {
			m.walk(n.num, k+1)
		}
	}
	if t.ord && n.ord != nil {
		m.walk(n.ord, j+1)
	}
	if n.any != nil && t.kind != tokBreak {
		m.walk(n.any, j+1)
	}
}

// lexicon is a compiled set of entries.
type lexicon struct {
	root      node
	emoticons map[string]bool
	entries   int
}

func newLexicon() *lexicon {
	return &lexicon{emoticons: map[string]bool{}}
}

// insert adds e under every token sequence pattern expands to. An entry
// replaces one of lower or equal priority on the same sequence.
func (l *lexicon) insert(seqs [][]ptok, e *entry) {
	for _, seq := range seqs {
		if len(seq) == 0 {
			continue
		}
		n := &l.root
		for _, p := range seq {
			n = n.child(p)
		}
		if n.e == nil {
			l.entries++
		}
		if n.e == nil || n.e.prio <= e.prio {
			n.e = e
		}
	}
}

// lookupWord returns the valence entry for the single token w.
func (l *lexicon) lookupWord(w string) *entry {
	if c := l.root.kids[w]; c != nil && c.e != nil && c.e.kind == kindValence {
		return c.e
	}
	return nil
}

// parseLexicon reads a lexicon in Switchboard's format:
//
//	# comment
//	[valence]
//	pattern <TAB> valence [<TAB> valence when negated]
//	[emoticons]
//	:-) <TAB> valence
//	[negators]
//	pattern [<TAB> scalar, default -0.74]
//	[boosters]
//	pattern <TAB> scalar
//	[contrast]
//	pattern
//	[concession]
//	pattern
//
// A pattern is words or CJK characters with (a|b|) alternatives (an empty
// one, or a ? after the group, makes it optional), <num> (a count: digits,
// a number word, CJK numerals), <ord> (an ordinal) and * (any one token).
// See lexicon/README.md. name is used in errors.
func (l *lexicon) parse(r io.Reader, name string, prio int) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	section := ""
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimRight(sc.Text(), " \r")
		if line == 1 {
			text = strings.TrimPrefix(text, "\ufeff")
		}
		if strings.TrimSpace(text) == "" || strings.HasPrefix(strings.TrimSpace(text), "#") {
			continue
		}
		bad := func(format string, args ...any) error {
			return fmt.Errorf("%w: %s:%d: %s", ErrBadLexicon, name, line, fmt.Sprintf(format, args...))
		}
		if s, ok := strings.CutPrefix(strings.TrimSpace(text), "["); ok {
			s, ok = strings.CutSuffix(s, "]")
			if _, known := sectionKinds[s]; !ok || !known {
				return bad("unknown section %q (want [valence], [emoticons], [negators], [boosters], [contrast] or [concession])", text)
			}
			section = s
			continue
		}
		if section == "" {
			return bad("entry before any [section]")
		}
		fields := splitTabs(text)
		pat := strings.TrimSpace(fields[0])
		if pat == "" {
			return bad("empty pattern")
		}
		e := &entry{kind: sectionKinds[section], prio: prio, pattern: pat}
		num := func(i int, what string) (float64, error) {
			v, err := strconv.ParseFloat(strings.TrimSpace(fields[i]), 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return 0, bad("%s %q is not a number", what, fields[i])
			}
			return v, nil
		}
		var err error
		switch e.kind {
		case kindValence:
			if len(fields) < 2 || len(fields) > 3 {
				return bad("want pattern<TAB>valence[<TAB>negated valence], got %d fields", len(fields))
			}
			if e.val, err = num(1, "valence"); err != nil {
				return err
			}
			if len(fields) == 3 {
				if e.neg, err = num(2, "negated valence"); err != nil {
					return err
				}
				e.hasNeg = true
			}
			if math.Abs(e.val) > 4 || math.Abs(e.neg) > 4 {
				return bad("valence outside -4..4")
			}
		case kindNegator:
			e.val = defaultNegScalar
			if len(fields) == 2 {
				if e.val, err = num(1, "scalar"); err != nil {
					return err
				}
			} else if len(fields) > 2 {
				return bad("want pattern[<TAB>scalar], got %d fields", len(fields))
			}
		case kindBooster:
			if len(fields) != 2 {
				return bad("want pattern<TAB>scalar, got %d fields", len(fields))
			}
			if e.val, err = num(1, "scalar"); err != nil {
				return err
			}
		default:
			if len(fields) != 1 {
				return bad("want a pattern alone, got %d fields", len(fields))
			}
		}
		if section == "emoticons" {
			if strings.ContainsAny(pat, " \t") {
				return bad("emoticon %q has a space", pat)
			}
			l.emoticons[pat] = true
			l.insert([][]ptok{{{lit: pat}}}, e)
			continue
		}
		seqs, err := expand(pat)
		if err != nil {
			return bad("%v", err)
		}
		l.insert(seqs, e)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrBadLexicon, name, err)
	}
	return nil
}

// splitTabs splits a line on runs of tabs.
func splitTabs(s string) []string {
	var out []string
	for f := range strings.SplitSeq(s, "\t") {
		if f != "" {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		out = []string{""}
	}
	return out
}

// maxExpansions bounds the token sequences one pattern may expand to.
const maxExpansions = 4096

// expand turns a pattern into the token sequences it stands for.
func expand(pat string) ([][]ptok, error) {
	seqs := [][]ptok{{}}
	cross := func(alts [][]ptok) error {
		if len(seqs)*len(alts) > maxExpansions {
			return fmt.Errorf("pattern %q expands to more than %d sequences", pat, maxExpansions)
		}
		out := make([][]ptok, 0, len(seqs)*len(alts))
		for _, s := range seqs {
			for _, a := range alts {
				out = append(out, append(append([]ptok(nil), s...), a...))
			}
		}
		seqs = out
		return nil
	}
	for i := 0; i < len(pat); {
		switch pat[i] {
		case '(':
			depth, j := 0, i
			for ; j < len(pat); j++ {
				if pat[j] == '(' {
					depth++
				} else if pat[j] == ')' {
					depth--
					if depth == 0 {
						break
					}
				}
			}
			if j == len(pat) {
				return nil, fmt.Errorf("pattern %q: unclosed (", pat)
			}
			var alts [][]ptok
			if j+1 < len(pat) && pat[j+1] == '?' {
				alts = append(alts, []ptok{}) // (...)? is optional
			}
			for _, alt := range splitTop(pat[i+1 : j]) {
				sub, err := expand(alt)
				if err != nil {
					return nil, err
				}
				alts = append(alts, sub...)
			}
			if err := cross(alts); err != nil {
				return nil, err
			}
			i = j + 1
			if i < len(pat) && pat[i] == '?' {
				i++
			}
		case ')':
			return nil, fmt.Errorf("pattern %q: unopened )", pat)
		case '?':
			return nil, fmt.Errorf("pattern %q: ? must follow a (group)", pat)
		case '<':
			j := strings.IndexByte(pat[i:], '>')
			if j < 0 {
				return nil, fmt.Errorf("pattern %q: unclosed <", pat)
			}
			var c byte
			switch pat[i+1 : i+j] {
			case "num":
				c = '#'
			case "ord":
				c = 'o'
			default:
				return nil, fmt.Errorf("pattern %q: unknown class <%s> (want <num> or <ord>)", pat, pat[i+1:i+j])
			}
			if err := cross([][]ptok{{{class: c}}}); err != nil {
				return nil, err
			}
			i += j + 1
		case '*':
			if err := cross([][]ptok{{{class: '*'}}}); err != nil {
				return nil, err
			}
			i++
		default:
			j := i
			for j < len(pat) && !strings.ContainsRune("()<*?", rune(pat[j])) {
				j++
			}
			var lit []ptok
			for _, t := range tokenize(pat[i:j], nil).toks {
				lit = append(lit, ptok{lit: t.text})
			}
			if len(lit) > 0 {
				if err := cross([][]ptok{lit}); err != nil {
					return nil, err
				}
			}
			i = j
		}
	}
	return seqs, nil
}

// splitTop splits s on the '|' that are not inside parentheses.
func splitTop(s string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
		case '|':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

// parseVADER reads a lexicon in VADER's format (token <TAB> mean valence
// <TAB> ...; the mean is on -4..+4) at the lowest priority: its entries fill
// only what the embedded lexicon leaves out.
func (l *lexicon) parseVADER(r io.Reader, name string) error {
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if strings.TrimSpace(text) == "" {
			continue
		}
		fields := strings.Split(text, "\t")
		if len(fields) < 2 {
			return fmt.Errorf("%w: %s:%d: want token<TAB>mean valence", ErrBadLexicon, name, line)
		}
		word := strings.TrimSpace(fields[0])
		v, err := strconv.ParseFloat(strings.TrimSpace(fields[1]), 64)
		if err != nil || math.IsNaN(v) || math.Abs(v) > 4 || word == "" {
			return fmt.Errorf("%w: %s:%d: bad valence %q for %q", ErrBadLexicon, name, line, fields[1], word)
		}
		e := &entry{kind: kindValence, val: v, prio: prioVADER, pattern: word}
		toks := tokenize(word, nil).toks
		switch {
		case len(toks) == 1 && toks[0].kind != tokBreak && toks[0].text == strings.ToLower(word):
			l.insert([][]ptok{{{lit: toks[0].text}}}, e)
		case !strings.ContainsAny(word, " \t"):
			l.emoticons[word] = true
			l.insert([][]ptok{{{lit: word}}}, e)
		default:
			seq := make([]ptok, 0, len(toks))
			for _, t := range toks {
				seq = append(seq, ptok{lit: t.text})
			}
			l.insert([][]ptok{seq}, e)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrBadLexicon, name, err)
	}
	return nil
}
