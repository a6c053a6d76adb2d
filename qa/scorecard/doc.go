// Package scorecard scores calls against QA scorecards: YAML definitions of
// questions with weights, answered automatically by rules over the
// transcript and call data, or by a language model, each answer with the
// evidence a reviewer needs (the turn, the words and where they are in the
// recording, or the metric and its value).
//
//	card, err := scorecard.Parse("agent-calls.yaml", data) // errors name file:line
//	res, err := scorecard.Evaluate(ctx, card, call)        // rules only
//	ev := scorecard.NewEvaluator(scorecard.WithAnswerer(llm)) // rules and an LLM
//	res, err = ev.Evaluate(ctx, card, call)
//
// # Cards
//
// A card has a name, an optional applies_to condition (bots, queues,
// channels, languages, has_agent, intents...), named synonym lists and
// sections of questions. Section weights sum to 100, and within each
// section the question weights sum to 100; Parse checks both. Questions
// are yes_no (yes earns the weight), choice (options with points, scored
// over the best option), number (a value, usually a metric of the call,
// scored by bands) or text (not scored). A question's when condition makes
// it N/A on other calls; N/A and unanswered questions leave the score and
// the remaining weights are renormalised, in the section and then across
// sections. A critical question whose answer earns nothing fails the call:
// its score is 0 and Result.CriticalFailed is set (Result.Uncapped keeps
// the score without it).
//
//	sections:
//	  - id: conduct
//	    weight: 30
//	    questions:
//	      - id: no_forbidden_phrases
//	        text: Did the agent avoid forbidden phrases?
//	        type: yes_no
//	        weight: 60
//	        critical: true
//	        rule:
//	          not_said: {synonyms: [forbidden], speaker: agent}
//
// The sample cards in scorecards/ at the repository root show every
// feature, in English and Chinese.
//
// # Rules
//
// A rule has one test; any, all and not combine them.
//
//   - said / not_said: phrases, synonym lists or bounded regexes, by a
//     speaker (caller, agent, bot, any or a list), optionally within_first
//     or within_last N seconds, near or not_near other phrases (within N
//     words or N seconds), at least min_count times. Matching ignores case,
//     punctuation and full-width/half-width forms; English matches whole
//     words ("hi" is not in "this"), Chinese any run of characters, with or
//     without spaces; "apologi*" matches a word prefix.
//   - played: a bot turn played a prompt (qa.Turn.Prompt), e.g. a
//     disclosure.
//   - slot, intent, outcome: the call's data.
//   - metric with min/max: duration, hold_time, hold_count, longest_hold,
//     longest_silence, silence_count and silence_time (gaps between turns
//     over a threshold, time on hold excluded), talk_over_count and
//     talk_over_time (overlapping turns of different speakers),
//     talk_listen_ratio, agent_talk_share, sentiment (a speaker's avg, min,
//     max, first, last or change of qa.Turn.Sentiment), bot_failures,
//     max_consecutive_failures, intents, turns.
//
// Regexes run on the normalised text and are bounded when the card is
// parsed (MaxRegexBytes, MaxRegexRepeat, MaxRegexInstructions): Go's RE2
// matches in linear time, and the bounds keep the constant small.
//
// # The LLM
//
// A question with an llm section is put to the Evaluator's Answerer
// (package qa/scorecard/openai for any OpenAI-compatible endpoint), which
// must pick one of the listed answers and quote the transcript. The quote is
// looked up in the normalised transcript and mapped to its turn and offset;
// an answer not on offer or a quote not found is rejected, as are timeouts
// and malformed replies, and the question falls back to its rule, or is
// left unanswered for review (Result.NeedsReview). Answer.LLM records the
// attempt either way.
//
// # Results and reviews
//
// Evaluate returns a Result: per question the automatic answer (Auto), its
// Source (rule, llm), Evidence and a one-line Note, the points, and per
// section and in total the score in percent. With rules only it is
// deterministic. Reviewers' answers (Override) sit beside the automatic
// ones: Rescore applies them and scores again, Agreement measures how
// often reviewers agreed with the automatic answers, per question.
//
// Cards are stored as JSON (Card.JSON, FromJSON) with the version the
// store gives them (Card.Version); Card.Hash is a stable hash of the
// content, the same for any formatting of the YAML.
package scorecard
