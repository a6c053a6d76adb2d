// Package sentiment scores the sentiment of call-center utterances in
// English and Chinese, and sums it up per call.
//
// # Scoring one utterance
//
// A Scorer returns a qa.Sentiment: a score in [-1, 1] and a label
// (negative, neutral, positive). Lexicon is the embedded scorer, built
// from lexicons compiled into the binary, so it needs no model, no
// download and no ../shared folder:
//
//	lex, err := sentiment.New()
//	s, err := lex.Score(ctx, "flight cancelled, two hours on hold, still no refund", "")
//	// s.Score -0.86, s.Label negative
//
// The language is detected from the text when lang is "" (Han characters
// against Latin words); "en", "zh" and their regional tags are accepted,
// other languages fail with ErrLanguage. Mixed text ("我的order还没到") is
// scored with both lexicons at once.
//
// # How Lexicon scores
//
// The text is cut into tokens: words for spaced scripts, one token per
// character for Chinese, emoticons (":-(", "<3") and emoji, and clause
// breaks (. , ; : ! ? and their full-width forms). At each token the
// longest lexicon entry that matches is taken; entries are words,
// phrase patterns or emoticons (see lexicon/README.md for the file format),
// so "不错" wins over "不" and "no problem" over "no". Each entry either
// carries a valence on -4..+4 or is a negator, a booster, a contrast or a
// concession word. Then, as in VADER (Hutto and Gilbert, 2014):
//
//   - a negator up to three tokens before a valence (four for Chinese, and
//     never across a clause break) flips it by -0.74, or to the entry's own
//     negated valence: "arrived" is mildly good, "never arrived" -2.1;
//     "退款" is neutral, "还没退款" bad;
//   - boosters ("very", "so", "非常", "太") add to its magnitude, dampeners
//     ("a bit", "有点") take from it;
//   - after a contrast word ("but", "however", "但是", "可是", "不过") the
//     valences count 1.5 times, before it half; the clause of a concession
//     ("although", "虽然") counts half;
//   - a word in capitals in a text that is not all capitals, each "!" (up
//     to four) and repeated "?" push the score further the way it leans;
//   - the sum is squashed into [-1, 1] as sum/sqrt(sum²+15) and labelled
//     with the thresholds (DefaultNegativeThreshold,
//     DefaultPositiveThreshold, or WithThresholds).
//
// What makes it a call-center scorer is the embedded lexicon's phrases:
// what hurts a customer even without a sentiment word — delays and
// cancellations, waiting and hold time ("two hours on hold", "等了半天"),
// repeated contacts ("third time I call", "打了好几次电话", "第三次"),
// money charged twice or not refunded ("charged me twice", "重复扣",
// "钱还没退回来"), things that did not arrive ("一直没到"), being
// transferred around ("转来转去"), broken promises ("supposed to",
// "说好的"), "still", and threats to complain or leave ("I'm switching to
// another provider", "我要投诉", "12315"); and the neutral formulas of
// the trade ("I'll put you on hold", "sorry for the inconvenience",
// "你好", "快递") that a general-purpose lexicon would mistake for
// sentiment.
//
// WithVADER adds a lexicon in VADER's format (vader_lexicon.txt, when the
// deployment has it) under the embedded one, for broader general
// vocabulary; WithLexicon adds a lexicon of our format over it, for a
// domain's words. Analyze returns the score with its evidence (the entries
// that matched, negated or not, and what each counted for), for QA
// reviewers and for tuning.
//
// # Remote scorers and fallback
//
// Package qa/sentiment/openai scores with a chat model behind any
// OpenAI-compatible endpoint. Its errors wrap ErrTimeout, ErrUnavailable
// or ErrInvalidReply, so that WithFallback(llm, lex) answers with the
// embedded scorer whenever the model cannot.
//
// # A call
//
// ScoreTurns fills in the Sentiment of a call's turns, and Summarize sums
// them up: a timeline per speaker, the caller's overall sentiment weighted
// toward the end of the call (the last turn counts three times the first),
// and the change from the first half of the call to the second — did the
// caller end happier than they started?
//
// # Measuring
//
// ReadExamples and EvaluateLabels (accuracy, macro-F1, per-class figures,
// confusion matrix) measure a scorer on a labelled CSV; ReadRatings and
// EvaluateRatings (Pearson correlation) on human ratings such as VADER's
// ground-truth sets, with HeldOut choosing a fixed fifth to report on.
// "switchboard sentiment eval" runs both; docs/benchmarks.md has the
// figures. testdata/ holds a customer-service set we wrote ourselves,
// split into dev (tuned on) and test (reported).
package sentiment
