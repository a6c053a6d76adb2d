package alert

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/switchboard-voice/switchboard/qa"
)

const secret = "0123456789abcdef-test"

// receiver is a webhook receiver on loopback that verifies every request's
// signature and answers with the status its reply function picks.
type receiver struct {
	*httptest.Server
	reply   func(n int, r *http.Request) int // n counts requests from 1
	release chan struct{}                    // closed at the end of the test: hanging handlers return

	mu   sync.Mutex
	n    int
	got  []Alert
	errs []error
	hdrs []http.Header
}

func newReceiver(t *testing.T, reply func(n int, r *http.Request) int) *receiver {
	rc := &receiver{reply: reply, release: make(chan struct{})}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := VerifyRequest(r, secret, 0)
		rc.mu.Lock()
		rc.n++
		n := rc.n
		rc.hdrs = append(rc.hdrs, r.Header.Clone())
		var a Alert
		if err == nil {
			err = json.Unmarshal(body, &a)
		}
		if err != nil {
			rc.errs = append(rc.errs, err)
		}
		rc.mu.Unlock()
		code := http.StatusOK
		if rc.reply != nil {
			code = rc.reply(n, r)
		}
		if code == http.StatusOK && err == nil {
			rc.mu.Lock()
			rc.got = append(rc.got, a)
			rc.mu.Unlock()
		}
		w.WriteHeader(code)
	}))
	t.Cleanup(func() {
		close(rc.release)
		rc.Close()
		rc.mu.Lock()
		defer rc.mu.Unlock()
		for _, err := range rc.errs {
			t.Errorf("receiver: %v", err)
		}
	})
	return rc
}

// hang blocks a handler until the client gives up or the test ends.
func (rc *receiver) hang(r *http.Request) int {
	select {
	case <-r.Context().Done():
	case <-rc.release:
	}
	return http.StatusServiceUnavailable
}

func (rc *receiver) alerts() []Alert {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]Alert(nil), rc.got...)
}

// eventually polls cond until it holds or 10 s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// noLeak fails when goroutines started since before are still running 5 s
// after the call.
func noLeak(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<20)
		t.Fatalf("%d goroutines leaked:\n%s", n-before, buf[:runtime.Stack(buf, true)])
	}
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func sample(i int, sev Severity, rule string) Alert {
	return Alert{ID: fmt.Sprintf("a%d", i), Rule: rule, Kind: KindPhrase, Severity: sev, SessionID: "s1",
		At: t0, Message: "m", Evidence: Evidence{TurnSeq: i, Speaker: qa.Caller, Text: "我要投诉", Phrase: "投诉"}}
}

func fast(url string) Endpoint {
	return Endpoint{URL: url, Secret: secret, Backoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond, Timeout: 2 * time.Second}
}

func TestWebhookRetriesThenDelivers(t *testing.T) {
	rc := newReceiver(t, func(n int, _ *http.Request) int {
		if n == 1 {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	})
	w, err := NewWebhook([]Endpoint{fast(rc.URL)}, WithLogger(quiet()))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close(context.Background())
	want := sample(1, Critical, "legal")
	w.Publish(want)
	eventually(t, "delivery", func() bool { return w.Total().Delivered == 1 })
	if got := rc.alerts(); len(got) != 1 || got[0].ID != want.ID || got[0].Evidence != want.Evidence || !got[0].At.Equal(want.At) {
		t.Errorf("received %+v, want %+v", got, want)
	}
	st := w.Total()
	if st.Retried != 1 || st.Failed != 0 || st.Dropped != 0 {
		t.Errorf("stats %+v, want 1 delivered after 1 retry", st)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for i, h := range rc.hdrs {
		if h.Get(AttemptHeader) != fmt.Sprint(i+1) || h.Get(AlertIDHeader) != "a1" || h.Get("Content-Type") != "application/json" {
			t.Errorf("request %d headers %v", i+1, h)
		}
	}
}

func TestWebhookGivesUp(t *testing.T) {
	// A receiver that is down: the port is closed.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + l.Addr().String() + "/alerts"
	l.Close()
	bad := newReceiver(t, func(int, *http.Request) int { return http.StatusBadRequest })
	busy := newReceiver(t, func(int, *http.Request) int { return http.StatusTooManyRequests })

	eps := []Endpoint{fast(down), fast(bad.URL), fast(busy.URL)}
	eps[0].Name, eps[0].MaxAttempts = "down", 3
	eps[1].Name = "bad"
	eps[2].Name, eps[2].MaxAttempts, eps[2].MaxElapsed = "busy", 100, 60*time.Millisecond
	w, err := NewWebhook(eps, WithLogger(quiet()))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close(context.Background())
	w.Publish(sample(1, Warning, "x"))
	eventually(t, "all three to give up", func() bool { return w.Total().Failed == 3 })
	st := w.Stats()
	if s := st["down"]; s.Retried != 2 || s.Delivered != 0 {
		t.Errorf("down: %+v, want 3 attempts (2 retries)", s)
	}
	if s := st["bad"]; s.Retried != 0 {
		t.Errorf("400: %+v, want no retry", s)
	}
	if s := st["busy"]; s.Retried == 0 || s.Retried > 20 {
		t.Errorf("429 within 60ms max_elapsed: %+v, want a few retries", s)
	}
}

func TestWebhookHangingReceiverHoldsUpNobody(t *testing.T) {
	var hung *receiver
	hung = newReceiver(t, func(_ int, r *http.Request) int { return hung.hang(r) })
	ok := newReceiver(t, nil)
	eps := []Endpoint{fast(hung.URL), fast(ok.URL)}
	eps[0].Name, eps[0].Timeout, eps[0].Workers = "hung", 30*time.Second, 1
	eps[1].Name = "ok"
	w, err := NewWebhook(eps, WithLogger(quiet()))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for i := range 20 {
		w.Publish(sample(i, Info, "x"))
	}
	eventually(t, "the healthy receiver to get every alert", func() bool { return len(ok.alerts()) == 20 })
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("healthy receiver took %s", d)
	}
	// Close with a deadline: the hung attempt is aborted, the rest dropped.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start = time.Now()
	err = w.Close(ctx)
	if !errors.Is(err, ErrClosed) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Close = %v, want ErrClosed and the deadline", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Close took %s past its 100ms deadline", d)
	}
	if s := w.Stats()["hung"]; s.Delivered != 0 || s.Failed+s.Dropped != 20 || s.Queued != 0 {
		t.Errorf("hung endpoint: %+v, want all 20 failed or dropped", s)
	}
}

