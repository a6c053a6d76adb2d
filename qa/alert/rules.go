package alert

import (
	"fmt"
	"regexp"
	"slices"
	"sync/atomic"

	"github.com/switchboard-voice/switchboard/qa"
)

// Rules is a compiled rule set, shared by every call's Monitor. It is
// immutable and safe for concurrent use; it counts the alerts each rule
// raises (Raised, and as a Prometheus collector, see Describe).
type Rules struct {
	rules []*rule
	auto  *automaton // every phrase rule's spellings
}

// rule is one compiled rule.
type rule struct {
	Rule
	phrases []phrase
	regexes []*regexp.Regexp
	raised  atomic.Uint64
}

// Compile validates cfg and compiles the rules in effect (cfg.RuleSet).
func Compile(cfg Config) (*Rules, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	groups := synonymGroups(cfg.SynonymSet())
	rs := &Rules{}
	for _, r := range cfg.RuleSet() {
		c, err := compileRule(ruleKey(cfg, r.ID), r, groups)
		if err != nil {
			return nil, err
		}
		rs.rules = append(rs.rules, c)
	}
	rs.auto = newAutomaton(rs.rules)
	return rs, nil
}

// ruleKey names a rule of the rule set in errors: its place in
// alerts.rules, or the default rule it is.
func ruleKey(cfg Config, id string) string {
	if i := indexRule(cfg.Rules, id); i >= 0 {
		return fmt.Sprintf("alerts.rules[%d]", i)
	}
	return fmt.Sprintf("alerts.defaults (rule %s)", id)
}

// compileRule validates and compiles one rule; key names it in errors.
func compileRule(key string, r Rule, groups [][]string) (*rule, error) {
	if err := r.validate(key); err != nil {
		return nil, err
	}
	c := &rule{Rule: r.fill()}
	if r.Disabled {
		return c, nil
	}
	var err error
	if c.phrases, err = compilePhrases(key, r.Phrases, groups); err != nil {
		return nil, err
	}
	if len(r.Regexes) > maxRegexes {
		return nil, bad(key+".regexes", "lists %d expressions, more than %d", len(r.Regexes), maxRegexes)
	}
	for i, src := range r.Regexes {
		re, err := compileRegex(fmt.Sprintf("%s.regexes[%d]", key, i), src)
		if err != nil {
			return nil, err
		}
		c.regexes = append(c.regexes, re)
	}
	return c, nil
}

// hears reports whether the rule listens to speaker s.
func (r *rule) hears(s qa.Speaker) bool {
	return len(r.Speakers) == 0 || slices.Contains(r.Speakers, s)
}

// matchRegex returns the first of the rule's expressions that matches
// the normalised text, if any.
func (r *rule) matchRegex(norm []byte) (string, bool) {
	for _, re := range r.regexes {
		if re.Match(norm) {
			return re.String()[len("(?i)"):], true
		}
	}
	return "", false
}

// Rules returns the compiled rules with their defaults filled in, in
// evaluation order.
func (rs *Rules) Rules() []Rule {
	out := make([]Rule, len(rs.rules))
	for i, r := range rs.rules {
		out[i] = r.Rule
	}
	return out
}

// Raised returns how many alerts each rule has raised, by rule ID, over
// every monitor.
func (rs *Rules) Raised() map[string]uint64 {
	out := make(map[string]uint64, len(rs.rules))
	for _, r := range rs.rules {
		out[r.ID] = r.raised.Load()
	}
	return out
}
