package review_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/qa"
	"github.com/switchboard-voice/switchboard/qa/redact"
	"github.com/switchboard-voice/switchboard/qa/review"
	"github.com/switchboard-voice/switchboard/qa/review/reviewtest"
	"github.com/switchboard-voice/switchboard/qa/scorecard"
	"github.com/switchboard-voice/switchboard/store"
)

func results(t *testing.T, f *reviewtest.Fixture, id string) map[string]scorecard.Result {
	t.Helper()
	rs, err := f.Service.Results(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]scorecard.Result{}
	for _, r := range rs {
		out[r.Card] = r
	}
	return out
}

func answer(t *testing.T, r scorecard.Result, q string) scorecard.Answer {
	t.Helper()
	for _, a := range r.Answers {
		if a.Question == q {
			return a
		}
	}
	t.Fatalf("no answer to %s in %s", q, r.Card)
	return scorecard.Answer{}
}

func TestCallFor(t *testing.T) {
	f := reviewtest.New(t)
	call, err := f.Service.CallFor(context.Background(), reviewtest.BotCall)
	if err != nil {
		t.Fatal(err)
	}
	if len(call.Turns) != len(reviewtest.BotCallTurns) {
		t.Fatalf("%d turns", len(call.Turns))
	}
	tests := []struct {
		seq        int
		start, end time.Duration
		prompt     string
		failed     bool
		intent     string
	}{
		// The greeting played the disclosure step too: the step is named.
		{1, 0, 4 * time.Second, "disclosure_recording", false, ""},
		{2, 4 * time.Second, 6 * time.Second, "", false, "pay_bill"},
		// Bot turns end when the next turn starts, or after their text.
		{3, 6500 * time.Millisecond, 8500 * time.Millisecond, "ask_card", false, ""},
		{4, 8500 * time.Millisecond, 10 * time.Second, "fallback", true, ""},
		{5, 10 * time.Second, 15 * time.Second, "", false, ""},
		{8, 22 * time.Second, 24 * time.Second, "goodbye", false, ""},
	}
	for _, tt := range tests {
		got := call.Turns[tt.seq-1]
		if got.Seq != tt.seq || got.Start != tt.start || got.End != tt.end || got.Prompt != tt.prompt || got.Failed != tt.failed || got.Intent != tt.intent {
			t.Errorf("turn %d: seq %d %v-%v prompt %q failed %v intent %q; want %v-%v %q %v %q", tt.seq, got.Seq, got.Start, got.End,
				got.Prompt, got.Failed, got.Intent, tt.start, tt.end, tt.prompt, tt.failed, tt.intent)
		}
	}
	if call.Duration != 25*time.Second || call.Outcome != "resolved" || call.Slots["amount"] != "20" ||
		strings.Join(call.Intents, ",") != "pay_bill" || call.Bot != reviewtest.Bot || call.CallID != reviewtest.BotCallID {
		t.Errorf("call %+v", call)
	}
	agent, err := f.Service.CallFor(context.Background(), reviewtest.AgentCall)
	if err != nil {
		t.Fatal(err)
	}
	if agent.Agent != "alice" || agent.Queue != "billing" || agent.HandoffReason != "intent complaint" || agent.Duration != 42*time.Second {
		t.Errorf("agent call %+v", agent)
	}
	if agent.Turns[2].Prompt != "handoff" {
		t.Errorf("handoff prompt %q", agent.Turns[2].Prompt)
	}
	if _, err := f.Service.CallFor(context.Background(), "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown session: %v", err)
	}
}

