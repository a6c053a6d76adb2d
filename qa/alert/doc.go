// Package alert raises real-time alerts while a call is live (bot-only or
// with a human agent) and delivers them to webhooks.
//
// # Rules
//
// A Config (the `alerts:` section of switchboard.yaml) lists Rules, each
// with an ID, a name, a severity (info, warning, critical), a kind, the
// kind's parameters, a cooldown and the speakers it listens to:
//
//   - phrase: keywords, phrases and bounded regular expressions, matched
//     on normalised text (case, full/half width and punctuation ignored;
//     whole words in English, anywhere in Chinese), expanded with synonym
//     groups ("supervisor" also matches "manager"); one pass over the
//     utterance finds every phrase of every rule, so large keyword
//     libraries cost no more than the defaults;
//   - sentiment: the average qa.Turn sentiment of the last N utterances or
//     the last T seconds below a threshold;
//   - silence: nobody speaking for longer than T while the call is up and
//     not on hold;
//   - talk_over: both parties speaking at once N times within a window;
//   - bot_failures: the bot failing N turns in a row (qa.Turn.Failed);
//   - duration: the call lasting longer than T.
//
// A default rule set in English and Chinese ships with the package
// (defaults.yaml: legal threats and regulators such as 12315 and 银保监,
// complaints and escalation, cancellation, abuse, threats, vulnerable
// customers, negative sentiment, dead air, talk-over, a failing bot, long
// calls). The operator's rules replace defaults by ID, remove them with
// `disabled: true`, or add to them. Validate names the bad key
// ("alerts.rules[2].threshold: ..."). Compile turns a Config into Rules,
// shared by every call.
//
// # Monitors
//
// NewMonitor watches one call. The call loop and the agent bridge feed it
// what happens: Turn for each final utterance (again with the same Seq
// when its sentiment is scored later), SpeechStart and SpeechStop per
// speaker (voice activity, the bot's prompts playing), Hold, SetAgent after
// a handoff, End at hang-up; and something calls Tick regularly for the
// rules that depend on time passing. Each method evaluates at once, on the
// caller's goroutine, in microseconds, and returns the alerts raised; the
// monitor also publishes them to its Sink. Evidence text passes through
// the redaction function given WithRedact before it leaves the monitor.
//
// Silence and talk-over come from SpeechStart and SpeechStop. Without
// them silence is measured between final transcripts, so an utterance
// longer than a silence rule's duration would look like silence: feed
// speech activity whenever the call has it.
//
// A Watcher ticks many monitors from the one goroutine that runs it: there
// is no goroutine per call.
//
// # Delivery
//
// A Sink receives alerts and must never block the call. Webhook is a Sink
// that POSTs each alert's JSON to its endpoints, signed with
// HMAC-SHA256 in the X-Switchboard-Signature header
// ("t=<unix seconds>,v1=<hex of HMAC(secret, t + "." + body)>"); receivers
// check it with Verify or VerifyRequest. Each endpoint has a bounded queue
// (full: the alert is dropped and counted) and its own workers, so that a
// receiver that hangs delays nobody else; failed attempts are retried with
// exponential backoff and jitter. Close drains the queues within a
// deadline. Webhook and Rules are Prometheus collectors.
package alert
