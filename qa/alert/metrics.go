package alert

import "github.com/prometheus/client_golang/prometheus"

// Prometheus metrics. Labels take bounded values only: rule IDs and
// endpoint names come from the configuration, never from a call.
//
//	switchboard_alerts_total{rule,kind,severity}                    counter (Rules)
//	switchboard_alert_webhook_deliveries_total{endpoint,result}     counter (Webhook): result delivered, failed, dropped
//	switchboard_alert_webhook_retries_total{endpoint}               counter (Webhook)
//	switchboard_alert_webhook_queue_length{endpoint}                gauge (Webhook)
//	switchboard_alert_webhook_delivery_seconds{endpoint}            histogram (Webhook)
//
// Delivery buckets run from 5 ms to 60 s: a receiver on the same network
// answers in milliseconds, and the upper buckets show alerts that needed
// retries (backoff from 500 ms, doubling).
var (
	raisedDesc = prometheus.NewDesc("switchboard_alerts_total",
		"Alerts raised, by rule, kind and severity.", []string{"rule", "kind", "severity"}, nil)
	deliveriesDesc = prometheus.NewDesc("switchboard_alert_webhook_deliveries_total",
		"Alerts by webhook endpoint and result: delivered, failed (given up after attempts), dropped (never attempted: queue full or closing).",
		[]string{"endpoint", "result"}, nil)
	retriesDesc = prometheus.NewDesc("switchboard_alert_webhook_retries_total",
		"Webhook delivery retries, by endpoint.", []string{"endpoint"}, nil)
	queueDesc = prometheus.NewDesc("switchboard_alert_webhook_queue_length",
		"Alerts waiting for delivery, by endpoint.", []string{"endpoint"}, nil)
)

// Describe implements prometheus.Collector: register the Rules once per
// binary to export switchboard_alerts_total.
func (rs *Rules) Describe(ch chan<- *prometheus.Desc) { ch <- raisedDesc }

// Collect implements prometheus.Collector.
func (rs *Rules) Collect(ch chan<- prometheus.Metric) {
	for _, r := range rs.rules {
		ch <- prometheus.MustNewConstMetric(raisedDesc, prometheus.CounterValue, float64(r.raised.Load()),
			r.ID, string(r.Kind), string(r.Severity))
	}
}

// Describe implements prometheus.Collector: register the Webhook once per
// binary to export its delivery counters, queue lengths and latency.
func (w *Webhook) Describe(ch chan<- *prometheus.Desc) {
	ch <- deliveriesDesc
	ch <- retriesDesc
	ch <- queueDesc
	w.latency.Describe(ch)
}

// Collect implements prometheus.Collector.
func (w *Webhook) Collect(ch chan<- prometheus.Metric) {
	for _, e := range w.eps {
		s := e.stats()
		for _, r := range []struct {
			result string
			n      uint64
		}{{"delivered", s.Delivered}, {"failed", s.Failed}, {"dropped", s.Dropped}} {
			ch <- prometheus.MustNewConstMetric(deliveriesDesc, prometheus.CounterValue, float64(r.n), e.Name, r.result)
		}
		ch <- prometheus.MustNewConstMetric(retriesDesc, prometheus.CounterValue, float64(s.Retried), e.Name)
		ch <- prometheus.MustNewConstMetric(queueDesc, prometheus.GaugeValue, float64(s.Queued), e.Name)
	}
	w.latency.Collect(ch)
}
