// Package dialog is the dialogue manager. An Engine serves one bot version:
// New lints the bot, trains the intent classifier on its examples, builds
// the entity extractor and indexes the knowledge base. Engine.Start begins
// a Conversation; each Conversation.Turn takes one caller utterance and
// returns a Reply: actions (say, handoff with queue, reason, summary and the
// slots collected, end with an outcome) and a Trace (intent, confidence,
// entities, slots, flow and step, who decided, time per stage).
//
// A turn goes: clean the input (invalid UTF-8, control characters, length)
// → handoff phrases ("agent", "转人工") → LLM mode when the bot enables it
// (falling back to the embedded NLU on any error) → classify and extract
// entities → answer the pending question of the flow, or digress (an FAQ
// mid-flow is answered and the question asked again), or start what the
// intent says (answer, knowledge, flow, handoff) → run flow steps until one
// waits for the caller. Handoff rules: the caller asks for a human, N
// consecutive turns not understood, a slot that fails validation N times, a
// webhook that fails without an on_error step, a flow step that says so.
package dialog
