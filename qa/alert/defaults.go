package alert

import (
	"bytes"
	_ "embed"
	"maps"
	"slices"
	"sync"

	"gopkg.in/yaml.v3"
)

//go:embed defaults.yaml
var defaultsYAML []byte

// defaultSet parses the embedded defaults once. The file is tested to be
// valid (TestDefaults), so a failure here is a build defect.
var defaultSet = sync.OnceValue(func() Config {
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(defaultsYAML))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		panic("alert: defaults.yaml: " + err.Error())
	}
	return c
})

// DefaultRules returns the shipped rule set (English and Chinese): legal
// threats and regulators, complaints and escalation, cancellation, abuse,
// threats, vulnerable customers, negative caller sentiment, dead air,
// talk-over, a failing bot and long calls. The result is a fresh copy.
func DefaultRules() []Rule {
	rules := slices.Clone(defaultSet().Rules)
	for i := range rules {
		rules[i].Phrases = slices.Clone(rules[i].Phrases)
		rules[i].Regexes = slices.Clone(rules[i].Regexes)
		rules[i].Speakers = slices.Clone(rules[i].Speakers)
		if t := rules[i].Threshold; t != nil {
			v := *t
			rules[i].Threshold = &v
		}
	}
	return rules
}

// DefaultSynonyms returns the shipped synonym groups, a fresh copy.
func DefaultSynonyms() map[string][]string {
	out := maps.Clone(defaultSet().Synonyms)
	for k, v := range out {
		out[k] = slices.Clone(v)
	}
	return out
}
