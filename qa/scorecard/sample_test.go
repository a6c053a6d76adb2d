package scorecard_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/switchboard-voice/switchboard/qa"
	"github.com/switchboard-voice/switchboard/qa/scorecard"
)

// answerString prints an answer compactly: "yes", "full", "30", "na",
// "unanswered".
func answerString(v scorecard.Value) string {
	switch {
	case v.Status != scorecard.Answered:
		return string(v.Status)
	case v.Number != nil:
		return strconv.FormatFloat(*v.Number, 'f', -1, 64)
	case v.Text != "":
		return "text:" + v.Text
	}
	return v.Choice
}

// TestSampleCards scores the sample cards of scorecards/ on the testdata
// calls. The answers and scores were worked out by hand from the
// transcripts (see the comments).
func TestSampleCards(t *testing.T) {
	cards, err := scorecard.LoadDir("../../scorecards")
	if err != nil {
		t.Fatal(err)
	}
	if len(cards) != 2 || cards[0].Name != "agent-calls" || cards[1].Name != "bot-calls" {
		t.Fatalf("cards: %d", len(cards))
	}
	for _, tc := range []struct {
		call, card      string
		score, uncapped float64
		critical        string
		answers         string // question=answer, in card order
	}{
		// Everything right; caller sentiment -0.3 → 0.1.
		{"en_bot_resolved", "bot-calls", 100, 100, "",
			"greeted=yes disclosure=yes identified_intent=yes no_repeated_failures=yes resolution=resolved sentiment_change=0.4 caller_goal=unanswered"},
		// No disclosure (critical). Uncapped: opening 40% × 25 + outcome
		// (handed off: 1 of 2 points, 30 of 60) 30% × 40 = 22.
		{"en_bot_failures", "bot-calls", 0, 22, "disclosure",
			"greeted=yes disclosure=no identified_intent=no no_repeated_failures=no resolution=handed_off sentiment_change=-0.6 caller_goal=unanswered"},
		{"zh_bot_parcel", "bot-calls", 100, 100, "",
			"greeted=yes disclosure=yes identified_intent=yes no_repeated_failures=yes resolution=resolved sentiment_change=0.5 caller_goal=unanswered"},
		// Talk/listen 46.9s / 22.7s = 2.07 earns 1 of 2 points: handling
		// 40 + 15 + 30 = 85, 17 of the card's 20.
		{"en_agent_good", "agent-calls", 97, 97, "",
			"greeting_with_name=yes identity_verified=yes empathy=yes no_forbidden_phrases=yes hold_time=50 talk_listen=2.066 no_talk_over=yes proper_closing=full complaint_handling=full complaint_summary=unanswered"},
		// Two critical failures; only the talk/listen ratio (2.15, 1 point)
		// earns anything: 15% of handling × 20 = 3.
		{"en_agent_poor", "agent-calls", 0, 3, "identity_verified,no_forbidden_phrases",
			"greeting_with_name=no identity_verified=no empathy=no no_forbidden_phrases=no hold_time=180 talk_listen=2.146 no_talk_over=no proper_closing=none complaint_handling=none complaint_summary=unanswered"},
		{"zh_agent_complaint", "agent-calls", 97, 97, "",
			"greeting_with_name=yes identity_verified=yes empathy=yes no_forbidden_phrases=yes hold_time=30.5 talk_listen=2.942 no_talk_over=yes proper_closing=full complaint_handling=full complaint_summary=unanswered"},
	} {
		t.Run(tc.call, func(t *testing.T) {
			call := loadCall(t, tc.call)
			sel := scorecard.Select(cards, call)
			if len(sel) != 1 || sel[0].Name != tc.card {
				t.Fatalf("selected %d cards, want %s", len(sel), tc.card)
			}
			res, err := scorecard.Evaluate(context.Background(), sel[0], call)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, a := range res.Answers {
				got = append(got, a.Question+"="+answerString(a.Auto))
			}
			if g := strings.Join(got, " "); g != tc.answers {
				t.Errorf("answers\n got %s\nwant %s", g, tc.answers)
			}
			if res.Score != tc.score || res.Uncapped != tc.uncapped || strings.Join(res.Critical, ",") != tc.critical {
				t.Errorf("score %v uncapped %v critical %v, want %v %v %s", res.Score, res.Uncapped, res.Critical, tc.score, tc.uncapped, tc.critical)
			}
			if res.NeedsReview {
				t.Error("needs review, though every scored question has a rule")
			}
			if res.SessionID != call.SessionID || res.Card != tc.card || res.CardHash != sel[0].Hash() {
				t.Errorf("result of %s/%s, hash %s", res.Card, res.SessionID, res.CardHash)
			}
		})
	}
}

