package alert

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/switchboard-voice/switchboard/qa"
)

// ErrInvalid is wrapped by every configuration error.
var ErrInvalid = errors.New("invalid alert configuration")

// Severity ranks an alert: info < warning < critical.
type Severity string

// Severities.
const (
	Info     Severity = "info"
	Warning  Severity = "warning"
	Critical Severity = "critical"
)

// rank orders severities; 0 for an unknown one.
func (s Severity) rank() int {
	switch s {
	case Info:
		return 1
	case Warning:
		return 2
	case Critical:
		return 3
	}
	return 0
}

// Kind is what a rule watches.
type Kind string

// Rule kinds. The parameters each kind takes are listed on Rule.
const (
	// KindPhrase: a phrase, keyword or bounded regular expression in an
	// utterance of one of the rule's speakers.
	KindPhrase Kind = "phrase"
	// KindSentiment: the average sentiment score of the speakers' last
	// utterances (a trailing window of turns and/or time) below a
	// threshold.
	KindSentiment Kind = "sentiment"
	// KindSilence: nobody speaks for longer than Duration while the call
	// is up and not on hold.
	KindSilence Kind = "silence"
	// KindTalkOver: two parties speak at once Count times within Window.
	KindTalkOver Kind = "talk_over"
	// KindBotFailures: the bot fails Count turns in a row (qa.Turn.Failed).
	KindBotFailures Kind = "bot_failures"
	// KindDuration: the call lasts longer than Duration.
	KindDuration Kind = "duration"
)

// Defaults and bounds of rule parameters.
const (
	// DefaultCooldown applies to a rule that sets none.
	DefaultCooldown = time.Minute
	// MaxSentimentTurns bounds a sentiment rule's window of turns: the
	// monitor keeps this many scored utterances per call.
	MaxSentimentTurns = 64
	maxPhrases        = 10000
	maxPhraseRunes    = 200
	maxRegexes        = 20
	maxCount          = 100
	maxSpan           = 24 * time.Hour
	maxNameRunes      = 100
	maxSynonyms       = 50
	maxVariants       = 256 // spellings one phrase expands to with the synonyms
)

// Config is the alerting configuration, meant to sit under the `alerts:`
// key of switchboard.yaml (Validate names keys from there). The zero value
// runs the shipped default rules and delivers to no webhook.
type Config struct {
	// Enabled turns real-time alerts on. Default true.
	Enabled *bool `yaml:"enabled" json:"enabled,omitempty"`
	// Defaults includes the shipped rule set and synonyms (DefaultRules,
	// DefaultSynonyms; English and Chinese). Default true. A rule in Rules
	// with the ID of a default rule replaces it; with `disabled: true` it
	// removes it.
	Defaults *bool `yaml:"defaults" json:"defaults,omitempty"`
	// Rules are the operator's rules, evaluated in order after the
	// defaults they do not replace.
	Rules []Rule `yaml:"rules" json:"rules,omitempty"`
	// Synonyms are groups of interchangeable words or phrases: the key and
	// its list are all one group, and a phrase rule naming any member also
	// matches every other member in its place ("speak to your supervisor"
	// with supervisor: [manager, boss] also matches "speak to your boss").
	// A key here replaces the default group with the same key.
	Synonyms map[string][]string `yaml:"synonyms" json:"synonyms,omitempty"`
	// Webhooks receive every alert as a signed JSON POST.
	Webhooks []Endpoint `yaml:"webhooks" json:"webhooks,omitempty"`
}