// TestPublishNeverBlocks: a receiver that hangs and a tiny queue; Publish
// must return at once every time, dropping and counting what does not fit.
func TestPublishNeverBlocks(t *testing.T) {
	var hung *receiver
	hung = newReceiver(t, func(_ int, r *http.Request) int { return hung.hang(r) })
	before := runtime.NumGoroutine()
	ep := fast(hung.URL)
	ep.Queue, ep.Workers, ep.Timeout = 4, 1, time.Minute
	w, err := NewWebhook([]Endpoint{ep}, WithLogger(quiet()))
	if err != nil {
		t.Fatal(err)
	}
	// A Publish that waited for room in the queue would wait for the hung
	// attempt's one-minute timeout; the bounds leave room for a loaded
	// machine (-race, other tests) and still catch that.
	const n = 2000
	var slowest time.Duration
	start := time.Now()
	for i := range n {
		t1 := time.Now()
		w.Publish(sample(i, Critical, "x"))
		slowest = max(slowest, time.Since(t1))
	}
	total := time.Since(start)
	if slowest > 2*time.Second || total > 10*time.Second {
		t.Errorf("Publish blocked: slowest %s, %d in %s", slowest, n, total)
	}
	t.Logf("%d publishes in %s (%s each), slowest %s", n, total, total/n, slowest)
	if s := w.Total(); s.Dropped < uint64(n-ep.Queue-1) {
		t.Errorf("dropped %d, want at least %d", s.Dropped, n-ep.Queue-1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := w.Close(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("Close = %v, want ErrClosed", err)
	}
	w.Publish(sample(0, Critical, "x")) // after Close: dropped, no panic
	if s := w.Total(); s.Delivered != 0 || s.Failed+s.Dropped != uint64(n+1) {
		t.Errorf("stats %+v, want %d failed or dropped", s, n+1)
	}
	noLeak(t, before)
}

func TestWebhookCloseDrains(t *testing.T) {
	rc := newReceiver(t, func(int, *http.Request) int {
		time.Sleep(20 * time.Millisecond)
		return http.StatusNoContent
	})
	before := runtime.NumGoroutine()
	w, err := NewWebhook([]Endpoint{fast(rc.URL)}, WithLogger(quiet()))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		w.Publish(sample(i, Info, "x"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if s := w.Total(); s.Delivered != 10 {
		t.Errorf("after Close: %+v, want 10 delivered", s)
	}
	if err := w.Close(ctx); err != nil {
		t.Errorf("second Close = %v", err)
	}
	noLeak(t, before)
}

func TestWebhookFilters(t *testing.T) {
	all := newReceiver(t, nil)
	crit := newReceiver(t, nil)
	legal := newReceiver(t, nil)
	eps := []Endpoint{fast(all.URL), fast(crit.URL), fast(legal.URL)}
	eps[0].Name = "all"
	eps[1].Name, eps[1].MinSeverity = "crit", Critical
	eps[2].Name, eps[2].Rules = "legal", []string{"legal_threat"}
	w, err := NewWebhook(eps)
	if err != nil {
		t.Fatal(err)
	}
	w.Publish(sample(1, Info, "long_call"))
	w.Publish(sample(2, Critical, "abuse"))
	w.Publish(sample(3, Warning, "legal_threat"))
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		rc   *receiver
		want []string
	}{{all, []string{"a1", "a2", "a3"}}, {crit, []string{"a2"}}, {legal, []string{"a3"}}} {
		var ids []string
		for _, a := range tc.rc.alerts() {
			ids = append(ids, a.ID)
		}
		if strings.Join(slices.Sorted(slices.Values(ids)), ",") != strings.Join(tc.want, ",") {
			t.Errorf("received %v, want %v", ids, tc.want)
		}
	}
}

func TestNewWebhookRejects(t *testing.T) {
	_, err := NewWebhook([]Endpoint{{URL: "http://x", Secret: secret}, {URL: "http://x/2", Secret: secret}})
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "alerts.webhooks[1].name") {
		t.Errorf("two endpoints named x: %v", err)
	}
	_, err = NewWebhook([]Endpoint{{URL: "http://x", Secret: "short"}})
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "alerts.webhooks[0].secret") {
		t.Errorf("short secret: %v", err)
	}
}

func TestBackoff(t *testing.T) {
	for attempt := 1; attempt <= 40; attempt++ {
		want := min(100*time.Millisecond<<min(attempt-1, 30), 5*time.Second)
		for range 50 {
			d := backoff(100*time.Millisecond, 5*time.Second, attempt)
			if d < want/2 || d > want {
				t.Fatalf("attempt %d: %s not within [%s, %s]", attempt, d, want/2, want)
			}
		}
	}
}

func TestVerify(t *testing.T) {
	body := []byte(`{"id":"a1"}`)
	now := time.Unix(1_700_000_000, 0)
	good := Sign(secret, now, body)
	tests := []struct {
		name   string
		secret string
		header string
		body   []byte
		ok     bool
	}{
		{"valid", secret, good, body, true},
		{"valid with spaces and an unknown version", secret, strings.ReplaceAll(good, ",", ", ") + ",v9=zz", body, true},
		{"rotated secret: one of two signatures", secret, good + ",v1=" + strings.Repeat("0", 64), body, true},
		{"wrong secret", "another-secret-0123", good, body, false},
		{"tampered body", secret, good, []byte(`{"id":"a2"}`), false},
		{"too old", secret, Sign(secret, now.Add(-10*time.Minute), body), body, false},
		{"from the future", secret, Sign(secret, now.Add(10*time.Minute), body), body, false},
		{"missing", secret, "", body, false},
		{"no timestamp", secret, "v1=" + strings.Repeat("0", 64), body, false},
		{"no signature", secret, "t=1700000000", body, false},
		{"malformed", secret, "garbage", body, false},
		{"two timestamps", secret, good + ",t=1700000000", body, false},
	}
	for _, tc := range tests {
		err := Verify(tc.secret, tc.header, tc.body, now, 0)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrSignature)) {
			t.Errorf("%s: Verify = %v, want ok = %v", tc.name, err, tc.ok)
		}
	}
}

