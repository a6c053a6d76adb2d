package openai_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/switchboard-voice/switchboard/internal/openaitest"
	"github.com/switchboard-voice/switchboard/nlu"
	"github.com/switchboard-voice/switchboard/nlu/openai"
)

const testKey = "sk-test-4242"

func newLLM(t *testing.T, srv *openaitest.Server, edit ...func(*openai.Config)) *openai.LLM {
	t.Helper()
	cfg := openai.Config{
		BaseURL:           srv.URL(),
		APIKey:            testKey,
		Model:             "gpt-test-mini",
		Temperature:       0.2,
		FirstTokenTimeout: 2 * time.Second,
		Timeout:           10 * time.Second,
		HTTPClient:        srv.Client(),
	}
	for _, e := range edit {
		e(&cfg)
	}
	llm, err := openai.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return llm
}

func planRequest() nlu.PlanRequest {
	return nlu.PlanRequest{
		SystemPrompt: "You are the voice assistant of Acme Parcels.",
		Persona:      "Friendly and brief.",
		Language:     "en",
		History: []nlu.Message{
			{Role: "user", Content: "hi"},
			{Role: "assistant", Content: "Hello, how can I help?"},
		},
		Utterance: "where is my parcel A-12345?",
		Flows: []nlu.FlowInfo{
			{Name: "track_parcel", Description: "Tell where a parcel is.", Slots: []string{"parcel_id"}},
			{Name: "refund", Description: "Refund an order.", Slots: []string{"order_id", "amount"}},
		},
		Queues:      []string{"support", "billing"},
		CurrentFlow: "track_parcel",
		PendingSlot: "parcel_id",
		Slots:       map[string]string{"caller_name": "Ada"},
		Articles: []nlu.ArticleRef{
			{ID: "kb-delivery", Title: "Delivery times", Body: "Parcels arrive within 3 working days."},
			{ID: "kb-returns", Title: "Returns", Body: "Returns are free for 30 days."},
		},
	}
}

func TestPlanStreamsText(t *testing.T) {
	srv := openaitest.New(t)
	const answer = "Your parcel arrives within 3 working days."
	srv.Enqueue(openaitest.Reply{Text: answer})
	var got []string
	req := planRequest()
	req.OnText = func(d string) { got = append(got, d) }

	plan, err := newLLM(t, srv).Plan(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Fields(answer); len(got) != len(want) {
		t.Errorf("OnText got %d deltas %q, want one per word", len(got), got)
	}
	if strings.Join(got, "") != answer || plan.Text != answer || len(plan.Commands) != 0 {
		t.Errorf("deltas %q, plan %+v", got, plan)
	}
}

func TestPlanAssemblesToolCalls(t *testing.T) {
	for _, tc := range []struct {
		name  string
		reply openaitest.Reply
		want  nlu.Plan
	}{{
		name: "start_flow split across chunks",
		reply: openaitest.Reply{ToolCalls: []openaitest.ToolCall{
			{Name: "start_flow", Arguments: `{"flow": "refund"}`},
		}},
		want: nlu.Plan{Commands: []nlu.Command{{Name: nlu.CmdStartFlow, Flow: "refund"}}},
	}, {
		name: "set_slot and answer",
		reply: openaitest.Reply{Text: "Let me check.", ToolCalls: []openaitest.ToolCall{
			{Name: "set_slot", Arguments: `{"slot":"parcel_id","value":"A-12345"}`},
			{Name: "answer", Arguments: `{"article_id":"kb-delivery","text":"It arrives within 3 working days."}`},
		}},
		want: nlu.Plan{Text: "Let me check.", Commands: []nlu.Command{
			{Name: nlu.CmdSetSlot, Slot: "parcel_id", Value: "A-12345"},
			{Name: nlu.CmdAnswer, ArticleID: "kb-delivery", Text: "It arrives within 3 working days."},
		}},
	}, {
		name: "handoff defaults to the first queue, clarify",
		reply: openaitest.Reply{ToolCalls: []openaitest.ToolCall{
			{Name: "handoff", Arguments: `{"reason":"wants a human"}`},
			{Name: "clarify", Arguments: `{"text":"Which parcel?"}`},
		}},
		want: nlu.Plan{Commands: []nlu.Command{
			{Name: nlu.CmdHandoff, Queue: "support", Reason: "wants a human"},
			{Name: nlu.CmdClarify, Text: "Which parcel?"},
		}},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			srv := openaitest.New(t)
			srv.Enqueue(tc.reply)
			plan, err := newLLM(t, srv).Plan(context.Background(), planRequest())
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(plan, tc.want) {
				t.Errorf("plan = %+v\nwant   %+v", plan, tc.want)
			}
		})
	}
}

