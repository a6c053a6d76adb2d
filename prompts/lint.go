package prompts

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// SlotTypes are the built-in slot types; a custom entity type's name is
// also a valid slot type.
var SlotTypes = []string{"number", "digits", "money", "date", "time", "phone", "email", "yesno", "text", "id"}

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)

// Lint checks a loaded bot and returns every problem found, sorted by file
// and line: unknown step targets, unreachable steps, cycles without an ask,
// slots used before being set, intents without examples, duplicate names,
// and references to unknown flows, queues, types or articles. A bot with
// problems must not be published.
func Lint(b *Bot) Problems {
	c := &linter{b: b}
	c.top()
	c.entities()
	c.intents()
	c.knowledge()
	for i := range b.Flows {
		c.flow(&b.Flows[i])
	}
	sort.SliceStable(c.ps, func(i, j int) bool {
		a, b := c.ps[i].Pos, c.ps[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Line < b.Line
	})
	return c.ps
}

type linter struct {
	b  *Bot
	ps Problems
}

func (c *linter) add(key, format string, args ...any) {
	pos, ok := c.b.Source[key]
	if !ok {
		// Fall back to the enclosing definition (step field -> step).
		if i := strings.LastIndexByte(key, '.'); i > 0 && strings.HasPrefix(key, "step:") {
			pos = c.b.Source[key[:i]]
		}
		if pos.File == "" {
			pos = c.b.Source["field:name"]
		}
	}
	c.ps = append(c.ps, Problem{Pos: pos, Message: fmt.Sprintf(format, args...)})
}

func (c *linter) top() {
	b := c.b
	if b.Name == "" {
		c.add("field:name", "name is required")
	} else if !nameRE.MatchString(b.Name) {
		c.add("field:name", "name %q must be lower-case letters, digits, '-' or '_'", b.Name)
	}
	if len(b.Languages) == 0 {
		c.add("field:name", "languages is required (e.g. [en] or [zh])")
	}
	for _, l := range b.Languages {
		if l != "en" && l != "zh" {
			c.add("languages:"+l, "language %q is not supported (en, zh)", l)
		}
	}
	if b.Greeting == "" {
		c.add("field:name", "greeting is required")
	}
	if b.Fallback == "" {
		c.add("field:name", "fallback is required")
	}
	if b.Handoff.Queue == "" {
		c.add("field:handoff.queue", "handoff.queue is required: the default queue for handoffs")
	}
	if b.Handoff.MaxNoMatch < 0 {
		c.add("field:handoff.max_no_match", "handoff.max_no_match must not be negative")
	}
	if t := b.NLU.Threshold; t < 0 || t >= 1 {
		c.add("field:nlu", "nlu.threshold %v must be in [0, 1)", t)
	}
	if len(b.Intents) == 0 {
		c.add("field:name", "the bot has no intents")
	}
}

func (c *linter) entities() {
	seen := map[string]bool{}
	for _, e := range c.b.Entities {
		key := "entity:" + e.Name
		if e.Name == "" {
			c.add(key, "entity type without a name")
			continue
		}
		if seen[e.Name] {
			c.add(key, "duplicate entity type %q", e.Name)
		}
		seen[e.Name] = true
		if isBuiltinType(e.Name) {
			c.add(key, "entity type %q shadows a built-in slot type", e.Name)
		}
		if len(e.Values) == 0 && e.Pattern == "" {
			c.add(key, "entity type %q has neither values nor a pattern", e.Name)
		}
		if e.Pattern != "" {
			if _, err := regexp.Compile(e.Pattern); err != nil {
				c.add(key, "entity type %q: bad pattern: %v", e.Name, err)
			}
		}
	}
}

func isBuiltinType(t string) bool {
	for _, s := range SlotTypes {
		if s == t {
			return true
		}
	}
	return false
}

func (c *linter) knownType(t string) bool {
	if isBuiltinType(t) {
		return true
	}
	for _, e := range c.b.Entities {
		if e.Name == t {
			return true
		}
	}
	return false
}

func (c *linter) flowNamed(name string) *Flow {
	for i := range c.b.Flows {
		if c.b.Flows[i].Name == name {
			return &c.b.Flows[i]
		}
	}
	return nil
}

func (c *linter) intents() {
	seen := map[string]bool{}
	for _, in := range c.b.Intents {
		key := "intent:" + in.Name
		if in.Name == "" {
			c.add(key, "intent without a name")
			continue
		}
		if seen[in.Name] {
			c.add(key, "duplicate intent %q", in.Name)
		}
		seen[in.Name] = true
		if len(in.Examples) == 0 {
			c.add(key, "intent %q has no examples", in.Name)
		}
		actions := 0
		for _, s := range []string{in.Answer, in.Flow, in.Knowledge, in.Handoff} {
			if s != "" {
				actions++
			}
		}
		if in.Name != "oos" && actions == 0 {
			c.add(key, "intent %q has no answer, flow, knowledge or handoff", in.Name)
		}
		if in.Flow != "" && c.flowNamed(in.Flow) == nil {
			c.add(key, "intent %q starts unknown flow %q", in.Name, in.Flow)
		}
		if in.Knowledge != "" && in.Knowledge != "*" && !c.hasTag(in.Knowledge) {
			c.add(key, "intent %q: no knowledge article is tagged %q", in.Name, in.Knowledge)
		}
		for _, v := range TemplateVars(in.Answer) {
			if !Builtins[v] {
				c.add(key, "intent %q: answer uses {{%s}}, which no flow sets here (only built-ins: caller_id, today, ...)", in.Name, v)
			}
		}
	}
}

func (c *linter) hasTag(tag string) bool {
	for _, a := range c.b.Knowledge {
		for _, t := range a.Tags {
			if t == tag {
				return true
			}
		}
	}
	return false
}

func (c *linter) knowledge() {
	seen := map[string]bool{}
	for _, a := range c.b.Knowledge {
		key := "article:" + a.ID
		if a.ID == "" {
			c.add(key, "knowledge article without an id")
			continue
		}
		if seen[a.ID] {
			c.add(key, "duplicate knowledge article %q", a.ID)
		}
		seen[a.ID] = true
		if strings.TrimSpace(a.Title) == "" || strings.TrimSpace(a.Body) == "" {
			c.add(key, "knowledge article %q needs a title and a body", a.ID)
		}
	}
}

// targets lists (field, target) pairs of a step.
func targets(s *Step) [][2]string {
	var out [][2]string
	add := func(field, t string) {
		if t != "" {
			out = append(out, [2]string{field, t})
		}
	}
	add("next", s.Next)
	add("yes", s.Yes)
	add("no", s.No)
	add("on_fail", s.OnFail)
	if s.Webhook != nil {
		add("webhook", s.Webhook.OnError)
	}
	for _, cs := range s.Cases {
		add("cases", cs.Next)
	}
	return out
}

func (c *linter) flow(f *Flow) {
	fkey := "flow:" + f.Name
	if f.Name == "" {
		c.add(fkey, "flow without a name")
		return
	}
	if dup := 0; true {
		for i := range c.b.Flows {
			if c.b.Flows[i].Name == f.Name {
				dup++
			}
		}
		if dup > 1 && c.flowNamed(f.Name) != f {
			c.add(fkey, "duplicate flow %q", f.Name)
			return
		}
	}
	if len(f.Steps) == 0 {
		c.add(fkey, "flow %q has no steps", f.Name)
		return
	}
	idx := map[string]int{}
	for i := range f.Steps {
		s := &f.Steps[i]
		key := "step:" + f.Name + "/" + s.ID
		if s.ID == "" {
			c.add(key, "flow %q: step %d has no id", f.Name, i+1)
			continue
		}
		if _, dup := idx[s.ID]; dup {
			c.add(key+"#dup", "flow %q: duplicate step id %q", f.Name, s.ID)
			continue
		}
		idx[s.ID] = i
	}
	start := f.Start
	if start == "" {
		start = f.Steps[0].ID
	} else if _, ok := idx[start]; !ok {
		c.add(fkey, "flow %q: start step %q does not exist", f.Name, start)
		return
	}
	for i := range f.Steps {
		c.step(f, &f.Steps[i], idx)
	}
	// Reachability from start.
	reach := map[string]bool{}
	var walk func(id string)
	walk = func(id string) {
		i, ok := idx[id]
		if !ok || reach[id] {
			return
		}
		reach[id] = true
		for _, t := range targets(&f.Steps[i]) {
			walk(t[1])
		}
	}
	walk(start)
	for i := range f.Steps {
		if id := f.Steps[i].ID; id != "" && !reach[id] {
			c.add("step:"+f.Name+"/"+id, "flow %q: step %q is unreachable from %q", f.Name, id, start)
		}
	}
	c.cycles(f, idx)
	c.slotsBeforeSet(f, idx, start)
}

func (c *linter) step(f *Flow, s *Step, idx map[string]int) {
	key := "step:" + f.Name + "/" + s.ID
	where := fmt.Sprintf("flow %q step %q", f.Name, s.ID)
	for _, t := range targets(s) {
		if _, ok := idx[t[1]]; !ok {
			fk := key + "." + t[0]
			if t[0] == "webhook" {
				fk = key + ".webhook"
			}
			c.add(fk, "%s: %s goes to unknown step %q", where, t[0], t[1])
		}
	}
	switch s.Kind {
	case StepSay:
		if s.Say == "" {
			c.add(key, "%s: say step needs say", where)
		}
	case StepAsk:
		if s.Slot == "" {
			c.add(key, "%s: ask step needs slot", where)
		}
		if s.Say == "" {
			c.add(key, "%s: ask step needs say (the question)", where)
		}
		if s.Type == "" {
			c.add(key, "%s: ask step needs type (%s or a custom entity type)", where, strings.Join(SlotTypes, ", "))
		} else if !c.knownType(s.Type) {
			c.add(key+".type", "%s: unknown slot type %q", where, s.Type)
		}
		if s.MaxAttempts < 0 {
			c.add(key+".max_attempts", "%s: max_attempts must not be negative", where)
		}
		if v := s.Validate; v != nil {
			if v.Pattern != "" {
				if _, err := regexp.Compile(v.Pattern); err != nil {
					c.add(key+".validate", "%s: bad validate.pattern: %v", where, err)
				}
			}
			if v.Min != nil && v.Max != nil && *v.Min > *v.Max {
				c.add(key+".validate", "%s: validate.min %v is above validate.max %v", where, *v.Min, *v.Max)
			}
		}
	case StepConfirm:
		if s.Say == "" || s.Yes == "" || s.No == "" {
			c.add(key, "%s: confirm step needs say, yes and no", where)
		}
	case StepBranch:
		if len(s.Cases) == 0 {
			c.add(key, "%s: branch step needs cases", where)
		}
		for _, cs := range s.Cases {
			if _, err := ParseCondition(cs.If); err != nil {
				c.add(key+".cases", "%s: %v", where, err)
			}
		}
	case StepWebhook:
		if s.Webhook == nil || s.Webhook.URL == "" {
			c.add(key, "%s: webhook step needs webhook.url", where)
		} else if m := strings.ToUpper(s.Webhook.Method); m != "" && m != "GET" && m != "POST" {
			c.add(key+".webhook", "%s: webhook.method %q must be GET or POST", where, s.Webhook.Method)
		}
	case StepAnswer:
	case StepHandoff:
		if s.Queue == "" && c.b.Handoff.Queue == "" {
			c.add(key, "%s: handoff step needs a queue (or set handoff.queue)", where)
		}
	case StepEnd:
		if s.Outcome != "" && s.Outcome != "resolved" && s.Outcome != "abandoned" {
			c.add(key+".outcome", "%s: outcome %q must be resolved or abandoned", where, s.Outcome)
		}
	case "":
		c.add(key, "%s: kind is required (say, ask, confirm, branch, webhook, answer, handoff, end)", where)
	default:
		c.add(key+".kind", "%s: unknown kind %q (say, ask, confirm, branch, webhook, answer, handoff, end)", where, s.Kind)
	}
}

// waits reports whether a step waits for the caller.
func waits(s *Step) bool { return s.Kind == StepAsk || s.Kind == StepConfirm }

// cycles reports loops the engine could run forever without hearing the
// caller.
func (c *linter) cycles(f *Flow, idx map[string]int) {
	const (
		white = iota
		grey
		black
	)
	color := make([]int, len(f.Steps))
	reported := map[string]bool{}
	var visit func(i int, path []string)
	visit = func(i int, path []string) {
		color[i] = grey
		s := &f.Steps[i]
		path = append(path, s.ID)
		for _, t := range targets(s) {
			j, ok := idx[t[1]]
			if !ok || waits(&f.Steps[j]) {
				continue
			}
			switch color[j] {
			case grey:
				// Cycle from j to i with no waiting step.
				k := 0
				for k < len(path) && path[k] != t[1] {
					k++
				}
				loop := append(append([]string{}, path[k:]...), t[1])
				if !reported[t[1]] {
					reported[t[1]] = true
					c.add("step:"+f.Name+"/"+t[1], "flow %q: cycle without an ask: %s", f.Name, strings.Join(loop, " -> "))
				}
			case white:
				visit(j, path)
			}
		}
		color[i] = black
	}
	for i := range f.Steps {
		if color[i] == white && !waits(&f.Steps[i]) {
			visit(i, nil)
		}
	}
}

// slotsBeforeSet finds slot uses that some path from start reaches before
// any step sets the slot.
func (c *linter) slotsBeforeSet(f *Flow, idx map[string]int, start string) {
	n := len(f.Steps)
	// in[i]: slots definitely set on entry to step i; nil = not yet seen.
	in := make([]map[string]bool, n)
	sets := func(s *Step) []string {
		var out []string
		if s.Kind == StepAsk && s.Slot != "" {
			out = append(out, s.Slot)
		}
		if s.Kind == StepWebhook && s.Webhook != nil {
			for k := range s.Webhook.Save {
				out = append(out, k)
			}
		}
		return out
	}
	si, ok := idx[start]
	if !ok {
		return
	}
	in[si] = map[string]bool{}
	work := []int{si}
	for len(work) > 0 {
		i := work[0]
		work = work[1:]
		s := &f.Steps[i]
		out := map[string]bool{}
		for k := range in[i] {
			out[k] = true
		}
		for _, sl := range sets(s) {
			out[sl] = true
		}
		for _, t := range targets(s) {
			j, ok := idx[t[1]]
			if !ok {
				continue
			}
			// The on_fail/on_error paths do not have the slot set.
			edge := out
			if t[0] == "on_fail" || t[0] == "webhook" {
				edge = in[i]
			}
			if in[j] == nil {
				in[j] = copySet(edge)
				work = append(work, j)
				continue
			}
			changed := false
			for k := range in[j] {
				if !edge[k] {
					delete(in[j], k)
					changed = true
				}
			}
			if changed {
				work = append(work, j)
			}
		}
	}
	for i := range f.Steps {
		s := &f.Steps[i]
		if in[i] == nil {
			continue // unreachable, reported already
		}
		var uses []string
		for _, tpl := range []string{s.Say, s.Reprompt, s.Query, s.Reason} {
			uses = append(uses, TemplateVars(tpl)...)
		}
		if s.Webhook != nil {
			uses = append(uses, TemplateVars(s.Webhook.URL)...)
		}
		for _, cs := range s.Cases {
			if cond, err := ParseCondition(cs.If); err == nil {
				for _, sl := range cond.Slots() {
					// "!slot" and "slot" test whether it is set: allowed.
					if strings.Contains(cs.If, "=") || strings.ContainsAny(cs.If, "<>") {
						uses = append(uses, sl)
					}
				}
			}
		}
		own := map[string]bool{}
		if s.Kind == StepAsk {
			own[s.Slot] = true // a reprompt may mention the slot's type, not value
		}
		for _, v := range uses {
			if Builtins[v] || in[i][v] || (own[v] && v != s.Slot) {
				continue
			}
			c.add("step:"+f.Name+"/"+s.ID, "flow %q step %q uses slot %q before it is set", f.Name, s.ID, v)
		}
	}
}

func copySet(m map[string]bool) map[string]bool {
	out := make(map[string]bool, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
