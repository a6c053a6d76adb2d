package scorecard

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/switchboard-voice/switchboard/qa"
)

// Limits on a card's size.
const (
	maxQuestions = 200
	maxPhrases   = 5000 // phrases and regexes over the whole card
	maxWords     = 1000 // Proximity.Words
)

// weightTolerance is how far from 100 a sum of weights may be (33.33 ×
// 3 is 99.99).
const weightTolerance = 0.011

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// Validate checks a card built in Go (or changed after parsing) and
// prepares it for Evaluate. Problems name the field's path
// ("sections[0].questions[1].weight"). Validate again after changing a
// Card.
func (c *Card) Validate() error {
	prog, probs := compile(c, func(path string) Pos { return Pos{Path: path} })
	if len(probs) > 0 {
		return probs
	}
	c.prog = prog
	return nil
}

// program is a compiled card.
type program struct {
	applies   *ccond
	questions []cquestion
	hash      string // Card.Hash when compiled
}

// cquestion is a compiled question.
type cquestion struct {
	q       *Question
	section int
	when    *ccond
	rule    *crule
	choose  []cchoice
	metric  *Metric
	maxPts  float64 // the highest points of its options or bands
	options []string
}

type cchoice struct {
	option string
	rule   *crule
}

// ccond is a compiled Condition.
type ccond struct {
	c    *Condition
	rule *crule
}

// ruleKind is what a compiled rule tests.
type ruleKind uint8

const (
	kindSaid ruleKind = iota + 1
	kindNotSaid
	kindPlayed
	kindSlot
	kindIntent
	kindOutcome
	kindMetric
	kindAny
	kindAll
	kindNot
)

// crule is a compiled Rule.
type crule struct {
	kind   ruleKind
	phrase *cphraseRule
	played *PlayedRule
	names  []string
	metric *Metric
	subs   []*crule
}

// cphraseRule is a compiled PhraseRule.
type cphraseRule struct {
	m        *matcher
	win      window
	minCount int
	near     *proximity
	notNear  *proximity
	who      string // "agent", "caller or agent", "anyone"
	what     string // the phrases, shortened, for notes
}

// checker validates a card and compiles it.
type checker struct {
	card     *Card
	pos      func(string) Pos
	problems Problems
	phrases  int
	synonyms map[string][]cphrase
}

func (k *checker) errorf(path, format string, args ...any) {
	k.problems = append(k.problems, Problem{Pos: k.pos(path), Message: fmt.Sprintf(format, args...)})
}