// TestPlanToolCallsByIndex feeds deltas the way some servers interleave
// them: two calls whose argument pieces alternate.
func TestPlanToolCallsByIndex(t *testing.T) {
	srv := openaitest.New(t)
	chunk := func(delta string) string {
		return `data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":` + delta + `,"finish_reason":null}]}` + "\n\n"
	}
	body := chunk(`{"role":"assistant","content":null}`) +
		chunk(`{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"set_slot","arguments":""}}]}`) +
		chunk(`{"tool_calls":[{"index":1,"id":"call_b","type":"function","function":{"name":"start_flow","arguments":"{\"fl"}}]}`) +
		chunk(`{"tool_calls":[{"index":0,"function":{"arguments":"{\"slot\":\"order_id\","}}]}`) +
		chunk(`{"tool_calls":[{"index":1,"function":{"arguments":"ow\":\"refund\"}"}}]}`) +
		chunk(`{"tool_calls":[{"index":0,"function":{"arguments":"\"value\":\"7\"}"}}]}`) +
		`data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}` + "\n\n" +
		"data: [DONE]\n\n"
	srv.Enqueue(openaitest.Reply{Body: body})
	plan, err := newLLM(t, srv).Plan(context.Background(), planRequest())
	if err != nil {
		t.Fatal(err)
	}
	want := []nlu.Command{{Name: nlu.CmdSetSlot, Slot: "order_id", Value: "7"}, {Name: nlu.CmdStartFlow, Flow: "refund"}}
	if !reflect.DeepEqual(plan.Commands, want) {
		t.Errorf("commands = %+v", plan.Commands)
	}
}

func TestPlanRequest(t *testing.T) {
	srv := openaitest.New(t)
	srv.Enqueue(openaitest.Reply{Text: "ok"})
	if _, err := newLLM(t, srv).Plan(context.Background(), planRequest()); err != nil {
		t.Fatal(err)
	}
	r := srv.LastRequest()
	if r.Path != "/v1/chat/completions" || r.APIKey() != testKey || r.Header.Get("Authorization") != "Bearer "+testKey {
		t.Errorf("path %q, Authorization %q", r.Path, r.Header.Get("Authorization"))
	}
	c := r.Chat
	if c.Model != "gpt-test-mini" || !c.Stream || c.Temperature == nil || *c.Temperature < 0.19 || *c.Temperature > 0.21 {
		t.Errorf("model %q stream %v temperature %v", c.Model, c.Stream, c.Temperature)
	}

	var roles []string
	for _, m := range c.Messages {
		roles = append(roles, m.Role)
	}
	if got := strings.Join(roles, ","); got != "system,user,assistant,user" {
		t.Errorf("roles = %s", got)
	}
	if last := c.Messages[len(c.Messages)-1].Content; last != "where is my parcel A-12345?" {
		t.Errorf("last message = %q", last)
	}
	sys := c.System()
	for _, want := range []string{
		"You are the voice assistant of Acme Parcels.", "Friendly and brief.",
		`Current flow: "track_parcel"`, `Pending slot: "parcel_id"`, `caller_name = "Ada"`,
		`<article id="kb-delivery" title="Delivery times">`, "Parcels arrive within 3 working days.",
		`<article id="kb-returns" title="Returns">`, "Returns are free for 30 days.",
		"only from these articles", "refund: Refund an order. (slots: order_id, amount)", "support (default)",
	} {
		if !strings.Contains(sys, want) {
			t.Errorf("system prompt lacks %q:\n%s", want, sys)
		}
	}

	if got := fmt.Sprint(c.ToolNames()); got != "[start_flow set_slot answer handoff clarify]" {
		t.Errorf("tools = %s", got)
	}
	for _, tc := range []struct{ tool, prop, want string }{
		{"start_flow", "flow", "[track_parcel refund]"},
		{"answer", "article_id", "[kb-delivery kb-returns]"},
		{"handoff", "queue", "[support billing]"},
		{"set_slot", "slot", "[parcel_id order_id amount caller_name]"},
	} {
		tool, _ := c.Tool(tc.tool)
		if got := fmt.Sprint(tool.Enum(tc.prop)); got != tc.want {
			t.Errorf("%s.%s enum = %s, want %s", tc.tool, tc.prop, got, tc.want)
		}
		if tool.Type != "function" || tool.Schema().Type != "object" {
			t.Errorf("%s: %+v", tc.tool, tool)
		}
	}
	clarify, _ := c.Tool("clarify")
	if req := clarify.Schema().Required; fmt.Sprint(req) != "[text]" {
		t.Errorf("clarify required = %v", req)
	}
}

