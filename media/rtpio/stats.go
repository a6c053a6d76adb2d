package rtpio

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Collector is a prometheus.Collector for the RTP legs of a server. Register
// it once; legs created with LegConfig.Collector report through it while
// they live and add their final counts to its totals when they end.
//
// Labels have bounded values only (direction, reason): there are no
// per-call labels. Per-call figures are summarised at scrape time as
// histograms over the live legs. Buckets:
//
//   - switchboard_rtp_leg_jitter_seconds: 1, 2, 5, 10, 20, 40, 80, 160 ms.
//     Up to ~20 ms a default jitter buffer absorbs; beyond 40 ms it adds
//     audible delay or loss.
//   - switchboard_rtp_leg_loss_ratio: 0.1, 0.5, 1, 2, 5, 10, 20 %. G.711
//     degrades noticeably from ~1 % and badly past 5 %.
//   - switchboard_rtp_leg_send_jitter_p99_seconds: 0.5, 1, 2, 5, 10, 20,
//     50 ms. Our pacer's lateness; past a few ms the host is short of CPU.
//   - switchboard_rtp_leg_rtt_seconds: 10, 50, 100, 200, 400, 800 ms
//     (ITU-T G.114: one-way delay under 150 ms is fine for conversation).
type Collector struct {
	mu      sync.Mutex
	legs    map[*Leg]struct{}
	retired legTotals
	ended   [3]uint64 // normal, timeout, error

	legsDesc, endedDesc, packetsDesc, bytesDesc, lostDesc, lateDesc *prometheus.Desc
	droppedDesc, concealedDesc, overflowDesc, dtmfDesc, rtcpDesc    *prometheus.Desc
	jitterDesc, lossDesc, sendJitterDesc, rttDesc                   *prometheus.Desc
}

// legTotals are the counters summed over legs.
type legTotals struct {
	packetsIn, packetsOut, bytesIn, bytesOut uint64
	lost, late                               uint64
	ignored, malformed, unknownPT            uint64
	concealed, dtmf, rtcpIn, rtcpOut         uint64
	overflow                                 time.Duration
}

func (t *legTotals) add(s Stats) {
	t.packetsIn += s.PacketsIn
	t.packetsOut += s.PacketsOut
	t.bytesIn += s.BytesIn
	t.bytesOut += s.BytesOut
	t.lost += uint64(max(0, s.Lost))
	t.late += s.Late
	t.ignored += s.IgnoredSource
	t.malformed += s.Malformed
	t.unknownPT += s.UnknownPayloadType
	t.concealed += s.Concealed
	t.dtmf += s.DTMFReceived
	t.rtcpIn += s.RTCPIn
	t.rtcpOut += s.RTCPOut
	t.overflow += s.QueueOverflow
}

var (
	jitterBuckets     = []float64{.001, .002, .005, .01, .02, .04, .08, .16}
	lossBuckets       = []float64{.001, .005, .01, .02, .05, .1, .2}
	sendJitterBuckets = []float64{.0005, .001, .002, .005, .01, .02, .05}
	rttBuckets        = []float64{.01, .05, .1, .2, .4, .8}
)

// NewCollector returns an empty collector.
func NewCollector() *Collector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName("switchboard", "rtp", name), help, labels, nil)
	}
	return &Collector{
		legs:           map[*Leg]struct{}{},
		legsDesc:       d("legs", "RTP legs up now."),
		endedDesc:      d("legs_ended_total", "RTP legs ended, by reason (normal, timeout, error).", "reason"),
		packetsDesc:    d("packets_total", "RTP packets received (valid) and sent.", "direction"),
		bytesDesc:      d("bytes_total", "RTP bytes received (valid) and sent, headers included.", "direction"),
		lostDesc:       d("packets_lost_total", "RTP packets lost on receive (RFC 3550 cumulative loss)."),
		lateDesc:       d("packets_late_total", "RTP packets received out of order or duplicated."),
		droppedDesc:    d("packets_dropped_total", "Received datagrams dropped, by reason (ignored_source, malformed, unknown_payload_type).", "reason"),
		concealedDesc:  d("concealed_frames_total", "Received frames concealed for missing audio."),
		overflowDesc:   d("queue_overflow_seconds_total", "Outbound audio dropped because a send queue was full."),
		dtmfDesc:       d("dtmf_received_total", "RFC 4733 DTMF digits received."),
		rtcpDesc:       d("rtcp_packets_total", "Compound RTCP packets received and sent.", "direction"),
		jitterDesc:     d("leg_jitter_seconds", "Interarrival jitter of each live leg."),
		lossDesc:       d("leg_loss_ratio", "Received packet loss ratio of each live leg."),
		sendJitterDesc: d("leg_send_jitter_p99_seconds", "99th percentile of the pacer's send lateness of each live leg."),
		rttDesc:        d("leg_rtt_seconds", "RTCP round-trip time of each live leg that has one."),
	}
}

