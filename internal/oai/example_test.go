package oai_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/switchboard-voice/switchboard/internal/oai"
)

// An adapter's New checks its Config with a Checker and builds its client.
func ExampleChecker() {
	type Config struct {
		BaseURL string
		APIKey  string
		Model   string
		Timeout time.Duration
	}
	newAdapter := func(cfg Config) (*goopenai.Client, error) {
		var c oai.Checker
		c.Model("Config.Model", &cfg.Model, "")
		c.BaseURL("Config.BaseURL", &cfg.BaseURL, oai.DefaultBaseURL)
		c.Duration("Config.Timeout", &cfg.Timeout, 5*time.Second)
		if err := c.Err(); err != nil {
			return nil, fmt.Errorf("example/openai: %w", err)
		}
		return oai.NewClient(cfg.BaseURL, cfg.APIKey, nil), nil
	}
	_, err := newAdapter(Config{Model: "qwen2.5:7b-instruct", BaseURL: "localhost:11434/v1"})
	fmt.Println(err)
	_, err = newAdapter(Config{Model: "gpt-4o-mini", Timeout: -time.Second})
	fmt.Println(err)
	_, err = newAdapter(Config{Model: "gpt-4o-mini", BaseURL: "http://localhost:11434/v1/"})
	fmt.Println(err)
	// Output:
	// example/openai: Config.BaseURL "localhost:11434/v1": want an http or https URL such as https://api.openai.com/v1
	// example/openai: Config.Timeout -1s is negative
	// <nil>
}

var errUnavailable = errors.New("example: llm unavailable")

// Classify maps a failed request to the adapter's own errors.
func ExampleClassify() {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, `{"error":{"message":"Rate limit reached.","type":"requests","code":"rate_limit_exceeded"}}`)
	}))
	defer hs.Close()
	client := oai.NewClient(hs.URL+"/v1", "sk-example", hs.Client())

	ctx := context.Background()
	callCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err := client.CreateChatCompletion(callCtx, goopenai.ChatCompletionRequest{Model: "gpt-4o-mini",
		Messages: []goopenai.ChatCompletionMessage{{Role: "user", Content: "hello"}}})

	f := oai.Classify(ctx, callCtx, err)
	switch f.Kind {
	case oai.Canceled:
		err = fmt.Errorf("example/openai: %w", f.Err)
	case oai.Timeout:
		err = fmt.Errorf("example/openai: no reply within %v", 5*time.Second)
	default:
		err = oai.Wrap(errUnavailable, "example/openai: "+f.Detail, err)
	}
	var apiErr *goopenai.APIError
	fmt.Println(f.Kind, f.Status)
	fmt.Println(err)
	fmt.Println(errors.Is(err, errUnavailable), errors.As(err, &apiErr))
	// Output:
	// rate limited 429
	// example: llm unavailable: example/openai: HTTP 429: Rate limit reached.
	// true true
}
