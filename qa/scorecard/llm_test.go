package scorecard_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/switchboard-voice/switchboard/qa/scorecard"
)

const llmCard = `name: llm
sections:
  - id: s
    weight: 100
    questions:
      - id: empathy
        text: Did the agent acknowledge the caller's frustration?
        type: yes_no
        weight: 50
        llm: {instructions: Look for an apology or empathy.}
        rule: {said: {phrases: [sorry], speaker: agent}}
      - id: tone
        text: How was the agent's tone?
        help: Judge the whole call.
        type: choice
        weight: 50
        allow_na: true
        options:
          - {id: warm, label: Warm and polite, points: 2}
          - {id: neutral, points: 1}
          - {id: cold, points: 0}
        llm: true
  - id: notes
    questions:
      - id: summary
        text: What did the caller want?
        type: text
        llm: true
`

// scripted answers each question from a map and records the requests.
type scripted struct {
	mu      sync.Mutex
	replies map[string]scorecard.LLMReply
	errs    map[string]error
	reqs    []scorecard.LLMRequest
}

func (s *scripted) Answer(_ context.Context, req scorecard.LLMRequest) (scorecard.LLMReply, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs = append(s.reqs, req)
	if err := s.errs[req.Question]; err != nil {
		return scorecard.LLMReply{}, err
	}
	r, ok := s.replies[req.Question]
	if !ok {
		return scorecard.LLMReply{}, fmt.Errorf("%w: no reply scripted", scorecard.ErrLLMUnavailable)
	}
	return r, nil
}

var goodReplies = map[string]scorecard.LLMReply{
	"empathy": {Answer: "yes", Quote: "I'm really sorry about that", Reason: "The agent apologised."},
	"tone":    {Answer: "warm", Quote: "[1] agent 0:00: Hi, thank you for holding, my name is Maya.", Reason: "Polite throughout."},
	"summary": {Answer: "A refund of a double charge.", Quote: "I've been charged twice for the same purchase", Reason: "Turn 2."},
}

func withReplies(change map[string]scorecard.LLMReply) map[string]scorecard.LLMReply {
	out := map[string]scorecard.LLMReply{}
	for k, v := range goodReplies {
		out[k] = v
	}
	for k, v := range change {
		out[k] = v
	}
	return out
}