// Rule is one alert rule. Which parameters a rule takes depends on its
// kind; setting one its kind does not use is an error:
//
//	phrase        phrases and/or regexes, speakers
//	sentiment     threshold, turns and/or window, min_turns, speakers
//	silence       duration
//	talk_over     count, window, min_overlap, speakers
//	bot_failures  count
//	duration      duration
type Rule struct {
	// ID names the rule in alerts, metrics and webhook filters: lower-case
	// letters, digits, '_', '-', '.', at most 64. Required and unique.
	ID string `yaml:"id" json:"id"`
	// Name is shown to people (wallboard, agent desktop). Default: the ID.
	Name string `yaml:"name" json:"name,omitempty"`
	// Kind is what the rule watches (phrase, sentiment, silence,
	// talk_over, bot_failures, duration). Required.
	Kind Kind `yaml:"kind" json:"kind"`
	// Severity: info, warning or critical. Default warning.
	Severity Severity `yaml:"severity" json:"severity,omitempty"`
	// Speakers the rule listens to (caller, bot, agent). Empty: all of
	// them. For talk_over, the parties whose overlaps count (at least
	// two).
	Speakers []qa.Speaker `yaml:"speakers" json:"speakers,omitempty"`
	// Cooldown: no second alert from this rule on the same call within
	// this time. Default 1m.
	Cooldown time.Duration `yaml:"cooldown" json:"cooldown,omitempty"`
	// Disabled turns the rule off (with a default rule's ID: removes the
	// default). A disabled rule needs nothing but its ID.
	Disabled bool `yaml:"disabled" json:"disabled,omitempty"`

	// Phrases (phrase) match normalised text: case, full/half width and
	// punctuation do not matter; words written with spaces (English)
	// match whole words only, Chinese matches anywhere. A trailing '*'
	// lets the last word run on ("lawyer*" matches "lawyers"). At most
	// 10,000 phrases of 200 characters.
	Phrases []string `yaml:"phrases" json:"phrases,omitempty"`
	// Regexes (phrase) are RE2 expressions, case-insensitive, run on the
	// normalised text (lower case, punctuation replaced by spaces and
	// removed next to Chinese). Bounded: at most 256 bytes, repeat counts
	// up to 100, a compiled size of 2,000 instructions, and none may
	// match empty text.
	Regexes []string `yaml:"regexes" json:"regexes,omitempty"`

	// Threshold (sentiment) fires when the average score (-1..1) is below
	// it. Required for sentiment.
	Threshold *float64 `yaml:"threshold" json:"threshold,omitempty"`
	// Turns (sentiment) averages the speakers' last this many scored
	// utterances (at most 64).
	Turns int `yaml:"turns" json:"turns,omitempty"`
	// Window (sentiment) averages the utterances that ended within this
	// time of the newest; (talk_over) the time within which Count
	// overlaps must happen. Sentiment needs Turns, Window or both.
	Window time.Duration `yaml:"window" json:"window,omitempty"`
	// MinTurns (sentiment) is how many scored utterances the window must
	// hold before the rule can fire. Default: Turns, or 2 when only
	// Window is set.
	MinTurns int `yaml:"min_turns" json:"min_turns,omitempty"`
	// Count (talk_over) is how many overlaps within Window fire;
	// (bot_failures) how many failed bot turns in a row.
	Count int `yaml:"count" json:"count,omitempty"`
	// Duration (silence) is the longest allowed stretch with nobody
	// speaking; (duration) the longest allowed call.
	Duration time.Duration `yaml:"duration" json:"duration,omitempty"`
	// MinOverlap (talk_over) is how long both must speak at once for it
	// to count (default 0: any overlap). Short backchannels ("uh-huh")
	// are better left out with a few hundred milliseconds.
	MinOverlap time.Duration `yaml:"min_overlap" json:"min_overlap,omitempty"`
}

