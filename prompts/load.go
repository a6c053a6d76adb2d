package prompts

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// ErrInvalid is wrapped by every error about a bot definition.
var ErrInvalid = errors.New("invalid bot definition")

// Problem is one thing wrong with a bot definition, at a place in a file.
type Problem struct {
	Pos     Pos
	Message string
}

func (p Problem) String() string {
	if p.Pos.File == "" {
		return p.Message
	}
	if p.Pos.Line == 0 {
		return p.Pos.File + ": " + p.Message
	}
	return fmt.Sprintf("%s:%d: %s", p.Pos.File, p.Pos.Line, p.Message)
}

// Problems is a list of problems; as an error it prints one per line.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (ps Problems) Unwrap() error { return ErrInvalid }

// Load reads the bot in dir: every *.yaml (and *.yml) file below it, merged,
// plus the intent CSV files it names. It returns Problems for malformed or
// contradictory files; Load does not run the linter (see Lint).
func Load(dir string) (*Bot, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("load bot: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("load bot: %s is not a folder", dir)
	}
	var files []string
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != dir && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load bot %s: %w", dir, err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("load bot %s: no .yaml files: %w", dir, ErrInvalid)
	}
	sort.Strings(files)
	l := &loader{bot: &Bot{Dir: dir, Source: map[string]Pos{}}, scalars: map[string]Pos{}}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("load bot: %w", err)
		}
		l.file(displayPath(f), data)
	}
	if len(l.problems) == 0 {
		l.csvs()
	}
	if len(l.problems) > 0 {
		return nil, l.problems
	}
	return l.bot, nil
}

// Parse reads a bot from one YAML document (as sent to the HTTP API). name
// is used in error positions.
func Parse(name string, data []byte) (*Bot, error) {
	l := &loader{bot: &Bot{Source: map[string]Pos{}}, scalars: map[string]Pos{}}
	l.file(name, data)
	if len(l.problems) > 0 {
		return nil, l.problems
	}
	return l.bot, nil
}

// FromJSON decodes a bot stored as JSON (a published version).
func FromJSON(data []byte) (*Bot, error) {
	var b Bot
	if err := json.Unmarshal(data, &b); err != nil {
		return nil, fmt.Errorf("decode bot: %w: %w", ErrInvalid, err)
	}
	b.Source = map[string]Pos{}
	return &b, nil
}

// JSON encodes a bot for storage.
func (b *Bot) JSON() (json.RawMessage, error) { return json.Marshal(b) }

func displayPath(p string) string {
	if wd, err := os.Getwd(); err == nil {
		if r, err := filepath.Rel(wd, p); err == nil && !strings.HasPrefix(r, "../../") {
			return r
		}
	}
	return p
}

type loader struct {
	bot      *Bot
	scalars  map[string]Pos
	problems Problems
}

func (l *loader) errorf(pos Pos, format string, args ...any) {
	l.problems = append(l.problems, Problem{Pos: pos, Message: fmt.Sprintf(format, args...)})
}

// listKeys are the Bot keys whose values are concatenated across files.
var listKeys = map[string]bool{
	"languages": true, "intents": true, "intent_csv": true, "entities": true,
	"flows": true, "knowledge": true,
}

func (l *loader) file(name string, data []byte) {
	if !utf8.Valid(data) {
		l.errorf(Pos{File: name}, "file is not valid UTF-8")
		return
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return // empty file
		}
		l.errorf(Pos{File: name, Line: yamlErrorLine(err)}, "%s", cleanYAMLError(err))
		return
	}
	if len(doc.Content) == 0 {
		return
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		l.errorf(Pos{File: name, Line: root.Line}, "expected a mapping of bot fields, found %s", kindName(root))
		return
	}
	// Strict decode: unknown keys and wrong types are errors with lines.
	var part Bot
	sd := yaml.NewDecoder(bytes.NewReader(data))
	sd.KnownFields(true)
	if err := sd.Decode(&part); err != nil {
		l.errorf(Pos{File: name, Line: yamlErrorLine(err)}, "%s", cleanYAMLError(err))
		return
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		pos := Pos{File: name, Line: k.Line}
		switch {
		case listKeys[k.Value]:
			l.recordList(name, k.Value, v)
		case k.Value == "handoff":
			// handoff is a mapping: its scalars merge, its phrases append.
			for j := 0; j+1 < len(v.Content); j += 2 {
				hk := v.Content[j]
				if hk.Value == "phrases" {
					continue
				}
				l.scalar("handoff."+hk.Value, Pos{File: name, Line: hk.Line})
			}
		default:
			l.scalar(k.Value, pos)
		}
	}
	l.merge(&part)
}

