package scorecard

import (
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/switchboard-voice/switchboard/qa"
)

// transcript is a call indexed for rules: every turn normalised once.
type transcript struct {
	call  *qa.Call
	turns []tturn
	// order lists turn indices by Start (ties by Seq).
	order []int
	// rank[i] is the place of turn i in order.
	rank []int
	// end is the call's end offset: its Duration, or the last turn's End.
	end time.Duration
	// index lists where each token occurs, in call order; vocab lists the
	// distinct tokens (for word prefixes).
	index map[string][]tokRef
	vocab []string
}

// tokRef is one occurrence of a token: turn index and token position.
type tokRef struct{ turn, pos int32 }

// tturn is one turn of a transcript.
type tturn struct {
	t    *qa.Turn
	n    normText
	base int // global position of the turn's first token
	// runes in t.Text, for interpolating times.
	runes int
	// words[i] is the time span of token i, when the turn's word timings
	// align with its text; aligned is 0 (not tried), 1 or -1 (failed).
	words   []qa.Span
	aligned int8
}

// Speaker bits.
const (
	spCaller uint8 = 1 << iota
	spBot
	spAgent
	spOther
	spAny = spCaller | spBot | spAgent | spOther
)

func speakerBit(s qa.Speaker) uint8 {
	switch s {
	case qa.Caller:
		return spCaller
	case qa.Bot:
		return spBot
	case qa.Agent:
		return spAgent
	}
	return spOther
}

func newTranscript(call *qa.Call) *transcript {
	tr := &transcript{call: call, turns: make([]tturn, len(call.Turns)), order: make([]int, len(call.Turns))}
	for i := range call.Turns {
		tr.order[i] = i
	}
	slices.SortStableFunc(tr.order, func(a, b int) int {
		ta, tb := &call.Turns[a], &call.Turns[b]
		if ta.Start != tb.Start {
			return cmpDur(ta.Start, tb.Start)
		}
		return ta.Seq - tb.Seq
	})
	tr.rank = make([]int, len(call.Turns))
	tr.index = map[string][]tokRef{}
	pos := 0
	for r, i := range tr.order {
		tr.rank[i] = r
		t := &call.Turns[i]
		tt := &tr.turns[i]
		tt.t = t
		tt.n = normalize(t.Text, true, false)
		tt.base = pos
		pos += len(tt.n.toks)
		for k := range tt.n.toks {
			tok := tt.n.tok(k)
			refs, seen := tr.index[tok]
			if !seen {
				tr.vocab = append(tr.vocab, tok)
			}
			tr.index[tok] = append(refs, tokRef{turn: int32(i), pos: int32(k)})
		}
		if end := turnEnd(t); end > tr.end {
			tr.end = end
		}
	}
	if call.Duration > tr.end {
		tr.end = call.Duration
	}
	return tr
}

func cmpDur(a, b time.Duration) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// turnEnd is a turn's End, or its Start when End is unknown.
func turnEnd(t *qa.Turn) time.Duration { return max(t.End, t.Start) }

// tokenSpan returns the time span of tokens [a, b) of turn i: from word
// timings when they align with the text, else interpolated over the turn
// by rune position.
func (tr *transcript) tokenSpan(i, a, b int) qa.Span {
	tt := &tr.turns[i]
	if tt.aligned == 0 {
		tt.align()
	}
	if tt.aligned > 0 && a < b && b <= len(tt.words) {
		return qa.Span{Start: tt.words[a].Start, End: tt.words[b-1].End}
	}
	if a >= b || b > len(tt.n.toks) {
		return qa.Span{Start: tt.t.Start, End: turnEnd(tt.t)}
	}
	oa, ob := tt.n.origRange(tt.t.Text, int(tt.n.toks[a].a), int(tt.n.toks[b-1].b))
	return qa.Span{Start: tt.at(oa), End: tt.at(ob)}
}

// at interpolates the time of byte offset off of the turn's text.
func (tt *tturn) at(off int) time.Duration {
	t := tt.t
	end := turnEnd(t)
	if tt.runes == 0 {
		tt.runes = utf8.RuneCountInString(t.Text)
	}
	if tt.runes == 0 || end == t.Start {
		return t.Start
	}
	k := utf8.RuneCountInString(t.Text[:min(off, len(t.Text))])
	return t.Start + time.Duration(float64(end-t.Start)*float64(k)/float64(tt.runes))
}

