package alert

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestDefaults(t *testing.T) {
	var cfg Config
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	rs, err := Compile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[Kind]bool{}
	ids := map[string]bool{}
	for _, r := range rs.Rules() {
		kinds[r.Kind] = true
		if ids[r.ID] {
			t.Errorf("default rule %s twice", r.ID)
		}
		ids[r.ID] = true
		if r.Name == r.ID || r.Severity == "" || r.Cooldown == 0 {
			t.Errorf("default rule %s lacks a name, severity or cooldown: %+v", r.ID, r)
		}
	}
	for _, k := range []Kind{KindPhrase, KindSentiment, KindSilence, KindTalkOver, KindBotFailures, KindDuration} {
		if !kinds[k] {
			t.Errorf("no default rule of kind %s", k)
		}
	}
	// The copies are fresh: changing one leaves the defaults alone.
	d := DefaultRules()
	d[0].Phrases[0] = "changed"
	*d[indexRule(d, "negative_sentiment")].Threshold = 1
	if DefaultRules()[0].Phrases[0] == "changed" || *DefaultRules()[indexRule(d, "negative_sentiment")].Threshold == 1 {
		t.Error("DefaultRules shares its slices or pointers")
	}
	if !cfg.On() {
		t.Error("alerts off by default")
	}
}

