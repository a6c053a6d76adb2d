package sentiment

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/qa"
)

func turn(seq int, who qa.Speaker, start, end time.Duration, score float64) qa.Turn {
	return qa.Turn{Seq: seq, Speaker: who, Text: "words", Start: start, End: end,
		Sentiment: qa.Sentiment{Score: score, Label: LabelOf(score)}}
}

func TestSummarizeWeighting(t *testing.T) {
	s := time.Second
	// Angry at the start, thankful at the end: the end weighs more.
	turns := []qa.Turn{
		turn(1, qa.Bot, 0, 2*s, 0.2),
		turn(2, qa.Caller, 2*s, 4*s, -0.8),
		turn(3, qa.Agent, 4*s, 6*s, 0.1),
		turn(4, qa.Caller, 6*s, 8*s, -0.4),
		turn(5, qa.Caller, 10*s, 12*s, 0.8),
	}
	got := Summarize(turns)
	// Caller span 2s..12s; midpoints 3s, 7s, 11s → p = 0.1, 0.5, 0.9 →
	// weights 1.2, 2, 2.8.
	want := (1.2*-0.8 + 2*-0.4 + 2.8*0.8) / (1.2 + 2 + 2.8)
	if math.Abs(got.Caller.Score-want) > 1e-9 {
		t.Errorf("caller score %v, want %v", got.Caller.Score, want)
	}
	if plain := (-0.8 - 0.4 + 0.8) / 3; !(got.Caller.Score > plain) {
		t.Errorf("end-weighted %v not above the plain mean %v", got.Caller.Score, plain)
	}
	// Halves split at 7s: turn 4's middle (7s) is in the second half.
	if !got.Compared || got.Start != -0.8 || math.Abs(got.End-0.2) > 1e-9 || math.Abs(got.Change-1.0) > 1e-9 {
		t.Errorf("start %v end %v change %v compared %v; want -0.8, 0.2, +1.0, true", got.Start, got.End, got.Change, got.Compared)
	}
	if len(got.Timeline[qa.Caller]) != 3 || len(got.Timeline[qa.Agent]) != 1 || len(got.Timeline[qa.Bot]) != 1 {
		t.Errorf("timeline %v", got.Timeline)
	}
	if p := got.Timeline[qa.Caller][2]; p.Seq != 5 || p.Offset != 10*s || p.Score != 0.8 || p.Label != qa.Positive {
		t.Errorf("last caller point %+v", p)
	}
}

func TestSummarizeEdgeCases(t *testing.T) {
	s := time.Second
	t.Run("no turns", func(t *testing.T) {
		got := Summarize(nil)
		if got.Caller.Scored() || got.Compared || len(got.Timeline) != 0 {
			t.Errorf("%+v", got)
		}
	})
	t.Run("unscored and empty turns are left out", func(t *testing.T) {
		got := Summarize([]qa.Turn{
			{Seq: 1, Speaker: qa.Caller, Text: "hello"},
			{Seq: 2, Speaker: qa.Caller, Text: " ", Sentiment: qa.Sentiment{Score: -1, Label: qa.Negative}},
			turn(3, qa.Caller, s, 2*s, 0.5),
		})
		if got.Caller.Score != 0.5 || len(got.Timeline[qa.Caller]) != 1 || got.Compared {
			t.Errorf("%+v", got)
		}
	})
	t.Run("no offsets: turn order", func(t *testing.T) {
		got := Summarize([]qa.Turn{turn(1, qa.Caller, 0, 0, -1), turn(2, qa.Caller, 0, 0, 0.5), turn(3, qa.Caller, 0, 0, 1)})
		// p = 0, 0.5, 1 → weights 1, 2, 3.
		if want := (-1 + 2*0.5 + 3*1.0) / 6; math.Abs(got.Caller.Score-want) > 1e-9 {
			t.Errorf("score %v, want %v", got.Caller.Score, want)
		}
		if !got.Compared || got.Start != -1 || got.End != 0.75 {
			t.Errorf("halves %v %v", got.Start, got.End)
		}
	})
	t.Run("turns out of order", func(t *testing.T) {
		a := Summarize([]qa.Turn{turn(2, qa.Caller, 5*s, 6*s, 0.9), turn(1, qa.Caller, 0, s, -0.9)})
		b := Summarize([]qa.Turn{turn(1, qa.Caller, 0, s, -0.9), turn(2, qa.Caller, 5*s, 6*s, 0.9)})
		if a.Caller != b.Caller || a.Change != b.Change || a.Timeline[qa.Caller][0].Seq != 1 {
			t.Errorf("order matters: %+v vs %+v", a, b)
		}
		if a.Change <= 0 {
			t.Errorf("caller ended happier but change %v", a.Change)
		}
	})
	t.Run("empty turns weigh half", func(t *testing.T) {
		got := Summarize([]qa.Turn{turn(1, qa.Caller, 0, s, -0.6), turn(2, qa.Caller, 2*s, 3*s, 0)})
		// p = 1/6, 5/6 → weights 4/3, 8/3, the second halved to 4/3.
		if want := -0.6 * (4.0 / 3) / (8.0 / 3); math.Abs(got.Caller.Score-want) > 1e-9 {
			t.Errorf("score %v, want %v", got.Caller.Score, want)
		}
	})
	t.Run("one turn", func(t *testing.T) {
		got := Summarize([]qa.Turn{turn(1, qa.Caller, s, 2*s, -0.7)})
		if got.Caller.Score != -0.7 || got.Caller.Label != qa.Negative || got.Compared {
			t.Errorf("%+v", got)
		}
	})
}

