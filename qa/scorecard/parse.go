package scorecard

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/switchboard-voice/switchboard/qa"
)

// Limits on a card definition, so that a hostile file costs little.
const (
	// MaxCardBytes bounds a card file.
	MaxCardBytes = 1 << 20
	// maxNodes bounds the YAML nodes of a card.
	maxNodes = 100_000
	// maxRuleDepth bounds the nesting of any/all/not.
	maxRuleDepth = 16
)

// Parse reads a card from one YAML document and validates it. name is the
// file name used in error positions. Errors are Problems (wrapping
// ErrInvalid), each naming name:line: malformed YAML, unknown keys, wrong
// types, unknown question types or speakers, weights that do not sum to
// 100, duplicate IDs, regexes over the size bounds, references to unknown
// options, synonyms or metrics.
func Parse(name string, data []byte) (*Card, error) {
	p := &parser{file: name, lines: map[string]int{}}
	c := p.parse(data)
	if len(p.problems) > 0 {
		return nil, p.problems
	}
	prog, probs := compile(c, p.pos)
	if len(probs) > 0 {
		// In file order, as an editor shows them.
		sort.SliceStable(probs, func(i, j int) bool { return probs[i].Pos.Line < probs[j].Pos.Line })
		return nil, probs
	}
	c.prog = prog
	return c, nil
}

// ParseFile reads and parses the card in path.
func ParseFile(path string) (*Card, error) {
	data, err := readLimited(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// LoadDir parses every *.yaml and *.yml file in dir (not below it), sorted
// by name. All problems of all files are returned together; two cards with
// the same name are a problem too.
func LoadDir(dir string) ([]*Card, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("load scorecards: %w", err)
	}
	var (
		cards []*Card
		all   Problems
		names = map[string]string{}
	)
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || (!strings.HasSuffix(n, ".yaml") && !strings.HasSuffix(n, ".yml")) {
			continue
		}
		path := filepath.Join(dir, n)
		c, err := ParseFile(path)
		var ps Problems
		switch {
		case errors.As(err, &ps):
			all = append(all, ps...)
			continue
		case err != nil:
			return nil, err
		}
		if prev, dup := names[c.Name]; dup {
			all = append(all, Problem{Pos: Pos{File: path, Line: 1}, Message: fmt.Sprintf("card %q is already defined in %s", c.Name, prev)})
			continue
		}
		names[c.Name] = path
		cards = append(cards, c)
	}
	if len(all) > 0 {
		return nil, all
	}
	return cards, nil
}

func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read scorecard: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxCardBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read scorecard: %w", err)
	}
	return data, nil
}

// parser decodes a card from YAML nodes, recording the line of every key
// under its path ("sections[0].questions[2].weight") for later problems.
type parser struct {
	file     string
	lines    map[string]int
	problems Problems
}

func (p *parser) errorf(line int, format string, args ...any) {
	p.problems = append(p.problems, Problem{Pos: Pos{File: p.file, Line: line}, Message: fmt.Sprintf(format, args...)})
}

// pos returns the position of path, or of its nearest recorded parent.
func (p *parser) pos(path string) Pos {
	for q := path; q != ""; q = parentPath(q) {
		if l, ok := p.lines[q]; ok {
			return Pos{File: p.file, Line: l}
		}
	}
	return Pos{File: p.file, Line: 1}
}

// parentPath drops the last element of a path: "a.b[2]" → "a.b" → "a".
func parentPath(path string) string {
	if strings.HasSuffix(path, "]") {
		if i := strings.LastIndexByte(path, '['); i >= 0 {
			return path[:i]
		}
	}
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[:i]
	}
	return ""
}

func (p *parser) parse(data []byte) *Card {
	c := &Card{}
	if len(data) > MaxCardBytes {
		p.errorf(0, "file is larger than %d bytes", MaxCardBytes)
		return c
	}
	if !utf8.Valid(data) {
		p.errorf(0, "file is not valid UTF-8")
		return c
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			p.errorf(0, "empty file: a card needs name and sections")
		} else {
			line, msg := yamlError(err)
			p.errorf(line, "%s", msg)
		}
		return c
	}
	var next yaml.Node
	if err := dec.Decode(&next); err == nil {
		p.errorf(next.Line, "a card file holds one YAML document; found a second one")
		return c
	}
	if len(doc.Content) == 0 {
		p.errorf(0, "empty file: a card needs name and sections")
		return c
	}
	if !p.plain(doc.Content[0]) {
		return c
	}
	p.card(doc.Content[0], c)
	return c
}

