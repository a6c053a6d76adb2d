package review_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/qa/review"
	"github.com/switchboard-voice/switchboard/qa/review/reviewtest"
	"github.com/switchboard-voice/switchboard/qa/scorecard"
	"github.com/switchboard-voice/switchboard/store"
)

func scored(t *testing.T) *reviewtest.Fixture {
	t.Helper()
	f := reviewtest.New(t)
	for _, id := range []string{reviewtest.BotCall, reviewtest.AgentCall} {
		if err := f.Service.Score(context.Background(), id); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func TestOverride(t *testing.T) {
	f := scored(t)
	ctx := context.Background()
	res, err := f.Service.Override(ctx, review.OverrideRequest{SessionID: reviewtest.AgentCall, Scorecard: "agent-calls",
		Question: "proper_closing", Answer: "full", Comment: "offered more help before the recording starts", Reviewer: "qa-lead"})
	if err != nil {
		t.Fatal(err)
	}
	a := answer(t, res, "proper_closing")
	if res.Score != 100 || a.Override == nil || a.Override.Value.Choice != "full" || a.Auto.Choice != "partial" {
		t.Fatalf("rescored %v, answer %+v", res.Score, a)
	}
	if s, _ := f.Store.Session(ctx, reviewtest.AgentCall); *s.Score != 100 {
		t.Errorf("session score %v after the override", *s.Score)
	}
	stored := results(t, f, reviewtest.AgentCall)["agent-calls"]
	if stored.Score != 100 || answer(t, stored, "proper_closing").Override == nil {
		t.Errorf("stored result not rescored: %v", stored.Score)
	}
	ovs, _ := f.Service.Overrides(ctx, reviewtest.AgentCall)
	if len(ovs) != 1 || ovs[0].Answer != "full" || ovs[0].Auto != "partial" || ovs[0].Reviewer != "qa-lead" {
		t.Errorf("overrides %+v", ovs)
	}
	// A later override of the same question counts, not both.
	res, err = f.Service.Override(ctx, review.OverrideRequest{SessionID: reviewtest.AgentCall, Scorecard: "agent-calls",
		Question: "proper_closing", Answer: "none", Reviewer: "qa-lead"})
	if err != nil || res.Score != 90 {
		t.Fatalf("second override: %v %v", res.Score, err)
	}
	// A number and N/A.
	if res, err = f.Service.Override(ctx, review.OverrideRequest{SessionID: reviewtest.AgentCall, Scorecard: "agent-calls",
		Question: "hold_time", Answer: "200", Reviewer: "qa-lead"}); err != nil || answer(t, res, "hold_time").Points != 0 {
		t.Fatalf("number override: %v", err)
	}
	if _, err = f.Service.Override(ctx, review.OverrideRequest{SessionID: reviewtest.AgentCall, Scorecard: "agent-calls",
		Question: "complaint_handling", Answer: "N/A", Reviewer: "qa-lead"}); err != nil {
		t.Fatalf("N/A override: %v", err)
	}

	bad := []struct {
		name string
		req  review.OverrideRequest
		want error
	}{
		{"unknown option", review.OverrideRequest{Scorecard: "agent-calls", Question: "proper_closing", Answer: "maybe", Reviewer: "r"}, scorecard.ErrInvalid},
		{"yes/no", review.OverrideRequest{Scorecard: "agent-calls", Question: "empathy", Answer: "perhaps", Reviewer: "r"}, scorecard.ErrInvalid},
		{"not a number", review.OverrideRequest{Scorecard: "agent-calls", Question: "hold_time", Answer: "long", Reviewer: "r"}, scorecard.ErrInvalid},
		{"unknown question", review.OverrideRequest{Scorecard: "agent-calls", Question: "nope", Answer: "yes", Reviewer: "r"}, scorecard.ErrInvalid},
		{"empty answer", review.OverrideRequest{Scorecard: "agent-calls", Question: "empathy", Answer: " ", Reviewer: "r"}, scorecard.ErrInvalid},
		{"no reviewer", review.OverrideRequest{Scorecard: "agent-calls", Question: "empathy", Answer: "yes"}, review.ErrInvalid},
		{"card not scored", review.OverrideRequest{Scorecard: "bot-calls", Question: "greeted", Answer: "yes", Reviewer: "r"}, review.ErrNoResult},
		{"unknown session", review.OverrideRequest{SessionID: "nope", Scorecard: "agent-calls", Question: "empathy", Answer: "yes", Reviewer: "r"}, store.ErrNotFound},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if tt.req.SessionID == "" {
				tt.req.SessionID = reviewtest.AgentCall
			}
			if _, err := f.Service.Override(ctx, tt.req); !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}

	ag, err := f.Service.Agreement(ctx, "agent-calls")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]scorecard.QuestionAgreement{}
	for _, a := range ag {
		got[a.Question] = a
	}
	if a := got["proper_closing"]; a.Reviewed != 1 || a.Agreed != 0 || a.Rate != 0 {
		t.Errorf("proper_closing agreement %+v", a)
	}
	if a := got["hold_time"]; a.Reviewed != 1 || a.Agreed != 0 {
		t.Errorf("hold_time agreement %+v", a)
	}
	if len(ag) != 3 {
		t.Errorf("agreement on %d questions, want 3: %+v", len(ag), ag)
	}
}

func TestComments(t *testing.T) {
	f := scored(t)
	ctx := context.Background()
	c, err := f.Service.AddComment(ctx, reviewtest.BotCall, "qa-lead", "caller read out 4111 1111 1111 1111 again")
	if err != nil {
		t.Fatal(err)
	}
	if c.Text != "caller read out **** **** **** 1111 again" || c.ID == 0 {
		t.Errorf("comment %+v", c)
	}
	cs, err := f.Service.Comments(ctx, reviewtest.BotCall)
	if err != nil || len(cs) != 1 || cs[0].Text != c.Text {
		t.Errorf("comments %+v %v", cs, err)
	}
	// Comments are not overrides and do not touch the score.
	if ovs, _ := f.Service.Overrides(ctx, reviewtest.BotCall); len(ovs) != 0 {
		t.Errorf("overrides %+v", ovs)
	}
	if s, _ := f.Service.PrimaryScore(ctx, reviewtest.BotCall); s == nil || *s != 100 {
		t.Errorf("primary score %v", s)
	}
	for _, tt := range []struct{ reviewer, text string }{{"", "x"}, {"r", "  "}, {"r", string(make([]byte, review.MaxCommentRunes+1))}} {
		if _, err := f.Service.AddComment(ctx, reviewtest.BotCall, tt.reviewer, tt.text); !errors.Is(err, review.ErrInvalid) {
			t.Errorf("AddComment(%q, %d chars): %v", tt.reviewer, len(tt.text), err)
		}
	}
	if _, err := f.Service.AddComment(ctx, "nope", "r", "x"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown session: %v", err)
	}
}

// TestRescore publishes a new version of the agent card in which the
// closing's options are renamed: the override "full" no longer fits and
// is reported; the calls are scored with the new version.
func TestRescore(t *testing.T) {
	f := scored(t)
	ctx := context.Background()
	if _, err := f.Service.Override(ctx, review.OverrideRequest{SessionID: reviewtest.AgentCall, Scorecard: "agent-calls",
		Question: "proper_closing", Answer: "full", Reviewer: "qa-lead"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Service.Override(ctx, review.OverrideRequest{SessionID: reviewtest.AgentCall, Scorecard: "agent-calls",
		Question: "empathy", Answer: "no", Reviewer: "qa-lead"}); err != nil {
		t.Fatal(err)
	}
	card, err := scorecard.ParseFile(f.Cards + "/agent-calls.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for i := range card.Sections {
		for j := range card.Sections[i].Questions {
			q := &card.Sections[i].Questions[j]
			if q.ID != "proper_closing" {
				continue
			}
			q.Options[0].ID = "complete"
			q.Choose[0].Option = "complete"
		}
	}
	if err := card.Validate(); err != nil {
		t.Fatal(err)
	}
	def, _ := card.JSON()
	if v, err := f.Store.PublishScorecard(ctx, "agent-calls", def, "rename full"); err != nil || v != 2 {
		t.Fatalf("publish: %d %v", v, err)
	}

	var calls, lastDone, lastTotal int
	rep, err := f.Service.Rescore(ctx, review.RescoreOptions{Since: reviewtest.Day, Until: reviewtest.Day.Add(time.Hour)},
		func(done, total int) { calls, lastDone, lastTotal = calls+1, done, total })
	if err != nil {
		t.Fatal(err)
	}
	if calls != 2 || lastDone != 2 || lastTotal != 2 {
		t.Errorf("progress called %d times, last %d/%d", calls, lastDone, lastTotal)
	}
	if rep.Sessions != 2 || rep.Results != 2 || len(rep.Failed) != 0 || rep.NotApplicable != 0 {
		t.Errorf("report %+v", rep)
	}
	if len(rep.Stale) != 1 || rep.Stale[0].Question != "proper_closing" || rep.Stale[0].Answer != "full" || rep.Stale[0].SessionID != reviewtest.AgentCall {
		t.Errorf("stale overrides %+v", rep.Stale)
	}
	// The agent call: v2, the empathy override still applied (0 of 40% of
	// the 30% conduct section), the closing back to the automatic
	// "partial": 100 - 12 - 5 = 83.
	ar := results(t, f, reviewtest.AgentCall)["agent-calls"]
	if ar.CardVersion != 2 || ar.Score != 83 || answer(t, ar, "proper_closing").Override != nil || answer(t, ar, "empathy").Override == nil {
		t.Errorf("agent call after rescore: v%d score %v", ar.CardVersion, ar.Score)
	}
	var agent CardRescoreView
	for _, c := range rep.Cards {
		if c.Name == "agent-calls" {
			agent = CardRescoreView(c)
		}
	}
	if agent.Version != 2 || agent.Results != 1 || agent.Changed != 1 || agent.MeanBefore != 88 || agent.MeanAfter != 83 {
		t.Errorf("agent-calls figures %+v", agent)
	}
	if s, _ := f.Store.Session(ctx, reviewtest.AgentCall); *s.Score != 83 {
		t.Errorf("session score %v", *s.Score)
	}

	// One card only.
	rep, err = f.Service.Rescore(ctx, review.RescoreOptions{Since: reviewtest.Day, Until: reviewtest.Day.Add(time.Hour), Scorecard: "bot-calls"}, nil)
	if err != nil || rep.Results != 1 || rep.NotApplicable != 1 || rep.Changed != 0 {
		t.Errorf("bot-calls rescore %+v %v", rep, err)
	}
	// An empty range, an unknown card, a range backwards.
	if rep, err := f.Service.Rescore(ctx, review.RescoreOptions{Since: reviewtest.Day.Add(-time.Hour), Until: reviewtest.Day}, nil); err != nil || rep.Sessions != 0 {
		t.Errorf("empty range %+v %v", rep, err)
	}
	if _, err := f.Service.Rescore(ctx, review.RescoreOptions{Since: reviewtest.Day, Scorecard: "nope"}, nil); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown card: %v", err)
	}
	if _, err := f.Service.Rescore(ctx, review.RescoreOptions{Since: reviewtest.Day, Until: reviewtest.Day.Add(-time.Hour)}, nil); !errors.Is(err, review.ErrInvalid) {
		t.Errorf("backwards: %v", err)
	}
}

// CardRescoreView names review.CardRescore in the test.
type CardRescoreView review.CardRescore

// TestRescoreStops checks a cancelled rescore stops with ctx's error.
func TestRescoreStops(t *testing.T) {
	f := scored(t)
	ctx, cancel := context.WithCancel(context.Background())
	_, err := f.Service.Rescore(ctx, review.RescoreOptions{Since: reviewtest.Day}, func(done, total int) { cancel() })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v", err)
	}
}
