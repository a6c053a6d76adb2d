package openai_test

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboard-voice/switchboard/qa"
	"github.com/switchboard-voice/switchboard/qa/scorecard"
	"github.com/switchboard-voice/switchboard/qa/scorecard/openai"
)

// Score a call with a local model answering the questions that ask for
// one; their rules answer when the model's answer is rejected.
func ExampleAnswerer() {
	ans, err := openai.New(openai.Config{
		BaseURL: "http://localhost:11434/v1",
		Model:   "qwen2.5:7b-instruct",
		Timeout: 20 * time.Second,
	})
	if err != nil {
		panic(err)
	}
	card, err := scorecard.ParseFile("scorecards/agent-calls.yaml")
	if err != nil {
		panic(err)
	}
	var call *qa.Call // from the store, when the call ends
	ev := scorecard.NewEvaluator(scorecard.WithAnswerer(ans))
	res, err := ev.Evaluate(context.Background(), card, call)
	if err != nil {
		return
	}
	for _, a := range res.Answers {
		if a.LLM != nil && !a.LLM.Accepted {
			fmt.Println(a.Question, "LLM rejected:", a.LLM.Error)
		}
	}
}