func TestLLMAnswers(t *testing.T) {
	c, err := scorecard.Parse("llm.yaml", []byte(llmCard))
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		answer   string // answerString
		source   scorecard.Source
		accepted bool
		seq      int    // the evidence's turn
		text     string // the evidence's words
		note     string
	}
	for _, tc := range []struct {
		name    string
		replies map[string]scorecard.LLMReply
		errs    map[string]error
		want    map[string]want
		score   float64
		review  bool
	}{
		{name: "verified answers", replies: goodReplies, score: 100, want: map[string]want{
			"empathy": {"yes", scorecard.SourceLLM, true, 3, "I'm really sorry about that", `LLM: agent said "I'm really sorry about that" at 0:13 (turn 3): The agent apologised.`},
			"tone":    {"warm", scorecard.SourceLLM, true, 1, "Hi, thank you for holding, my name is Maya", ""},
			"summary": {"text:A refund of a double charge.", scorecard.SourceLLM, true, 2, "I've been charged twice for the same purchase", ""},
		}},
		{name: "choice given by its label, quote with an ellipsis",
			replies: withReplies(map[string]scorecard.LLMReply{
				"tone":    {Answer: "Warm and polite", Quote: "thank you for holding … How can I help you today?"},
				"empathy": {Answer: " Yes.", Quote: "\u201cI\u2019m REALLY sorry about that!\u201d"},
			}),
			score: 100, want: map[string]want{
				"tone":    {"warm", scorecard.SourceLLM, true, 1, "thank you for holding, my name is Maya. How can I help you today", ""},
				"empathy": {"yes", scorecard.SourceLLM, true, 3, "I'm really sorry about that", ""},
			}},
		{name: "invalid choice falls back to the rule",
			replies: withReplies(map[string]scorecard.LLMReply{"empathy": {Answer: "maybe", Quote: "I'm really sorry about that"}}),
			score:   100, want: map[string]want{
				"empathy": {"yes", scorecard.SourceRule, false, 3, "sorry", `LLM answer rejected (invalid llm reply: answer not among the choices: "maybe" is not one of yes, no); agent said "sorry"`},
			}},
		{name: "fabricated quote, no rule: left for review",
			replies: withReplies(map[string]scorecard.LLMReply{"tone": {Answer: "cold", Quote: "Calm down, this is not my problem."}}),
			// tone is left out of the score until reviewed.
			score: 100, review: true, want: map[string]want{
				"tone": {"unanswered", scorecard.SourceNone, false, 0, "", `LLM answer rejected (invalid llm reply: quote not found in the transcript: "Calm down, this is not my problem."); no rule answers this question: left for review`},
			}},
		{name: "quote of a single letter",
			replies: withReplies(map[string]scorecard.LLMReply{"empathy": {Answer: "no", Quote: "I"}}),
			score:   100, want: map[string]want{"empathy": {"yes", scorecard.SourceRule, false, 3, "sorry", "quote not found"}}},
		{name: "timeout falls back to the rule",
			errs:    map[string]error{"empathy": fmt.Errorf("%w: no reply within 30s", scorecard.ErrLLMTimeout)},
			replies: goodReplies, score: 100, want: map[string]want{
				"empathy": {"yes", scorecard.SourceRule, false, 3, "sorry", "LLM answer rejected (llm timeout: no reply within 30s)"},
			}},
		{name: "malformed reply, no rule",
			errs:    map[string]error{"tone": fmt.Errorf("%w: answer arguments: unexpected end of JSON input", scorecard.ErrLLMReply)},
			replies: goodReplies, score: 100, review: true, want: map[string]want{
				"tone": {"unanswered", scorecard.SourceNone, false, 0, "", "invalid llm reply: answer arguments"},
			}},
		{name: "other errors count as unavailable",
			errs:    map[string]error{"tone": errors.New("connection refused")},
			replies: goodReplies, score: 100, review: true, want: map[string]want{
				"tone": {"unanswered", scorecard.SourceNone, false, 0, "", "llm unavailable: connection refused"},
			}},
		{name: "n/a when allowed",
			replies: withReplies(map[string]scorecard.LLMReply{"tone": {Answer: "N/A", Quote: "Thank you for waiting."}}),
			score:   100, want: map[string]want{"tone": {"na", scorecard.SourceLLM, true, 13, "Thank you for waiting", ""}}},
		{name: "n/a when not allowed",
			replies: withReplies(map[string]scorecard.LLMReply{"empathy": {Answer: "n/a", Quote: "Thank you for waiting."}}),
			score:   100, want: map[string]want{"empathy": {"yes", scorecard.SourceRule, false, 3, "sorry", `"n/a" is not one of yes, no`}}},
		{name: "a low score from the model counts",
			replies: withReplies(map[string]scorecard.LLMReply{"tone": {Answer: "cold", Quote: "Thank you for waiting."}}),
			score:   50, want: map[string]want{"tone": {"cold", scorecard.SourceLLM, true, 13, "Thank you for waiting", ""}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ans := &scripted{replies: tc.replies, errs: tc.errs}
			res, err := scorecard.NewEvaluator(scorecard.WithAnswerer(ans)).Evaluate(context.Background(), c, loadCall(t, "en_agent_good"))
			if err != nil {
				t.Fatal(err)
			}
			if res.Score != tc.score || res.NeedsReview != tc.review {
				t.Errorf("score %v review %v, want %v %v", res.Score, res.NeedsReview, tc.score, tc.review)
			}
			for _, a := range res.Answers {
				w, ok := tc.want[a.Question]
				if !ok {
					continue
				}
				if got := answerString(a.Auto); got != w.answer || a.Source != w.source {
					t.Errorf("%s: %s from %s, want %s from %s (note %s)", a.Question, got, a.Source, w.answer, w.source, a.Note)
				}
				if a.LLM == nil || a.LLM.Accepted != w.accepted {
					t.Errorf("%s: attempt %+v, accepted want %v", a.Question, a.LLM, w.accepted)
				}
				seq, text := 0, ""
				if len(a.Evidence) > 0 {
					seq, text = a.Evidence[0].Seq, a.Evidence[0].Text
				}
				if seq != w.seq || text != w.text {
					t.Errorf("%s: evidence turn %d %q, want %d %q", a.Question, seq, text, w.seq, w.text)
				}
				if w.accepted && w.seq > 0 && len(a.Evidence) > 0 && (a.Evidence[0].Kind != scorecard.EvidenceQuote || a.Evidence[0].Span == nil) {
					t.Errorf("%s: evidence %+v", a.Question, a.Evidence[0])
				}
				if !strings.Contains(a.Note, w.note) {
					t.Errorf("%s: note %q\nlacks %q", a.Question, a.Note, w.note)
				}
			}
		})
	}
}

