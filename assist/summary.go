package assist

import (
	"fmt"
	"sort"
	"strings"
)

// ExtractiveSummary writes an after-call summary without an LLM: why the
// caller came (the bot's handoff: reason, intents, slots collected), then
// the caller's key utterances (the longest few, in order) and the agent's
// last words, so the agent edits rather than writes.
func ExtractiveSummary(h Handoff, segs []Segment) string {
	var b strings.Builder
	if h.Summary != "" {
		fmt.Fprintf(&b, "Bot: %s\n", strings.TrimSpace(h.Summary))
	} else if len(h.Intents) > 0 {
		fmt.Fprintf(&b, "Caller asked about: %s\n", strings.Join(h.Intents, ", "))
	}
	if h.Reason != "" {
		fmt.Fprintf(&b, "Handed over because: %s\n", h.Reason)
	}
	if len(h.Slots) > 0 {
		keys := make([]string, 0, len(h.Slots))
		for k := range h.Slots {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var kv []string
		for _, k := range keys {
			kv = append(kv, k+"="+h.Slots[k])
		}
		fmt.Fprintf(&b, "Details: %s\n", strings.Join(kv, ", "))
	}
	// The caller's key points: the longest utterances, kept in order.
	type ranked struct {
		i int
		n int
	}
	var callers []ranked
	var lastAgent string
	for i, s := range segs {
		if !s.Final || strings.TrimSpace(s.Text) == "" {
			continue
		}
		switch {
		case s.Speaker == "caller":
			callers = append(callers, ranked{i, len([]rune(s.Text))})
		case strings.HasPrefix(s.Speaker, "agent"):
			lastAgent = s.Text
		}
	}
	sort.SliceStable(callers, func(a, b int) bool { return callers[a].n > callers[b].n })
	if len(callers) > 3 {
		callers = callers[:3]
	}
	sort.Slice(callers, func(a, b int) bool { return callers[a].i < callers[b].i })
	for _, r := range callers {
		fmt.Fprintf(&b, "Caller: %s\n", strings.TrimSpace(segs[r.i].Text))
	}
	if lastAgent != "" {
		fmt.Fprintf(&b, "Agent (last): %s\n", strings.TrimSpace(lastAgent))
	}
	return strings.TrimSpace(b.String())
}