func (l *loader) scalar(key string, pos Pos) {
	if prev, ok := l.scalars[key]; ok {
		l.errorf(pos, "%s is already set at %s:%d", key, prev.File, prev.Line)
		return
	}
	l.scalars[key] = pos
	l.bot.Source["field:"+key] = pos
}

// recordList records the position of each named list item.
func (l *loader) recordList(file, key string, v *yaml.Node) {
	if v.Kind != yaml.SequenceNode {
		return
	}
	for _, item := range v.Content {
		pos := Pos{File: file, Line: item.Line}
		switch key {
		case "languages", "intent_csv":
			l.bot.Source[key+":"+item.Value] = pos
		case "intents":
			l.bot.Source["intent:"+mapValue(item, "name")] = pos
		case "entities":
			l.bot.Source["entity:"+mapValue(item, "name")] = pos
		case "knowledge":
			l.bot.Source["article:"+mapValue(item, "id")] = pos
		case "flows":
			flow := mapValue(item, "name")
			l.addFlowPos(file, flow, item)
		}
	}
}

func (l *loader) addFlowPos(file, flow string, item *yaml.Node) {
	key := "flow:" + flow
	if _, dup := l.bot.Source[key]; !dup {
		l.bot.Source[key] = Pos{File: file, Line: item.Line}
	}
	steps := mapNode(item, "steps")
	if steps == nil {
		return
	}
	for _, st := range steps.Content {
		id := mapValue(st, "id")
		sk := "step:" + flow + "/" + id
		if _, dup := l.bot.Source[sk]; dup {
			sk += "#dup"
		}
		l.bot.Source[sk] = Pos{File: file, Line: st.Line}
		for j := 0; j+1 < len(st.Content); j += 2 {
			l.bot.Source[sk+"."+st.Content[j].Value] = Pos{File: file, Line: st.Content[j].Line}
		}
	}
}

func mapNode(n *yaml.Node, key string) *yaml.Node {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func mapValue(n *yaml.Node, key string) string {
	if v := mapNode(n, key); v != nil && v.Kind == yaml.ScalarNode {
		return v.Value
	}
	return ""
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("the value %q", n.Value)
	}
	return "something else"
}

func (l *loader) merge(p *Bot) {
	b := l.bot
	set := func(dst *string, src string) {
		if src != "" {
			*dst = src
		}
	}
	set(&b.Name, p.Name)
	set(&b.Description, p.Description)
	set(&b.Persona, p.Persona)
	set(&b.SystemPrompt, p.SystemPrompt)
	set(&b.Greeting, p.Greeting)
	set(&b.Fallback, p.Fallback)
	set(&b.Goodbye, p.Goodbye)
	if p.NLU.Threshold != 0 {
		b.NLU = p.NLU
	}
	if p.LLM != (LLMSettings{}) {
		b.LLM = p.LLM
	}
	set(&b.Handoff.Queue, p.Handoff.Queue)
	set(&b.Handoff.Message, p.Handoff.Message)
	if p.Handoff.MaxNoMatch != 0 {
		b.Handoff.MaxNoMatch = p.Handoff.MaxNoMatch
	}
	b.Handoff.Phrases = append(b.Handoff.Phrases, p.Handoff.Phrases...)
	b.Languages = append(b.Languages, p.Languages...)
	b.Intents = append(b.Intents, p.Intents...)
	b.IntentCSV = append(b.IntentCSV, p.IntentCSV...)
	b.Entities = append(b.Entities, p.Entities...)
	b.Flows = append(b.Flows, p.Flows...)
	b.Knowledge = append(b.Knowledge, p.Knowledge...)
}