func compile(c *Card, pos func(string) Pos) (*program, Problems) {
	k := &checker{card: c, pos: pos, synonyms: map[string][]cphrase{}}
	prog := &program{}
	if c.Name == "" {
		k.errorf("name", "the card needs a name")
	} else if !idPattern.MatchString(c.Name) {
		k.errorf("name", "card name %q: use lower-case letters, digits, '-' and '_' (at most 64)", c.Name)
	}
	if c.PassScore < 0 || c.PassScore > 100 || math.IsNaN(c.PassScore) {
		k.errorf("pass_score", "pass_score %v: want a percentage between 0 and 100", c.PassScore)
	}
	for _, name := range sortedKeys(c.Synonyms) {
		path := "synonyms." + name
		if !idPattern.MatchString(name) {
			k.errorf(path, "synonym list name %q: use lower-case letters, digits, '-' and '_'", name)
		}
		if len(c.Synonyms[name]) == 0 {
			k.errorf(path, "synonym list %q is empty", name)
		}
		k.synonyms[name] = k.phraseList(path, c.Synonyms[name])
	}
	if c.AppliesTo != nil {
		prog.applies = k.condition("applies_to", c.AppliesTo)
	}
	if len(c.Sections) == 0 {
		k.errorf("sections", "the card needs at least one section")
	}
	sectionIDs := map[string]bool{}
	questionIDs := map[string]string{}
	var (
		sectionSum   float64
		sectionParts []string
	)
	for si := range c.Sections {
		s := &c.Sections[si]
		sp := fmt.Sprintf("sections[%d]", si)
		switch {
		case s.ID == "":
			k.errorf(sp, "section %d needs an id", si+1)
		case !idPattern.MatchString(s.ID):
			k.errorf(sp+".id", "section id %q: use lower-case letters, digits, '-' and '_'", s.ID)
		case sectionIDs[s.ID]:
			k.errorf(sp+".id", "section id %q is used twice", s.ID)
		}
		sectionIDs[s.ID] = true
		if len(s.Questions) == 0 {
			k.errorf(sp, "section %q has no questions", s.ID)
		}
		var (
			sum   float64
			parts []string
		)
		for qi := range s.Questions {
			q := &s.Questions[qi]
			qp := fmt.Sprintf("%s.questions[%d]", sp, qi)
			if len(prog.questions) >= maxQuestions {
				k.errorf(qp, "the card has more than %d questions", maxQuestions)
				break
			}
			if q.ID != "" {
				if prev, dup := questionIDs[q.ID]; dup {
					k.errorf(qp+".id", "question id %q is used twice (also in section %q): ids are unique in a card", q.ID, prev)
				}
				questionIDs[q.ID] = s.ID
			}
			cq := k.question(qp, q)
			cq.section = si
			prog.questions = append(prog.questions, cq)
			if q.Type.Scored() && validWeight(q.Weight) {
				sum += q.Weight
				parts = append(parts, fmt.Sprintf("%s %s", q.ID, fmtNum(q.Weight)))
			}
		}
		if !validWeight(s.Weight) {
			k.errorf(sp+".weight", "section %q: weight %v must be between 0 and 100", s.ID, s.Weight)
			continue
		}
		switch {
		case sum == 0 && s.Weight != 0:
			k.errorf(sp+".weight", "section %q has weight %s but none of its questions is weighted (text questions and zero-weight checks score nothing): remove the weight", s.ID, fmtNum(s.Weight))
		case sum != 0 && math.Abs(sum-100) > weightTolerance:
			k.errorf(sp+".questions", "section %q: question weights sum to %s, want 100 (%s)", s.ID, fmtNum(sum), strings.Join(parts, " + "))
		case sum != 0 && s.Weight == 0:
			k.errorf(sp, "section %q needs a weight (its share of the card in percent)", s.ID)
		}
		sectionSum += s.Weight
		if s.Weight != 0 {
			sectionParts = append(sectionParts, fmt.Sprintf("%s %s", s.ID, fmtNum(s.Weight)))
		}
	}
	if len(sectionParts) > 0 && math.Abs(sectionSum-100) > weightTolerance {
		k.errorf("sections", "section weights sum to %s, want 100 (%s)", fmtNum(sectionSum), strings.Join(sectionParts, " + "))
	}
	if len(sectionParts) == 0 && len(c.Sections) > 0 {
		k.errorf("sections", "no question of the card is scored: give yes_no, choice or number questions weights")
	}
	if len(k.problems) > 0 {
		return nil, k.problems
	}
	prog.hash = c.Hash()
	return prog, nil
}

func validWeight(w float64) bool { return w >= 0 && w <= 100 && !math.IsNaN(w) }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// fmtNum prints a number without useless decimals.
func fmtNum(f float64) string {
	s := fmt.Sprintf("%.2f", f)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		s = "0"
	}
	return s
}

// forbidden names the fields a question of type t must not have.
func (k *checker) forbidden(qp string, q *Question, fields map[string]bool) {
	set := map[string]bool{
		"rule": q.Rule != nil, "options": len(q.Options) > 0, "choose": len(q.Choose) > 0,
		"otherwise": q.Otherwise != "", "metric": q.Metric != nil, "bands": len(q.Bands) > 0, "llm": q.LLM != nil,
	}
	for _, f := range []string{"rule", "options", "choose", "otherwise", "metric", "bands", "llm"} {
		if set[f] && !fields[f] {
			k.errorf(qp+"."+f, "question %q: %s does not apply to a %s question", q.ID, f, q.Type)
		}
	}
}

