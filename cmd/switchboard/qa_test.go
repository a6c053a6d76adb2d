package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/qa/review"
	"github.com/switchboard-voice/switchboard/qa/review/reviewtest"
)

// qaConfig writes a configuration naming the fixture's database and
// recordings.
func qaConfig(t *testing.T, f *reviewtest.Fixture) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "switchboard.yaml")
	cfg := "data_dir: " + filepath.Dir(f.DBPath) + "\ndatabase: {driver: sqlite, dsn: " + f.DBPath + "}\nrecording: {enabled: true, dir: " + f.RecDir + "}\n"
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestQAScoreRescoreAgreement(t *testing.T) {
	f := reviewtest.New(t)
	cfg := qaConfig(t, f)

	code, out, errOut := runCmd(t, "", "qa", "score", "--config", cfg, "--session", reviewtest.AgentCall)
	if code != 0 || !strings.Contains(out, "agent-calls v1 score 95.00") {
		t.Fatalf("score: %d %q %q", code, out, errOut)
	}
	if _, err := os.Stat(review.RedactedPath(f.Recording)); err == nil {
		t.Error("scoring the agent call redacted the bot call's recording")
	}
	if code, out, errOut = runCmd(t, "", "qa", "score", "--config", cfg, "--session", reviewtest.BotCall); code != 0 || !strings.Contains(out, "bot-calls v1 score 100.00") {
		t.Fatalf("score: %d %q %q", code, out, errOut)
	}
	if _, err := os.Stat(review.RedactedPath(f.Recording)); err != nil {
		t.Errorf("no redacted recording: %v", err)
	}
	if _, err := f.Service.Override(context.Background(), review.OverrideRequest{SessionID: reviewtest.AgentCall, Scorecard: "agent-calls",
		Question: "proper_closing", Answer: "full", Reviewer: "qa-lead"}); err != nil {
		t.Fatal(err)
	}

	code, out, errOut = runCmd(t, "", "qa", "rescore", "--config", cfg, "--since", "2026-03-02", "--until", "2026-03-02")
	if code != 0 {
		t.Fatalf("rescore: %d %q %q", code, out, errOut)
	}
	for _, want := range []string{"2 calls rescored", "2 results saved, 0 changed", "agent-calls", "100.00 (1)"} {
		if !strings.Contains(out, want) {
			t.Errorf("rescore report lacks %q:\n%s", want, out)
		}
	}
	// stderr is not a terminal: plain progress lines.
	if !strings.Contains(errOut, "rescoring: 2/2 calls (100%)\n") || strings.Contains(errOut, "\r") {
		t.Errorf("progress %q", errOut)
	}
	code, out, _ = runCmd(t, "", "qa", "rescore", "--config", cfg, "--since", "2026-03-02T00:00:00Z", "--scorecard", "bot-calls", "--json")
	var rep struct {
		Sessions int `json:"sessions"`
		Results  int `json:"results"`
		Cards    []struct {
			Name string `json:"name"`
		} `json:"cards"`
	}
	if err := json.Unmarshal([]byte(out), &rep); code != 0 || err != nil || rep.Sessions != 2 || rep.Results != 1 || len(rep.Cards) != 1 || rep.Cards[0].Name != "bot-calls" {
		t.Errorf("rescore --json: %d %v %q", code, err, out)
	}

	code, out, _ = runCmd(t, "", "qa", "agreement", "--config", cfg)
	if code != 0 || !strings.Contains(out, "proper_closing") || !strings.Contains(out, "0%") {
		t.Errorf("agreement: %d %q", code, out)
	}
	code, out, _ = runCmd(t, "", "qa", "agreement", "--config", cfg, "--json")
	var ag []struct {
		Question string `json:"question"`
		Reviewed int    `json:"reviewed"`
	}
	if err := json.Unmarshal([]byte(out), &ag); code != 0 || err != nil || len(ag) != 1 || ag[0].Question != "proper_closing" || ag[0].Reviewed != 1 {
		t.Errorf("agreement --json: %d %v %q", code, err, out)
	}
}

func TestQABadUsage(t *testing.T) {
	f := reviewtest.New(t)
	cfg := qaConfig(t, f)
	tests := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"qa"}, 2, "Usage"},
		{[]string{"qa", "nope"}, 2, "Usage"},
		{[]string{"qa", "rescore", "--config", cfg}, 2, "Usage"},
		{[]string{"qa", "rescore", "--config", cfg, "--since", "monday"}, 2, ""},
		{[]string{"qa", "rescore", "--config", cfg, "--since", "2026-03-02", "--tz", "Mars/Base"}, 2, ""},
		{[]string{"qa", "rescore", "--config", cfg, "--since", "2026-03-02", "--scorecard", "nope"}, 1, "not found"},
		{[]string{"qa", "rescore", "--config", cfg, "--since", "2026-03-05", "--until", "2026-03-01"}, 1, "not before"},
		{[]string{"qa", "score", "--config", cfg}, 2, "Usage"},
		{[]string{"qa", "score", "--config", cfg, "--session", "nope"}, 1, "not found"},
		{[]string{"qa", "score", "--config", cfg, "--session", reviewtest.BotCall, "--scorecards", "/nonexistent"}, 1, ""},
		{[]string{"qa", "score", "--config", cfg, "--session", reviewtest.BotCall, "--llm"}, 2, ""},
	}
	for _, tt := range tests {
		code, _, errOut := runCmd(t, "", tt.args...)
		if code != tt.code || !strings.Contains(errOut, tt.msg) {
			t.Errorf("%v: code %d, stderr %q; want %d and %q", tt.args, code, errOut, tt.code, tt.msg)
		}
	}
}

func TestProgressBar(t *testing.T) {
	var b bytes.Buffer
	p := newProgress(&b, "rescoring", true)
	now := p.start
	p.now = func() time.Time { return now }
	for i := 1; i <= 4; i++ {
		now = now.Add(time.Second)
		p.update(i, 4)
	}
	p.done()
	got := b.String()
	if !strings.Contains(got, "\rrescoring [###############...............] 2/4  50% 1.0 calls/s ETA 0:02 ") ||
		!strings.HasSuffix(got, "4/4 100% 1.0 calls/s ETA 0:00 \n") {
		t.Errorf("bar %q", got)
	}
	b.Reset()
	p = newProgress(&b, "rescoring", false)
	for i := 1; i <= 20; i++ {
		p.update(i, 20)
	}
	if lines := strings.Count(b.String(), "\n"); lines != 10 || !strings.HasPrefix(b.String(), "rescoring: 2/20 calls (10%)\n") {
		t.Errorf("plain progress %q", b.String())
	}
}