// Endpoint is one webhook receiving alerts.
type Endpoint struct {
	// Name labels the endpoint in metrics and logs. Default: the URL's
	// host. Unique.
	Name string `yaml:"name" json:"name,omitempty"`
	// URL receives a POST per alert (http or https). Redirects are not
	// followed. Required.
	URL string `yaml:"url" json:"url"`
	// Secret signs every request (see Sign and Verify); at least 16
	// characters. Required.
	Secret string `yaml:"secret" json:"-"`
	// MinSeverity: alerts below it are not sent here. Default info.
	MinSeverity Severity `yaml:"min_severity" json:"min_severity,omitempty"`
	// Rules, when set, limits the endpoint to these rule IDs.
	Rules []string `yaml:"rules" json:"rules,omitempty"`
	// Timeout of one attempt. Default 5s.
	Timeout time.Duration `yaml:"timeout" json:"timeout,omitempty"`
	// MaxAttempts per alert, the first included. Default 5.
	MaxAttempts int `yaml:"max_attempts" json:"max_attempts,omitempty"`
	// MaxElapsed bounds the time from the first attempt to the last
	// retry. Default 2m.
	MaxElapsed time.Duration `yaml:"max_elapsed" json:"max_elapsed,omitempty"`
	// Backoff is the wait before the first retry, doubled for each next
	// one (with jitter: a random wait between half and all of it).
	// Default 500ms.
	Backoff time.Duration `yaml:"backoff" json:"backoff,omitempty"`
	// MaxBackoff caps one wait. Default 30s.
	MaxBackoff time.Duration `yaml:"max_backoff" json:"max_backoff,omitempty"`
	// Queue is how many alerts wait for delivery; beyond it new alerts are
	// dropped (and counted), never blocking the call. Default 1000.
	Queue int `yaml:"queue" json:"queue,omitempty"`
	// Workers deliver to this endpoint in parallel. Default 2.
	Workers int `yaml:"workers" json:"workers,omitempty"`
}

// Endpoint defaults.
const (
	DefaultTimeout     = 5 * time.Second
	DefaultMaxAttempts = 5
	DefaultMaxElapsed  = 2 * time.Minute
	DefaultBackoff     = 500 * time.Millisecond
	DefaultMaxBackoff  = 30 * time.Second
	DefaultQueue       = 1000
	DefaultWorkers     = 2
	minSecret          = 16
)

// On reports whether alerts are enabled.
func (c *Config) On() bool { return c.Enabled == nil || *c.Enabled }

func (c *Config) defaults() bool { return c.Defaults == nil || *c.Defaults }