// TestScore scores the bot call and the agent call end to end and checks
// the answers, their evidence, the session summary and that no card
// number is kept anywhere.
func TestScore(t *testing.T) {
	f := reviewtest.New(t)
	ctx := context.Background()
	for _, id := range []string{reviewtest.BotCall, reviewtest.AgentCall} {
		if err := f.Service.Score(ctx, id); err != nil {
			t.Fatalf("score %s: %v", id, err)
		}
	}

	bot := results(t, f, reviewtest.BotCall)
	if len(bot) != 1 {
		t.Fatalf("bot call results: %v", bot)
	}
	br := bot["bot-calls"]
	if br.Score != 100 || br.CriticalFailed || br.CardVersion != 1 {
		t.Errorf("bot-calls score %v (critical %v, version %d)", br.Score, br.CriticalFailed, br.CardVersion)
	}
	for q, want := range map[string]string{"greeted": "yes", "disclosure": "yes", "identified_intent": "yes", "no_repeated_failures": "yes", "resolution": "resolved"} {
		if got := answer(t, br, q).Auto.Choice; got != want {
			t.Errorf("bot-calls %s = %q, want %q", q, got, want)
		}
	}
	disc := answer(t, br, "disclosure")
	if len(disc.Evidence) == 0 || disc.Evidence[0].Seq != 1 || disc.Evidence[0].Span == nil {
		t.Errorf("disclosure evidence %+v", disc.Evidence)
	}

	agent := results(t, f, reviewtest.AgentCall)
	ar, ok := agent["agent-calls"]
	if !ok || len(agent) != 1 {
		t.Fatalf("agent call results: %v", agent)
	}
	// Everything earns full points but the closing: goodbye without
	// offering more help is "partial" (1 of 2 points of a 10% section).
	if ar.Score != 95 {
		t.Errorf("agent-calls score %v, want 95", ar.Score)
	}
	for q, want := range map[string]string{"greeting_with_name": "yes", "identity_verified": "yes", "empathy": "yes",
		"no_forbidden_phrases": "yes", "proper_closing": "partial", "complaint_handling": "full"} {
		if got := answer(t, ar, q).Auto.Choice; got != want {
			t.Errorf("agent-calls %s = %q, want %q", q, got, want)
		}
	}
	greet := answer(t, ar, "greeting_with_name")
	if len(greet.Evidence) == 0 || greet.Evidence[0].Seq != 4 || greet.Evidence[0].Span == nil ||
		greet.Evidence[0].Span.Start < 15*time.Second || greet.Evidence[0].Span.End > 18*time.Second {
		t.Errorf("greeting evidence %+v", greet.Evidence)
	}

	for _, id := range []string{reviewtest.BotCall, reviewtest.AgentCall} {
		s, err := f.Store.Session(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if s.Score == nil || s.Sentiment == nil {
			t.Fatalf("%s: summary not set: score %v sentiment %v", id, s.Score, s.Sentiment)
		}
		turns, _ := f.Store.Turns(ctx, id)
		for _, tu := range turns {
			if tu.SentimentLabel == "" {
				t.Errorf("%s turn %d has no sentiment", id, tu.Seq)
			}
		}
	}
	s, _ := f.Store.Session(ctx, reviewtest.AgentCall)
	if *s.Score != 95 || *s.Sentiment >= 0 {
		t.Errorf("agent call summary: score %v, caller sentiment %v (the caller was upset)", *s.Score, *s.Sentiment)
	}

	// Nothing stored by QA holds the card number.
	stored, _ := f.Store.QAResults(ctx, reviewtest.BotCall)
	for _, r := range stored {
		if strings.Contains(string(r.Result), "4111") && strings.Contains(strings.ReplaceAll(string(r.Result), " ", ""), "4111111111111111") {
			t.Errorf("result of %s holds the card number", r.Scorecard)
		}
	}
}

// TestRedactedRecording checks the redacted copy: the stretch where the
// card number is said is silent on both channels, every other sample is
// the original's.
func TestRedactedRecording(t *testing.T) {
	f := reviewtest.New(t)
	ctx := context.Background()
	if err := f.Service.Score(ctx, reviewtest.BotCall); err != nil {
		t.Fatal(err)
	}
	orig, red, err := review.Recording(f.RecDir, reviewtest.BotCallID)
	if err != nil || orig != f.Recording || red != review.RedactedPath(f.Recording) {
		t.Fatalf("Recording: %q %q %v", orig, red, err)
	}
	a := readStereo(t, orig)
	b := readStereo(t, red)
	if len(a) != len(b) {
		t.Fatalf("lengths %d and %d", len(a), len(b))
	}
	// Where the redactor says the card number is.
	call, _ := f.Service.CallFor(ctx, reviewtest.BotCall)
	ranges := f.Service.Redactor().Call(call).Audio
	if len(ranges) == 0 {
		t.Fatal("nothing to silence")
	}
	turn := call.Turns[reviewtest.CardTurn-1]
	// A range silences the frames from the one it starts in to the one
	// it ends in.
	silent := func(i int) bool {
		frame := float64(i / 2)
		for _, r := range ranges {
			if frame >= math.Floor(r.Start.Seconds()*8000) && frame < math.Ceil(r.End.Seconds()*8000) {
				return true
			}
		}
		return false
	}
	var zeroed int
	for i := range a {
		switch {
		case silent(i):
			if b[i] != 0 {
				t.Fatalf("sample %d (%v) not silenced", i, time.Duration(i/2)*time.Second/8000)
			}
			zeroed++
		case a[i] != b[i]:
			t.Fatalf("sample %d changed outside the ranges", i)
		}
	}
	for _, r := range ranges {
		if r.Channel != redact.Both || r.Start < turn.Start-time.Second || r.End > turn.End+time.Second {
			t.Errorf("range %+v outside the card turn %v-%v", r, turn.Start, turn.End)
		}
	}
	// The digits take most of the turn: at least 2 s of audio, both
	// channels.
	if zeroed < 2*8000*2 {
		t.Errorf("only %d samples silenced", zeroed)
	}
	// Served: the redacted copy.
	p, err := f.Service.RecordingFile(ctx, reviewtest.BotCall)
	if err != nil || p != red {
		t.Errorf("RecordingFile %q %v", p, err)
	}
	if _, err := f.Service.RecordingFile(ctx, reviewtest.AgentCall); !errors.Is(err, review.ErrNoRecording) {
		t.Errorf("agent call recording: %v", err)
	}
}

// TestRecordingFileRedactsOnDemand serves a recording of a call not yet
// scored: its redacted copy is made first.
func TestRecordingFileRedactsOnDemand(t *testing.T) {
	f := reviewtest.New(t)
	p, err := f.Service.RecordingFile(context.Background(), reviewtest.BotCall)
	if err != nil || p != review.RedactedPath(f.Recording) {
		t.Fatalf("RecordingFile %q %v", p, err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatal(err)
	}
}

func readStereo(t *testing.T, path string) []int16 {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	pcm, rate, ch, err := media.ReadWAV(fh)
	if err != nil || rate != 8000 || ch != 2 {
		t.Fatalf("%s: rate %d channels %d: %v", path, rate, ch, err)
	}
	return pcm
}

var _ = json.Marshal
var _ qa.Call
