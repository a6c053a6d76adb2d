package openai_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/switchboard-voice/switchboard/nlu"
	"github.com/switchboard-voice/switchboard/nlu/openai"
)

// The adapter against a local Ollama; any OpenAI-compatible URL works.
func ExampleLLM_Plan() {
	llm, err := openai.New(openai.Config{
		BaseURL:           "http://localhost:11434/v1",
		Model:             "qwen2.5:7b-instruct",
		FirstTokenTimeout: 1500 * time.Millisecond,
	})
	if err != nil {
		panic(err)
	}
	plan, err := llm.Plan(context.Background(), nlu.PlanRequest{
		SystemPrompt: "You are the assistant of Acme Parcels.",
		Utterance:    "I'd like my money back for order 1234",
		Flows:        []nlu.FlowInfo{{Name: "refund", Description: "Refund an order.", Slots: []string{"order_id"}}},
		Queues:       []string{"support"},
		OnText:       func(delta string) { fmt.Print(delta) }, // to TTS
	})
	switch {
	case errors.Is(err, nlu.ErrLLMTimeout), errors.Is(err, nlu.ErrLLMUnavailable), errors.Is(err, nlu.ErrInvalidToolCall):
		// fall back to the embedded classifier
	case err != nil:
		return // cancelled: the caller barged in or hung up
	}
	for _, cmd := range plan.Commands {
		fmt.Println(cmd.Name, cmd.Flow, cmd.Slot, cmd.Value)
	}
}