func (k *checker) question(qp string, q *Question) cquestion {
	cq := cquestion{q: q}
	switch {
	case q.ID == "":
		k.errorf(qp, "a question needs an id")
	case !idPattern.MatchString(q.ID):
		k.errorf(qp+".id", "question id %q: use lower-case letters, digits, '-' and '_'", q.ID)
	}
	if strings.TrimSpace(q.Text) == "" {
		k.errorf(qp, "question %q needs text (the question reviewers read)", q.ID)
	}
	if !validWeight(q.Weight) {
		k.errorf(qp+".weight", "question %q: weight %v must be between 0 and 100", q.ID, q.Weight)
	}
	switch q.Type {
	case YesNo:
		k.forbidden(qp, q, map[string]bool{"rule": true, "llm": true})
		if q.Rule != nil {
			cq.rule = k.rule(qp+".rule", q.Rule, 0)
		}
	case Choice:
		k.forbidden(qp, q, map[string]bool{"options": true, "choose": true, "otherwise": true, "llm": true})
		k.choice(qp, q, &cq)
	case Number:
		k.forbidden(qp, q, map[string]bool{"metric": true, "bands": true})
		k.number(qp, q, &cq)
	case Text:
		k.forbidden(qp, q, map[string]bool{"llm": true})
		if q.Weight != 0 {
			k.errorf(qp+".weight", "question %q: a text question is not scored; remove its weight", q.ID)
		}
		if q.Critical {
			k.errorf(qp+".critical", "question %q: a text question cannot be critical (it is not scored)", q.ID)
		}
	case "":
		k.errorf(qp, "question %q needs a type: yes_no, choice, number or text", q.ID)
	default:
		k.errorf(qp+".type", "question %q: unknown question type %q (want yes_no, choice, number or text)", q.ID, q.Type)
	}
	if q.Type.Scored() && q.Weight == 0 && !q.Critical {
		k.errorf(qp, "question %q needs a weight (its share of the section in percent); only a critical question may have none", q.ID)
	}
	if q.When != nil {
		cq.when = k.condition(qp+".when", q.When)
	}
	return cq
}

func (k *checker) choice(qp string, q *Question, cq *cquestion) {
	if len(q.Options) < 2 {
		k.errorf(qp, "question %q: a choice question needs at least two options", q.ID)
	}
	ids := map[string]bool{}
	for i, o := range q.Options {
		op := fmt.Sprintf("%s.options[%d]", qp, i)
		switch {
		case o.ID == "":
			k.errorf(op, "question %q: option %d needs an id", q.ID, i+1)
		case !idPattern.MatchString(o.ID):
			k.errorf(op+".id", "question %q: option id %q: use lower-case letters, digits, '-' and '_'", q.ID, o.ID)
		case ids[o.ID]:
			k.errorf(op+".id", "question %q: option %q is listed twice", q.ID, o.ID)
		}
		ids[o.ID] = true
		cq.options = append(cq.options, o.ID)
		if o.Points < 0 || math.IsNaN(o.Points) || math.IsInf(o.Points, 0) {
			k.errorf(op+".points", "question %q: option %q: points must be zero or more", q.ID, o.ID)
		}
		cq.maxPts = math.Max(cq.maxPts, o.Points)
	}
	if len(q.Options) >= 2 && cq.maxPts <= 0 {
		k.errorf(qp+".options", "question %q: no option earns points", q.ID)
	}
	for i, ch := range q.Choose {
		cp := fmt.Sprintf("%s.choose[%d]", qp, i)
		if !ids[ch.Option] {
			k.errorf(cp, "question %q: choose names option %q, which is not one of its options (%s)", q.ID, ch.Option, strings.Join(cq.options, ", "))
		}
		if ch.Rule == nil {
			k.errorf(cp, "question %q: choose entry for %q needs a rule", q.ID, ch.Option)
			continue
		}
		cq.choose = append(cq.choose, cchoice{option: ch.Option, rule: k.rule(cp+".rule", ch.Rule, 0)})
	}
	if q.Otherwise != "" && !ids[q.Otherwise] {
		k.errorf(qp+".otherwise", "question %q: otherwise names option %q, which is not one of its options (%s)", q.ID, q.Otherwise, strings.Join(cq.options, ", "))
	}
	if q.Otherwise != "" && len(q.Choose) == 0 {
		k.errorf(qp+".otherwise", "question %q: otherwise without choose rules", q.ID)
	}
}