func TestLLMRequest(t *testing.T) {
	c, err := scorecard.Parse("llm.yaml", []byte(llmCard))
	if err != nil {
		t.Fatal(err)
	}
	ans := &scripted{replies: goodReplies}
	call := loadCall(t, "en_agent_good")
	if _, err := scorecard.NewEvaluator(scorecard.WithAnswerer(ans)).Evaluate(context.Background(), c, call); err != nil {
		t.Fatal(err)
	}
	if len(ans.reqs) != 3 {
		t.Fatalf("%d requests", len(ans.reqs))
	}
	e, tone, sum := ans.reqs[0], ans.reqs[1], ans.reqs[2]
	if e.Card != "llm" || e.Question != "empathy" || e.Instructions != "Look for an apology or empathy." || e.Type != scorecard.YesNo ||
		fmt.Sprint(e.Choices) != "[{yes Yes} {no No}]" || e.Call != call || e.Language != "en" {
		t.Errorf("empathy request %+v", e)
	}
	if tone.Instructions != "Judge the whole call." || fmt.Sprint(tone.Choices) != "[{warm Warm and polite} {neutral } {cold } {n/a Not applicable to this call}]" {
		t.Errorf("tone request %+v", tone)
	}
	if sum.Type != scorecard.Text || sum.Choices != nil {
		t.Errorf("summary request %+v", sum)
	}
	// Without an answerer the rules answer and the rest waits for review.
	res, err := scorecard.Evaluate(context.Background(), c, call)
	if err != nil {
		t.Fatal(err)
	}
	if res.Answers[0].Source != scorecard.SourceRule || res.Answers[0].LLM != nil || res.Answers[1].Auto.Status != scorecard.Unanswered || !res.NeedsReview {
		t.Errorf("rules only: %+v", res.Answers[:2])
	}
}

func TestLLMQuoteChinese(t *testing.T) {
	src := strings.Replace(llmCard, "phrases: [sorry]", "phrases: [抱歉]", 1)
	c, err := scorecard.Parse("llm.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	ans := &scripted{replies: map[string]scorecard.LLMReply{
		// Spaces and half-width punctuation where the transcript has none
		// and full-width: still the same words.
		"empathy": {Answer: "yes", Quote: "非常 抱歉给您带来不便, 我理解您的心情"},
		"tone":    {Answer: "warm", Quote: "工号8021"},
		"summary": {Answer: "快递丢失投诉", Quote: "我要投诉"},
	}}
	res, err := scorecard.NewEvaluator(scorecard.WithAnswerer(ans)).Evaluate(context.Background(), c, loadCall(t, "zh_agent_complaint"))
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"3:非常抱歉给您带来不便，我理解您的心情", "1:工号８０２１", "2:我要投诉"} {
		a := res.Answers[i]
		if a.Source != scorecard.SourceLLM || len(a.Evidence) != 1 || fmt.Sprintf("%d:%s", a.Evidence[0].Seq, a.Evidence[0].Text) != want {
			t.Errorf("%s: %s %+v (%s), want %s", a.Question, a.Source, a.Evidence, a.Note, want)
		}
	}
}

func TestLLMCancel(t *testing.T) {
	c, err := scorecard.Parse("llm.yaml", []byte(llmCard))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	block := scorecard.AnswererFunc(func(ctx context.Context, _ scorecard.LLMRequest) (scorecard.LLMReply, error) {
		cancel()
		<-ctx.Done()
		return scorecard.LLMReply{}, ctx.Err()
	})
	_, err = scorecard.NewEvaluator(scorecard.WithAnswerer(block)).Evaluate(ctx, c, loadCall(t, "en_agent_good"))
	if !errors.Is(err, context.Canceled) || errors.Is(err, scorecard.ErrLLMUnavailable) {
		t.Errorf("error %v, want context.Canceled", err)
	}
}

func TestFormatTranscript(t *testing.T) {
	got := scorecard.FormatTranscript(loadCall(t, "zh_agent_complaint"))
	lines := strings.Split(strings.TrimSpace(got), "\n")
	if len(lines) != 11 || lines[0] != "[1] agent 0:00: 您好，我是客服小李，工号８０２１，很高兴为您服务。" ||
		lines[6] != "[7] agent 1:01: 感谢您的耐心等待。已经为您登记了投诉工单，工单号是 T20240518，我们会在24小时内给您回复，并安排赔偿。" {
		t.Errorf("transcript:\n%s", got)
	}
}
