package assist_test

import (
	"context"
	"strings"
	"testing"

	"github.com/switchboard-voice/switchboard/assist"
	"github.com/switchboard-voice/switchboard/nlu/dialog"
	"github.com/switchboard-voice/switchboard/prompts"
)

const cardBot = `
name: cards
languages: [en]
greeting: Hi.
fallback: Sorry?
handoff: {queue: cards}
intents:
  - name: lost_card
    examples: [i lost my card, my card was stolen, block my card, lost card, someone took my card, i cannot find my card]
    flow: block
  - name: fees
    examples: [what are the fees, how much does it cost, is there a charge, why was i charged]
    knowledge: fees
  - name: hours
    examples: [when are you open, opening hours, what time do you close]
    answer: We are open nine to five.
flows:
  - name: block
    steps:
      - {id: ask, kind: ask, slot: last4, type: digits, say: "What are the last four digits of the card?", validate: {length: 4}, next: confirm}
      - {id: confirm, kind: confirm, say: "Block the card ending {{last4}}?", yes: call, no: done}
      - {id: call, kind: webhook, webhook: {url: /cards/block}, next: done}
      - {id: done, kind: end, say: "Done."}
knowledge:
  - {id: lost-card, title: Lost or stolen card, body: "If your card is lost or stolen, block it at once in the app or by phone. A new card arrives in five working days.", tags: [cards]}
  - {id: fees, title: Card fees, body: "There is no fee for a replacement card. Foreign transactions cost 2.75 percent.", tags: [fees]}
  - {id: travel, title: Travelling abroad, body: "Tell us before you travel so that your card is not blocked abroad.", tags: [travel]}
`

func engines(t *testing.T) assist.Engines {
	t.Helper()
	b, err := prompts.Parse("bot.yaml", []byte(cardBot))
	if err != nil {
		t.Fatal(err)
	}
	e, err := dialog.New(b)
	if err != nil {
		t.Fatal(err)
	}
	return func(ctx context.Context, bot string) (*dialog.Engine, error) { return e, nil }
}

type replier struct{ got assist.ReplyRequest }

func (r *replier) Reply(ctx context.Context, req assist.ReplyRequest) (string, error) {
	r.got = req
	return "You can block it now; a new card comes in five working days.", nil
}

func TestSuggest(t *testing.T) {
	rep := &replier{}
	a := assist.NewAssistant(engines(t), assist.WithReplier(rep))
	ctx := context.Background()
	s, err := a.Suggest(ctx, assist.SuggestRequest{CallID: "c1", Bot: "cards", Language: "en", Utterance: "somebody stole my card yesterday",
		Handoff: assist.Handoff{Slots: map[string]string{"last4": "4821"}}, Done: map[string]bool{"block.confirm": true}})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Articles) == 0 || s.Articles[0].ID != "lost-card" || !strings.Contains(s.Articles[0].Body, "five working days") {
		t.Errorf("articles %+v", s.Articles)
	}
	if s.Flow != "block" || len(s.Steps) != 4 {
		t.Fatalf("steps %q %+v", s.Flow, s.Steps)
	}
	if !s.Steps[0].Done || !strings.Contains(s.Steps[0].Text, "4821") {
		t.Errorf("the slot the bot collected is not ticked: %+v", s.Steps[0])
	}
	if !s.Steps[1].Done || s.Steps[2].Done {
		t.Errorf("ticks: %+v", s.Steps)
	}
	if s.Reply == "" || len(rep.got.Articles) == 0 || rep.got.Utterance != "somebody stole my card yesterday" {
		t.Errorf("reply %q from %+v", s.Reply, rep.got)
	}

	// A question about fees: the fees article, no flow.
	s, err = a.Suggest(ctx, assist.SuggestRequest{Bot: "cards", Utterance: "how much do you charge for a replacement card"})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Articles) == 0 || s.Articles[0].ID != "fees" || s.Flow != "" {
		t.Errorf("fees: %+v", s)
	}
	// Short answers borrow the caller's previous words.
	s, _ = a.Suggest(ctx, assist.SuggestRequest{Bot: "cards", Utterance: "yes",
		Transcript: []assist.Segment{{Speaker: "caller", Final: true, Text: "I am travelling to Spain next week"}}})
	if len(s.Articles) == 0 || s.Articles[0].ID != "travel" {
		t.Errorf("short answer: %+v", s.Articles)
	}
}

func BenchmarkSuggest(b *testing.B) {
	bot, _ := prompts.Parse("bot.yaml", []byte(cardBot))
	e, _ := dialog.New(bot)
	a := assist.NewAssistant(func(context.Context, string) (*dialog.Engine, error) { return e, nil })
	ctx := context.Background()
	req := assist.SuggestRequest{Bot: "cards", Utterance: "somebody stole my card yesterday and I need a new one"}
	_, _ = a.Suggest(ctx, req)
	b.ReportAllocs()
	for b.Loop() {
		_, _ = a.Suggest(ctx, req)
	}
}
