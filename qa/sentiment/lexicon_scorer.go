package sentiment

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/switchboard-voice/switchboard/qa"
)

// The embedded lexicons, written for Switchboard (see lexicon/README.md).
//
//go:embed lexicon/*.lex
var embedded embed.FS

// Scoring constants. The sum of an utterance's valences is squashed into
// [-1, 1] as sum/sqrt(sum²+alpha), as VADER does; the other constants are
// the effects of the rules, in valence units (-4..+4 per word).
const (
	alpha            = 15.0
	defaultNegScalar = -0.74 // a negated valence without its own negated value
	capsBoost        = 0.733 // a word in capitals in a text that is not all capitals
	exclBoost        = 0.292 // each '!' (at most maxExcl)
	maxExcl          = 4
	questBoost       = 0.18 // each '?' from the second on, at most maxQuestBoost
	maxQuestBoost    = 0.96
	beforeContrast   = 0.5 // what precedes "but" / 但是
	afterContrast    = 1.5 // what follows it
	inConcession     = 0.5 // the clause of "although" / 虽然
	negWindow        = 3   // words a negator or booster reaches forward
	negWindowCJK     = 4   // the same in characters-or-words of Chinese
)

// boosterDecay is the share of a booster's effect at distance 1, 2, 3... .
var boosterDecay = [...]float64{1, 1, 0.95, 0.9, 0.85}

// Lexicon is the embedded rule-based scorer: a lexicon of English and
// Chinese words, phrases and emoticons with valences, and rules for
// negation, boosters, contrast and emphasis. It needs no model and no
// network; it is safe for concurrent use.
type Lexicon struct {
	lex      *lexicon
	neg, pos float64
}

var _ Scorer = (*Lexicon)(nil)

// Option configures New.
type Option func(*options)

type options struct {
	vader    []string
	extra    []string
	neg, pos float64
}

// WithVADER adds a lexicon in VADER's format (token<TAB>mean valence...,
// such as vader_lexicon.txt), read from path when New runs. Its entries
// fill only what the embedded lexicon does not have. A missing or
// malformed file fails New.
func WithVADER(path string) Option {
	return func(o *options) { o.vader = append(o.vader, path) }
}

// WithLexicon adds a lexicon in Switchboard's own format (see
// lexicon/README.md), read from path when New runs; its entries override
// the embedded ones. Use it for a domain's words ("工单", product names).
func WithLexicon(path string) Option {
	return func(o *options) { o.extra = append(o.extra, path) }
}

// WithThresholds sets the label thresholds: a score >= pos is positive, a
// score <= -neg negative, neutral in between. Both in (0, 1).
func WithThresholds(neg, pos float64) Option {
	return func(o *options) { o.neg, o.pos = neg, pos }
}

// New builds a Lexicon from the embedded lexicons and the options' files.
func New(opts ...Option) (*Lexicon, error) {
	o := options{neg: DefaultNegativeThreshold, pos: DefaultPositiveThreshold}
	for _, opt := range opts {
		opt(&o)
	}
	if !(o.neg > 0 && o.neg < 1) || !(o.pos > 0 && o.pos < 1) {
		return nil, fmt.Errorf("sentiment: thresholds %v, %v: want both in (0, 1)", o.neg, o.pos)
	}
	lex := newLexicon()
	files, err := fs.Glob(embedded, "lexicon/*.lex")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		b, err := embedded.ReadFile(f)
		if err != nil {
			return nil, err
		}
		if err := lex.parse(bytes.NewReader(b), "embedded "+path.Base(f), prioEmbedded); err != nil {
			return nil, err
		}
	}
	for _, p := range o.vader {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("sentiment: VADER lexicon: %w", err)
		}
		if err := lex.parseVADER(bytes.NewReader(b), p); err != nil {
			return nil, err
		}
	}
	for _, p := range o.extra {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("sentiment: lexicon: %w", err)
		}
		if err := lex.parse(bytes.NewReader(b), p, prioExtra); err != nil {
			return nil, err
		}
	}
	return &Lexicon{lex: lex, neg: o.neg, pos: o.pos}, nil
}

// Entries returns how many token sequences the lexicon holds (phrase
// patterns count once per expansion).
func (l *Lexicon) Entries() int { return l.lex.entries }

// Score scores one utterance. It fails only with ErrLanguage (a language
// other than English or Chinese) or when ctx has ended; empty text is
// neutral with score 0.
func (l *Lexicon) Score(ctx context.Context, text, lang string) (qa.Sentiment, error) {
	if err := ctx.Err(); err != nil {
		return qa.Sentiment{}, err
	}
	if _, err := Language(lang, ""); lang != "" && err != nil {
		return qa.Sentiment{}, err
	}
	return l.analyze(text, false).Sentiment, nil
}

// Analysis is a scored utterance with the evidence for its score.
type Analysis struct {
	qa.Sentiment
	// Lang is "en" or "zh", as given or detected.
	Lang string
	// Sum is the valence sum before it is squashed into [-1, 1].
	Sum float64
	// Hits are the lexicon entries that matched, in order.
	Hits []Hit
}

// Hit is one lexicon match in an utterance.
type Hit struct {
	// Text is what matched, as tokens joined by spaces (CJK without).
	Text string
	// Pattern is the lexicon entry that matched.
	Pattern string
	// Valence is the entry's valence; Final what it counts for after
	// negation, boosters, capitals and contrast.
	Valence, Final float64
	// Negated is set when a negator reached the entry.
	Negated bool
}

// Analyze scores text like Score and returns the evidence. lang is as for
// Score.
func (l *Lexicon) Analyze(text, lang string) (Analysis, error) {
	lg, err := Language(lang, text)
	if err != nil {
		return Analysis{}, err
	}
	a := l.analyze(text, true)
	a.Lang = lg
	return a, nil
}

