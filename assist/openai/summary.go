package openai

import (
	"context"
	"errors"
	"fmt"
	"strings"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/switchboard-voice/switchboard/assist"
)

const summarySystem = `You write the after-call summary a call-centre agent saves with the call: three to five short lines in the language of the conversation — why the customer called, what was done, what is still open (with any reference numbers) — plain text, no markdown, no personal data beyond what the notes need.`

// Summarize writes the after-call summary with the chat model (the agent
// edits it before saving). It implements the agent service's Summarizer.
func (r *Replier) Summarize(ctx context.Context, req assist.SummaryRequest) (string, error) {
	var b strings.Builder
	h := req.Handoff
	if h.Summary != "" || h.Reason != "" {
		fmt.Fprintf(&b, "The bot's handoff: %s (reason: %s)\n", h.Summary, h.Reason)
	}
	for k, v := range h.Slots {
		fmt.Fprintf(&b, "Collected %s: %s\n", k, v)
	}
	b.WriteString("Conversation with the agent:\n")
	segs := req.Transcript
	if len(segs) > 80 {
		segs = segs[len(segs)-80:]
	}
	for _, s := range segs {
		if s.Final {
			fmt.Fprintf(&b, "%s: %s\n", s.Speaker, s.Text)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 2*r.cfg.Timeout)
	defer cancel()
	resp, err := r.client.CreateChatCompletion(ctx, goopenai.ChatCompletionRequest{
		Model: r.cfg.Model,
		Messages: []goopenai.ChatCompletionMessage{
			{Role: goopenai.ChatMessageRoleSystem, Content: summarySystem},
			{Role: goopenai.ChatMessageRoleUser, Content: b.String()},
		},
		MaxTokens: 300,
	})
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return "", fmt.Errorf("%w after %v", ErrTimeout, 2*r.cfg.Timeout)
	case err != nil:
		return "", fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	if len(resp.Choices) == 0 || strings.TrimSpace(resp.Choices[0].Message.Content) == "" {
		return "", ErrEmpty
	}
	return strings.TrimSpace(resp.Choices[0].Message.Content), nil
}
