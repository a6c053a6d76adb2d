// Package qa serves the QA console: a page at /qa (plain HTML, JavaScript
// and CSS embedded in the binary, no build step, no external libraries)
// and its JSON API under /v1/qa/, over a qa/review.Service.
//
//	h := qa.Handler(svc, qa.WithLogger(log))
//	mux.Handle("/qa", h)
//	mux.Handle("/qa/", h)
//	mux.Handle("/v1/qa/", h)
//
// # The page
//
// Calls: a search over every store.SessionQuery filter (dates, queue,
// agent, bot, outcome, score and sentiment ranges, alert kind, text said
// in the call) with sortable columns and paging. A call: its redacted
// recording in an <audio> player with the transcript in step (click a turn
// to seek; the turn playing is highlighted), the sentiment timeline per
// speaker as an SVG chart, each scorecard's answers with their evidence
// (click to hear it) and an override form, comments, alerts and wrap-ups.
// Dashboards: containment, handoff reasons, handle time, scores per agent,
// queue, day and question, the sentiment trend and alert counts as SVG
// charts, each table downloadable as CSV. Scorecards: edit a draft as
// YAML, publish, roll back.
//
// # The API
//
// docs/openapi.yaml describes every route (the /v1/qa/ paths), checked
// against Server.Routes by the tests. Errors are JSON {"error": "..."}:
// 400 for a bad parameter (the message names it), 404 for an unknown call,
// scorecard or table, 422 for an answer that does not fit its question and
// for an invalid scorecard, whose body lists the problems as "file:line:
// message". Personal data is masked in everything the API returns, and
// the recording it serves is the redacted copy.
package qa