// unit is a token or a run of tokens that matched one lexicon entry.
type unit struct {
	e          *entry // nil: no entry
	start, end int    // tokens
	brk        bool   // a clause break
	caps       bool
	cjk        bool
	weight     float64
}

func (l *Lexicon) analyze(text string, explain bool) Analysis {
	tk := tokenize(text, l.lex.emoticons)
	var buf [64]unit
	units := buf[:0]
	for i := 0; i < len(tk.toks); {
		t := &tk.toks[i]
		if t.kind == tokBreak {
			units = append(units, unit{brk: true, start: i, end: i + 1, weight: 1})
			i++
			continue
		}
		n, e := l.lex.root.longest(tk.toks, i)
		if n == 0 {
			n = 1
			if t.kind == tokWord {
				e = l.stem(t.text)
			}
		}
		u := unit{e: e, start: i, end: i + n, cjk: t.kind == tokCJK, weight: 1}
		for _, x := range tk.toks[i : i+n] {
			u.caps = u.caps || x.caps
		}
		units = append(units, u)
		i += n
	}
	weigh(units)

	var a Analysis
	sum := 0.0
	for i := range units {
		u := &units[i]
		if u.e == nil || u.e.kind != kindValence {
			continue
		}
		v := u.e.val
		negated, scalar, boost := false, defaultNegScalar, 0.0
		window := negWindow
		if u.cjk {
			window = negWindowCJK
		}
		for k, j := 1, i-1; j >= 0 && k <= window; k, j = k+1, j-1 {
			p := &units[j]
			if p.brk {
				break
			}
			if p.e == nil {
				continue
			}
			switch p.e.kind {
			case kindNegator:
				if !negated {
					negated, scalar = true, p.e.val
				}
			case kindBooster:
				boost += p.e.val * boosterDecay[k]
			case kindContrast, kindConcession:
				k = window // a new clause starts there
			}
		}
		if negated {
			if u.e.hasNeg {
				v = u.e.neg
			} else {
				v *= scalar
			}
		}
		if v != 0 {
			s := math.Copysign(1, v)
			if boost != 0 {
				v = s * math.Max(0, math.Abs(v)+boost)
			}
			if u.caps && !tk.capsAll {
				v += s * capsBoost
			}
		}
		v *= u.weight
		sum += v
		if explain && (v != 0 || u.e.val != 0) {
			a.Hits = append(a.Hits, Hit{
				Text: joinTokens(tk.toks[u.start:u.end]), Pattern: u.e.pattern,
				Valence: u.e.val, Final: v, Negated: negated,
			})
		}
	}
	if sum != 0 {
		s := math.Copysign(1, sum)
		sum += s * float64(min(tk.excl, maxExcl)) * exclBoost
		if tk.quest > 1 {
			sum += s * math.Min(float64(tk.quest-1)*questBoost, maxQuestBoost)
		}
	}
	score := sum / math.Sqrt(sum*sum+alpha)
	a.Sum = sum
	a.Score = score
	a.Label = labelOf(score, l.neg, l.pos)
	if tk.cjk > 0 && tk.cjk >= 2*wordCount(tk.toks) {
		a.Lang = "zh"
	} else {
		a.Lang = "en"
	}
	return a
}

// weigh sets each unit's weight from contrast ("but": before 0.5, after
// 1.5, from the last one) and concession ("although": 0.5 up to the end of
// its clause).
func weigh(units []unit) {
	last := -1
	for i, u := range units {
		if u.e != nil && u.e.kind == kindContrast {
			last = i
		}
	}
	if last >= 0 {
		for i := range units {
			switch {
			case i < last:
				units[i].weight = beforeContrast
			case i > last:
				units[i].weight = afterContrast
			}
		}
	}
	for i, u := range units {
		if u.e == nil || u.e.kind != kindConcession {
			continue
		}
		for j := i + 1; j < len(units); j++ {
			if units[j].brk || units[j].e != nil && units[j].e.kind == kindContrast {
				break
			}
			units[j].weight *= inConcession
		}
	}
}

// stem looks up an inflected English word whose base form is in the
// lexicon: "delays" → "delay", "refunded" → "refund", "hated" → "hate".
func (l *Lexicon) stem(w string) *entry {
	if len(w) < 4 || w[0] >= utf8.RuneSelf {
		return nil
	}
	try := func(base string) *entry {
		if len(base) < 3 {
			return nil
		}
		return l.lex.lookupWord(base)
	}
	type rule struct{ suf, repl string }
	for _, r := range [...]rule{
		{"ies", "y"}, {"ied", "y"}, {"ily", "y"}, {"es", ""}, {"s", ""},
		{"ed", ""}, {"ed", "e"}, {"ing", ""}, {"ing", "e"}, {"ly", ""},
	} {
		if base, ok := strings.CutSuffix(w, r.suf); ok {
			if e := try(base + r.repl); e != nil {
				return e
			}
			// a doubled consonant: "stopped" → "stop"
			if (r.suf == "ed" || r.suf == "ing") && r.repl == "" && len(base) > 3 && base[len(base)-1] == base[len(base)-2] {
				if e := try(base[:len(base)-1]); e != nil {
					return e
				}
			}
		}
	}
	return nil
}

func wordCount(toks []token) int {
	n := 0
	for _, t := range toks {
		if t.kind == tokWord {
			n++
		}
	}
	return n
}

// joinTokens rebuilds the text of a match: words with spaces, CJK without.
func joinTokens(toks []token) string {
	var b strings.Builder
	for i, t := range toks {
		if i > 0 && !(t.kind == tokCJK && toks[i-1].kind == tokCJK) {
			b.WriteByte(' ')
		}
		b.WriteString(t.text)
	}
	return b.String()
}
