package voicebot

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the voicebot's Prometheus collectors. Latency buckets run
// from 10 ms to 5 s: turn latencies live between 300 ms and 2 s, and the
// overhead histogram needs resolution below 20 ms.
type Metrics struct {
	turnTotal *prometheus.HistogramVec
	overhead  prometheus.Histogram
	bargeIns  prometheus.Histogram
}

// NewMetrics registers the voicebot's collectors with reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		turnTotal: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "switchboard_voicebot_turn_seconds",
			Help:    "Caller's last voiced frame to the bot's first reply frame, by stage (total, end_of_turn, asr, dialog, tts).",
			Buckets: []float64{.01, .025, .05, .1, .2, .3, .4, .5, .6, .7, .8, 1, 1.5, 2, 3, 5},
		}, []string{"stage"}),
		overhead: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "switchboard_voicebot_overhead_seconds",
			Help:    "Turn latency minus end-of-turn wait and provider compute.",
			Buckets: []float64{.001, .002, .005, .01, .02, .05, .1, .2},
		}),
		bargeIns: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "switchboard_voicebot_barge_in_seconds",
			Help:    "Caller speech onset to the bot's playout stopping.",
			Buckets: []float64{.05, .1, .15, .2, .25, .3, .4, .5},
		}),
	}
	for _, c := range []prometheus.Collector{m.turnTotal, m.overhead, m.bargeIns} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *Metrics) turn(st TurnStats) {
	if m == nil {
		return
	}
	for stage, d := range map[string]time.Duration{"total": st.Total, "end_of_turn": st.EndOfTurn, "asr": st.ASR, "dialog": st.Dialog, "tts": st.TTS} {
		m.turnTotal.WithLabelValues(stage).Observe(d.Seconds())
	}
	m.overhead.Observe(st.Overhead.Seconds())
}

func (m *Metrics) bargeIn(d time.Duration) {
	if m == nil {
		return
	}
	m.bargeIns.Observe(d.Seconds())
}
