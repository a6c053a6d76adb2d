package scorecard

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/switchboard-voice/switchboard/qa"
)

// Card is one scorecard: what to ask of a call, how much each answer is
// worth, and how to answer automatically. Build one with Parse (YAML) or
// FromJSON (a stored version); a Card built in Go must pass Validate before
// Evaluate uses it efficiently.
//
// Weights: the sections' weights sum to 100, and within each section the
// question weights sum to 100 (text questions carry no weight). A section's
// score is the share of its applicable questions' weight earned; the
// card's score is the weighted mean of the applicable sections' scores.
type Card struct {
	// Name identifies the card (lower-case letters, digits, '-' and '_').
	Name string `json:"name" yaml:"name"`
	// Title is the card's display name.
	Title string `json:"title,omitempty" yaml:"title,omitempty"`
	// Description says what the card is for, for reviewers.
	Description string `json:"description,omitempty" yaml:"description,omitempty"`
	// Version is the published version number, set by the store; it is
	// not read from YAML and not part of Hash.
	Version int `json:"version,omitempty" yaml:"-"`
	// AppliesTo selects the calls the card scores; nil scores every call.
	AppliesTo *Condition `json:"applies_to,omitempty" yaml:"applies_to,omitempty"`
	// PassScore, when positive, is the score (percent) a call needs to
	// pass; Result.Passed is set then.
	PassScore float64 `json:"pass_score,omitempty" yaml:"pass_score,omitempty"`
	// Synonyms are named lists of equivalent phrases that phrase rules
	// refer to by name ("synonyms: [empathy]").
	Synonyms map[string][]string `json:"synonyms,omitempty" yaml:"synonyms,omitempty"`
	// Sections group the questions.
	Sections []Section `json:"sections" yaml:"sections"`

	// prog is the compiled card, set by Parse, FromJSON and Validate.
	prog *program
}

// Section is a group of questions with a weight in the card.
type Section struct {
	// ID identifies the section within the card.
	ID string `json:"id" yaml:"id"`
	// Title is the section's display name.
	Title string `json:"title,omitempty" yaml:"title,omitempty"`
	// Weight is the section's share of the card's score, in percent. A
	// section whose questions carry no weight (text questions, zero-weight
	// critical checks) has weight 0.
	Weight float64 `json:"weight,omitempty" yaml:"weight,omitempty"`
	// Questions of the section, in the order reviewers see them.
	Questions []Question `json:"questions" yaml:"questions"`
}

// Type is the kind of answer a question takes.
type Type string

// Question types.
const (
	// YesNo questions are answered "yes" (full points) or "no" (none).
	YesNo Type = "yes_no"
	// Choice questions are answered with one of their Options.
	Choice Type = "choice"
	// Number questions take a number (usually a Metric of the call),
	// scored by Bands.
	Number Type = "number"
	// Text questions take free text and are not scored.
	Text Type = "text"
)

// Answers of yes/no questions.
const (
	Yes = "yes"
	No  = "no"
)

// Scored reports whether questions of type t earn points.
func (t Type) Scored() bool { return t == YesNo || t == Choice || t == Number }

// Question is one thing asked of a call.
type Question struct {
	// ID identifies the question within the card (overrides and
	// agreement figures refer to it).
	ID string `json:"id" yaml:"id"`
	// Text is the question as reviewers (and the LLM) read it.
	Text string `json:"text" yaml:"text"`
	// Help guides reviewers; the LLM reads it too unless LLM.Instructions
	// is set.
	Help string `json:"help,omitempty" yaml:"help,omitempty"`
	// Type of answer.
	Type Type `json:"type" yaml:"type"`
	// Weight is the question's share of its section, in percent. Text
	// questions have none; a critical question may have 0 (a pure gate).
	Weight float64 `json:"weight,omitempty" yaml:"weight,omitempty"`
	// Critical questions fail the whole call (score 0, flagged) when their
	// answer earns no points.
	Critical bool `json:"critical,omitempty" yaml:"critical,omitempty"`
	// AllowNA lets the LLM answer "n/a". Reviewers may always answer N/A.
	AllowNA bool `json:"allow_na,omitempty" yaml:"allow_na,omitempty"`
	// When limits the question to some calls; on the others it is N/A
	// and excluded from the score.
	When *Condition `json:"when,omitempty" yaml:"when,omitempty"`

	// Rule answers a yes/no question: yes when it holds.
	Rule *Rule `json:"rule,omitempty" yaml:"rule,omitempty"`
	// Options of a choice question.
	Options []Option `json:"options,omitempty" yaml:"options,omitempty"`
	// Choose answers a choice question: the first entry whose rule holds
	// gives the option; Otherwise when none does.
	Choose []ChoiceRule `json:"choose,omitempty" yaml:"choose,omitempty"`
	// Otherwise is the option chosen when no Choose rule holds (empty:
	// the question is left for review).
	Otherwise string `json:"otherwise,omitempty" yaml:"otherwise,omitempty"`
	// Metric answers a number question.
	Metric *Metric `json:"metric,omitempty" yaml:"metric,omitempty"`
	// Bands score a number question.
	Bands []Band `json:"bands,omitempty" yaml:"bands,omitempty"`
	// LLM asks a language model (yes/no, choice and text questions). Its
	// answer is used when its quote is found in the transcript; otherwise
	// the rules answer, or the question is left for review.
	LLM *LLMSpec `json:"llm,omitempty" yaml:"llm,omitempty"`
}

