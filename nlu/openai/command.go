package openai

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/switchboard-voice/switchboard/nlu"
)

// catalog is what a turn's tool calls may refer to: the names offered to
// the model in the request.
type catalog struct {
	flows    []string
	articles []string
	queues   []string // the first is the default
	slots    []string // known slot names; empty means any non-empty name
}

func newCatalog(req *nlu.PlanRequest) *catalog {
	c := &catalog{queues: dedupe(req.Queues)}
	var slots []string
	for _, f := range req.Flows {
		c.flows = append(c.flows, f.Name)
		slots = append(slots, f.Slots...)
	}
	for _, a := range req.Articles {
		c.articles = append(c.articles, a.ID)
	}
	if len(slots) > 0 {
		slots = append(slots, req.PendingSlot)
		slots = append(slots, slices.Sorted(maps.Keys(req.Slots))...)
	}
	c.flows, c.articles, c.slots = dedupe(c.flows), dedupe(c.articles), dedupe(slots)
	return c
}

// dedupe returns the non-empty names of s without repeats, in order.
func dedupe(s []string) []string {
	var out []string
	seen := map[string]bool{"": true}
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// accumulator gathers a streamed reply.
type accumulator struct {
	text  strings.Builder
	calls []*toolCall // in order of first appearance
}

type toolCall struct {
	index int
	id    string
	name  string
	args  strings.Builder
}

// addToolCall merges a streamed tool-call delta. Deltas are matched by
// index; a delta without an index (some servers) starts a new call when it
// has an id, else continues the last call.
func (a *accumulator) addToolCall(d goopenai.ToolCall) {
	var tc *toolCall
	switch {
	case d.Index != nil:
		for _, c := range a.calls {
			if c.index == *d.Index {
				tc = c
				break
			}
		}
		if tc == nil {
			tc = &toolCall{index: *d.Index}
			a.calls = append(a.calls, tc)
		}
	case d.ID == "" && len(a.calls) > 0:
		tc = a.calls[len(a.calls)-1]
	default:
		tc = &toolCall{index: -1 - len(a.calls)}
		a.calls = append(a.calls, tc)
	}
	if tc.id == "" {
		tc.id = d.ID
	}
	// The name comes whole in the first delta; some servers repeat it.
	if n := d.Function.Name; n != "" && n != tc.name {
		tc.name += n
	}
	tc.args.WriteString(d.Function.Arguments)
}

// plan validates the accumulated reply and turns it into a plan.
func (c *catalog) plan(a *accumulator) (nlu.Plan, error) {
	p := nlu.Plan{Text: a.text.String()}
	var errs []error
	for _, tc := range a.calls {
		cmd, err := c.decode(tc.name, tc.args.String())
		if err != nil {
			errs = append(errs, err)
			continue
		}
		p.Commands = append(p.Commands, cmd)
	}
	if len(errs) > 0 {
		return nlu.Plan{}, errors.Join(errs...)
	}
	if len(p.Commands) == 0 && strings.TrimSpace(p.Text) == "" {
		return nlu.Plan{}, fmt.Errorf("%w: openai: empty reply (no text, no tool call)", nlu.ErrLLMUnavailable)
	}
	return p, nil
}

// args are the arguments of all the tools. Value is raw so that a number
// or a boolean given for a slot value is accepted.
type args struct {
	Flow      *string         `json:"flow"`
	Slot      *string         `json:"slot"`
	Value     json.RawMessage `json:"value"`
	ArticleID *string         `json:"article_id"`
	Queue     *string         `json:"queue"`
	Reason    *string         `json:"reason"`
	Text      *string         `json:"text"`
}

// decode validates one tool call against the catalog. Errors wrap
// nlu.ErrInvalidToolCall and say what was wrong.
func (c *catalog) decode(name, arguments string) (nlu.Command, error) {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s: %s", nlu.ErrInvalidToolCall, quoteName(name), fmt.Sprintf(format, a...))
	}
	switch name {
	case nlu.CmdStartFlow, nlu.CmdSetSlot, nlu.CmdAnswer, nlu.CmdHandoff, nlu.CmdClarify:
	default:
		return nlu.Command{}, bad("unknown tool")
	}
	raw := bytes.TrimSpace([]byte(arguments))
	if len(raw) == 0 {
		raw = []byte("{}")
	}
	if raw[0] != '{' {
		return nlu.Command{}, bad("arguments are not a JSON object: %s", clip(arguments))
	}
	var a args
	if err := json.Unmarshal(raw, &a); err != nil {
		return nlu.Command{}, bad("malformed arguments %s: %v", clip(arguments), err)
	}
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return strings.TrimSpace(*p)
	}
	cmd := nlu.Command{Name: name}
	switch name {
	case nlu.CmdStartFlow:
		cmd.Flow = str(a.Flow)
		if err := oneOf("flow", cmd.Flow, c.flows); err != nil {
			return nlu.Command{}, bad("%v", err)
		}
	case nlu.CmdSetSlot:
		cmd.Slot = str(a.Slot)
		if cmd.Slot == "" {
			return nlu.Command{}, bad("empty slot name")
		}
		if len(c.slots) > 0 {
			if err := oneOf("slot", cmd.Slot, c.slots); err != nil {
				return nlu.Command{}, bad("%v", err)
			}
		}
		v, err := scalar(a.Value)
		if err != nil {
			return nlu.Command{}, bad("slot %q: %v", cmd.Slot, err)
		}
		cmd.Value = v
	case nlu.CmdAnswer:
		cmd.ArticleID, cmd.Text = str(a.ArticleID), str(a.Text)
		if err := oneOf("article_id", cmd.ArticleID, c.articles); err != nil {
			return nlu.Command{}, bad("%v", err)
		}
		if cmd.Text == "" {
			return nlu.Command{}, bad("empty text")
		}
	case nlu.CmdHandoff:
		cmd.Queue, cmd.Reason = str(a.Queue), str(a.Reason)
		if cmd.Queue == "" && len(c.queues) > 0 {
			cmd.Queue = c.queues[0]
		}
		if err := oneOf("queue", cmd.Queue, c.queues); err != nil {
			return nlu.Command{}, bad("%v", err)
		}
	case nlu.CmdClarify:
		cmd.Text = str(a.Text)
		if cmd.Text == "" {
			return nlu.Command{}, bad("empty text")
		}
	}
	return cmd, nil
}

// oneOf checks that v is one of allowed.
func oneOf(what, v string, allowed []string) error {
	switch {
	case len(allowed) == 0:
		return fmt.Errorf("no %s may be used in this turn (got %q)", what, v)
	case v == "":
		return fmt.Errorf("missing %s", what)
	case !slices.Contains(allowed, v):
		return fmt.Errorf("unknown %s %q (want one of %s)", what, v, strings.Join(allowed, ", "))
	}
	return nil
}

// scalar turns a JSON string, number or boolean into a slot value.
func scalar(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", errors.New("missing value")
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", err
		}
		return strings.TrimSpace(s), nil
	case '{', '[':
		return "", fmt.Errorf("value must be a string, got %s", clip(string(raw)))
	default: // number, true, false: already valid JSON
		return string(raw), nil
	}
}

func quoteName(name string) string {
	if name == "" {
		return `tool ""`
	}
	return "tool " + clip(name)
}

// clip quotes s, shortened, for an error message.
func clip(s string) string {
	const n = 80
	if len(s) > n {
		return fmt.Sprintf("%q...", s[:n])
	}
	return fmt.Sprintf("%q", s)
}
