package redact

import (
	"cmp"
	"slices"

	"github.com/switchboard-voice/switchboard/qa"
)

// CallResult is a redacted call.
type CallResult struct {
	// Call is a copy of the call with its turns (Text and Words), slots
	// and handoff reason masked.
	Call qa.Call
	// Spans holds, for each turn, the spans masked in its original Text.
	Spans [][]Span
	// Audio are the stretches of the call's recording to silence, in
	// order; each on both channels (a caller's digits can be heard on the
	// agent's side too, and the agent often reads them back). Pass them to
	// SilenceWAV.
	Audio []Range
	// Unplaced lists the Seq of turns with masked spans that could not be
	// placed in the recording (no word timings and no End): silence those
	// turns another way, or do not keep the recording.
	Unplaced []int
}

// Call redacts a whole call for storage, search and the QA screens, and
// says what to silence in its recording.
func (r *Redactor) Call(c qa.Call) CallResult {
	out := CallResult{Call: c, Spans: make([][]Span, len(c.Turns))}
	out.Call.Turns = make([]qa.Turn, len(c.Turns))
	for i, t := range c.Turns {
		tr := r.Turn(t)
		out.Call.Turns[i] = tr.Turn
		out.Spans[i] = tr.Spans
		if len(tr.Spans) > 0 && len(tr.Audio) == 0 {
			out.Unplaced = append(out.Unplaced, t.Seq)
		}
		for _, a := range tr.Audio {
			out.Audio = append(out.Audio, Range{Start: a.Start, End: a.End, Channel: Both})
		}
	}
	out.Call.Slots = r.Slots(c.Slots)
	out.Call.HandoffReason = r.String(c.HandoffReason)
	out.Audio = mergeRanges(out.Audio)
	return out
}

// mergeRanges sorts ranges and merges those on the same channel that
// overlap or touch.
func mergeRanges(rs []Range) []Range {
	if len(rs) < 2 {
		return rs
	}
	slices.SortFunc(rs, func(a, b Range) int {
		return cmp.Or(cmp.Compare(a.Channel, b.Channel), cmp.Compare(a.Start, b.Start))
	})
	out := rs[:1]
	for _, x := range rs[1:] {
		last := &out[len(out)-1]
		if x.Channel == last.Channel && x.Start <= last.End {
			last.End = max(last.End, x.End)
			continue
		}
		out = append(out, x)
	}
	slices.SortStableFunc(out, func(a, b Range) int { return cmp.Compare(a.Start, b.Start) })
	return out
}
