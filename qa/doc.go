// Package qa will score every call: per-utterance sentiment in English and
// Chinese, QA scorecards answered by rules or an LLM with evidence, reviewer
// overrides, and real-time alerts (keywords, sentiment, silence, talk-over).
//
// Nothing is implemented yet: the QA issue builds it.
package qa
