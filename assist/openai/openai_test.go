package openai_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/assist"
	"github.com/switchboard-voice/switchboard/assist/openai"
	"github.com/switchboard-voice/switchboard/internal/openaitest"
)

func TestReply(t *testing.T) {
	srv := openaitest.New(t)
	r, err := openai.New(openai.Config{BaseURL: srv.URL(), Model: "m", Timeout: 500 * time.Millisecond, HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	req := assist.ReplyRequest{Language: "en", Utterance: "my card was stolen",
		Articles: []assist.Article{{ID: "lost-card", Title: "Lost card", Body: "Block it in the app. A new card takes five days."}}}
	srv.Enqueue(openaitest.Reply{Text: "I can block it for you now; a new card arrives in five days."})
	got, err := r.Reply(context.Background(), req)
	if err != nil || !strings.Contains(got, "five days") {
		t.Fatalf("reply %q %v", got, err)
	}
	body := string(srv.LastRequest().Body)
	if !strings.Contains(body, "Block it in the app") || !strings.Contains(body, "my card was stolen") {
		t.Errorf("the prompt lacks the article or the utterance: %s", body)
	}
	for _, tc := range []struct {
		reply openaitest.Reply
		want  error
	}{
		{openaitest.Reply{Status: 500}, openai.ErrUnavailable},
		{openaitest.Reply{Delay: 2 * time.Second, Text: "late"}, openai.ErrTimeout},
		{openaitest.Reply{Text: "   "}, openai.ErrEmpty},
	} {
		srv.Enqueue(tc.reply)
		if _, err := r.Reply(context.Background(), req); !errors.Is(err, tc.want) {
			t.Errorf("%+v: error %v, want %v", tc.reply, err, tc.want)
		}
	}
	if _, err := openai.New(openai.Config{BaseURL: "ftp://x", Model: "m"}); err == nil {
		t.Error("bad base URL accepted")
	}
}

func TestSummarize(t *testing.T) {
	srv := openaitest.New(t)
	r, err := openai.New(openai.Config{BaseURL: srv.URL(), Model: "m", HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	srv.Enqueue(openaitest.Reply{Text: "Card stolen; blocked; replacement in five days."})
	got, err := r.Summarize(context.Background(), assist.SummaryRequest{Handoff: assist.Handoff{Summary: "lost card", Slots: map[string]string{"last4": "4821"}},
		Transcript: []assist.Segment{{Speaker: "caller", Text: "my card was stolen", Final: true}}})
	if err != nil || !strings.Contains(got, "replacement") {
		t.Fatalf("summary %q %v", got, err)
	}
	if body := string(srv.LastRequest().Body); !strings.Contains(body, "my card was stolen") || !strings.Contains(body, "4821") {
		t.Errorf("the prompt lacks the conversation: %s", body)
	}
	srv.Enqueue(openaitest.Reply{Status: 503})
	if _, err := r.Summarize(context.Background(), assist.SummaryRequest{}); !errors.Is(err, openai.ErrUnavailable) {
		t.Errorf("503: %v", err)
	}
}
