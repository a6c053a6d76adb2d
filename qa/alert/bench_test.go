package alert

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/qa"
)

// BenchmarkTurn is the cost of evaluating one final utterance with the
// default rules (11 rules, about 290 phrase spellings after synonyms): on
// the call's goroutine, between the final transcript and the alert.
func BenchmarkTurn(b *testing.B) {
	rules, err := Compile(Config{})
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		text string
		want int
	}{
		{"en", "Hi, I noticed a charge on my statement from last Tuesday that I don't recognise, can you help me with that?", 0},
		{"zh", "你好，我上周二的账单上有一笔消费我不认识，能帮我查一下是怎么回事吗？", 0},
		{"en_alert", "This is ridiculous, I want to speak to your supervisor or I'm calling my lawyer.", 2},
		{"zh_alert", "你们再不处理我就投诉到12315，找你们领导来！", 2},
	} {
		b.Run(bc.name, func(b *testing.B) {
			now := t0
			m := NewMonitor(rules, Call{SessionID: "s", StartedAt: t0}, WithClock(func() time.Time { return now }))
			if got := len(m.Turn(qa.Turn{Seq: 1, Speaker: qa.Caller, Text: bc.text})); got != bc.want {
				b.Fatalf("%d alerts, want %d", got, bc.want)
			}
			b.ReportAllocs()
			seq := 1
			for b.Loop() {
				seq++
				now = now.Add(10 * time.Minute) // past every cooldown: alerts fire each time
				m.Turn(qa.Turn{Seq: seq, Speaker: qa.Caller, Text: bc.text, Sentiment: qa.Sentiment{Score: -0.2, Label: qa.Neutral}})
			}
		})
	}
}

// BenchmarkTick is one tick of one monitor (a Watcher ticks every live
// call every 250 ms).
func BenchmarkTick(b *testing.B) {
	rules, err := Compile(Config{})
	if err != nil {
		b.Fatal(err)
	}
	m := NewMonitor(rules, Call{SessionID: "s", StartedAt: t0})
	m.SpeechStart(qa.Caller)
	now := t0
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(time.Millisecond)
		m.Tick(now)
	}
}

// BenchmarkCompile is the start-up cost of the default rule set.
func BenchmarkCompile(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(Config{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWebhookDelivery is the latency from Publish to a loopback
// receiver's handler holding the verified alert (JSON, HMAC signature,
// HTTP/1.1 POST on a kept-alive connection), one alert at a time. It
// reports the median and 99th percentile besides the mean (ns/op).
func BenchmarkWebhookDelivery(b *testing.B) {
	got := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := VerifyRequest(r, secret, 0); err != nil {
			b.Error(err)
		}
		got <- struct{}{}
	}))
	defer srv.Close()
	w, err := NewWebhook([]Endpoint{{URL: srv.URL, Secret: secret}})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close(context.Background())
	a := sample(1, Critical, "legal_threat")
	w.Publish(a) // connect
	<-got
	var lat []time.Duration
	for b.Loop() {
		t := time.Now()
		w.Publish(a)
		<-got
		lat = append(lat, time.Since(t))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

// BenchmarkPublish is what publishing costs the call's goroutine when the
// receiver hangs and the queue is full: encoding, then a counted drop.
func BenchmarkPublish(b *testing.B) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	w, err := NewWebhook([]Endpoint{{URL: srv.URL, Secret: secret, Queue: 1, Workers: 1}}, WithLogger(quiet()))
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		defer cancel()
		_ = w.Close(ctx)
	}()
	a := sample(1, Critical, "legal_threat")
	b.ReportAllocs()
	for b.Loop() {
		w.Publish(a)
	}
}
