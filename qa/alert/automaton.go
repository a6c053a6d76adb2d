package alert

import "unicode/utf8"

// automaton finds every phrase spelling of every phrase rule in one pass
// over an utterance's normalised bytes (Aho–Corasick), so that evaluation
// costs the same with ten phrases or ten thousand.
type automaton struct {
	root  [256]int32 // transitions out of the root (0: stay at the root)
	edges [][]edge   // other nodes' transitions, sorted by byte
	fail  []int32    // longest proper suffix that is a node
	dict  []int32    // nearest node on the fail chain with outputs (0: none)
	out   [][]int32  // patterns ending at each node
	pats  []pattern
}

type edge struct {
	b  byte
	to int32
}

// pattern is one phrase spelling of one rule.
type pattern struct {
	rule int32 // index in Rules.rules
	p    *phrase
}

func newAutomaton(rules []*rule) *automaton {
	a := &automaton{edges: [][]edge{nil}, out: [][]int32{nil}}
	for ri, r := range rules {
		for pi := range r.phrases {
			a.insert(r.phrases[pi].text, int32(len(a.pats)))
			a.pats = append(a.pats, pattern{rule: int32(ri), p: &r.phrases[pi]})
		}
	}
	n := len(a.edges)
	a.fail = make([]int32, n)
	a.dict = make([]int32, n)
	queue := make([]int32, 0, n)
	for _, e := range a.edges[0] {
		queue = append(queue, e.to)
	}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		for _, e := range a.edges[u] {
			f := a.fail[u]
			for f != 0 && a.child(f, e.b) < 0 {
				f = a.fail[f]
			}
			if c := a.child(f, e.b); c >= 0 {
				a.fail[e.to] = c
			}
			if g := a.fail[e.to]; len(a.out[g]) > 0 {
				a.dict[e.to] = g
			} else {
				a.dict[e.to] = a.dict[g]
			}
			queue = append(queue, e.to)
		}
	}
	for _, e := range a.edges[0] {
		a.root[e.b] = e.to
	}
	return a
}

func (a *automaton) insert(text []byte, id int32) {
	n := int32(0)
	for _, b := range text {
		c := a.child(n, b)
		if c < 0 {
			c = int32(len(a.edges))
			a.edges = append(a.edges, nil)
			a.out = append(a.out, nil)
			es := a.edges[n]
			i := 0
			for i < len(es) && es[i].b < b {
				i++
			}
			es = append(es, edge{})
			copy(es[i+1:], es[i:])
			es[i] = edge{b: b, to: c}
			a.edges[n] = es
		}
		n = c
	}
	a.out[n] = append(a.out[n], id)
}

// child is n's transition on b, or -1.
func (a *automaton) child(n int32, b byte) int32 {
	for _, e := range a.edges[n] {
		if e.b == b {
			return e.to
		}
		if e.b > b {
			break
		}
	}
	return -1
}

// match sets hits[r] to the first pattern of rule r found in the
// normalised text s at word boundaries (in order of where it ends), or -1.
// hits must have one entry per rule.
func (a *automaton) match(s []byte, hits []int32) {
	for i := range hits {
		hits[i] = -1
	}
	n := int32(0)
	for j := 0; j < len(s); j++ {
		b := s[j]
		for {
			if n == 0 {
				n = a.root[b]
				break
			}
			if c := a.child(n, b); c >= 0 {
				n = c
				break
			}
			n = a.fail[n]
		}
		o := n
		if len(a.out[o]) == 0 {
			o = a.dict[o]
		}
		for ; o != 0; o = a.dict[o] {
			for _, id := range a.out[o] {
				p := &a.pats[id]
				if hits[p.rule] < 0 && p.p.endsAt(s, j+1) {
					hits[p.rule] = id
				}
			}
		}
	}
}

// endsAt reports whether p, found in s ending at byte end, sits at word
// boundaries.
func (p *phrase) endsAt(s []byte, end int) bool {
	i := end - len(p.text)
	if p.start && i > 0 {
		if r, _ := utf8.DecodeLastRune(s[:i]); wordRune(r) {
			return false
		}
	}
	if p.end && end < len(s) {
		if r, _ := utf8.DecodeRune(s[end:]); wordRune(r) {
			return false
		}
	}
	return true
}
