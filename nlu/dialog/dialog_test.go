package dialog

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/internal/openaitest"
	"github.com/switchboard-voice/switchboard/internal/shareddata"
	"github.com/switchboard-voice/switchboard/nlu/openai"
	"github.com/switchboard-voice/switchboard/prompts"
)

const testBot = `
name: test
languages: [en]
greeting: Hello, this is the test bank.
fallback: Sorry, I did not get that.
handoff: {queue: general, phrases: [agent, representative, 转人工], max_no_match: 3}
llm: {enabled: true}
intents:
  - name: balance
    examples: [what is my balance, how much money do I have, check my balance, account balance please, balance]
    flow: balance
  - name: block
    examples: [block my card, I lost my card, my card was stolen, freeze my card, someone took my card]
    flow: block
  - name: hours
    examples: [when are you open, opening hours, what time do you close, are you open on sunday, hours]
    answer: We are open 9 to 5.
  - name: fees
    examples: [what are your fees, how much does a transfer cost, is there a fee, fees for cards]
    knowledge: fees
  - name: bye
    examples: [goodbye, bye, that is all thanks, nothing else, no thanks that is all]
    flow: bye
  - name: oos
    examples: [tell me a joke, what is the weather, who won the game, play some music]
knowledge:
  - id: fees
    title: Fees
    tags: [fees]
    body: |
      Transfers within the country are free. International transfers cost 1%.

      Card replacement costs 5 dollars.
  - id: cards
    title: Card delivery
    tags: [cards]
    body: New cards arrive within 5 working days.
flows:
  - name: balance
    description: Tell the caller their balance
    steps:
      - {id: ask, kind: ask, say: "What is your account number?", slot: account, type: digits, validate: {length: 8}, reprompt: "Please say the 8 digits of your account number.", max_attempts: 2, next: look}
      - {id: look, kind: webhook, webhook: {url: /balance, save: {balance: account.balance}, timeout: 300ms}, next: tell}
      - {id: tell, kind: say, say: "Your balance is {{balance}}."}
  - name: block
    description: Block a lost or stolen card
    steps:
      - {id: last4, kind: ask, say: "What are the last four digits of the card?", slot: last4, type: digits, validate: {length: 4}, next: confirm}
      - {id: confirm, kind: confirm, say: "Block the card ending {{last4}}?", "yes": do, "no": last4}
      - {id: do, kind: webhook, webhook: {url: /block, save: {ref: reference}, on_error: failed}, next: done}
      - {id: done, kind: say, say: "Blocked. Your reference is {{ref}}."}
      - {id: failed, kind: handoff, queue: cards, say: I could not block it myself., reason: "block failed for card {{last4}}"}
  - name: bye
    steps:
      - {id: end, kind: end}
`

type backend struct {
	srv   *httptest.Server
	calls atomic.Int32
	mode  atomic.Value // "ok", "slow", "garbage", "500"
}

