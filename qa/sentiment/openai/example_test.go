package openai_test

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboard-voice/switchboard/qa/sentiment"
	"github.com/switchboard-voice/switchboard/qa/sentiment/openai"
)

// The scorer against a local Ollama, backed by the embedded lexicon
// whenever the model times out, fails or answers nonsense; any
// OpenAI-compatible URL works.
func ExampleScorer_Score() {
	llm, err := openai.New(openai.Config{
		BaseURL:     "http://localhost:11434/v1",
		Model:       "qwen2.5:7b-instruct",
		Temperature: 0.01,
		Timeout:     3 * time.Second,
	})
	if err != nil {
		panic(err)
	}
	lex, err := sentiment.New()
	if err != nil {
		panic(err)
	}
	scorer := sentiment.WithFallback(llm, lex)
	s, err := scorer.Score(context.Background(), "第三次打电话了，还是没人处理", "")
	if err != nil {
		return // cancelled: the call ended
	}
	fmt.Println(s.Label, s.Score)
}
