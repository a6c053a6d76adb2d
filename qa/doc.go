// Package qa scores every call: per-utterance sentiment in English and
// Chinese (qa/sentiment), QA scorecards answered by rules or an LLM with
// evidence (qa/scorecard), real-time alerts (qa/alert) and PII redaction
// (qa/redact).
//
// This package holds what they share: Call, one call's turns and facts as
// QA sees them, whoever took part (bot, agent, or both).
package qa
