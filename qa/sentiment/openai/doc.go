// Package openai implements sentiment.Scorer with a chat model behind any
// OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, llama.cpp...), using
// github.com/sashabaranov/go-openai.
package openai