// Option is one answer of a choice question.
type Option struct {
	// ID is the answer's value (stored in results and overrides).
	ID string `json:"id" yaml:"id"`
	// Label is the answer as reviewers and the LLM read it.
	Label string `json:"label,omitempty" yaml:"label,omitempty"`
	// Points the answer earns; the question's score is Points over the
	// highest Points of its options.
	Points float64 `json:"points" yaml:"points"`
}

// ChoiceRule picks an option when its rule holds.
type ChoiceRule struct {
	Option string `json:"option" yaml:"option"`
	Rule   *Rule  `json:"rule" yaml:"rule"`
}

// Band scores a number: the first band whose bounds (inclusive; a missing
// bound is open) contain the value gives its Points, scored over the
// highest Points of the bands. A value in no band earns 0.
type Band struct {
	Min    *float64 `json:"min,omitempty" yaml:"min,omitempty"`
	Max    *float64 `json:"max,omitempty" yaml:"max,omitempty"`
	Points float64  `json:"points" yaml:"points"`
}

// Contains reports whether v is within the band's bounds.
func (b Band) Contains(v float64) bool {
	return (b.Min == nil || v >= *b.Min) && (b.Max == nil || v <= *b.Max)
}

// LLMSpec asks a language model to answer a question. In YAML "llm: true"
// is the same as an empty spec.
type LLMSpec struct {
	// Instructions tell the model how to decide (default: the question's
	// Help).
	Instructions string `json:"instructions,omitempty" yaml:"instructions,omitempty"`
}

// Condition holds when every field given holds; each list matches when any
// of its values does. An empty Condition always holds.
type Condition struct {
	Bots      []string `json:"bots,omitempty" yaml:"bots,omitempty"`
	Queues    []string `json:"queues,omitempty" yaml:"queues,omitempty"`
	Channels  []string `json:"channels,omitempty" yaml:"channels,omitempty"`
	Languages []string `json:"languages,omitempty" yaml:"languages,omitempty"`
	// Intents: one of them was matched during the call.
	Intents []string `json:"intents,omitempty" yaml:"intents,omitempty"`
	// Outcomes: "resolved", "handed_off", "abandoned".
	Outcomes []string `json:"outcomes,omitempty" yaml:"outcomes,omitempty"`
	// Slots: every one of them was collected.
	Slots []string `json:"slots,omitempty" yaml:"slots,omitempty"`
	// HasAgent: a human agent took part (or, when false, did not).
	HasAgent *bool `json:"has_agent,omitempty" yaml:"has_agent,omitempty"`
	// Rule holds over the transcript (e.g. the caller was upset).
	Rule *Rule `json:"rule,omitempty" yaml:"rule,omitempty"`
}

// Rule is a test over the transcript and the call's data. Exactly one
// field is set.
type Rule struct {
	// Said holds when the phrases were said.
	Said *PhraseRule `json:"said,omitempty" yaml:"said,omitempty"`
	// NotSaid holds when they were not.
	NotSaid *PhraseRule `json:"not_said,omitempty" yaml:"not_said,omitempty"`
	// Played holds when the bot played one of the prompts.
	Played *PlayedRule `json:"played,omitempty" yaml:"played,omitempty"`
	// Slot holds when every slot named was collected.
	Slot []string `json:"slot,omitempty" yaml:"slot,omitempty"`
	// Intent holds when one of the intents was matched.
	Intent []string `json:"intent,omitempty" yaml:"intent,omitempty"`
	// Outcome holds when the call ended with one of the outcomes.
	Outcome []string `json:"outcome,omitempty" yaml:"outcome,omitempty"`
	// Metric holds when the metric is within its Min and Max.
	Metric *Metric `json:"metric,omitempty" yaml:"metric,omitempty"`
	// Any holds when one of its rules holds.
	Any []Rule `json:"any,omitempty" yaml:"any,omitempty"`
	// All holds when all of its rules hold.
	All []Rule `json:"all,omitempty" yaml:"all,omitempty"`
	// Not holds when its rule does not.
	Not *Rule `json:"not,omitempty" yaml:"not,omitempty"`
}