// plain rejects anchors, aliases and merge keys (a card has no use for
// them, and aliases can blow a small file up) and oversized documents.
func (p *parser) plain(root *yaml.Node) bool {
	stack := []*yaml.Node{root}
	for n := 0; len(stack) > 0; n++ {
		if n > maxNodes {
			p.errorf(root.Line, "card has more than %d YAML nodes", maxNodes)
			return false
		}
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if x.Kind == yaml.AliasNode || x.Anchor != "" || x.Tag == "!!merge" {
			p.errorf(x.Line, "anchors, aliases and merge keys are not supported in a card")
			return false
		}
		// In document order: the first offending node is reported.
		for i := len(x.Content) - 1; i >= 0; i-- {
			stack = append(stack, x.Content[i])
		}
	}
	return true
}

// yamlError splits a yaml.v3 error into its line and message.
func yamlError(err error) (int, string) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if i := strings.Index(rest, ": "); i > 0 {
			if n, e := strconv.Atoi(rest[:i]); e == nil {
				line, msg = n, rest[i+2:]
			}
		}
	}
	return line, "malformed YAML: " + msg
}

// fields walks the mapping n, whose keys must be among known. what names
// the mapping in messages ("a question"). It records every key's line and
// calls f for each known key.
func (p *parser) fields(n *yaml.Node, path, what string, known []string, f func(key string, v *yaml.Node, path string)) {
	if n.Kind != yaml.MappingNode {
		p.errorf(n.Line, "%s: want a mapping, found %s", what, describe(n))
		return
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			p.errorf(k.Line, "%s: keys must be plain names", what)
			continue
		}
		key := k.Value
		if prev, dup := seen[key]; dup {
			p.errorf(k.Line, "%s: key %q is repeated (first at line %d)", what, key, prev)
			continue
		}
		seen[key] = k.Line
		if !slices.Contains(known, key) {
			p.errorf(k.Line, "%s: unknown key %q%s (known keys: %s)", what, key, unknownHint(key), strings.Join(known, ", "))
			continue
		}
		kp := key
		if path != "" {
			kp = path + "." + key
		}
		p.lines[kp] = k.Line
		f(key, v, kp)
	}
}

// unknownHint explains keys people often get wrong.
func unknownHint(key string) string {
	switch key {
	case "version":
		return ": the version is set by the store when the card is published"
	case "answer", "auto":
		return ": a question is answered by its rule (yes_no), choose (choice), metric (number) or llm"
	}
	return ""
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		v := n.Value
		if len(v) > 40 {
			v = v[:40] + "..."
		}
		return fmt.Sprintf("%q", v)
	}
	return "something else"
}

func (p *parser) str(v *yaml.Node, what string) string {
	if v.Kind != yaml.ScalarNode {
		p.errorf(v.Line, "%s: want text, found %s", what, describe(v))
		return ""
	}
	if v.Tag == "!!null" {
		return ""
	}
	return v.Value
}

func (p *parser) strs(v *yaml.Node, what string) []string {
	switch v.Kind {
	case yaml.ScalarNode:
		if v.Tag == "!!null" {
			return nil
		}
		return []string{v.Value}
	case yaml.SequenceNode:
		out := make([]string, 0, len(v.Content))
		for _, it := range v.Content {
			if it.Kind != yaml.ScalarNode || it.Tag == "!!null" {
				p.errorf(it.Line, "%s: want a list of text, found %s", what, describe(it))
				continue
			}
			out = append(out, it.Value)
		}
		return out
	}
	p.errorf(v.Line, "%s: want text or a list of text, found %s", what, describe(v))
	return nil
}

func (p *parser) float(v *yaml.Node, what string) float64 {
	if v.Kind == yaml.ScalarNode && (v.Tag == "!!int" || v.Tag == "!!float") {
		f, err := strconv.ParseFloat(strings.ReplaceAll(v.Value, "_", ""), 64)
		if err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
			return f
		}
		var g float64
		if v.Decode(&g) == nil && !math.IsNaN(g) && !math.IsInf(g, 0) {
			return g
		}
	}
	p.errorf(v.Line, "%s: want a number, found %s", what, describe(v))
	return 0
}

func (p *parser) floatPtr(v *yaml.Node, what string) *float64 {
	f := p.float(v, what)
	return &f
}

func (p *parser) int(v *yaml.Node, what string) int {
	if v.Kind == yaml.ScalarNode && v.Tag == "!!int" {
		var n int
		if v.Decode(&n) == nil {
			return n
		}
	}
	p.errorf(v.Line, "%s: want a whole number, found %s", what, describe(v))
	return 0
}