// csvs adds the examples of the bot's intent CSV files to its intents.
func (l *loader) csvs() {
	b := l.bot
	index := map[string]int{}
	for i, in := range b.Intents {
		index[in.Name] = i
	}
	for _, rel := range b.IntentCSV {
		pos := b.Source["intent_csv:"+rel]
		path := rel
		if !filepath.IsAbs(path) {
			path = filepath.Join(b.Dir, rel)
		}
		rows, err := ReadExamplesCSV(path)
		if err != nil {
			l.errorf(pos, "intent_csv %s: %v", rel, err)
			continue
		}
		unknown := map[string]bool{}
		for _, r := range rows {
			i, ok := index[r.Intent]
			if !ok {
				unknown[r.Intent] = true
				continue
			}
			b.Intents[i].Examples = append(b.Intents[i].Examples, r.Text)
		}
		if len(unknown) > 0 {
			names := make([]string, 0, len(unknown))
			for n := range unknown {
				names = append(names, n)
			}
			sort.Strings(names)
			if len(names) > 5 {
				names = append(names[:5], "...")
			}
			l.errorf(pos, "intent_csv %s: categories not declared as intents: %s (run `switchboard flows import-csv` to declare them)", rel, strings.Join(names, ", "))
		}
	}
}

// CSVExample is one row of an intent CSV file.
type CSVExample struct {
	Text, Intent string
}

// ReadExamplesCSV reads a text,category CSV file with a header row.
func ReadExamplesCSV(path string) ([]CSVExample, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("read header: %w", err)
	}
	ti, ci := -1, -1
	for i, h := range head {
		switch strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")) {
		case "text":
			ti = i
		case "category", "intent", "label":
			ci = i
		}
	}
	if ti < 0 || ci < 0 {
		return nil, fmt.Errorf("header must name columns text and category, found %q", strings.Join(head, ","))
	}
	var out []CSVExample
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		line, _ := r.FieldPos(0)
		if len(rec) <= ti || len(rec) <= ci {
			return nil, fmt.Errorf("line %d: expected columns text and category", line)
		}
		t, c := strings.TrimSpace(rec[ti]), strings.TrimSpace(rec[ci])
		if t == "" || c == "" {
			return nil, fmt.Errorf("line %d: empty text or category", line)
		}
		out = append(out, CSVExample{Text: t, Intent: c})
	}
}

func yamlErrorLine(err error) int {
	msg := err.Error()
	if i := strings.Index(msg, "line "); i >= 0 {
		var n int
		if _, e := fmt.Sscanf(msg[i:], "line %d", &n); e == nil {
			return n
		}
	}
	return 0
}

func cleanYAMLError(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.TrimPrefix(msg, "unmarshal errors:\n")
	msg = strings.TrimSpace(msg)
	// Drop the "line N: " prefix: the position is printed separately.
	if strings.HasPrefix(msg, "line ") {
		if i := strings.Index(msg, ": "); i >= 0 {
			msg = msg[i+2:]
		}
	}
	msg = strings.ReplaceAll(msg, "prompts.", "")
	return strings.ReplaceAll(msg, "\n  line", "; line")
}

// UnmarshalYAML reads "2s", "500ms" or a number of seconds.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := parseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*d = v
	return nil
}

// MarshalYAML writes the duration as "2s".
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// UnmarshalJSON reads "2s" or a number of seconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	v, err := parseDuration(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// MarshalJSON writes the duration as "2s".
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// D returns the duration as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

func parseDuration(s string) (Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	if v, err := time.ParseDuration(s); err == nil {
		if v < 0 {
			return 0, fmt.Errorf("duration %q is negative", s)
		}
		return Duration(v), nil
	}
	var secs float64
	if _, err := fmt.Sscanf(s, "%g", &secs); err == nil && secs >= 0 {
		return Duration(secs * float64(time.Second)), nil
	}
	return 0, fmt.Errorf("invalid duration %q (want e.g. 2s or 500ms)", s)
}