func (k *checker) number(qp string, q *Question, cq *cquestion) {
	if len(q.Bands) == 0 {
		k.errorf(qp, "question %q: a number question needs bands (e.g. - {max: 60, points: 2})", q.ID)
	}
	open := -1
	for i, b := range q.Bands {
		bp := fmt.Sprintf("%s.bands[%d]", qp, i)
		if open >= 0 {
			k.errorf(bp, "question %q: band %d is never reached: band %d has no bounds and takes every value", q.ID, i+1, open+1)
		}
		if b.Min == nil && b.Max == nil {
			open = i
		}
		if b.Min != nil && b.Max != nil && *b.Min > *b.Max {
			k.errorf(bp, "question %q: band %d has min %s above max %s", q.ID, i+1, fmtNum(*b.Min), fmtNum(*b.Max))
		}
		if b.Points < 0 || math.IsNaN(b.Points) || math.IsInf(b.Points, 0) {
			k.errorf(bp+".points", "question %q: band points must be zero or more", q.ID)
		}
		cq.maxPts = math.Max(cq.maxPts, b.Points)
	}
	if len(q.Bands) > 0 && cq.maxPts <= 0 {
		k.errorf(qp+".bands", "question %q: no band earns points", q.ID)
	}
	if q.Metric != nil {
		k.metric(qp+".metric", q.Metric, false)
		cq.metric = q.Metric
	}
}

func (k *checker) names(path, what string, names []string) {
	if len(names) == 0 {
		k.errorf(path, "%s: name at least one", what)
	}
	for _, n := range names {
		if strings.TrimSpace(n) == "" {
			k.errorf(path, "%s: empty name", what)
		}
	}
}

var outcomes = []string{"resolved", "handed_off", "abandoned"}

func (k *checker) outcomes(path string, list []string) {
	for _, o := range list {
		if !slices.Contains(outcomes, o) {
			k.errorf(path, "unknown outcome %q (want %s)", o, strings.Join(outcomes, ", "))
		}
	}
}

func (k *checker) condition(path string, c *Condition) *ccond {
	cc := &ccond{c: c}
	empty := true
	for _, f := range []struct {
		key  string
		list []string
	}{{"bots", c.Bots}, {"queues", c.Queues}, {"channels", c.Channels}, {"languages", c.Languages},
		{"intents", c.Intents}, {"outcomes", c.Outcomes}, {"slots", c.Slots}} {
		if f.list == nil {
			continue
		}
		empty = false
		k.names(path+"."+f.key, path+"."+f.key, f.list)
	}
	k.outcomes(path+".outcomes", c.Outcomes)
	if c.HasAgent != nil {
		empty = false
	}
	if c.Rule != nil {
		empty = false
		cc.rule = k.rule(path+".rule", c.Rule, 0)
	}
	if empty {
		what := path[strings.LastIndexByte(path, '.')+1:]
		k.errorf(path, "%s is empty: give bots, queues, channels, languages, intents, outcomes, slots, has_agent or rule", what)
	}
	return cc
}

// kinds lists the tests a rule has set.
func (r *Rule) kinds() []string {
	var ks []string
	add := func(set bool, k string) {
		if set {
			ks = append(ks, k)
		}
	}
	add(r.Said != nil, "said")
	add(r.NotSaid != nil, "not_said")
	add(r.Played != nil, "played")
	add(r.Slot != nil, "slot")
	add(r.Intent != nil, "intent")
	add(r.Outcome != nil, "outcome")
	add(r.Metric != nil, "metric")
	add(r.Any != nil, "any")
	add(r.All != nil, "all")
	add(r.Not != nil, "not")
	return ks
}