func (p *parser) bool(v *yaml.Node, what string) bool {
	if v.Kind == yaml.ScalarNode && v.Tag == "!!bool" {
		var b bool
		if v.Decode(&b) == nil {
			return b
		}
	}
	p.errorf(v.Line, "%s: want true or false, found %s", what, describe(v))
	return false
}

func (p *parser) duration(v *yaml.Node, what string) Duration {
	if v.Kind != yaml.ScalarNode {
		p.errorf(v.Line, "%s: want a duration such as 30s, found %s", what, describe(v))
		return 0
	}
	d, err := parseDuration(v.Value)
	if err != nil {
		p.errorf(v.Line, "%s: %v", what, err)
	}
	return d
}

func (p *parser) list(v *yaml.Node, what string) []*yaml.Node {
	if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
		return nil
	}
	if v.Kind != yaml.SequenceNode {
		p.errorf(v.Line, "%s: want a list, found %s", what, describe(v))
		return nil
	}
	return v.Content
}

func (p *parser) card(n *yaml.Node, c *Card) {
	p.fields(n, "", "the card", []string{"name", "title", "description", "applies_to", "pass_score", "synonyms", "sections"},
		func(key string, v *yaml.Node, path string) {
			switch key {
			case "name":
				c.Name = p.str(v, "name")
			case "title":
				c.Title = p.str(v, "title")
			case "description":
				c.Description = p.str(v, "description")
			case "applies_to":
				c.AppliesTo = p.condition(v, path, "applies_to")
			case "pass_score":
				c.PassScore = p.float(v, "pass_score")
			case "synonyms":
				c.Synonyms = p.synonyms(v, path)
			case "sections":
				for i, s := range p.list(v, "sections") {
					sp := fmt.Sprintf("%s[%d]", path, i)
					p.lines[sp] = s.Line
					c.Sections = append(c.Sections, p.section(s, sp))
				}
			}
		})
}

func (p *parser) synonyms(v *yaml.Node, path string) map[string][]string {
	if v.Kind != yaml.MappingNode {
		p.errorf(v.Line, "synonyms: want a mapping of list names to phrases, found %s", describe(v))
		return nil
	}
	out := map[string][]string{}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, l := v.Content[i], v.Content[i+1]
		if _, dup := out[k.Value]; dup {
			p.errorf(k.Line, "synonyms: list %q is defined twice", k.Value)
			continue
		}
		p.lines[path+"."+k.Value] = k.Line
		out[k.Value] = p.strs(l, "synonyms."+k.Value)
	}
	return out
}

func (p *parser) section(n *yaml.Node, path string) Section {
	var s Section
	p.fields(n, path, "a section", []string{"id", "title", "weight", "questions"}, func(key string, v *yaml.Node, kp string) {
		switch key {
		case "id":
			s.ID = p.str(v, "section id")
		case "title":
			s.Title = p.str(v, "section title")
		case "weight":
			s.Weight = p.float(v, "section weight")
		case "questions":
			for i, q := range p.list(v, "questions") {
				qp := fmt.Sprintf("%s[%d]", kp, i)
				p.lines[qp] = q.Line
				s.Questions = append(s.Questions, p.question(q, qp))
			}
		}
	})
	return s
}

var questionKeys = []string{"id", "text", "help", "type", "weight", "critical", "allow_na", "when",
	"rule", "options", "choose", "otherwise", "metric", "bands", "llm"}

