// Package prompts defines bots: a bot is a folder of YAML files (persona
// and system prompt, languages, intents with examples, custom entity types,
// flows, knowledge-base articles and handoff rules), optionally with intent
// examples imported from CSV files.
//
// Load reads a folder into a Bot and reports malformed or contradictory
// files as Problems, each with its file and line. Lint checks a loaded bot
// the way `switchboard flows lint` does: unknown step targets, unreachable
// steps, cycles that never wait for the caller, slots used before they are
// set, intents without examples, duplicate names.
//
// Flows are deterministic state machines of steps (say, ask, confirm,
// branch, webhook, answer, handoff, end); the dialogue manager in package
// nlu/dialog runs them. Templates ({{slot}}) and branch conditions
// (slot == 'x' && other > 3) are in template.go.
//
// A Bot is stored as JSON when published; versions are kept by package
// store and served through package conversation.
package prompts