func (k *checker) rule(path string, r *Rule, depth int) *crule {
	cr := &crule{}
	if depth > maxRuleDepth {
		k.errorf(path, "rule nested deeper than %d levels", maxRuleDepth)
		return cr
	}
	ks := r.kinds()
	switch len(ks) {
	case 0:
		k.errorf(path, "empty rule: a rule has one of %s", strings.Join(ruleKinds, ", "))
		return cr
	case 1:
	default:
		k.errorf(path, "one test per rule, found %s (combine tests with all: or any:)", strings.Join(ks, ", "))
		return cr
	}
	switch ks[0] {
	case "said":
		cr.kind, cr.phrase = kindSaid, k.phraseRule(path+".said", r.Said, true)
	case "not_said":
		cr.kind, cr.phrase = kindNotSaid, k.phraseRule(path+".not_said", r.NotSaid, false)
	case "played":
		cr.kind, cr.played = kindPlayed, r.Played
		k.names(path+".played", "played", r.Played.Prompts)
		k.window(path+".played", r.Played.WithinFirst, r.Played.WithinLast)
	case "slot":
		cr.kind, cr.names = kindSlot, r.Slot
		k.names(path+".slot", "slot", r.Slot)
	case "intent":
		cr.kind, cr.names = kindIntent, r.Intent
		k.names(path+".intent", "intent", r.Intent)
	case "outcome":
		cr.kind, cr.names = kindOutcome, r.Outcome
		k.names(path+".outcome", "outcome", r.Outcome)
		k.outcomes(path+".outcome", r.Outcome)
	case "metric":
		cr.kind, cr.metric = kindMetric, r.Metric
		k.metric(path+".metric", r.Metric, true)
	case "any", "all":
		subs := r.Any
		cr.kind = kindAny
		if ks[0] == "all" {
			subs, cr.kind = r.All, kindAll
		}
		if len(subs) == 0 {
			k.errorf(path+"."+ks[0], "%s: list at least one rule", ks[0])
		}
		for i := range subs {
			cr.subs = append(cr.subs, k.rule(fmt.Sprintf("%s.%s[%d]", path, ks[0], i), &subs[i], depth+1))
		}
	case "not":
		cr.kind = kindNot
		cr.subs = []*crule{k.rule(path+".not", r.Not, depth+1)}
	}
	return cr
}

func (k *checker) window(path string, first, last Duration) {
	if first > 0 && last > 0 {
		k.errorf(path, "use within_first or within_last, not both")
	}
}

func (k *checker) phraseRule(path string, r *PhraseRule, said bool) *cphraseRule {
	cr := &cphraseRule{minCount: 1}
	cr.m, cr.who, cr.what = k.matcher(path, r.Phrases, r.Synonyms, r.Regex, r.Speaker)
	k.window(path, r.WithinFirst, r.WithinLast)
	cr.win = window{first: r.WithinFirst.D(), last: r.WithinLast.D()}
	switch {
	case r.MinCount < 0:
		k.errorf(path+".min_count", "min_count %d: want 1 or more", r.MinCount)
	case r.MinCount > 0 && !said:
		k.errorf(path+".min_count", "min_count applies to said, not to not_said")
	case r.MinCount > 0:
		cr.minCount = r.MinCount
	}
	if r.Near != nil {
		cr.near = k.proximity(path+".near", r.Near)
	}
	if r.NotNear != nil {
		cr.notNear = k.proximity(path+".not_near", r.NotNear)
	}
	return cr
}

func (k *checker) proximity(path string, x *Proximity) *proximity {
	p := &proximity{words: x.Words, within: x.Within.D()}
	p.m, _, _ = k.matcher(path, x.Phrases, x.Synonyms, x.Regex, x.Speaker)
	switch {
	case x.Words < 0 || x.Words > maxWords:
		k.errorf(path+".words", "words %d: want 1 to %d", x.Words, maxWords)
	case (x.Words > 0) == (x.Within > 0):
		k.errorf(path, "give either words (a distance in words) or within (a time such as 5s)")
	}
	return p
}

// matcher compiles phrases, synonym lists and regexes for some speakers.
func (k *checker) matcher(path string, phrases, synonyms, regex []string, speakers Speakers) (*matcher, string, string) {
	ps := k.phraseList(path+".phrases", phrases)
	shown := slices.Clone(phrases)
	for _, name := range synonyms {
		list, ok := k.synonyms[name]
		if !ok {
			known := strings.Join(sortedKeys(k.card.Synonyms), ", ")
			if known == "" {
				known = "none defined"
			}
			k.errorf(path+".synonyms", "unknown synonym list %q (the card's lists: %s)", name, known)
			continue
		}
		ps = append(ps, list...)
		shown = append(shown, "{"+name+"}")
	}
	var rs []cregex
	for _, src := range regex {
		k.phrases++
		re, err := compileRegex(src)
		if err != nil {
			k.errorf(path+".regex", "%v", err)
			continue
		}
		rs = append(rs, cregex{src: src, re: re})
		shown = append(shown, "/"+src+"/")
	}
	if len(phrases) == 0 && len(synonyms) == 0 && len(regex) == 0 {
		k.errorf(path, "give phrases, synonyms or regex to look for")
	}
	bits, who := k.speakers(path+".speaker", speakers)
	return newMatcher(ps, rs, bits), who, shorten(shown)
}