func TestRuleSet(t *testing.T) {
	cfg, err := ParseConfig([]byte(`
rules:
  - {id: dead_air, kind: silence, duration: 45s}
  - {id: talk_over, disabled: true}
  - {id: refund, kind: phrase, phrases: [refund, 退款]}
  - {id: off, disabled: true, kind: nonsense}
synonyms:
  refund: [money back]
`))
	if err != nil {
		t.Fatal(err)
	}
	rs, err := Compile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range rs.Rules() {
		ids = append(ids, r.ID)
		if r.ID == "dead_air" && r.Duration != 45*time.Second {
			t.Errorf("dead_air not replaced: %+v", r)
		}
	}
	want := []string{"legal_threat", "complaint", "cancellation", "abuse", "threat", "vulnerable_customer",
		"negative_sentiment", "dead_air", "bot_failing", "long_call", "refund"}
	if !slices.Equal(ids, want) {
		t.Errorf("rules %v, want %v", ids, want)
	}
	if syn := cfg.SynonymSet(); len(syn["refund"]) != 1 || len(syn["supervisor"]) == 0 {
		t.Errorf("synonyms %v: want the defaults and refund", syn)
	}
	m := NewMonitor(rs, Call{})
	if got := m.Turn(turn(1, "caller", "I just want my money back")); len(got) != 1 || got[0].Rule != "refund" {
		t.Errorf("refund via synonym: %+v", got)
	}

	cfg, err = ParseConfig([]byte("defaults: false\nenabled: false"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.RuleSet()) != 0 || len(cfg.SynonymSet()) != 0 || cfg.On() {
		t.Errorf("defaults: false kept %d rules, %d synonyms; enabled false: On = %v", len(cfg.RuleSet()), len(cfg.SynonymSet()), cfg.On())
	}
}

func TestValidateNamesKey(t *testing.T) {
	long := strings.Repeat("x", 300)
	tests := []struct {
		yaml string
		key  string
	}{
		{"rules: [{kind: phrase, phrases: [x]}]", "alerts.rules[0].id: is required"},
		{"rules: [{id: Bad ID, kind: phrase, phrases: [x]}]", "alerts.rules[0].id"},
		{"rules: [{id: a, kind: phrase, phrases: [x]}, {id: a, kind: phrase, phrases: [y]}]", "alerts.rules[1].id: \"a\" is already the ID of alerts.rules[0]"},
		{"rules: [{id: a}]", "alerts.rules[0].kind: is required"},
		{"rules: [{id: a, kind: keyword}]", "alerts.rules[0].kind: \"keyword\" is not one of"},
		{"rules: [{id: a, kind: phrase, phrases: [x], severity: high}]", "alerts.rules[0].severity"},
		{"rules: [{id: a, kind: phrase, phrases: [x], cooldown: -1s}]", "alerts.rules[0].cooldown"},
		{"rules: [{id: a, kind: phrase, phrases: [x], speakers: [customer]}]", "alerts.rules[0].speakers[0]: \"customer\""},
		{"rules: [{id: a, kind: phrase, phrases: [x], speakers: [caller, caller]}]", "alerts.rules[0].speakers[1]"},
		{"rules: [{id: a, kind: phrase}]", "alerts.rules[0].phrases: a phrase rule needs phrases or regexes"},
		{"rules: [{id: a, kind: phrase, phrases: [x, '!!!']}]", "alerts.rules[0].phrases[1]: \"!!!\" has no letters or digits"},
		{"rules: [{id: a, kind: phrase, phrases: [" + long + "]}]", "alerts.rules[0].phrases[0]: longer than 200"},
		{"rules: [{id: a, kind: phrase, phrases: ['律师*']}]", "alerts.rules[0].phrases[0]"},
		{"rules: [{id: a, kind: phrase, phrases: [x], threshold: -0.5}]", "alerts.rules[0].threshold: is not a parameter of kind phrase"},
		{"rules: [{id: a, kind: phrase, regexes: ['(']}]", "alerts.rules[0].regexes[0]"},
		{"rules: [{id: a, kind: phrase, regexes: ['x{1000}']}]", "alerts.rules[0].regexes[0]"},
		{"rules: [{id: a, kind: phrase, regexes: ['.*']}]", "alerts.rules[0].regexes[0]: \".*\" matches empty text"},
		{"rules: [{id: a, kind: sentiment, turns: 3}]", "alerts.rules[0].threshold: is required"},
		{"rules: [{id: a, kind: sentiment, threshold: 2, turns: 3}]", "alerts.rules[0].threshold: 2 is not between -1 and 1"},
		{"rules: [{id: a, kind: sentiment, threshold: .nan, turns: 3}]", "alerts.rules[0].threshold"},
		{"rules: [{id: a, kind: sentiment, threshold: -0.5}]", "alerts.rules[0].turns: a sentiment rule needs turns, window or both"},
		{"rules: [{id: a, kind: sentiment, threshold: -0.5, turns: 65}]", "alerts.rules[0].turns: 65 is not between 1 and 64"},
		{"rules: [{id: a, kind: sentiment, threshold: -0.5, turns: 2, min_turns: 3}]", "alerts.rules[0].min_turns: 3 is more than turns"},
		{"rules: [{id: a, kind: sentiment, threshold: -0.5, window: -1s}]", "alerts.rules[0].window"},
		{"rules: [{id: a, kind: silence}]", "alerts.rules[0].duration: is required for kind silence"},
		{"rules: [{id: a, kind: silence, duration: 10s, count: 2}]", "alerts.rules[0].count: is not a parameter of kind silence"},
		{"rules: [{id: a, kind: duration, duration: 48h}]", "alerts.rules[0].duration: 48h0m0s is not between"},
		{"rules: [{id: a, kind: talk_over, window: 1m}]", "alerts.rules[0].count: is required"},
		{"rules: [{id: a, kind: talk_over, count: 3}]", "alerts.rules[0].window: is required"},
		{"rules: [{id: a, kind: talk_over, count: 3, window: 1m, speakers: [caller]}]", "alerts.rules[0].speakers: talk-over needs two parties"},
		{"rules: [{id: a, kind: bot_failures, count: 0}]", "alerts.rules[0].count: is required"},
		{"rules: [{id: a, kind: bot_failures, count: 101}]", "alerts.rules[0].count: 101 is not between 1 and 100"},
		{"rules: [{id: a, kind: bot_failures, count: 2, speakers: [bot]}]", "alerts.rules[0].speakers: is not a parameter of kind bot_failures"},
		{"rules: [{id: a, kind: phrase, phrases: [x], thresold: 1}]", "field thresold not found"},
		{"synonyms: {'?': [x]}", "alerts.synonyms.?: the key has no letters"},
		{"synonyms: {boss: []}", "alerts.synonyms.boss: lists no synonyms"},
		{"synonyms: {boss: [chief, '']}", "alerts.synonyms.boss[1]"},
		{"synonyms: {a: [b, c, d, e, f, g, h, i, k, l, m, n, o, p, q, r], s: [t, u, v, w, x, y, z, aa, ab, ac, ad, ae, af, ag, ah, ai]}\nrules: [{id: x, kind: phrase, phrases: [a and s]}]", "alerts.rules[0].phrases[0]: \"a and s\" expands to more than 256"},
		{"synonyms: {your: [a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q, r, s, t, u, v, w, x, y, z]}", "alerts.defaults (rule complaint).phrases[0]"},
		{"webhooks: [{secret: 0123456789abcdef}]", "alerts.webhooks[0].url: is required"},
		{"webhooks: [{url: 'ftp://x', secret: 0123456789abcdef}]", "alerts.webhooks[0].url: \"ftp://x\" is not an http or https URL"},
		{"webhooks: [{url: 'https://u:p@x', secret: 0123456789abcdef}]", "alerts.webhooks[0].url: must not carry credentials"},
		{"webhooks: [{url: 'https://x'}]", "alerts.webhooks[0].secret: is required"},
		{"webhooks: [{url: 'https://x', secret: short}]", "alerts.webhooks[0].secret: is shorter than 16"},
		{"webhooks: [{url: 'https://x', secret: 0123456789abcdef, min_severity: urgent}]", "alerts.webhooks[0].min_severity"},
		{"webhooks: [{url: 'https://x', secret: 0123456789abcdef, rules: [abuse, nope]}]", "alerts.webhooks[0].rules[1]: \"nope\" is not the ID of a rule in effect"},
		{"webhooks: [{url: 'https://x', secret: 0123456789abcdef, timeout: 2m}]", "alerts.webhooks[0].timeout"},
		{"webhooks: [{url: 'https://x', secret: 0123456789abcdef, max_attempts: -1}]", "alerts.webhooks[0].max_attempts"},
		{"webhooks: [{url: 'https://x', secret: 0123456789abcdef, queue: 2000000}]", "alerts.webhooks[0].queue"},
		{"webhooks: [{url: 'https://x/a', secret: 0123456789abcdef}, {url: 'https://x/b', secret: 0123456789abcdef}]", "alerts.webhooks[1].name: \"x\" is already the name of alerts.webhooks[0]"},
	}
	for _, tc := range tests {
		t.Run(tc.key, func(t *testing.T) {
			_, err := ParseConfig([]byte(tc.yaml))
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.key) {
				t.Errorf("%s:\nerr = %v\nwant it to name %s", tc.yaml, err, tc.key)
			}
		})
	}
}

func TestValidateAccepts(t *testing.T) {
	for _, y := range []string{
		"",
		"defaults: false",
		"rules: [{id: dead_air, disabled: true}]",
		"rules: [{id: a, kind: phrase, regexes: ['\\brefund(s|ed)?\\b']}]",
		"rules: [{id: a, kind: sentiment, threshold: 0, window: 30s}]",
		"rules: [{id: a, kind: talk_over, count: 1, window: 1s, speakers: [caller, bot]}]",
		"webhooks: [{name: crm, url: 'http://127.0.0.1:9/x', secret: 0123456789abcdef, rules: [abuse], min_severity: critical}]",
	} {
		if _, err := ParseConfig([]byte(y)); err != nil {
			t.Errorf("%q: %v", y, err)
		}
	}
}