func (p *parser) question(n *yaml.Node, path string) Question {
	var q Question
	p.fields(n, path, "a question", questionKeys, func(key string, v *yaml.Node, kp string) {
		switch key {
		case "id":
			q.ID = p.str(v, "question id")
		case "text":
			q.Text = p.str(v, "question text")
		case "help":
			q.Help = p.str(v, "help")
		case "type":
			q.Type = Type(p.str(v, "type"))
		case "weight":
			q.Weight = p.float(v, "weight")
		case "critical":
			q.Critical = p.bool(v, "critical")
		case "allow_na":
			q.AllowNA = p.bool(v, "allow_na")
		case "when":
			q.When = p.condition(v, kp, "when")
		case "rule":
			q.Rule = p.rule(v, kp, 0)
		case "options":
			for i, o := range p.list(v, "options") {
				op := fmt.Sprintf("%s[%d]", kp, i)
				p.lines[op] = o.Line
				q.Options = append(q.Options, p.option(o, op))
			}
		case "choose":
			for i, o := range p.list(v, "choose") {
				op := fmt.Sprintf("%s[%d]", kp, i)
				p.lines[op] = o.Line
				var cr ChoiceRule
				p.fields(o, op, "a choose entry", []string{"option", "rule"}, func(key string, v *yaml.Node, kp string) {
					if key == "option" {
						cr.Option = p.str(v, "option")
					} else {
						cr.Rule = p.rule(v, kp, 0)
					}
				})
				q.Choose = append(q.Choose, cr)
			}
		case "otherwise":
			q.Otherwise = p.str(v, "otherwise")
		case "metric":
			q.Metric = p.metric(v, kp)
		case "bands":
			for i, b := range p.list(v, "bands") {
				bp := fmt.Sprintf("%s[%d]", kp, i)
				p.lines[bp] = b.Line
				var band Band
				p.fields(b, bp, "a band", []string{"min", "max", "points"}, func(key string, v *yaml.Node, _ string) {
					switch key {
					case "min":
						band.Min = p.floatPtr(v, "band min")
					case "max":
						band.Max = p.floatPtr(v, "band max")
					case "points":
						band.Points = p.float(v, "band points")
					}
				})
				q.Bands = append(q.Bands, band)
			}
		case "llm":
			q.LLM = p.llm(v, kp)
		}
	})
	return q
}

func (p *parser) option(n *yaml.Node, path string) Option {
	var o Option
	p.fields(n, path, "an option", []string{"id", "label", "points"}, func(key string, v *yaml.Node, _ string) {
		switch key {
		case "id":
			o.ID = p.str(v, "option id")
		case "label":
			o.Label = p.str(v, "option label")
		case "points":
			o.Points = p.float(v, "option points")
		}
	})
	return o
}

func (p *parser) llm(v *yaml.Node, path string) *LLMSpec {
	if v.Kind == yaml.ScalarNode {
		if p.bool(v, "llm") {
			return &LLMSpec{}
		}
		return nil
	}
	spec := &LLMSpec{}
	p.fields(v, path, "llm", []string{"instructions"}, func(_ string, v *yaml.Node, _ string) {
		spec.Instructions = p.str(v, "llm instructions")
	})
	return spec
}

func (p *parser) condition(n *yaml.Node, path, what string) *Condition {
	c := &Condition{}
	p.fields(n, path, what, []string{"bots", "queues", "channels", "languages", "intents", "outcomes", "slots", "has_agent", "rule"},
		func(key string, v *yaml.Node, kp string) {
			switch key {
			case "bots":
				c.Bots = p.strs(v, what+".bots")
			case "queues":
				c.Queues = p.strs(v, what+".queues")
			case "channels":
				c.Channels = p.strs(v, what+".channels")
			case "languages":
				c.Languages = p.strs(v, what+".languages")
			case "intents":
				c.Intents = p.strs(v, what+".intents")
			case "outcomes":
				c.Outcomes = p.strs(v, what+".outcomes")
			case "slots":
				c.Slots = p.strs(v, what+".slots")
			case "has_agent":
				b := p.bool(v, what+".has_agent")
				c.HasAgent = &b
			case "rule":
				c.Rule = p.rule(v, kp, 0)
			}
		})
	return c
}

// ruleKinds are the keys of a rule, one of which it has.
var ruleKinds = []string{"said", "not_said", "played", "slot", "intent", "outcome", "metric", "any", "all", "not"}

func (p *parser) rule(n *yaml.Node, path string, depth int) *Rule {
	r := &Rule{}
	if depth > maxRuleDepth {
		p.errorf(n.Line, "rule: nested deeper than %d levels", maxRuleDepth)
		return r
	}
	if n.Kind == yaml.MappingNode && len(n.Content) != 2 {
		if len(n.Content) == 0 {
			p.errorf(n.Line, "rule: empty; a rule has one of: %s", strings.Join(ruleKinds, ", "))
			return r
		}
		var keys []string
		for i := 0; i < len(n.Content); i += 2 {
			keys = append(keys, n.Content[i].Value)
		}
		p.errorf(n.Line, "rule: one test per rule, found %s (combine tests with all: or any:)", strings.Join(keys, ", "))
	}
	p.fields(n, path, "a rule", ruleKinds, func(key string, v *yaml.Node, kp string) {
		switch key {
		case "said":
			r.Said = p.phraseRule(v, kp, "said")
		case "not_said":
			r.NotSaid = p.phraseRule(v, kp, "not_said")
		case "played":
			r.Played = p.played(v, kp)
		case "slot":
			r.Slot = p.strs(v, "slot")
		case "intent":
			r.Intent = p.strs(v, "intent")
		case "outcome":
			r.Outcome = p.strs(v, "outcome")
		case "metric":
			r.Metric = p.metric(v, kp)
		case "any", "all":
			var subs []Rule
			for i, s := range p.list(v, key) {
				sp := fmt.Sprintf("%s[%d]", kp, i)
				p.lines[sp] = s.Line
				subs = append(subs, *p.rule(s, sp, depth+1))
			}
			if subs == nil {
				subs = []Rule{}
			}
			if key == "any" {
				r.Any = subs
			} else {
				r.All = subs
			}
		case "not":
			r.Not = p.rule(v, kp, depth+1)
		}
	})
	return r
}