// shorten lists phrases for a note, cut after a few.
func shorten(list []string) string {
	const most = 4
	q := make([]string, 0, most+1)
	for i, s := range list {
		if i == most {
			q = append(q, fmt.Sprintf("… %d more", len(list)-most))
			break
		}
		if !strings.HasPrefix(s, "{") && !strings.HasPrefix(s, "/") {
			s = fmt.Sprintf("%q", s)
		}
		q = append(q, s)
	}
	return strings.Join(q, ", ")
}

func (k *checker) phraseList(path string, phrases []string) []cphrase {
	out := make([]cphrase, 0, len(phrases))
	for _, src := range phrases {
		k.phrases++
		if k.phrases == maxPhrases+1 {
			k.errorf(path, "the card has more than %d phrases and regexes", maxPhrases)
		}
		n := normalize(src, false, true)
		if len(n.toks) == 0 {
			k.errorf(path, "phrase %q has no words once punctuation is dropped", src)
			continue
		}
		cp := cphrase{src: src, toks: make([]ptok, len(n.toks))}
		bad := false
		for i := range n.toks {
			t := n.tok(i)
			body, star := strings.CutSuffix(t, "*")
			if strings.Contains(body, "*") || (star && body == "") {
				bad = true
			}
			cp.toks[i] = ptok{s: body, prefix: star}
		}
		if bad {
			k.errorf(path, "phrase %q: '*' goes at the end of a word (apologi*)", src)
			continue
		}
		out = append(out, cp)
	}
	return out
}

// speakers checks a speaker set and returns its bits and a description.
func (k *checker) speakers(path string, s Speakers) (uint8, string) {
	if len(s) == 0 {
		return spAny, "anyone"
	}
	var (
		bits  uint8
		names []string
	)
	for _, sp := range s {
		switch sp {
		case "any":
			bits |= spAny
		case qa.Caller, qa.Bot, qa.Agent:
			bits |= speakerBit(sp)
			names = append(names, string(sp))
		default:
			k.errorf(path, "unknown speaker %q (want caller, agent, bot or any)", sp)
		}
	}
	if bits&spAny == spAny {
		return spAny, "anyone"
	}
	return bits, strings.Join(names, " or ")
}

func (k *checker) metric(path string, m *Metric, inRule bool) {
	spec, ok := metricSpecs[m.Name]
	if !ok {
		k.errorf(path, "unknown metric %q (want %s)", m.Name, strings.Join(metricNames(), ", "))
		return
	}
	if m.Speaker != "" {
		switch {
		case !spec.speaker:
			k.errorf(path+".speaker", "metric %s takes no speaker", m.Name)
		case m.Speaker != qa.Caller && m.Speaker != qa.Agent && m.Speaker != qa.Bot && m.Speaker != "any":
			k.errorf(path+".speaker", "unknown speaker %q (want caller, agent, bot or any)", m.Speaker)
		}
	}
	if m.Stat != "" {
		switch {
		case !spec.stat:
			k.errorf(path+".stat", "metric %s takes no stat", m.Name)
		case !slices.Contains(sentimentStats, m.Stat):
			k.errorf(path+".stat", "unknown stat %q (want %s)", m.Stat, strings.Join(sentimentStats, ", "))
		}
	}
	if m.Over != 0 && !spec.over {
		k.errorf(path+".over", "metric %s takes no over threshold", m.Name)
	}
	if m.Over.D() > 24*time.Hour {
		k.errorf(path+".over", "over %v is longer than a day", m.Over.D())
	}
	for _, b := range []*float64{m.Min, m.Max} {
		if b != nil && (math.IsNaN(*b) || math.IsInf(*b, 0)) {
			k.errorf(path, "metric bounds must be finite numbers")
		}
	}
	switch {
	case inRule && m.Min == nil && m.Max == nil:
		k.errorf(path, "a metric rule needs min or max (e.g. metric: {name: %s, max: 10})", m.Name)
	case inRule && m.Min != nil && m.Max != nil && *m.Min > *m.Max:
		k.errorf(path, "metric %s: min %s is above max %s", m.Name, fmtNum(*m.Min), fmtNum(*m.Max))
	case !inRule && (m.Min != nil || m.Max != nil):
		k.errorf(path, "a number question's metric takes no min or max: its bands score it")
	}
}