func TestPlanOmitsToolsWithEmptyEnums(t *testing.T) {
	srv := openaitest.New(t)
	srv.Enqueue(openaitest.Reply{Text: "ok"})
	req := nlu.PlanRequest{Utterance: "hello"}
	if _, err := newLLM(t, srv).Plan(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	c := srv.LastRequest().Chat
	if got := fmt.Sprint(c.ToolNames()); got != "[set_slot clarify]" {
		t.Errorf("tools = %s", got)
	}
	if !strings.Contains(c.System(), "No article was found") {
		t.Errorf("system prompt:\n%s", c.System())
	}
}

func TestPlanErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		reply openaitest.Reply
		want  error
		msg   []string // substrings of the error message
	}{
		{"HTTP 500", openaitest.Reply{Status: 500}, nlu.ErrLLMUnavailable, []string{"500"}},
		{"HTTP 401", openaitest.Reply{Status: 401}, nlu.ErrLLMUnavailable, []string{"401", "Incorrect API key"}},
		{"HTTP 429", openaitest.Reply{Status: 429}, nlu.ErrLLMUnavailable, []string{"429"}},
		{"HTTP 502 not JSON", openaitest.Reply{Status: 502, Body: "<html>Bad gateway</html>"}, nlu.ErrLLMUnavailable, []string{"502", "Bad gateway"}},
		{"malformed SSE JSON", openaitest.Reply{Malformed: true}, nlu.ErrLLMUnavailable, nil},
		{"garbage SSE", openaitest.Reply{Body: "data: {not json}\n\n"}, nlu.ErrLLMUnavailable, nil},
		{"stream cut", openaitest.Reply{Text: "one two three four", CutAfter: 3}, nlu.ErrLLMUnavailable, nil},
		{"error event in stream", openaitest.Reply{Body: "data: {\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}\n\n"}, nlu.ErrLLMUnavailable, []string{"overloaded"}},
		{"no finish_reason", openaitest.Reply{Body: `data: {"choices":[{"index":0,"delta":{"content":"Hel"}}]}` + "\n\n"}, nlu.ErrLLMUnavailable, []string{"truncated"}},
		{"empty stream", openaitest.Reply{Body: "data: [DONE]\n\n"}, nlu.ErrLLMUnavailable, nil},
		{"empty reply", openaitest.Reply{Text: "  "}, nlu.ErrLLMUnavailable, []string{"empty reply"}},
		{"content filter", openaitest.Reply{Text: "x", FinishReason: "content_filter"}, nlu.ErrLLMUnavailable, []string{"content filter"}},
		{"unknown tool", toolReply("delete_account", `{}`), nlu.ErrInvalidToolCall, []string{"delete_account", "unknown tool"}},
		{"bad arguments", toolReply("start_flow", `{"flow": refund}`), nlu.ErrInvalidToolCall, []string{"malformed arguments"}},
		{"unknown flow", toolReply("start_flow", `{"flow":"crypto"}`), nlu.ErrInvalidToolCall, []string{`unknown flow "crypto"`}},
		{"unknown article", toolReply("answer", `{"article_id":"kb-x","text":"y"}`), nlu.ErrInvalidToolCall, []string{`unknown article_id "kb-x"`}},
		{"unknown queue", toolReply("handoff", `{"queue":"vip","reason":"y"}`), nlu.ErrInvalidToolCall, []string{`unknown queue "vip"`}},
		{"empty slot", toolReply("set_slot", `{"slot":" ","value":"y"}`), nlu.ErrInvalidToolCall, []string{"empty slot name"}},
		{"one good one bad", openaitest.Reply{ToolCalls: []openaitest.ToolCall{
			{Name: "start_flow", Arguments: `{"flow":"refund"}`},
			{Name: "set_slot", Arguments: `{"slot":"pin_code","value":"1234"}`},
		}}, nlu.ErrInvalidToolCall, []string{`unknown slot "pin_code"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := openaitest.New(t)
			srv.Enqueue(tc.reply)
			plan, err := newLLM(t, srv).Plan(context.Background(), planRequest())
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			for _, m := range tc.msg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q lacks %q", err, m)
				}
			}
			if strings.Contains(err.Error(), testKey) {
				t.Errorf("error leaks the API key: %v", err)
			}
			if !reflect.DeepEqual(plan, nlu.Plan{}) {
				t.Errorf("plan = %+v with an error", plan)
			}
		})
	}
}

func toolReply(name, args string) openaitest.Reply {
	return openaitest.Reply{ToolCalls: []openaitest.ToolCall{{Name: name, Arguments: args}}}
}

func TestPlanAPIErrorIsReachable(t *testing.T) {
	srv := openaitest.New(t)
	srv.Enqueue(openaitest.Reply{Status: 429})
	_, err := newLLM(t, srv).Plan(context.Background(), planRequest())
	var apiErr *goopenai.APIError
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 429 {
		t.Errorf("err = %v", err)
	}
}

func TestPlanFirstTokenTimeout(t *testing.T) {
	const serverDelay = time.Minute
	srv := openaitest.New(t)
	srv.Enqueue(openaitest.Reply{Text: "too late", Delay: serverDelay})
	llm := newLLM(t, srv, func(c *openai.Config) { c.FirstTokenTimeout = 100 * time.Millisecond })
	start := time.Now()
	_, err := llm.Plan(context.Background(), planRequest())
	if !errors.Is(err, nlu.ErrLLMTimeout) {
		t.Fatalf("err = %v, want ErrLLMTimeout", err)
	}
	if el := time.Since(start); el > serverDelay/2 {
		t.Errorf("returned after %v, server delay %v", el, serverDelay)
	}
}

func TestPlanTurnTimeout(t *testing.T) {
	srv := openaitest.New(t)
	srv.Enqueue(openaitest.Reply{Text: "a slow answer", ChunkDelay: time.Minute})
	llm := newLLM(t, srv, func(c *openai.Config) { c.Timeout = 200 * time.Millisecond })
	_, err := llm.Plan(context.Background(), planRequest())
	if !errors.Is(err, nlu.ErrLLMTimeout) || !strings.Contains(err.Error(), "turn") {
		t.Fatalf("err = %v, want ErrLLMTimeout for the turn", err)
	}
}

func TestPlanContextCancel(t *testing.T) {
	t.Run("before the first token", func(t *testing.T) {
		srv := openaitest.New(t)
		srv.Enqueue(openaitest.Reply{Text: "late", Delay: time.Minute})
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		_, err := newLLM(t, srv).Plan(ctx, planRequest())
		checkCanceled(t, err)
	})
	t.Run("mid-stream (barge-in)", func(t *testing.T) {
		srv := openaitest.New(t)
		srv.Enqueue(openaitest.Reply{Text: "one two three four five", ChunkDelay: 20 * time.Millisecond})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var got []string
		req := planRequest()
		req.OnText = func(d string) {
			got = append(got, d)
			if len(got) == 2 {
				cancel()
			}
		}
		_, err := newLLM(t, srv).Plan(ctx, req)
		checkCanceled(t, err)
		if len(got) != 2 {
			t.Errorf("OnText called %d times after cancel", len(got))
		}
	})
	t.Run("already cancelled", func(t *testing.T) {
		srv := openaitest.New(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := newLLM(t, srv).Plan(ctx, planRequest())
		checkCanceled(t, err)
	})
}

func checkCanceled(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	for _, e := range []error{nlu.ErrLLMTimeout, nlu.ErrLLMUnavailable, nlu.ErrInvalidToolCall} {
		if errors.Is(err, e) {
			t.Errorf("err = %v wraps %v", err, e)
		}
	}
}

func TestNewErrors(t *testing.T) {
	for _, tc := range []struct {
		cfg  openai.Config
		want string
	}{
		{openai.Config{}, "Model"},
		{openai.Config{Model: "m", BaseURL: "localhost:8080/v1"}, "BaseURL"},
		{openai.Config{Model: "m", BaseURL: "ftp://x/v1"}, "BaseURL"},
		{openai.Config{Model: "m", BaseURL: "http://"}, "BaseURL"},
		{openai.Config{Model: "m", FirstTokenTimeout: -1}, "FirstTokenTimeout"},
		{openai.Config{Model: "m", Timeout: -1}, "Timeout"},
	} {
		if _, err := openai.New(tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%+v) = %v, want an error naming %s", tc.cfg, err, tc.want)
		}
	}
	if _, err := openai.New(openai.Config{Model: "m"}); err != nil {
		t.Errorf("defaults: %v", err)
	}
}

// TestPlanLeavesNoGoroutines runs the failure paths then checks that no
// goroutine outlives the server.
func TestPlanLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		srv := openaitest.New(t)
		defer srv.Close()
		srv.Enqueue(
			openaitest.Reply{Text: "fine"},
			openaitest.Reply{Delay: time.Minute},
			openaitest.Reply{Text: "a b c", CutAfter: 2},
			openaitest.Reply{Text: "a b c d e", ChunkDelay: time.Minute},
		)
		llm := newLLM(t, srv, func(c *openai.Config) {
			c.FirstTokenTimeout = 50 * time.Millisecond
			c.Timeout = 300 * time.Millisecond
		})
		for range 4 {
			_, _ = llm.Plan(context.Background(), planRequest())
		}
	}()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines before, %d after:\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}
