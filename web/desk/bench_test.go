package desk_test

import (
	"strconv"
	"testing"
)

// benchSetup, run in the page, makes callID the only call with n final
// lines (a resync carrying them) and returns the time it took, layout
// included, in ms.
const benchSetup = `(callID, seq, n, text) => {
	const transcript = [];
	for (let u = 1; u <= n; u++) transcript.push({ speaker: u % 2 ? 'caller' : 'agent', utterance: u, final: true, start: u * 2e9, text });
	const msg = JSON.stringify({ seq, type: 'resync', at: new Date().toISOString(), data: {
		agent: window.desk.agent, offers: [], queues: [], agents: [],
		calls: [{ call_id: callID, queue: 'cards', caller_id: '+15550100', parties: [], handoff: {}, customer: {}, transcript }] } });
	const t0 = performance.now();
	window.desk.debug.receive(msg);
	document.body.offsetHeight;
	return performance.now() - t0;
}`

// benchLive, run in the page, sends k more utterances of callID, a
// partial and a final each, laying out after every event as the frames
// would, and returns the time in ms.
const benchLive = `(callID, seq, from, k, text) => {
	const msgs = [];
	for (let u = from; u < from + k; u++) {
		for (const final of [false, true]) {
			msgs.push(JSON.stringify({ seq: ++seq, type: 'transcript', at: new Date().toISOString(), data: {
				call_id: callID, speaker: u % 2 ? 'caller' : 'agent', utterance: u, final, start: u * 2e9, end: u * 2e9 + 1e9,
				text: final ? text : text.slice(0, 12) } }));
		}
	}
	const t0 = performance.now();
	for (const m of msgs) { window.desk.debug.receive(m); document.body.offsetHeight; }
	return performance.now() - t0;
}`

var benchTexts = map[string]string{
	"en": "I would like to block the card that I lost yesterday",
	"zh": "我昨天把银行卡丢了，想请你们帮我冻结一下",
}

// BenchmarkBrowserTranscript measures the desktop's transcript, in the
// page (ns/op adds building the messages and the DevTools round trip):
//
//   - live: a call already showing 500 lines gets 50 more utterances, a
//     partial and a final each, with a layout after each event (parse,
//     de-duplicate, merge, update the DOM, lay out): page-µs/event;
//   - resync: a resync brings a call with 500 lines to draw from
//     scratch (a reconnect to a restarted hub, a reload): page-ms/resync.
//
// Chromium here has no CJK font: Chinese lines go through font fallback
// on every layout, which a desktop with Noto CJK or PingFang does not.
func BenchmarkBrowserTranscript(b *testing.B) {
	d := startDesk(b)
	d.login()
	const lines, more = 500, 50
	seq, runs := 1_000_000, 0
	for _, lang := range []string{"en", "zh"} {
		text := strconv.Quote(benchTexts[lang])
		b.Run("live/"+lang, func(b *testing.B) {
			runs++ // a fresh call each time the framework runs this
			call := "live-" + lang + strconv.Itoa(runs)
			d.b.EvalFloat(`(` + benchSetup + `)('` + call + `', ` + strconv.Itoa(seq) + `, ` + strconv.Itoa(lines) + `, ` + text + `)`)
			seq++
			var ms float64
			from := lines + 1
			for b.Loop() {
				ms += d.b.EvalFloat(`(` + benchLive + `)('` + call + `', ` + strconv.Itoa(seq) + `, ` + strconv.Itoa(from) + `, ` + strconv.Itoa(more) + `, ` + text + `)`)
				seq += 2*more + 1
				from += more
			}
			b.ReportMetric(ms*1e3/float64(b.N*2*more), "page-µs/event")
		})
		b.Run("resync/"+lang, func(b *testing.B) {
			var ms float64
			for b.Loop() {
				runs++
				ms += d.b.EvalFloat(`(` + benchSetup + `)('resync-` + strconv.Itoa(runs) + `', ` + strconv.Itoa(seq) + `, ` + strconv.Itoa(lines) + `, ` + text + `)`)
				seq++
			}
			if got := d.b.Eval("document.querySelectorAll('#transcript li.live').length"); got != strconv.Itoa(lines) {
				b.Fatalf("%s lines shown, want %d", got, lines)
			}
			b.ReportMetric(ms/float64(b.N), "page-ms/resync")
		})
	}
}
