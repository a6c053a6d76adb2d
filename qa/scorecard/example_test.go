package scorecard_test

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboard-voice/switchboard/qa"
	"github.com/switchboard-voice/switchboard/qa/scorecard"
)

const exampleCard = `name: opening
sections:
  - id: opening
    weight: 100
    questions:
      - id: greeting_with_name
        text: Did the agent greet the caller and give their name?
        type: yes_no
        weight: 60
        rule:
          said:
            phrases: [my name is, 我是]
            speaker: agent
            within_first: 30s
      - id: no_forbidden_phrases
        text: Did the agent avoid forbidden phrases?
        type: yes_no
        weight: 40
        critical: true
        rule:
          not_said: {phrases: [calm down, 闭嘴], speaker: agent}
`

func exampleCall() *qa.Call {
	return &qa.Call{
		SessionID: "s-42", Agent: "maya", Duration: 40 * time.Second,
		Turns: []qa.Turn{
			{Seq: 1, Speaker: qa.Agent, Start: time.Second, End: 4 * time.Second, Text: "Hello, my name is Maya, how can I help?"},
			{Seq: 2, Speaker: qa.Caller, Start: 5 * time.Second, End: 9 * time.Second, Text: "I was charged twice!"},
			{Seq: 3, Speaker: qa.Agent, Start: 10 * time.Second, End: 12 * time.Second, Text: "Calm down, please."},
		},
	}
}

// Parse a card, score a call with rules, and read the evidence.
func ExampleEvaluate() {
	card, err := scorecard.Parse("opening.yaml", []byte(exampleCard))
	if err != nil {
		fmt.Println(err) // file:line: problem, one per line
		return
	}
	res, err := scorecard.Evaluate(context.Background(), card, exampleCall())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("score %.0f (uncapped %.0f), critical %v\n", res.Score, res.Uncapped, res.Critical)
	for _, a := range res.Answers {
		ev := a.Evidence[0]
		fmt.Printf("%s: %s, turn %d at %v: %s\n", a.Question, a.Auto.Choice, ev.Seq, ev.Span.Start, ev.Note)
	}
	// Output:
	// score 0 (uncapped 60), critical [no_forbidden_phrases]
	// greeting_with_name: yes, turn 1 at 1.538461538s: agent said "my name is" at 0:02 (turn 1)
	// no_forbidden_phrases: no, turn 3 at 10s: agent said "Calm down" at 0:10 (turn 3)
}

// A reviewer overrides an answer; the result is scored again and the
// automatic answer is kept beside the override.
func ExampleRescore() {
	card, _ := scorecard.Parse("opening.yaml", []byte(exampleCard))
	res, _ := scorecard.Evaluate(context.Background(), card, exampleCall())
	reviewed, err := scorecard.Rescore(card, res, []scorecard.Override{{
		Question: "no_forbidden_phrases",
		Value:    scorecard.Value{Status: scorecard.Answered, Choice: scorecard.Yes},
		Comment:  "the caller asked to be told to calm down (joke)",
		Reviewer: "ana",
	}})
	if err != nil {
		fmt.Println(err)
		return
	}
	a := reviewed.Answers[1]
	fmt.Printf("score %.0f; %s: auto %s, reviewer %s (%s)\n", reviewed.Score, a.Question, a.Auto.Choice, a.Override.Value.Choice, a.Override.Comment)
	for _, ag := range scorecard.Agreement([]scorecard.Result{reviewed}) {
		fmt.Printf("%s: %d of %d reviewed answers agreed\n", ag.Question, ag.Agreed, ag.Reviewed)
	}
	// Output:
	// score 100; no_forbidden_phrases: auto no, reviewer yes (the caller asked to be told to calm down (joke))
	// no_forbidden_phrases: 0 of 1 reviewed answers agreed
}

// Bad definitions are reported with their file and line.
func ExampleParse() {
	_, err := scorecard.Parse("bad.yaml", []byte(`name: bad
sections:
  - id: s
    weight: 100
    questions:
      - id: q
        text: Greeted?
        type: yes_no
        weight: 90
        rule: {said: {phrases: [hello], speaker: customer}}
`))
	fmt.Println(err)
	// Output:
	// bad.yaml:5: section "s": question weights sum to 90, want 100 (q 90)
	// bad.yaml:10: unknown speaker "customer" (want caller, agent, bot or any)
}