// PhraseRule looks for phrases in the transcript. Matching ignores case,
// punctuation and full-width/half-width differences; an English phrase
// matches whole words ("hi" does not match "this"), a Chinese one any run
// of characters. A word ending in '*' matches any word it starts
// ("apologi*").
type PhraseRule struct {
	// Phrases to look for.
	Phrases []string `json:"phrases,omitempty" yaml:"phrases,omitempty"`
	// Synonyms names lists of the card's Synonyms to look for too.
	Synonyms []string `json:"synonyms,omitempty" yaml:"synonyms,omitempty"`
	// Regex are patterns (RE2 syntax, bounded in size) matched against
	// the normalised text: lower case, half-width, punctuation as spaces.
	Regex []string `json:"regex,omitempty" yaml:"regex,omitempty"`
	// Speaker restricts the turns searched (default any).
	Speaker Speakers `json:"speaker,omitempty" yaml:"speaker,omitempty"`
	// WithinFirst and WithinLast restrict matches to the start or the end
	// of the call.
	WithinFirst Duration `json:"within_first,omitempty" yaml:"within_first,omitempty"`
	WithinLast  Duration `json:"within_last,omitempty" yaml:"within_last,omitempty"`
	// MinCount is how many matches "said" needs (default 1).
	MinCount int `json:"min_count,omitempty" yaml:"min_count,omitempty"`
	// Near keeps only matches with a match of other phrases close by;
	// NotNear only those without.
	Near    *Proximity `json:"near,omitempty" yaml:"near,omitempty"`
	NotNear *Proximity `json:"not_near,omitempty" yaml:"not_near,omitempty"`
}

// Proximity is a second set of phrases that must (or must not) be close
// to a match: within Words words (a Chinese character counts as a word)
// or Within time in the recording. Exactly one of Words and Within is set.
type Proximity struct {
	Phrases  []string `json:"phrases,omitempty" yaml:"phrases,omitempty"`
	Synonyms []string `json:"synonyms,omitempty" yaml:"synonyms,omitempty"`
	Regex    []string `json:"regex,omitempty" yaml:"regex,omitempty"`
	Speaker  Speakers `json:"speaker,omitempty" yaml:"speaker,omitempty"`
	Words    int      `json:"words,omitempty" yaml:"words,omitempty"`
	Within   Duration `json:"within,omitempty" yaml:"within,omitempty"`
}

// PlayedRule holds when a bot turn played one of Prompts (qa.Turn.Prompt).
type PlayedRule struct {
	Prompts     []string `json:"prompts" yaml:"prompts"`
	WithinFirst Duration `json:"within_first,omitempty" yaml:"within_first,omitempty"`
	WithinLast  Duration `json:"within_last,omitempty" yaml:"within_last,omitempty"`
}

// Metric is a figure computed from the call (see MetricName). In a rule,
// Min and Max (inclusive) bound it; in a number question they are unset.
type Metric struct {
	Name MetricName `json:"name" yaml:"name"`
	// Speaker of the sentiment and turns metrics (default caller for
	// sentiment, any for turns).
	Speaker qa.Speaker `json:"speaker,omitempty" yaml:"speaker,omitempty"`
	// Stat of the sentiment metric: avg (default), min, max, first, last,
	// change (last minus first).
	Stat string `json:"stat,omitempty" yaml:"stat,omitempty"`
	// Over is the threshold of silence_count, silence_time and the
	// talk-over metrics (default 5s for silences, 0 for talk-over).
	Over Duration `json:"over,omitempty" yaml:"over,omitempty"`
	Min  *float64 `json:"min,omitempty" yaml:"min,omitempty"`
	Max  *float64 `json:"max,omitempty" yaml:"max,omitempty"`
}

// Speakers is a set of speakers; empty means any. YAML and JSON take one
// name or a list ("any", "caller", "agent", "bot").
type Speakers []qa.Speaker

// Duration is a time.Duration written as "30s" or a number of seconds.
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// MarshalJSON writes "30s".
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads "30s" or a number of seconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	v, err := parseDuration(strings.Trim(string(b), `"`))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// MarshalYAML writes "30s".
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// IsZero lets omitempty drop a zero Duration.
func (d Duration) IsZero() bool { return d == 0 }

func parseDuration(s string) (Duration, error) {
	s = strings.TrimSpace(s)
	v, err := time.ParseDuration(s)
	if err != nil {
		secs, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || !isNumber(s) {
			return 0, fmt.Errorf("invalid duration %q (want e.g. 30s, 1m30s or a number of seconds)", s)
		}
		if secs > maxSeconds {
			return 0, fmt.Errorf("duration %q is longer than %d seconds", s, maxSeconds)
		}
		v = time.Duration(secs * float64(time.Second))
	}
	if v < 0 {
		return 0, fmt.Errorf("duration %q is negative", s)
	}
	return Duration(v), nil
}

