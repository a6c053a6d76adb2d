package sentiment

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/switchboard-voice/switchboard/qa"
)

// Point is one scored turn on a speaker's timeline.
type Point struct {
	// Seq of the turn in the call.
	Seq int `json:"seq"`
	// Offset of the turn's start from the start of the call.
	Offset time.Duration `json:"offset"`
	Score  float64       `json:"score"`
	Label  qa.Label      `json:"label"`
}

// Summary is the sentiment of one call.
type Summary struct {
	// Timeline holds each speaker's scored turns in call order. Turns
	// without a score (Sentiment.Scored false) or without text are left
	// out.
	Timeline map[qa.Speaker][]Point `json:"timeline"`
	// Caller is the caller's overall sentiment, weighted toward the end of
	// the call (see Summarize). Its Label is empty when the caller has no
	// scored turn.
	Caller qa.Sentiment `json:"caller"`
	// Start and End are the caller's mean score over the first and the
	// second half of the caller's part of the call; Change = End - Start
	// (positive: the caller ended happier than they started). All three
	// are zero unless Compared.
	Start  float64 `json:"start"`
	End    float64 `json:"end"`
	Change float64 `json:"change"`
	// Compared is set when both halves have a scored caller turn.
	Compared bool `json:"compared"`
}

// Weights of Summarize. The end of a call says more about how the caller
// leaves than its start: a caller who called angry and hangs up thanking
// the agent was served well.
const (
	// EndWeight is the weight of the caller's last turn relative to the
	// first (which weighs 1); turns in between weigh in proportion to
	// where they fall in time.
	EndWeight = 3.0
	// EmptyWeight multiplies the weight of a turn without sentiment
	// evidence (score 0: "yes", an account number), so that such turns
	// do not wash out the turns that carry the caller's feeling.
	EmptyWeight = 0.5
)

// Summarize sums up the sentiment of a call's turns, which must already
// hold their Sentiment (see ScoreTurns); the turns may be in any order.
//
// The caller's overall score is a weighted mean of their turns' scores.
// A turn's weight is 1 + (EndWeight-1)·p, where p in [0, 1] is where the
// middle of the turn falls between the start of the caller's first turn
// and the end of their last (by turn order when the turns have no
// offsets), times EmptyWeight for a turn scored exactly 0. The last turn
// thus counts three times the first. The label uses the default
// thresholds (LabelOf).
//
// Start and End are plain means over the turns whose middle falls before
// and after the midpoint of that same span.
func Summarize(turns []qa.Turn) Summary {
	s := Summary{Timeline: map[qa.Speaker][]Point{}}
	ordered := make([]qa.Turn, 0, len(turns))
	for _, t := range turns {
		if t.Sentiment.Scored() && strings.TrimSpace(t.Text) != "" {
			ordered = append(ordered, t)
		}
	}
	sortTurns(ordered)
	var caller []qa.Turn
	for _, t := range ordered {
		s.Timeline[t.Speaker] = append(s.Timeline[t.Speaker], Point{
			Seq: t.Seq, Offset: t.Start, Score: t.Sentiment.Score, Label: t.Sentiment.Label,
		})
		if t.Speaker == qa.Caller {
			caller = append(caller, t)
		}
	}
	if len(caller) == 0 {
		return s
	}

	// Position of each caller turn in [0, 1].
	pos := make([]float64, len(caller))
	first, last := caller[0].Start, end(caller[len(caller)-1])
	for _, t := range caller {
		first = min(first, t.Start)
		last = max(last, end(t))
	}
	span := last - first
	for i, t := range caller {
		switch {
		case span > 0:
			mid := t.Start + (end(t)-t.Start)/2
			pos[i] = float64(mid-first) / float64(span)
		case len(caller) > 1:
			pos[i] = float64(i) / float64(len(caller)-1)
		default:
			pos[i] = 1
		}
	}

	var sum, wsum float64
	var halves [2]struct {
		sum float64
		n   int
	}
	for i, t := range caller {
		sc := clamp(t.Sentiment.Score)
		w := 1 + (EndWeight-1)*pos[i]
		if sc == 0 {
			w *= EmptyWeight
		}
		sum += w * sc
		wsum += w
		h := 0
		if pos[i] >= 0.5 {
			h = 1
		}
		halves[h].sum += sc
		halves[h].n++
	}
	score := sum / wsum
	s.Caller = qa.Sentiment{Score: score, Label: LabelOf(score)}
	if halves[0].n > 0 && halves[1].n > 0 {
		s.Compared = true
		s.Start = halves[0].sum / float64(halves[0].n)
		s.End = halves[1].sum / float64(halves[1].n)
		s.Change = s.End - s.Start
	}
	return s
}

// end is a turn's end, its start when unknown.
func end(t qa.Turn) time.Duration {
	return max(t.End, t.Start)
}

func clamp(x float64) float64 {
	if math.IsNaN(x) {
		return 0
	}
	return max(-1, min(1, x))
}

// sortTurns orders turns by Start, then Seq (insertion sort: calls have
// tens of turns, usually in order already).
func sortTurns(ts []qa.Turn) {
	for i := 1; i < len(ts); i++ {
		for j := i; j > 0 && less(ts[j], ts[j-1]); j-- {
			ts[j], ts[j-1] = ts[j-1], ts[j]
		}
	}
}

func less(a, b qa.Turn) bool {
	if a.Start != b.Start {
		return a.Start < b.Start
	}
	return a.Seq < b.Seq
}

// ScoreTurns scores, with s, every turn of turns that has text and no
// score yet, in place. lang is the call's language ("" to detect it per
// turn). Turns that fail keep no score; their errors are joined, each
// naming the turn. It stops at the first error when ctx ends.
func ScoreTurns(ctx context.Context, s Scorer, lang string, turns []qa.Turn) error {
	var errs []error
	for i := range turns {
		t := &turns[i]
		if t.Sentiment.Scored() || strings.TrimSpace(t.Text) == "" {
			continue
		}
		got, err := s.Score(ctx, t.Text, lang)
		if err != nil {
			if ctx.Err() != nil {
				return errors.Join(append(errs, err)...)
			}
			errs = append(errs, fmt.Errorf("turn %d: %w", t.Seq, err))
			continue
		}
		t.Sentiment = got
	}
	return errors.Join(errs...)
}
