package rtpio

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

func gather(t *testing.T, reg *prometheus.Registry) map[string][]*dto.Metric {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]*dto.Metric{}
	for _, mf := range mfs {
		out[mf.GetName()] = mf.GetMetric()
	}
	return out
}

func value(ms []*dto.Metric, label string) float64 {
	for _, m := range ms {
		if label != "" && (len(m.GetLabel()) == 0 || m.GetLabel()[0].GetValue() != label) {
			continue
		}
		switch {
		case m.GetCounter() != nil:
			return m.GetCounter().GetValue()
		case m.GetGauge() != nil:
			return m.GetGauge().GetValue()
		case m.GetHistogram() != nil:
			return float64(m.GetHistogram().GetSampleCount())
		}
	}
	return -1
}

func TestCollector(t *testing.T) {
	c := NewCollector()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	a := newTestLeg(t, LegConfig{Collector: c})
	b := newTestLeg(t, LegConfig{Collector: c})
	a.sendTone(5, 1000)
	b.peer.send([]byte{1, 2, 3}) // malformed
	checkFor(t, time.Second, func() error {
		if n := b.leg.Stats().Malformed; n != 1 {
			return fmt.Errorf("malformed %d", n)
		}
		return nil
	})

	m := gather(t, reg)
	if v := value(m["switchboard_rtp_legs"], ""); v != 2 {
		t.Errorf("legs %v", v)
	}
	if v := value(m["switchboard_rtp_packets_total"], "in"); v != 5 {
		t.Errorf("packets in %v", v)
	}
	if v := value(m["switchboard_rtp_packets_dropped_total"], "malformed"); v != 1 {
		t.Errorf("malformed %v", v)
	}
	if v := value(m["switchboard_rtp_leg_jitter_seconds"], ""); v != 2 {
		t.Errorf("jitter histogram count %v, want one per live leg", v)
	}
	out := value(m["switchboard_rtp_packets_total"], "out")

	a.leg.Hangup(context.Background())
	m = gather(t, reg)
	if v := value(m["switchboard_rtp_legs"], ""); v != 1 {
		t.Errorf("legs %v after a hangup", v)
	}
	if v := value(m["switchboard_rtp_legs_ended_total"], "normal"); v != 1 {
		t.Errorf("ended normal %v", v)
	}
	if v := value(m["switchboard_rtp_packets_total"], "in"); v != 5 {
		t.Errorf("packets in %v after the leg ended: totals must keep ended legs", v)
	}
	if v := value(m["switchboard_rtp_packets_total"], "out"); v < out {
		t.Errorf("packets out went down: %v < %v", v, out)
	}
	ch := make(chan prometheus.Metric, 100)
	c.Collect(ch)
	close(ch)
	if n := len(ch); n != 22 {
		t.Errorf("%d metrics, want 22 (cardinality is fixed)", n)
	}
}