// maxSeconds bounds durations given as a number of seconds (a day).
const maxSeconds = 86400

// isNumber reports whether s is a plain decimal number ("30", "2.5").
func isNumber(s string) bool {
	s = strings.TrimPrefix(s, "+")
	digits, dot := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		default:
			return false
		}
	}
	return digits > 0
}

// JSON encodes the card for storage and the API. Version is included; the
// compiled state is not.
func (c *Card) JSON() ([]byte, error) { return json.Marshal(c) }

// YAML encodes the card as a YAML definition that Parse reads back (for
// editing a stored version). Version is left out.
func (c *Card) YAML() ([]byte, error) { return yaml.Marshal(c) }

// Hash returns a stable hash of the card's content: the SHA-256 (hex) of
// its JSON without Version. Formatting, comments and key order of the YAML
// do not change it.
func (c *Card) Hash() string {
	cp := *c
	cp.Version = 0
	cp.prog = nil
	b, err := json.Marshal(&cp)
	if err != nil {
		// A Card holds only strings, numbers and lists: it always marshals
		// unless a weight is NaN, which Validate rejects.
		b = fmt.Appendf(nil, "%#v", cp)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// FromJSON decodes a card stored as JSON (see Card.JSON) and validates it.
// Unknown fields are errors. Errors wrap ErrInvalid and name the field's
// path ("sections[1].questions[0].weight").
func FromJSON(data []byte) (*Card, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var c Card
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("%w: decode card: %w", ErrInvalid, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: decode card: data after the card", ErrInvalid)
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// question returns the question with id and its section, or nil.
func (c *Card) question(id string) (*Question, *Section) {
	for si := range c.Sections {
		s := &c.Sections[si]
		for qi := range s.Questions {
			if s.Questions[qi].ID == id {
				return &s.Questions[qi], s
			}
		}
	}
	return nil, nil
}

// UnmarshalJSON reads one speaker name or a list of names.
func (s *Speakers) UnmarshalJSON(b []byte) error {
	var one qa.Speaker
	if err := json.Unmarshal(b, &one); err == nil {
		*s = Speakers{one}
		return nil
	}
	var list []qa.Speaker
	if err := json.Unmarshal(b, &list); err != nil {
		return fmt.Errorf("speaker: want a name or a list of names")
	}
	*s = list
	return nil
}

// The JSON form accepts the shorthands of the YAML form: a metric by name,
// "llm": true, phrases and prompts as a list (or one string).

// UnmarshalJSON reads a metric object or a metric name.
func (m *Metric) UnmarshalJSON(b []byte) error {
	var name string
	if json.Unmarshal(b, &name) == nil {
		*m = Metric{Name: MetricName(name)}
		return nil
	}
	type plain Metric
	return decodeStrict(b, (*plain)(m))
}

// UnmarshalJSON reads an object, true (an empty spec) or false.
func (s *LLMSpec) UnmarshalJSON(b []byte) error {
	var on bool
	if json.Unmarshal(b, &on) == nil {
		if !on {
			return fmt.Errorf("llm: false: leave the llm field out instead")
		}
		*s = LLMSpec{}
		return nil
	}
	type plain LLMSpec
	return decodeStrict(b, (*plain)(s))
}

// UnmarshalJSON reads an object or a list of phrases (or one phrase).
func (r *PhraseRule) UnmarshalJSON(b []byte) error {
	if list, ok := stringList(b); ok {
		*r = PhraseRule{Phrases: list}
		return nil
	}
	type plain PhraseRule
	return decodeStrict(b, (*plain)(r))
}

// UnmarshalJSON reads an object or a list of prompts (or one prompt).
func (r *PlayedRule) UnmarshalJSON(b []byte) error {
	if list, ok := stringList(b); ok {
		*r = PlayedRule{Prompts: list}
		return nil
	}
	type plain PlayedRule
	return decodeStrict(b, (*plain)(r))
}

// stringList decodes a JSON string or array of strings.
func stringList(b []byte) ([]string, bool) {
	var one string
	if json.Unmarshal(b, &one) == nil {
		return []string{one}, true
	}
	var list []string
	if json.Unmarshal(b, &list) == nil {
		if list == nil {
			list = []string{}
		}
		return list, true
	}
	return nil, false
}

// decodeStrict decodes an object rejecting unknown fields (a custom
// UnmarshalJSON does not inherit the outer decoder's setting).
func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}
