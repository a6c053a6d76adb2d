package prompts

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

var varRE = regexp.MustCompile(`\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}\}`)

// Render replaces each {{name}} in tpl with vars[name]. A missing variable
// renders as an empty string.
func Render(tpl string, vars map[string]string) string {
	if !strings.Contains(tpl, "{{") {
		return tpl
	}
	return varRE.ReplaceAllStringFunc(tpl, func(m string) string {
		return vars[varRE.FindStringSubmatch(m)[1]]
	})
}

// TemplateVars lists the variables a template uses, in order.
func TemplateVars(tpl string) []string {
	var out []string
	for _, m := range varRE.FindAllStringSubmatch(tpl, -1) {
		out = append(out, m[1])
	}
	return out
}

// Builtins are variables every template may use without a slot setting
// them.
var Builtins = map[string]bool{
	"caller_id": true, "bot": true, "session_id": true, "today": true,
	"last_utterance": true, "language": true,
}

// Cond is a parsed branch condition.
type Cond struct {
	// or of ands of terms
	any [][]term
}

type term struct {
	slot  string
	op    string // "", "!", "==", "!=", ">", ">=", "<", "<="
	value string
}

var termRE = regexp.MustCompile(`^\s*(!?)\s*([A-Za-z_][A-Za-z0-9_.]*)\s*(?:(==|!=|>=|<=|>|<)\s*(.+?))?\s*$`)

// ParseCondition parses "slot == 'x' && other > 3 || !missing".
func ParseCondition(s string) (Cond, error) {
	var c Cond
	if strings.TrimSpace(s) == "" {
		return c, fmt.Errorf("empty condition")
	}
	for _, alt := range strings.Split(s, "||") {
		var and []term
		for _, part := range strings.Split(alt, "&&") {
			m := termRE.FindStringSubmatch(part)
			if m == nil {
				return c, fmt.Errorf("cannot parse condition %q near %q (want slot == 'value', slot > 3, slot or !slot)", s, strings.TrimSpace(part))
			}
			t := term{slot: m[2], op: m[3]}
			if m[1] == "!" {
				if m[3] != "" {
					return c, fmt.Errorf("condition %q: '!' applies to a bare slot only", s)
				}
				t.op = "!"
			}
			if m[3] != "" {
				v := strings.TrimSpace(m[4])
				if len(v) >= 2 && (v[0] == '\'' || v[0] == '"') && v[len(v)-1] == v[0] {
					v = v[1 : len(v)-1]
				} else if _, err := strconv.ParseFloat(v, 64); err != nil && v != "true" && v != "false" {
					return c, fmt.Errorf("condition %q: value %s must be quoted or a number", s, v)
				}
				t.value = v
			}
			and = append(and, t)
		}
		c.any = append(c.any, and)
	}
	return c, nil
}

// Slots lists the slots the condition reads.
func (c Cond) Slots() []string {
	var out []string
	for _, and := range c.any {
		for _, t := range and {
			out = append(out, t.slot)
		}
	}
	return out
}

// Eval evaluates the condition over slot values.
func (c Cond) Eval(vars map[string]string) bool {
	for _, and := range c.any {
		ok := true
		for _, t := range and {
			if !t.eval(vars) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func (t term) eval(vars map[string]string) bool {
	v, set := vars[t.slot]
	set = set && v != ""
	switch t.op {
	case "":
		return set
	case "!":
		return !set
	case "==":
		return strings.EqualFold(v, t.value)
	case "!=":
		return !strings.EqualFold(v, t.value)
	}
	a, err1 := leadingNumber(v)
	b, err2 := strconv.ParseFloat(t.value, 64)
	if err1 != nil || err2 != nil {
		return false
	}
	switch t.op {
	case ">":
		return a > b
	case ">=":
		return a >= b
	case "<":
		return a < b
	case "<=":
		return a <= b
	}
	return false
}

// leadingNumber reads the number at the start of s ("350.00 CNY" -> 350).
func leadingNumber(s string) (float64, error) {
	s = strings.TrimSpace(strings.ReplaceAll(s, ",", ""))
	if i := strings.IndexByte(s, ' '); i > 0 {
		s = s[:i]
	}
	return strconv.ParseFloat(s, 64)
}