// phrases reads the keys shared by PhraseRule and Proximity.
func (p *parser) phrases(key string, v *yaml.Node, what string, phrases, synonyms, regex *[]string, speaker *Speakers) bool {
	switch key {
	case "phrases":
		*phrases = p.strs(v, what+".phrases")
	case "synonyms":
		*synonyms = p.strs(v, what+".synonyms")
	case "regex":
		*regex = p.strs(v, what+".regex")
	case "speaker":
		*speaker = p.speakers(v, what)
	default:
		return false
	}
	return true
}

func (p *parser) phraseRule(v *yaml.Node, path, what string) *PhraseRule {
	r := &PhraseRule{}
	if v.Kind != yaml.MappingNode {
		r.Phrases = p.strs(v, what)
		if r.Phrases == nil {
			r.Phrases = []string{}
		}
		return r
	}
	p.fields(v, path, what, []string{"phrases", "synonyms", "regex", "speaker", "within_first", "within_last", "min_count", "near", "not_near"},
		func(key string, v *yaml.Node, kp string) {
			if p.phrases(key, v, what, &r.Phrases, &r.Synonyms, &r.Regex, &r.Speaker) {
				return
			}
			switch key {
			case "within_first":
				r.WithinFirst = p.duration(v, what+".within_first")
			case "within_last":
				r.WithinLast = p.duration(v, what+".within_last")
			case "min_count":
				r.MinCount = p.int(v, what+".min_count")
			case "near":
				r.Near = p.proximity(v, kp, what+".near")
			case "not_near":
				r.NotNear = p.proximity(v, kp, what+".not_near")
			}
		})
	return r
}

func (p *parser) proximity(v *yaml.Node, path, what string) *Proximity {
	x := &Proximity{}
	p.fields(v, path, what, []string{"phrases", "synonyms", "regex", "speaker", "words", "within"},
		func(key string, v *yaml.Node, _ string) {
			if p.phrases(key, v, what, &x.Phrases, &x.Synonyms, &x.Regex, &x.Speaker) {
				return
			}
			if key == "words" {
				x.Words = p.int(v, what+".words")
			} else {
				x.Within = p.duration(v, what+".within")
			}
		})
	return x
}

func (p *parser) played(v *yaml.Node, path string) *PlayedRule {
	r := &PlayedRule{}
	if v.Kind != yaml.MappingNode {
		r.Prompts = p.strs(v, "played")
		return r
	}
	p.fields(v, path, "played", []string{"prompts", "within_first", "within_last"}, func(key string, v *yaml.Node, _ string) {
		switch key {
		case "prompts":
			r.Prompts = p.strs(v, "played.prompts")
		case "within_first":
			r.WithinFirst = p.duration(v, "played.within_first")
		case "within_last":
			r.WithinLast = p.duration(v, "played.within_last")
		}
	})
	return r
}

func (p *parser) metric(v *yaml.Node, path string) *Metric {
	m := &Metric{}
	if v.Kind == yaml.ScalarNode {
		m.Name = MetricName(p.str(v, "metric"))
		return m
	}
	p.fields(v, path, "metric", []string{"name", "speaker", "stat", "over", "min", "max"}, func(key string, v *yaml.Node, _ string) {
		switch key {
		case "name":
			m.Name = MetricName(p.str(v, "metric name"))
		case "speaker":
			m.Speaker = qa.Speaker(p.str(v, "metric speaker"))
		case "stat":
			m.Stat = p.str(v, "metric stat")
		case "over":
			m.Over = p.duration(v, "metric over")
		case "min":
			m.Min = p.floatPtr(v, "metric min")
		case "max":
			m.Max = p.floatPtr(v, "metric max")
		}
	})
	return m
}

func (p *parser) speakers(v *yaml.Node, what string) Speakers {
	names := p.strs(v, what+".speaker")
	out := make(Speakers, len(names))
	for i, n := range names {
		out[i] = qa.Speaker(n)
	}
	return out
}