// ParseConfig reads a Config from YAML (the content of the `alerts:` key),
// rejecting unknown keys, and validates it.
func ParseConfig(data []byte) (Config, error) {
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return c, fmt.Errorf("%w: %s", ErrInvalid, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	return c, c.Validate()
}

// RuleSet returns the rules in effect: the defaults (unless turned off)
// with the operator's rules replacing, removing or following them. The
// result is a new slice; Phrases and other slices are shared.
func (c *Config) RuleSet() []Rule {
	var out []Rule
	if c.defaults() {
		out = DefaultRules()
	}
	for _, r := range c.Rules {
		i := indexRule(out, r.ID)
		switch {
		case i >= 0 && r.Disabled:
			out = append(out[:i], out[i+1:]...)
		case i >= 0:
			out[i] = r
		case !r.Disabled:
			out = append(out, r)
		}
	}
	return out
}

// SynonymSet returns the synonym groups in effect: the defaults (unless
// turned off) with the operator's groups replacing those with the same key.
func (c *Config) SynonymSet() map[string][]string {
	out := map[string][]string{}
	if c.defaults() {
		for k, v := range DefaultSynonyms() {
			out[k] = v
		}
	}
	for k, v := range c.Synonyms {
		out[k] = v
	}
	return out
}

func indexRule(rules []Rule, id string) int {
	for i, r := range rules {
		if r.ID == id {
			return i
		}
	}
	return -1
}

// bad formats an error naming key.
func bad(key, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalid, key, fmt.Sprintf(format, args...))
}

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,63}$`)

// Validate checks every field and names the first bad key
// ("alerts.rules[2].threshold: ...").
func (c *Config) Validate() error {
	syn, err := c.validateSynonyms()
	if err != nil {
		return err
	}
	seen := map[string]int{}
	for i, r := range c.Rules {
		key := fmt.Sprintf("alerts.rules[%d]", i)
		if j, dup := seen[r.ID]; dup && r.ID != "" {
			return bad(key+".id", "%q is already the ID of alerts.rules[%d]", r.ID, j)
		}
		seen[r.ID] = i
		if _, err := compileRule(key, r, syn); err != nil {
			return err
		}
	}
	live := map[string]bool{}
	for _, r := range c.RuleSet() {
		live[r.ID] = true
		if indexRule(c.Rules, r.ID) >= 0 {
			continue // checked above
		}
		// A default rule: only the operator's synonyms can break it.
		if _, err := compileRule(ruleKey(*c, r.ID), r, syn); err != nil {
			return err
		}
	}
	names := map[string]int{}
	for i, e := range c.Webhooks {
		key := fmt.Sprintf("alerts.webhooks[%d]", i)
		if err := e.validate(key, live); err != nil {
			return err
		}
		name := e.name()
		if j, dup := names[name]; dup {
			return bad(key+".name", "%q is already the name of alerts.webhooks[%d] (set distinct names)", name, j)
		}
		names[name] = i
	}
	return nil
}

// validateSynonyms checks the operator's groups and returns the groups in
// effect, normalised.
func (c *Config) validateSynonyms() ([][]string, error) {
	for k, alts := range c.Synonyms {
		key := "alerts.synonyms." + k
		if len(normalise(nil, k)) == 0 {
			return nil, bad(key, "the key has no letters or digits")
		}
		if len(alts) == 0 {
			return nil, bad(key, "lists no synonyms")
		}
		if len(alts) > maxSynonyms {
			return nil, bad(key, "lists %d synonyms, more than %d", len(alts), maxSynonyms)
		}
		for i, a := range alts {
			if len(normalise(nil, a)) == 0 {
				return nil, bad(fmt.Sprintf("%s[%d]", key, i), "%q has no letters or digits", a)
			}
			if utf8.RuneCountInString(a) > maxPhraseRunes {
				return nil, bad(fmt.Sprintf("%s[%d]", key, i), "longer than %d characters", maxPhraseRunes)
			}
		}
	}
	return synonymGroups(c.SynonymSet()), nil
}

// fill returns the rule with its defaults applied.
func (r Rule) fill() Rule {
	if r.Name == "" {
		r.Name = r.ID
	}
	if r.Severity == "" {
		r.Severity = Warning
	}
	if r.Cooldown == 0 {
		r.Cooldown = DefaultCooldown
	}
	if r.Kind == KindSentiment && r.MinTurns == 0 {
		r.MinTurns = r.Turns
		if r.MinTurns == 0 {
			r.MinTurns = 2
		}
	}
	return r
}

// validate checks a rule's fields other than its phrases and regexes,
// which compileRule checks as it compiles them.
func (r Rule) validate(key string) error {
	if !idPattern.MatchString(r.ID) {
		if r.ID == "" {
			return bad(key+".id", "is required")
		}
		return bad(key+".id", "%q must be lower-case letters, digits, '_', '-' or '.' (at most 64)", r.ID)
	}
	if r.Disabled {
		return nil
	}
	if utf8.RuneCountInString(r.Name) > maxNameRunes {
		return bad(key+".name", "longer than %d characters", maxNameRunes)
	}
	switch r.Kind {
	case KindPhrase, KindSentiment, KindSilence, KindTalkOver, KindBotFailures, KindDuration:
	case "":
		return bad(key+".kind", "is required (phrase, sentiment, silence, talk_over, bot_failures, duration)")
	default:
		return bad(key+".kind", "%q is not one of phrase, sentiment, silence, talk_over, bot_failures, duration", r.Kind)
	}
	if r.Severity != "" && r.Severity.rank() == 0 {
		return bad(key+".severity", "%q is not one of info, warning, critical", r.Severity)
	}
	if r.Cooldown < 0 || r.Cooldown > maxSpan {
		return bad(key+".cooldown", "%s is not between 0 and 24h", r.Cooldown)
	}
	if err := r.checkParams(key); err != nil {
		return err
	}
	seen := map[qa.Speaker]bool{}
	for i, s := range r.Speakers {
		switch s {
		case qa.Caller, qa.Bot, qa.Agent:
		default:
			return bad(fmt.Sprintf("%s.speakers[%d]", key, i), "%q is not one of caller, bot, agent", s)
		}
		if seen[s] {
			return bad(fmt.Sprintf("%s.speakers[%d]", key, i), "%q is listed twice", s)
		}
		seen[s] = true
	}
	span := func(name string, d time.Duration, required bool) error {
		switch {
		case d == 0 && required:
			return bad(key+"."+name, "is required for kind %s", r.Kind)
		case d < 0 || d > maxSpan:
			return bad(key+"."+name, "%s is not between 0 and 24h", d)
		}
		return nil
	}
	count := func(name string, n, lo, hi int, required bool) error {
		switch {
		case n == 0 && required:
			return bad(key+"."+name, "is required for kind %s", r.Kind)
		case n != 0 && (n < lo || n > hi):
			return bad(key+"."+name, "%d is not between %d and %d", n, lo, hi)
		}
		return nil
	}
	var err error
	switch r.Kind {
	case KindPhrase:
		if len(r.Phrases) == 0 && len(r.Regexes) == 0 {
			return bad(key+".phrases", "a phrase rule needs phrases or regexes")
		}
	case KindSentiment:
		if r.Threshold == nil {
			return bad(key+".threshold", "is required for kind sentiment (an average score between -1 and 1)")
		}
		if t := *r.Threshold; math.IsNaN(t) || t < -1 || t > 1 {
			return bad(key+".threshold", "%v is not between -1 and 1", t)
		}
		if r.Turns == 0 && r.Window == 0 {
			return bad(key+".turns", "a sentiment rule needs turns, window or both")
		}
		if err = count("turns", r.Turns, 1, MaxSentimentTurns, false); err == nil {
			err = span("window", r.Window, false)
		}
		if err == nil {
			err = count("min_turns", r.MinTurns, 1, MaxSentimentTurns, false)
		}
		if err == nil && r.Turns > 0 && r.MinTurns > r.Turns {
			err = bad(key+".min_turns", "%d is more than turns (%d)", r.MinTurns, r.Turns)
		}
	case KindSilence, KindDuration:
		err = span("duration", r.Duration, true)
	case KindTalkOver:
		if err = count("count", r.Count, 1, maxCount, true); err == nil {
			err = span("window", r.Window, true)
		}
		if err == nil {
			err = span("min_overlap", r.MinOverlap, false)
		}
		if err == nil && len(r.Speakers) == 1 {
			err = bad(key+".speakers", "talk-over needs two parties: list at least two speakers, or none for any")
		}
	case KindBotFailures:
		err = count("count", r.Count, 1, maxCount, true)
	}
	return err
}

// checkParams rejects parameters the rule's kind does not use, which are
// most often a typo or a rule of the wrong kind.
func (r Rule) checkParams(key string) error {
	params := []struct {
		name  string
		set   bool
		kinds []Kind
	}{
		{"phrases", len(r.Phrases) > 0, []Kind{KindPhrase}},
		{"regexes", len(r.Regexes) > 0, []Kind{KindPhrase}},
		{"speakers", len(r.Speakers) > 0, []Kind{KindPhrase, KindSentiment, KindTalkOver}},
		{"threshold", r.Threshold != nil, []Kind{KindSentiment}},
		{"turns", r.Turns != 0, []Kind{KindSentiment}},
		{"window", r.Window != 0, []Kind{KindSentiment, KindTalkOver}},
		{"min_turns", r.MinTurns != 0, []Kind{KindSentiment}},
		{"count", r.Count != 0, []Kind{KindTalkOver, KindBotFailures}},
		{"duration", r.Duration != 0, []Kind{KindSilence, KindDuration}},
		{"min_overlap", r.MinOverlap != 0, []Kind{KindTalkOver}},
	}
outer:
	for _, p := range params {
		if !p.set {
			continue
		}
		for _, k := range p.kinds {
			if k == r.Kind {
				continue outer
			}
		}
		return bad(key+"."+p.name, "is not a parameter of kind %s", r.Kind)
	}
	return nil
}

func (e Endpoint) name() string {
	if e.Name != "" {
		return e.Name
	}
	if u, err := url.Parse(e.URL); err == nil {
		return u.Host
	}
	return e.URL
}

// validate checks an endpoint; live holds the IDs of the rules in effect
// (nil: Rules are not checked).
func (e Endpoint) validate(key string, live map[string]bool) error {
	if e.URL == "" {
		return bad(key+".url", "is required")
	}
	u, err := url.Parse(e.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return bad(key+".url", "%q is not an http or https URL", e.URL)
	}
	if u.User != nil {
		return bad(key+".url", "must not carry credentials (requests are signed with the secret)")
	}
	if e.Secret == "" {
		return bad(key+".secret", "is required: it signs every request (X-Switchboard-Signature)")
	}
	if len(e.Secret) < minSecret {
		return bad(key+".secret", "is shorter than %d characters", minSecret)
	}
	if e.Name != "" && !idPattern.MatchString(e.Name) {
		return bad(key+".name", "%q must be lower-case letters, digits, '_', '-' or '.' (at most 64)", e.Name)
	}
	if e.MinSeverity != "" && e.MinSeverity.rank() == 0 {
		return bad(key+".min_severity", "%q is not one of info, warning, critical", e.MinSeverity)
	}
	for i, id := range e.Rules {
		if live != nil && !live[id] {
			return bad(fmt.Sprintf("%s.rules[%d]", key, i), "%q is not the ID of a rule in effect", id)
		}
	}
	for _, d := range []struct {
		name string
		v    time.Duration
		max  time.Duration
	}{
		{"timeout", e.Timeout, time.Minute},
		{"max_elapsed", e.MaxElapsed, maxSpan},
		{"backoff", e.Backoff, time.Hour},
		{"max_backoff", e.MaxBackoff, time.Hour},
	} {
		if d.v < 0 || d.v > d.max {
			return bad(key+"."+d.name, "%s is not between 0 and %s", d.v, d.max)
		}
	}
	for _, n := range []struct {
		name    string
		v, hi   int
		meaning string
	}{
		{"max_attempts", e.MaxAttempts, 100, "attempts"},
		{"queue", e.Queue, 1_000_000, "alerts"},
		{"workers", e.Workers, 64, "workers"},
	} {
		if n.v < 0 || n.v > n.hi {
			return bad(key+"."+n.name, "%d is not between 0 and %d %s", n.v, n.hi, n.meaning)
		}
	}
	return nil
}

// fill returns the endpoint with its defaults applied.
func (e Endpoint) fill() Endpoint {
	e.Name = e.name()
	if e.MinSeverity == "" {
		e.MinSeverity = Info
	}
	if e.Timeout == 0 {
		e.Timeout = DefaultTimeout
	}
	if e.MaxAttempts == 0 {
		e.MaxAttempts = DefaultMaxAttempts
	}
	if e.MaxElapsed == 0 {
		e.MaxElapsed = DefaultMaxElapsed
	}
	if e.Backoff == 0 {
		e.Backoff = DefaultBackoff
	}
	if e.MaxBackoff == 0 {
		e.MaxBackoff = DefaultMaxBackoff
	}
	if e.MaxBackoff < e.Backoff {
		e.MaxBackoff = e.Backoff
	}
	if e.Queue == 0 {
		e.Queue = DefaultQueue
	}
	if e.Workers == 0 {
		e.Workers = DefaultWorkers
	}
	return e
}