func TestCollectors(t *testing.T) {
	rc := newReceiver(t, nil)
	w, err := NewWebhook([]Endpoint{fast(rc.URL)})
	if err != nil {
		t.Fatal(err)
	}
	rules := mustCompile(t, "defaults: false\nrules: [{id: legal, kind: phrase, phrases: [lawyer]}]")
	m := NewMonitor(rules, Call{SessionID: "s"}, WithSink(w))
	m.Turn(turn(1, qa.Caller, "my lawyer"))
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(w, rules)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, mt := range mf.GetMetric() {
			key := mf.GetName()
			for _, l := range mt.GetLabel() {
				key += "," + l.GetName() + "=" + l.GetValue()
			}
			switch {
			case mt.Counter != nil:
				got[key] = mt.GetCounter().GetValue()
			case mt.Gauge != nil:
				got[key] = mt.GetGauge().GetValue()
			case mt.Histogram != nil:
				got[key] = float64(mt.GetHistogram().GetSampleCount())
			}
		}
	}
	host := strings.TrimPrefix(rc.URL, "http://")
	for key, want := range map[string]float64{
		"switchboard_alerts_total,kind=phrase,rule=legal,severity=warning":                  1,
		"switchboard_alert_webhook_deliveries_total,endpoint=" + host + ",result=delivered": 1,
		"switchboard_alert_webhook_deliveries_total,endpoint=" + host + ",result=dropped":   0,
		"switchboard_alert_webhook_retries_total,endpoint=" + host:                          0,
		"switchboard_alert_webhook_queue_length,endpoint=" + host:                           0,
		"switchboard_alert_webhook_delivery_seconds,endpoint=" + host:                       1,
	} {
		if v, ok := got[key]; !ok || v != want {
			t.Errorf("%s = %v (present %v), want %v", key, v, ok, want)
		}
	}
}
