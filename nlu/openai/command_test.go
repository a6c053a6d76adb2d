package openai

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/switchboard-voice/switchboard/nlu"
)

var testCatalog = newCatalog(&nlu.PlanRequest{
	Flows: []nlu.FlowInfo{
		{Name: "refund", Slots: []string{"order_id", "amount"}},
		{Name: "opening_hours"},
	},
	Articles:    []nlu.ArticleRef{{ID: "kb-returns"}, {ID: "kb-shipping"}},
	Queues:      []string{"general", "billing"},
	PendingSlot: "order_id",
	Slots:       map[string]string{"name": "Ada"},
})

func TestDecodeCommand(t *testing.T) {
	for _, tc := range []struct {
		name, args string
		want       nlu.Command
		err        string // substring of the error; "" for success
	}{
		{"start_flow", `{"flow":"refund"}`, nlu.Command{Name: "start_flow", Flow: "refund"}, ""},
		{"start_flow", `{"flow":"hack"}`, nlu.Command{}, `unknown flow "hack"`},
		{"start_flow", `{}`, nlu.Command{}, "missing flow"},
		{"start_flow", `{"flow":1}`, nlu.Command{}, "malformed arguments"},
		{"start_flow", `{"flow":"refund"`, nlu.Command{}, "malformed arguments"},
		{"start_flow", `"refund"`, nlu.Command{}, "not a JSON object"},
		{"set_slot", `{"slot":"order_id","value":"A-1"}`, nlu.Command{Name: "set_slot", Slot: "order_id", Value: "A-1"}, ""},
		{"set_slot", `{"slot":"amount","value":12.5}`, nlu.Command{Name: "set_slot", Slot: "amount", Value: "12.5"}, ""},
		{"set_slot", `{"slot":"name","value":"Bob"}`, nlu.Command{Name: "set_slot", Slot: "name", Value: "Bob"}, ""},
		{"set_slot", `{"slot":"","value":"x"}`, nlu.Command{}, "empty slot name"},
		{"set_slot", `{"slot":"iban","value":"x"}`, nlu.Command{}, `unknown slot "iban"`},
		{"set_slot", `{"slot":"order_id"}`, nlu.Command{}, "missing value"},
		{"set_slot", `{"slot":"order_id","value":{"a":1}}`, nlu.Command{}, "must be a string"},
		{"answer", `{"article_id":"kb-returns","text":"30 days."}`, nlu.Command{Name: "answer", ArticleID: "kb-returns", Text: "30 days."}, ""},
		{"answer", `{"article_id":"kb-made-up","text":"x"}`, nlu.Command{}, `unknown article_id "kb-made-up"`},
		{"answer", `{"article_id":"kb-returns","text":"  "}`, nlu.Command{}, "empty text"},
		{"handoff", `{"queue":"billing","reason":"dispute"}`, nlu.Command{Name: "handoff", Queue: "billing", Reason: "dispute"}, ""},
		{"handoff", `{"reason":"angry"}`, nlu.Command{Name: "handoff", Queue: "general", Reason: "angry"}, ""},
		{"handoff", `{"queue":"sales"}`, nlu.Command{}, `unknown queue "sales"`},
		{"clarify", `{"text":"Which order?"}`, nlu.Command{Name: "clarify", Text: "Which order?"}, ""},
		{"clarify", ``, nlu.Command{}, "empty text"},
		{"delete_account", `{}`, nlu.Command{}, "unknown tool"},
		{"", `{}`, nlu.Command{}, "unknown tool"},
	} {
		t.Run(tc.name+" "+tc.args, func(t *testing.T) {
			got, err := testCatalog.decode(tc.name, tc.args)
			if tc.err == "" {
				if err != nil || got != tc.want {
					t.Errorf("got %+v, %v; want %+v", got, err, tc.want)
				}
				return
			}
			if !errors.Is(err, nlu.ErrInvalidToolCall) || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("err = %v; want ErrInvalidToolCall with %q", err, tc.err)
			}
		})
	}
}

func TestDecodeAnySlotWithoutDeclaredSlots(t *testing.T) {
	c := newCatalog(&nlu.PlanRequest{Flows: []nlu.FlowInfo{{Name: "f"}}})
	if _, err := c.decode("set_slot", `{"slot":"anything","value":"1"}`); err != nil {
		t.Error(err)
	}
	if _, err := c.decode("handoff", `{}`); !errors.Is(err, nlu.ErrInvalidToolCall) {
		t.Errorf("handoff without queues: %v", err)
	}
}

func FuzzDecodeCommand(f *testing.F) {
	for _, s := range [][2]string{
		{"start_flow", `{"flow":"refund"}`},
		{"set_slot", `{"slot":"amount","value":12}`},
		{"set_slot", `{"slot":"order_id","value":null}`},
		{"answer", `{"article_id":"kb-returns","text":"ok"}`},
		{"handoff", `{"queue":"billing","reason":"x"}`},
		{"clarify", `{"text":"\u00e9?"}`},
		{"clarify", `{"text":"a"} trailing`},
		{"set_slot", `{"slot":"order_id","value":"\ud800"}`},
		{"x", ``},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, name, args string) {
		cmd, err := testCatalog.decode(name, args)
		if err != nil {
			if !errors.Is(err, nlu.ErrInvalidToolCall) {
				t.Fatalf("error %v does not wrap ErrInvalidToolCall", err)
			}
			return
		}
		if cmd.Name != name {
			t.Fatalf("command %+v for tool %q", cmd, name)
		}
		switch name {
		case nlu.CmdStartFlow:
			if !slices.Contains(testCatalog.flows, cmd.Flow) {
				t.Fatalf("flow %q accepted", cmd.Flow)
			}
		case nlu.CmdSetSlot:
			if !slices.Contains(testCatalog.slots, cmd.Slot) {
				t.Fatalf("slot %q accepted", cmd.Slot)
			}
		case nlu.CmdAnswer:
			if !slices.Contains(testCatalog.articles, cmd.ArticleID) || cmd.Text == "" {
				t.Fatalf("answer %+v accepted", cmd)
			}
		case nlu.CmdHandoff:
			if !slices.Contains(testCatalog.queues, cmd.Queue) {
				t.Fatalf("queue %q accepted", cmd.Queue)
			}
		case nlu.CmdClarify:
			if cmd.Text == "" {
				t.Fatal("empty clarify accepted")
			}
		default:
			t.Fatalf("unknown tool %q accepted", name)
		}
	})
}
