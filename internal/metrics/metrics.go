// Package metrics registers every Prometheus collector of the switchboard
// binary in one place, so that names, labels and buckets are reviewed
// together.
package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics are the server's collectors.
type Metrics struct {
	Registry *prometheus.Registry

	// Turns counts dialogue turns by bot, final action (say, handoff, end)
	// and who decided (nlu, llm, rule).
	Turns *prometheus.CounterVec
	// TurnSeconds is the dialogue manager's time per turn. Buckets from
	// 100 µs to 10 s: embedded NLU turns take well under a millisecond,
	// webhook and LLM turns hundreds of milliseconds.
	TurnSeconds *prometheus.HistogramVec
	// LLMFallbacks counts LLM turns that fell back to the embedded NLU.
	LLMFallbacks *prometheus.CounterVec
	// Sessions counts sessions started, by bot and channel.
	Sessions *prometheus.CounterVec
	// LiveSessions is the number of live conversations.
	LiveSessions prometheus.GaugeFunc
	// HTTPRequests counts API requests by route and status code.
	HTTPRequests *prometheus.CounterVec
}

// New creates and registers the collectors. live reports the number of
// live sessions.
func New(live func() float64) *Metrics {
	r := prometheus.NewRegistry()
	m := &Metrics{
		Registry: r,
		Turns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "switchboard_turns_total", Help: "Dialogue turns by bot, final action and decision source.",
		}, []string{"bot", "action", "source"}),
		TurnSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "switchboard_turn_seconds", Help: "Dialogue manager time per turn.",
			Buckets: prometheus.ExponentialBucketsRange(0.0001, 10, 16),
		}, []string{"bot"}),
		LLMFallbacks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "switchboard_llm_fallbacks_total", Help: "LLM turns that fell back to the embedded NLU.",
		}, []string{"bot"}),
		Sessions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "switchboard_sessions_total", Help: "Sessions started by bot and channel.",
		}, []string{"bot", "channel"}),
		LiveSessions: prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "switchboard_live_sessions", Help: "Conversations in progress.",
		}, live),
		HTTPRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "switchboard_http_requests_total", Help: "HTTP API requests by route and status code.",
		}, []string{"route", "code"}),
	}
	r.MustRegister(m.Turns, m.TurnSeconds, m.LLMFallbacks, m.Sessions, m.LiveSessions, m.HTTPRequests,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}
