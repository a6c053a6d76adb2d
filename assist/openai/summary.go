package openai

import (
	"context"
	"fmt"
	"strings"

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
	writeTranscript(&b, req.Transcript, 80)
	return r.complete(ctx, summarySystem, b.String(), 300, 2*r.cfg.Timeout)
}