// TestSampleEvidence checks what a reviewer sees for the poor agent call.
func TestSampleEvidence(t *testing.T) {
	cards, err := scorecard.LoadDir("../../scorecards")
	if err != nil {
		t.Fatal(err)
	}
	res, err := scorecard.Evaluate(context.Background(), cards[0], loadCall(t, "en_agent_poor"))
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]scorecard.Answer{}
	for _, a := range res.Answers {
		byID[a.Question] = a
	}
	var found []string
	for _, ev := range byID["no_forbidden_phrases"].Evidence {
		found = append(found, strconv.Itoa(ev.Seq)+":"+ev.Text)
	}
	if want := []string{"3:Calm down", "5:not my problem", "7:nothing much we can do", "8:whatever"}; !slices.Equal(found, want) {
		t.Errorf("forbidden phrases %q, want %q", found, want)
	}
	hold := byID["hold_time"].Evidence
	if len(hold) != 2 || hold[0].Kind != scorecard.EvidenceMetric || *hold[0].Value != 180 || hold[0].Unit != "s" ||
		hold[1].Kind != scorecard.EvidenceSpan || hold[1].Span.Start.Seconds() != 60 || hold[1].Span.End.Seconds() != 240 {
		t.Errorf("hold evidence %+v", hold)
	}
	if n := byID["no_talk_over"].Note; !strings.Contains(n, "agent talked over caller for 1.5s at 0:11 (turns 2 and 3)") {
		t.Errorf("talk-over note %q", n)
	}
}

// TestDeterministic: the same card and call give byte-identical results,
// also when one card scores many calls at once.
func TestDeterministic(t *testing.T) {
	cards, err := scorecard.LoadDir("../../scorecards")
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"en_agent_good", "en_agent_poor", "zh_agent_complaint"}
	want := map[string]string{}
	for _, n := range names {
		res, err := scorecard.Evaluate(context.Background(), cards[0], loadCall(t, n))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(res)
		want[n] = string(b)
	}
	var wg sync.WaitGroup
	for i := range 12 {
		n := names[i%len(names)]
		call := loadCall(t, n)
		wg.Go(func() {
			res, err := scorecard.Evaluate(context.Background(), cards[0], call)
			if err != nil {
				t.Error(err)
				return
			}
			if b, _ := json.Marshal(res); string(b) != want[n] {
				t.Errorf("%s: result differs:\n%s\n%s", n, b, want[n])
			}
		})
	}
	wg.Wait()
}

// TestEmptyCall: a call without turns scores without failing: phrases are
// absent, undefined metrics make number questions N/A.
func TestEmptyCall(t *testing.T) {
	cards, err := scorecard.LoadDir("../../scorecards")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cards {
		res, err := scorecard.Evaluate(context.Background(), c, &qa.Call{SessionID: "empty", Agent: "x"})
		if errors.Is(err, scorecard.ErrNotApplicable) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, a := range res.Answers {
			got = append(got, a.Question+"="+answerString(a.Auto))
		}
		want := "greeting_with_name=no identity_verified=no empathy=na no_forbidden_phrases=yes hold_time=0 talk_listen=na no_talk_over=yes proper_closing=none complaint_handling=na complaint_summary=na"
		if g := strings.Join(got, " "); g != want || !res.CriticalFailed {
			t.Errorf("%s: %s\nwant %s", c.Name, g, want)
		}
	}
}
