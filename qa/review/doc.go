// Package review is QA review: it scores every call when it ends, keeps
// the scorecards and the reviewers' overrides and comments, rescoring past
// calls, and computes the QA dashboards. web/qa serves it as the QA
// console at /qa; "switchboard qa" runs it from the command line.
//
// # Scoring a call
//
// New takes the store and the QA parts (a sentiment.Scorer, a
// scorecard.Evaluator, a redact.Redactor, the recording folder); when a
// call ends, Score builds its qa.Call from the store (CallFor), masks its
// personal data, fills in missing turn sentiment, evaluates every active
// scorecard that applies, saves the results with their evidence, sets the
// session's caller sentiment and primary score, and writes a redacted copy
// of the recording beside the original (RedactedPath):
//
//	svc, err := review.New(review.Config{Store: st, Redactor: red, RecordingDir: "data/recordings"})
//	loaded, err := svc.LoadDir(ctx, "scorecards") // publish new or changed cards
//	err = svc.Score(ctx, sessionID)              // when the call ends
//
// # Reviews
//
// A reviewer's Override is checked against the question
// (scorecard.Card.CheckOverride), stored beside the automatic answer, and
// the call scored again with every override; comments on a call
// (AddComment) are kept with the overrides under CommentCard. Agreement
// measures, per question, how often reviewers agreed with the automatic
// answers. Rescore scores the calls of a period again with the active card
// versions, applying the overrides that still fit and reporting the others.
//
// # Agreement sets
//
// Without reviewers, agreement is measured on a labelled set: calls as
// qa.Call JSON, each with a reviewer's answers to every question of the
// cards that apply (testdata/agreement and testdata/agreement-heldout are
// ours, written by hand). LoadAgreementSet reads one; MeasureAgreement
// scores its calls as Score would (masked, sentiment filled in), sets the
// reviewer's answers beside the automatic ones and reports agreement per
// question (numbers by band, with the confusion of yes/no and choice
// answers), card, language and overall, the effect on scores and pass/fail,
// and every disagreement with both sides' reasons:
//
//	set, err := review.LoadAgreementSet("qa/review/testdata/agreement")
//	rep, err := review.MeasureAgreement(ctx, set, review.AgreementConfig{Cards: cards, Sentiment: lex})
//
// "switchboard qa agreement --eval DIR" prints the report.
//
// # Scorecards
//
// Cards are versioned in the store. LoadDir publishes the YAML folder's
// cards whose content no version has yet; SaveDraft (YAML or JSON, errors
// naming file:line), Publish and Rollback manage them afterwards.
//
// # Dashboards
//
// Dashboard computes, for the calls that started in a range: bot
// containment, handoff reasons, average handle time, average scores per
// agent, queue, day and question, the caller sentiment trend, alert counts
// and reviewer agreement; Dashboard.CSV writes any of its tables.
package review