func newBackend(t *testing.T) *backend {
	b := &backend{}
	b.mode.Store("ok")
	b.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.calls.Add(1)
		switch b.mode.Load().(string) {
		case "slow":
			select {
			case <-time.After(3 * time.Second):
			case <-r.Context().Done():
			}
			return
		case "garbage":
			w.Write([]byte("<html>oops</html>"))
			return
		case "500":
			http.Error(w, "down", 500)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/balance":
			w.Write([]byte(`{"account":{"balance":"1,234.56 USD"}}`))
		case "/block":
			w.Write([]byte(`{"reference":"BLK-42"}`))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(b.srv.Close)
	return b
}

func newEngine(t testing.TB, def string, opts ...Option) *Engine {
	t.Helper()
	b, err := prompts.Parse("test.yaml", []byte(def))
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(b, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// chat runs utterances and returns the replies.
func chat(t *testing.T, c *Conversation, lines ...string) []Reply {
	t.Helper()
	var out []Reply
	for _, l := range lines {
		r, err := c.Turn(context.Background(), l)
		if err != nil {
			t.Fatalf("turn %q: %v", l, err)
		}
		if len(r.Actions) == 0 {
			t.Fatalf("turn %q: no reply", l)
		}
		out = append(out, r)
	}
	return out
}

func expect(t *testing.T, r Reply, final string, contains ...string) {
	t.Helper()
	if r.Final() != final {
		t.Errorf("action = %s, want %s (reply %q)", r.Final(), final, r.Text())
	}
	for _, c := range contains {
		if !strings.Contains(r.Text(), c) {
			t.Errorf("reply %q lacks %q (intent %s %.2f)", r.Text(), c, r.Trace.Intent, r.Trace.Confidence)
		}
	}
}

func TestFlowWithDigressionAndWebhook(t *testing.T) {
	be := newBackend(t)
	e := newEngine(t, testBot, WithWebhookBase(be.srv.URL))
	c, greet := e.Start(Info{SessionID: "s1", CallerID: "+1555"})
	expect(t, greet, ActSay, "test bank")
	rs := chat(t, c,
		"what is my balance",
		"when are you open",       // digression: answered, then the question again
		"it's one two three four", // too short: reprompt
		"12345678",
		"goodbye",
	)
	expect(t, rs[0], ActSay, "account number")
	if rs[0].Trace.Intent != "balance" || rs[0].Trace.Flow != "balance" || rs[0].Trace.Step != "ask" {
		t.Errorf("trace %+v", rs[0].Trace)
	}
	expect(t, rs[1], ActSay, "9 to 5", "account number")
	if !rs[1].Trace.Digression {
		t.Error("digression not marked")
	}
	expect(t, rs[2], ActSay, "8 digits")
	expect(t, rs[3], ActSay, "1,234.56 USD", "anything else")
	if rs[3].Trace.Slots["account"] != "12345678" || rs[3].Trace.Timings["webhook"] <= 0 {
		t.Errorf("trace %+v", rs[3].Trace)
	}
	expect(t, rs[4], ActEnd)
	if !c.Done() || c.Outcome() != "resolved" {
		t.Errorf("done %v outcome %s", c.Done(), c.Outcome())
	}
	if _, err := c.Turn(context.Background(), "hello"); !errors.Is(err, ErrEnded) {
		t.Errorf("turn after end: %v", err)
	}
}

func TestPrefillConfirmAndOnError(t *testing.T) {
	be := newBackend(t)
	e := newEngine(t, testBot, WithWebhookBase(be.srv.URL))
	c, _ := e.Start(Info{SessionID: "s2"})
	rs := chat(t, c, "I lost my card, the one ending 4561", "no", "9876", "yes")
	expect(t, rs[0], ActSay, "Block the card ending 4561?")
	expect(t, rs[1], ActSay, "last four digits")
	expect(t, rs[2], ActSay, "ending 9876")
	expect(t, rs[3], ActSay, "BLK-42")
	// Webhook failure with on_error: the flow's handoff step.
	be.mode.Store("500")
	c, _ = e.Start(Info{SessionID: "s3"})
	rs = chat(t, c, "block my card", "1234", "yes")
	expect(t, rs[2], ActHandoff, "could not block")
	h := rs[2].Actions[len(rs[2].Actions)-1]
	if h.Queue != "cards" || h.Reason != "block failed for card 1234" || h.Slots["last4"] != "1234" || !strings.Contains(h.Summary, "last4=1234") {
		t.Errorf("handoff %+v", h)
	}
}

func TestWebhookFailuresHandOff(t *testing.T) {
	for _, mode := range []string{"slow", "garbage", "500"} {
		t.Run(mode, func(t *testing.T) {
			be := newBackend(t)
			be.mode.Store(mode)
			e := newEngine(t, testBot, WithWebhookBase(be.srv.URL))
			c, _ := e.Start(Info{SessionID: "s"})
			rs := chat(t, c, "check my balance", "12345678")
			expect(t, rs[1], ActHandoff)
			reason := rs[1].Actions[len(rs[1].Actions)-1].Reason
			want := map[string]string{"slow": "timed out", "garbage": "not JSON", "500": "HTTP 500"}[mode]
			if !strings.Contains(reason, want) {
				t.Errorf("reason %q lacks %q", reason, want)
			}
		})
	}
}

func TestHandoffRules(t *testing.T) {
	e := newEngine(t, testBot)
	t.Run("asks for a human", func(t *testing.T) {
		for _, s := range []string{"I want to speak to an agent", "REPRESENTATIVE please", "我要转人工"} {
			c, _ := e.Start(Info{})
			r := chat(t, c, s)[0]
			expect(t, r, ActHandoff)
			if r.Actions[0].Queue != "general" || r.Trace.Source != "rule" {
				t.Errorf("%q: %+v", s, r.Actions[0])
			}
		}
	})
	t.Run("no match three times", func(t *testing.T) {
		c, _ := e.Start(Info{})
		rs := chat(t, c, "tell me a joke", "xyzzy plugh", "what is the weather")
		expect(t, rs[0], ActSay, "did not get that")
		expect(t, rs[1], ActSay, "did not get that")
		expect(t, rs[2], ActHandoff)
		if !strings.Contains(rs[2].Actions[0].Reason, "3 times") {
			t.Errorf("reason %q", rs[2].Actions[0].Reason)
		}
	})
	t.Run("slot fails validation", func(t *testing.T) {
		c, _ := e.Start(Info{})
		rs := chat(t, c, "balance", "I have no clue", "I really could not say")
		expect(t, rs[1], ActSay, "8 digits")
		expect(t, rs[2], ActHandoff)
		if !strings.Contains(rs[2].Actions[0].Reason, "account after 2 attempts") {
			t.Errorf("reason %q", rs[2].Actions[0].Reason)
		}
	})
}

func TestBadUtterances(t *testing.T) {
	e := newEngine(t, testBot)
	c, _ := e.Start(Info{})
	rs := chat(t, c, "", "   ", "\xff\xfe balance \x00")
	expect(t, rs[0], ActSay, "didn't catch")
	expect(t, rs[2], ActSay, "account number")
	c, _ = e.Start(Info{})
	r := chat(t, c, strings.Repeat("blah ", 2000))[0]
	expect(t, r, ActSay)
	c, _ = e.Start(Info{})
	r = chat(t, c, "what are your fees")[0]
	expect(t, r, ActSay, "International transfers cost 1%")
	if strings.Contains(r.Text(), "replacement") {
		t.Errorf("read more than the first paragraph: %q", r.Text())
	}
}

func TestKnowledgeSearch(t *testing.T) {
	e := newEngine(t, testBot)
	hits := e.Knowledge().Search("when will my new card arrive", 2)
	if len(hits) == 0 || hits[0].Article.ID != "cards" {
		t.Fatalf("hits %+v", hits)
	}
	k := NewKnowledge([]prompts.Article{{ID: "zh", Title: "运费说明", Body: "首重10元，续重每公斤5元。"}, {ID: "t", Title: "时效", Body: "一般三天送达。"}})
	if h := k.Search("运费多少钱", 1); len(h) == 0 || h[0].Article.ID != "zh" {
		t.Fatalf("zh hits %+v", h)
	}
}

func llmEngine(t *testing.T, srv *openaitest.Server, be *backend) *Engine {
	l, err := openai.New(openai.Config{BaseURL: srv.URL(), APIKey: "sk-test", Model: "test-model", FirstTokenTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return newEngine(t, testBot, WithLLM(l, 2*time.Second), WithWebhookBase(be.srv.URL))
}

func TestLLMMode(t *testing.T) {
	srv := openaitest.New(t)
	be := newBackend(t)
	e := llmEngine(t, srv, be)
	c, _ := e.Start(Info{SessionID: "llm"})

	srv.Enqueue(openaitest.Reply{ToolCalls: []openaitest.ToolCall{{Name: "start_flow", Arguments: `{"flow":"balance"}`}}})
	r := chat(t, c, "hey can you tell me what I've got in my account")[0]
	expect(t, r, ActSay, "account number")
	if r.Trace.Source != "llm" || r.Trace.Flow != "balance" {
		t.Errorf("trace %+v", r.Trace)
	}
	req := srv.LastRequest().Chat
	if req == nil || req.Model != "test-model" || !hasTool(req, "start_flow") {
		t.Fatalf("request %+v", req)
	}

	srv.Enqueue(openaitest.Reply{ToolCalls: []openaitest.ToolCall{{Name: "set_slot", Arguments: `{"slot":"account","value":"12345678"}`}}})
	r = chat(t, c, "sure it's twelve three four five six seven eight")[0]
	expect(t, r, ActSay, "1,234.56 USD")

	// A grounded answer from the knowledge base.
	srv.Enqueue(openaitest.Reply{ToolCalls: []openaitest.ToolCall{{Name: "answer", Arguments: `{"article_id":"fees","text":"International transfers cost one percent."}`}}})
	r = chat(t, c, "how much do international transfers cost")[0]
	expect(t, r, ActSay, "one percent")
	if sys := srv.LastRequest().Chat.System(); !strings.Contains(sys, "International transfers cost 1%") {
		t.Errorf("system prompt lacks the retrieved article:\n%s", sys)
	}
}

func TestLLMFallback(t *testing.T) {
	be := newBackend(t)
	for name, reply := range map[string]openaitest.Reply{
		"timeout":      {Delay: 2 * time.Second, Text: "too late"},
		"http error":   {Status: 500},
		"malformed":    {Malformed: true},
		"unknown flow": {ToolCalls: []openaitest.ToolCall{{Name: "start_flow", Arguments: `{"flow":"mortgage"}`}}},
		"unknown tool": {ToolCalls: []openaitest.ToolCall{{Name: "transfer_money", Arguments: `{}`}}},
		"bad json":     {ToolCalls: []openaitest.ToolCall{{Name: "start_flow", Arguments: `{"flow":`}}},
	} {
		t.Run(name, func(t *testing.T) {
			srv := openaitest.New(t)
			e := llmEngine(t, srv, be)
			c, _ := e.Start(Info{})
			srv.Enqueue(reply)
			r := chat(t, c, "what is my balance")[0]
			expect(t, r, ActSay, "account number")
			if r.Trace.Source != "nlu" || r.Trace.LLMError == "" || r.Trace.Intent != "balance" {
				t.Errorf("trace %+v", r.Trace)
			}
		})
	}
}

const zhBot = `
name: zh
languages: [zh]
greeting: 您好，这里是快递客服。
fallback: 抱歉，我没有理解。
handoff: {queue: general, phrases: [转人工, 人工客服]}
intents:
  - name: track
    examples: [查快递, 我的快递到哪了, 帮我查一下包裹, 查询物流, 包裹什么时候到, 我想查一下我的快递]
    flow: track
  - name: fee
    examples: [运费多少, 寄快递多少钱, 运费怎么算, 邮费是多少]
    answer: 首重10元，续重每公斤5元。
  - name: complaint
    examples: [我要投诉, 投诉快递员, 你们服务太差了, 我要投诉你们]
    handoff: complaints
flows:
  - name: track
    steps:
      - {id: ask, kind: ask, say: 请告诉我您的运单号。, slot: waybill, type: id, next: tell}
      - {id: tell, kind: say, say: "运单{{waybill}}正在运输中。"}
`

func TestChinese(t *testing.T) {
	e := newEngine(t, zhBot)
	c, greet := e.Start(Info{})
	expect(t, greet, ActSay, "快递客服")
	rs := chat(t, c, "帮我查快递", "运费是多少钱", "SF1234567890")
	expect(t, rs[0], ActSay, "运单号")
	expect(t, rs[1], ActSay, "首重10元", "运单号")
	expect(t, rs[2], ActSay, "SF1234567890", "还有什么")
	rs = chat(t, c, "我要投诉你们的快递员")
	expect(t, rs[0], ActHandoff, "人工")
	if rs[0].Actions[0].Queue != "complaints" {
		t.Errorf("queue %s", rs[0].Actions[0].Queue)
	}
}

func BenchmarkTurn(b *testing.B) {
	e := newEngine(b, testBot)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c, _ := e.Start(Info{})
		if _, err := c.Turn(context.Background(), "when are you open on sunday"); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzTurn(f *testing.F) {
	e := newEngine(f, testBot)
	for _, s := range []string{"balance", "12345678", "", "\xff", "block my card 1234", "转人工"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, _ := e.Start(Info{})
		for i := 0; i < 3 && !c.Done(); i++ {
			r, err := c.Turn(context.Background(), s)
			if err != nil || len(r.Actions) == 0 {
				t.Fatalf("turn %q: %v %+v", s, err, r)
			}
		}
	})
}

func hasTool(req *openaitest.ChatRequest, name string) bool {
	_, ok := req.Tool(name)
	return ok
}

// BenchmarkTurnBanking is one turn of the sample banking bot (84 intents,
// about 10,000 examples): classification, entities and the flow engine.
func BenchmarkTurnBanking(b *testing.B) {
	shareddata.Require(b, "banking77", "train.csv")
	bot, err := prompts.Load("../../bots/banking")
	if err != nil {
		b.Fatal(err)
	}
	e, err := New(bot)
	if err != nil {
		b.Fatal(err)
	}
	utterances := []string{"I lost my card yesterday", "what are the fees for sending money abroad", "why was my top up declined", "can you tell me my balance"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c, _ := e.Start(Info{})
		if _, err := c.Turn(context.Background(), utterances[i%len(utterances)]); err != nil {
			b.Fatal(err)
		}
	}
}

// TestHandoffSummaryReadable: the summary an agent reads is plain text in
// the conversation's language, with nothing left unformatted.
func TestHandoffSummaryReadable(t *testing.T) {
	for _, p := range []string{"sum_caller", "sum_asked", "sum_collected", "sum_said", "sum_reason"} {
		for _, lang := range []string{"en", "zh"} {
			if phrases[lang][p] == "" {
				t.Errorf("phrase %s missing in %s", p, lang)
			}
		}
	}
	c := &Conversation{lang: "en", info: Info{CallerID: "+15550100"}, intents: []string{"lost_card"},
		slots: map[string]string{"last4": "4821"}, vars: map[string]string{"last_utterance": "agent"}}
	s := c.summary("caller asked for a human")
	for _, want := range []string{"+15550100", "lost_card", "last4=4821", "agent", "caller asked for a human"} {
		if !strings.Contains(s, want) {
			t.Errorf("summary %q lacks %q", s, want)
		}
	}
	if strings.Contains(s, "%!") {
		t.Errorf("summary has a formatting error: %q", s)
	}
}
