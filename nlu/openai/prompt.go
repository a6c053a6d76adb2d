package openai

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	goopenai "github.com/sashabaranov/go-openai"
	"github.com/sashabaranov/go-openai/jsonschema"

	"github.com/switchboard-voice/switchboard/nlu"
)

// request builds the chat request for a turn.
func (l *LLM) request(req *nlu.PlanRequest, cat *catalog) goopenai.ChatCompletionRequest {
	msgs := make([]goopenai.ChatCompletionMessage, 0, len(req.History)+2)
	msgs = append(msgs, goopenai.ChatCompletionMessage{Role: goopenai.ChatMessageRoleSystem, Content: systemPrompt(req)})
	for _, m := range req.History {
		role := goopenai.ChatMessageRoleUser
		if m.Role == goopenai.ChatMessageRoleAssistant {
			role = goopenai.ChatMessageRoleAssistant
		}
		msgs = append(msgs, goopenai.ChatCompletionMessage{Role: role, Content: m.Content})
	}
	msgs = append(msgs, goopenai.ChatCompletionMessage{Role: goopenai.ChatMessageRoleUser, Content: req.Utterance})
	return goopenai.ChatCompletionRequest{
		Model:       l.cfg.Model,
		Messages:    msgs,
		Temperature: l.cfg.Temperature,
		Stream:      true,
		Tools:       tools(cat),
	}
}

// systemPrompt tells the model its instructions, where the conversation is
// and what it may refer to. Values that come from callers or documents are
// quoted or fenced so that they read as data.
func systemPrompt(req *nlu.PlanRequest) string {
	var b strings.Builder
	line := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	if s := strings.TrimSpace(req.SystemPrompt); s != "" {
		line("%s\n", s)
	}
	if s := strings.TrimSpace(req.Persona); s != "" {
		line("Persona: %s\n", s)
	}
	if req.Language != "" {
		line("The conversation is in language %q: always reply in it.\n", req.Language)
	}
	line("You are on a phone call. Act through the tools: start_flow to begin a task the caller asks for, " +
		"set_slot when the caller gives a value the current flow needs, answer to answer a question from an article, " +
		"handoff when the caller needs a human, clarify to ask the caller a question. " +
		"You may call several tools in one turn (for example set_slot and answer). Keep spoken text short.\n")

	line("## Current state")
	if req.CurrentFlow == "" {
		line("Current flow: none (idle)")
	} else {
		line("Current flow: %q", req.CurrentFlow)
	}
	if req.PendingSlot == "" {
		line("Pending slot: none")
	} else {
		line("Pending slot: %q (the value the flow is waiting for)", req.PendingSlot)
	}
	if len(req.Slots) == 0 {
		line("Collected slots: none")
	} else {
		line("Collected slots:")
		for _, k := range slices.Sorted(maps.Keys(req.Slots)) {
			line("- %s = %q", k, req.Slots[k])
		}
	}

	if len(req.Flows) > 0 {
		line("\n## Flows you can start")
		for _, f := range req.Flows {
			slots := "none"
			if len(f.Slots) > 0 {
				slots = strings.Join(f.Slots, ", ")
			}
			line("- %s: %s (slots: %s)", f.Name, oneLine(f.Description), slots)
		}
	}
	if len(req.Queues) > 0 {
		line("\n## Queues you can hand off to")
		for i, q := range req.Queues {
			if i == 0 {
				line("- %s (default)", q)
			} else {
				line("- %s", q)
			}
		}
	}

	line("\n## Knowledge base articles")
	if len(req.Articles) == 0 {
		line("No article was found for this utterance. Do not answer questions from your own knowledge: " +
			"ask the caller to rephrase (clarify) or hand off.")
	} else {
		line("Answer questions only from these articles, with the answer tool and the id of the article you used. " +
			"If they do not contain the answer, do not guess: clarify or hand off.")
		for _, a := range req.Articles {
			line("<article id=%q title=%q>\n%s\n</article>", a.ID, oneLine(a.Title), fence(a.Body))
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// fence keeps an article body from closing its <article> element early.
func fence(body string) string {
	return strings.ReplaceAll(strings.TrimSpace(body), "</article", "< /article")
}

// tools returns the five command tools. A tool whose enum would be empty
// (no flows, no articles, no queues) is left out: an empty enum is not a
// valid schema and the model could not call it correctly anyway.
func tools(cat *catalog) []goopenai.Tool {
	str := func(desc string, enum []string) jsonschema.Definition {
		return jsonschema.Definition{Type: jsonschema.String, Description: desc, Enum: enum}
	}
	obj := func(props map[string]jsonschema.Definition, required ...string) jsonschema.Definition {
		return jsonschema.Definition{
			Type: jsonschema.Object, Properties: props, Required: required, AdditionalProperties: false,
		}
	}
	tool := func(name, desc string, params jsonschema.Definition) goopenai.Tool {
		return goopenai.Tool{Type: goopenai.ToolTypeFunction, Function: &goopenai.FunctionDefinition{
			Name: name, Description: desc, Parameters: params,
		}}
	}
	var out []goopenai.Tool
	if len(cat.flows) > 0 {
		out = append(out, tool(nlu.CmdStartFlow, "Start a flow (a task such as a refund) the caller asks for.",
			obj(map[string]jsonschema.Definition{"flow": str("The flow to start.", cat.flows)}, "flow")))
	}
	out = append(out, tool(nlu.CmdSetSlot, "Record a value the caller gave for a slot of the current flow.",
		obj(map[string]jsonschema.Definition{
			"slot":  str("The slot name.", cat.slots),
			"value": str("The value, as the caller gave it, normalised (digits for numbers).", nil),
		}, "slot", "value")))
	if len(cat.articles) > 0 {
		out = append(out, tool(nlu.CmdAnswer, "Answer the caller's question from one knowledge base article.",
			obj(map[string]jsonschema.Definition{
				"article_id": str("The id of the article the answer comes from.", cat.articles),
				"text":       str("The answer to speak, short, based only on the article.", nil),
			}, "article_id", "text")))
	}
	if len(cat.queues) > 0 {
		out = append(out, tool(nlu.CmdHandoff, "Transfer the caller to a human agent queue.",
			obj(map[string]jsonschema.Definition{
				"queue":  str("The queue to transfer to.", cat.queues),
				"reason": str("Why, in a few words, for the agent.", nil),
			}, "queue", "reason")))
	}
	out = append(out, tool(nlu.CmdClarify, "Ask the caller a question when the request is unclear.",
		obj(map[string]jsonschema.Definition{"text": str("The question to speak.", nil)}, "text")))
	return out
}
