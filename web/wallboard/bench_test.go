package wallboard_test

import (
	"strconv"
	"testing"

	"github.com/switchboard-voice/switchboard/assist"
)

// benchWall builds, in the page, the "wall" event of a large centre at
// second i: 20 queues, 300 agents, 200 calls (ten end and ten start each
// second, the others change state and sentiment) and 50 alerts.
const benchWall = `(i, seq) => {
	const now = Date.now();
	const iso = (ms) => new Date(ms).toISOString();
	const states = ['available', 'busy', 'away', 'wrapup', 'offline'];
	const wall = { at: iso(now), queues: [], agents: [], calls: [], alerts: [] };
	for (let q = 0; q < 20; q++) wall.queues.push({ id: 'q' + q, name: 'Queue ' + q, waiting: (q + i) % 7,
		longest: ((q + i) % 90) * 1e9, service_level: ((q * 7 + i) % 100) / 100, threshold: 20e9, abandon_rate: (q % 9) / 100,
		aht: 240e9, answered: 100 + i, abandoned: q, agents: 15, available: (q + i) % 5 });
	for (let a = 0; a < 300; a++) wall.agents.push({ agent_id: 'a' + a, name: 'Agent ' + a, state: states[(a + i) % 5],
		since: iso(now - a * 1000), calls: (a + i) % 5 === 1 ? ['c' + a] : [] });
	for (let c = i * 10; c < i * 10 + 200; c++) wall.calls.push({ call_id: 'c' + c, queue: 'q' + (c % 20), agent_id: 'a' + (c % 300),
		caller_id: '+1555' + String(c).padStart(7, '0'), started_at: iso(now - (c % 600) * 1000),
		state: ['talking', 'hold', 'waiting', 'consulting'][(c + i) % 4], sentiment: Math.sin(c + i), alerts: (c + i) % 3 });
	for (let k = 0; k < 50; k++) wall.alerts.push({ id: 'al' + (i * 5 + k), severity: ['info', 'warning', 'critical'][k % 3],
		rule_name: 'Rule ' + k, kind: 'sentiment', call_id: 'c' + (i * 10 + k), agent: 'a' + k, queue: 'q' + (k % 20),
		at: iso(now - k * 1000), message: 'Caller sentiment fell 情绪' });
	return JSON.stringify({ seq, type: 'wall', at: iso(now), data: wall });
}`

// BenchmarkBrowserWall measures how long the wallboard takes to apply
// one "wall" event (it comes every second) of a large centre: parse,
// update the tables in place, re-sort, tick the clocks, and the layout
// that causes (layout-ms/wall of it). Both are measured in the page; ns/op
// adds building the event and the DevTools round trip.
func BenchmarkBrowserWall(b *testing.B) {
	snap := assist.WallState{}
	br, _ := startWall(b, &snap)
	var pageMS float64
	seq := 1_000_000
	for i := 0; b.Loop(); i++ {
		js := `(() => { const m = (` + benchWall + `)(` + strconv.Itoa(i) + `, ` + strconv.Itoa(seq+i) + `);
			const t0 = performance.now();
			window.wall.debug.receive(m);
			const t1 = performance.now();
			document.body.offsetHeight; // the layout it caused
			window.layoutMS = (window.layoutMS || 0) + performance.now() - t1;
			return performance.now() - t0; })()`
		pageMS += br.EvalFloat(js)
	}
	if got := br.Eval("document.querySelectorAll('#calls tbody tr').length"); got != "200" {
		b.Fatalf("%s call rows, want 200", got)
	}
	b.ReportMetric(pageMS/float64(b.N), "page-ms/wall")
	b.ReportMetric(br.EvalFloat("window.layoutMS")/float64(b.N), "layout-ms/wall")
}