func (c *Collector) add(l *Leg) {
	c.mu.Lock()
	c.legs[l] = struct{}{}
	c.mu.Unlock()
}

func (c *Collector) remove(l *Leg, timeout bool) {
	st := l.Stats()
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.legs[l]; !ok {
		return
	}
	delete(c.legs, l)
	c.retired.add(st)
	l.mu.Lock()
	err := l.err
	l.mu.Unlock()
	switch {
	case timeout:
		c.ended[1]++
	case err != nil:
		c.ended[2]++
	default:
		c.ended[0]++
	}
}

// Legs returns how many legs are live.
func (c *Collector) Legs() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.legs)
}

// Describe sends the metric descriptions.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{
		c.legsDesc, c.endedDesc, c.packetsDesc, c.bytesDesc, c.lostDesc, c.lateDesc,
		c.droppedDesc, c.concealedDesc, c.overflowDesc, c.dtmfDesc, c.rtcpDesc,
		c.jitterDesc, c.lossDesc, c.sendJitterDesc, c.rttDesc,
	} {
		ch <- d
	}
}

// constHist accumulates a histogram at scrape time.
type constHist struct {
	bounds []float64
	counts []uint64
	n      uint64
	sum    float64
}

func newConstHist(bounds []float64) *constHist {
	return &constHist{bounds: bounds, counts: make([]uint64, len(bounds))}
}

func (h *constHist) observe(v float64) {
	h.n++
	h.sum += v
	for i, b := range h.bounds {
		if v <= b {
			h.counts[i]++
		}
	}
}

func (h *constHist) metric(d *prometheus.Desc) prometheus.Metric {
	m := make(map[float64]uint64, len(h.bounds))
	for i, b := range h.bounds {
		m[b] = h.counts[i]
	}
	return prometheus.MustNewConstHistogram(d, h.n, h.sum, m)
}

// Collect sends the current values: totals over ended and live legs, and
// histograms over the live legs.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.retired
	jit, loss := newConstHist(jitterBuckets), newConstHist(lossBuckets)
	sj, rtt := newConstHist(sendJitterBuckets), newConstHist(rttBuckets)
	for l := range c.legs {
		st := l.Stats()
		t.add(st)
		jit.observe(st.Jitter.Seconds())
		if exp := st.PacketsIn + uint64(max(0, st.Lost)); exp > 0 {
			loss.observe(float64(max(0, st.Lost)) / float64(exp))
		}
		sj.observe(st.SendJitterP99.Seconds())
		if st.RTT > 0 {
			rtt.observe(st.RTT.Seconds())
		}
	}
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	ch <- prometheus.MustNewConstMetric(c.legsDesc, prometheus.GaugeValue, float64(len(c.legs)))
	for i, reason := range []string{"normal", "timeout", "error"} {
		counter(c.endedDesc, float64(c.ended[i]), reason)
	}
	counter(c.packetsDesc, float64(t.packetsIn), "in")
	counter(c.packetsDesc, float64(t.packetsOut), "out")
	counter(c.bytesDesc, float64(t.bytesIn), "in")
	counter(c.bytesDesc, float64(t.bytesOut), "out")
	counter(c.lostDesc, float64(t.lost))
	counter(c.lateDesc, float64(t.late))
	counter(c.droppedDesc, float64(t.ignored), "ignored_source")
	counter(c.droppedDesc, float64(t.malformed), "malformed")
	counter(c.droppedDesc, float64(t.unknownPT), "unknown_payload_type")
	counter(c.concealedDesc, float64(t.concealed))
	counter(c.overflowDesc, t.overflow.Seconds())
	counter(c.dtmfDesc, float64(t.dtmf))
	counter(c.rtcpDesc, float64(t.rtcpIn), "in")
	counter(c.rtcpDesc, float64(t.rtcpOut), "out")
	ch <- jit.metric(c.jitterDesc)
	ch <- loss.metric(c.lossDesc)
	ch <- sj.metric(c.sendJitterDesc)
	ch <- rtt.metric(c.rttDesc)
}
