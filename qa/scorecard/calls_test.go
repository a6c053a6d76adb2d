package scorecard_test

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/switchboard-voice/switchboard/qa"
)

// testCall is the compact transcript format of testdata/calls: times in
// seconds, turns numbered in order.
type testCall struct {
	SessionID     string            `yaml:"session_id"`
	Bot           string            `yaml:"bot"`
	Queue         string            `yaml:"queue"`
	Agent         string            `yaml:"agent"`
	Channel       string            `yaml:"channel"`
	Language      string            `yaml:"language"`
	Duration      float64           `yaml:"duration"`
	Outcome       string            `yaml:"outcome"`
	HandoffReason string            `yaml:"handoff_reason"`
	Intents       []string          `yaml:"intents"`
	Slots         map[string]string `yaml:"slots"`
	Holds         [][2]float64      `yaml:"holds"`
	Turns         []struct {
		Who       qa.Speaker `yaml:"who"`
		At        float64    `yaml:"at"`
		To        float64    `yaml:"to"`
		Text      string     `yaml:"text"`
		Intent    string     `yaml:"intent"`
		Failed    bool       `yaml:"failed"`
		Prompt    string     `yaml:"prompt"`
		Sentiment *float64   `yaml:"sentiment"`
		Words     [][3]any   `yaml:"words"`
	} `yaml:"turns"`
}

func sec(f float64) time.Duration { return time.Duration(math.Round(f * float64(time.Second))) }

// loadCall reads testdata/calls/<name>.yaml.
func loadCall(tb testing.TB, name string) *qa.Call {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "calls", name+".yaml"))
	if err != nil {
		tb.Fatal(err)
	}
	var tc testCall
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&tc); err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	c := &qa.Call{
		SessionID: tc.SessionID, Bot: tc.Bot, Queue: tc.Queue, Agent: tc.Agent, Channel: tc.Channel,
		Language: tc.Language, Duration: sec(tc.Duration), Outcome: tc.Outcome, HandoffReason: tc.HandoffReason,
		Intents: tc.Intents, Slots: tc.Slots,
		StartedAt: time.Date(2025, 5, 2, 9, 30, 0, 0, time.UTC),
	}
	for _, h := range tc.Holds {
		c.Holds = append(c.Holds, qa.Span{Start: sec(h[0]), End: sec(h[1])})
	}
	for i, t := range tc.Turns {
		turn := qa.Turn{Seq: i + 1, Speaker: t.Who, Text: t.Text, Start: sec(t.At), End: sec(t.To),
			Intent: t.Intent, Failed: t.Failed, Prompt: t.Prompt}
		if t.Sentiment != nil {
			turn.Sentiment = qa.Sentiment{Score: *t.Sentiment, Label: label(*t.Sentiment)}
		}
		for _, w := range t.Words {
			turn.Words = append(turn.Words, qa.Word{Text: w[0].(string), Start: sec(num(w[1])), End: sec(num(w[2]))})
		}
		c.Turns = append(c.Turns, turn)
	}
	return c
}

func num(v any) float64 {
	switch x := v.(type) {
	case int:
		return float64(x)
	case float64:
		return x
	}
	panic("not a number")
}

func label(s float64) qa.Label {
	switch {
	case s <= -0.25:
		return qa.Negative
	case s >= 0.25:
		return qa.Positive
	}
	return qa.Neutral
}