func TestScoreTurns(t *testing.T) {
	l := newTestLexicon(t)
	turns := []qa.Turn{
		{Seq: 1, Speaker: qa.Caller, Text: "This is the third time I'm calling."},
		{Seq: 2, Speaker: qa.Agent, Text: "Let me check that for you."},
		{Seq: 3, Speaker: qa.Caller, Text: "keep", Sentiment: qa.Sentiment{Score: 0.9, Label: qa.Positive}},
		{Seq: 4, Speaker: qa.Caller, Text: "谢谢你，帮了大忙。"},
		{Seq: 5, Speaker: qa.Caller, Text: ""},
	}
	if err := ScoreTurns(context.Background(), l, "", turns); err != nil {
		t.Fatal(err)
	}
	labels := []qa.Label{turns[0].Sentiment.Label, turns[1].Sentiment.Label, turns[2].Sentiment.Label, turns[3].Sentiment.Label, turns[4].Sentiment.Label}
	want := []qa.Label{qa.Negative, qa.Neutral, qa.Positive, qa.Positive, ""}
	for i := range want {
		if labels[i] != want[i] {
			t.Errorf("turn %d: %q, want %q", i+1, labels[i], want[i])
		}
	}
	if turns[2].Sentiment.Score != 0.9 {
		t.Error("ScoreTurns rescored a scored turn")
	}

	failing := ScorerFunc(func(context.Context, string, string) (qa.Sentiment, error) { return qa.Sentiment{}, ErrUnavailable })
	ts := []qa.Turn{{Seq: 7, Text: "hi"}, {Seq: 8, Text: "there"}}
	err := ScoreTurns(context.Background(), failing, "en", ts)
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "turn 7") || !strings.Contains(err.Error(), "turn 8") {
		t.Errorf("error %v, want ErrUnavailable naming turns 7 and 8", err)
	}
}

func TestWithFallback(t *testing.T) {
	good := qa.Sentiment{Score: 0.5, Label: qa.Positive}
	ok := ScorerFunc(func(context.Context, string, string) (qa.Sentiment, error) { return good, nil })
	var primaryCalls int
	fail := ScorerFunc(func(context.Context, string, string) (qa.Sentiment, error) {
		primaryCalls++
		return qa.Sentiment{}, ErrTimeout
	})
	ctx := context.Background()

	if s, err := WithFallback(ok, fail).Score(ctx, "x", ""); err != nil || s != good {
		t.Errorf("primary fine: %v, %v", s, err)
	}
	if s, err := WithFallback(fail, ok).Score(ctx, "x", ""); err != nil || s != good {
		t.Errorf("primary failing: %v, %v", s, err)
	}
	if _, err := WithFallback(fail, fail).Score(ctx, "x", ""); !errors.Is(err, ErrTimeout) {
		t.Errorf("both failing: %v", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	ctxErr := ScorerFunc(func(ctx context.Context, _, _ string) (qa.Sentiment, error) { return qa.Sentiment{}, ctx.Err() })
	if _, err := WithFallback(ctxErr, ok).Score(cancelled, "x", ""); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v, want context.Canceled and no fallback", err)
	}
}