// align gives each token the timing of the recognised word it belongs to.
// It fails (and times are interpolated) unless the words' tokens are,
// in order, exactly the turn's tokens.
func (tt *tturn) align() {
	tt.aligned = -1
	if len(tt.t.Words) == 0 {
		return
	}
	words := make([]qa.Span, 0, len(tt.n.toks))
	for _, w := range tt.t.Words {
		wn := normalize(w.Text, false, false)
		for k := range wn.toks {
			i := len(words)
			if i >= len(tt.n.toks) || tt.n.tok(i) != wn.tok(k) {
				return
			}
			words = append(words, qa.Span{Start: w.Start, End: max(w.End, w.Start)})
		}
	}
	if len(words) != len(tt.n.toks) {
		return
	}
	tt.words, tt.aligned = words, 1
}

// said returns the original words of tokens [a, b) of turn i.
func (tr *transcript) said(i, a, b int) string {
	tt := &tr.turns[i]
	if a >= b || b > len(tt.n.toks) {
		return ""
	}
	oa, ob := tt.n.origRange(tt.t.Text, int(tt.n.toks[a].a), int(tt.n.toks[b-1].b))
	return strings.TrimSpace(tt.t.Text[oa:ob])
}

// findQuote looks for quote in one turn. The quote is normalised; a
// leading "[12] agent (0:34):" label is dropped, and "..." splits it into
// parts that must appear in order in the same turn. It returns the turn
// index and the token range covering the quote.
func (tr *transcript) findQuote(quote string) (turn, a, b int, ok bool) {
	parts := quoteParts(quote)
	if len(parts) == 0 {
		return 0, 0, 0, false
	}
	for _, i := range tr.order {
		tt := &tr.turns[i]
		from, first, last := 0, -1, -1
		found := true
		for _, p := range parts {
			k := indexTokens(tt.n.s[from:], p)
			if k < 0 {
				found = false
				break
			}
			if first < 0 {
				first = from + k
			}
			last = from + k + len(p)
			from = last
		}
		if !found {
			continue
		}
		if ta, tb, ok := tt.n.tokensIn(first, last); ok {
			return i, ta, tb, true
		}
	}
	return 0, 0, 0, false
}

// indexTokens finds p in s where it starts and ends on token boundaries
// (a CJK character is a token; so a Chinese quote may start anywhere).
func indexTokens(s, p string) int {
	for off := 0; off <= len(s)-len(p); {
		k := strings.Index(s[off:], p)
		if k < 0 {
			return -1
		}
		at := off + k
		if boundaryBefore(s, at) && boundaryAfter(s, at+len(p)) {
			return at
		}
		_, w := utf8.DecodeRuneInString(s[at:])
		off = at + w
	}
	return -1
}

func boundaryBefore(s string, i int) bool {
	if i == 0 {
		return true
	}
	prev, _ := utf8.DecodeLastRuneInString(s[:i])
	next, _ := utf8.DecodeRuneInString(s[i:])
	return prev == ' ' || isCJK(prev) || isCJK(next)
}

func boundaryAfter(s string, i int) bool {
	if i >= len(s) {
		return true
	}
	prev, _ := utf8.DecodeLastRuneInString(s[:i])
	next, _ := utf8.DecodeRuneInString(s[i:])
	return next == ' ' || isCJK(next) || isCJK(prev)
}

// quoteParts normalises a quote into the parts that must be found.
func quoteParts(quote string) []string {
	q := strings.TrimSpace(quote)
	q = stripLabel(q)
	q = strings.ReplaceAll(q, "…", "...")
	var parts []string
	for _, p := range strings.Split(q, "...") {
		if n := normalize(p, false, false).s; n != "" {
			parts = append(parts, n)
		}
	}
	total := 0
	for _, p := range parts {
		total += utf8.RuneCountInString(strings.ReplaceAll(p, " ", ""))
	}
	if total < minQuoteRunes {
		return nil
	}
	return parts
}

// minQuoteRunes is the shortest quote accepted (letters and digits): two
// characters are a Chinese word; a single one proves nothing.
const minQuoteRunes = 2

// labelPattern matches a transcript line's label at the start of a quote:
// "[12]", "agent:", "Agent (0:34):", "[12] agent 0:34:" as
// FormatTranscript writes it.
var labelPattern = regexp.MustCompile(`^(?i)\s*(\[\d{1,6}\]\s*)?((caller|agent|bot)\s*(\(?\d{1,4}:\d{2}\)?)?\s*[:：]\s*)?`)

// stripLabel drops a transcript line's label from a quote.
func stripLabel(q string) string {
	return q[len(labelPattern.FindString(q)):]
}
