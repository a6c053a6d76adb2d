// Package nlu understands callers: an embedded intent classifier trained at
// load time from a bot's examples (no network, no external model), with
// calibrated confidences and out-of-scope detection; evaluation helpers for
// `switchboard nlu eval`; and the LLM interface that LLM mode plans turns
// with.
//
// Sub-packages:
//   - nlu/entity extracts numbers, spoken digits, money, dates and times,
//     phone numbers, emails, ids, yes/no and custom lists, in English and
//     Chinese.
//   - nlu/dialog is the dialogue manager: it classifies each turn, fills
//     slots, runs the bot's flows and returns actions (say, handoff, end).
//   - nlu/openai implements LLM with any OpenAI-compatible endpoint.
package nlu
