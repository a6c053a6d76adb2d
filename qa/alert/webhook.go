package alert

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// ErrClosed is returned by Close when its deadline cut the drain short.
var ErrClosed = errors.New("webhook closed before every alert was delivered")

// WebhookOption configures a Webhook.
type WebhookOption func(*Webhook)

// WithHTTPClient sends requests with c (its Timeout should be unset: each
// attempt has the endpoint's timeout). Redirects are never followed.
// Default: a client of the webhook's own, whose idle connections Close
// releases.
func WithHTTPClient(c *http.Client) WebhookOption {
	return func(w *Webhook) {
		if c != nil {
			cc := *c
			cc.CheckRedirect = noRedirect
			w.client, w.own = &cc, false
		}
	}
}

// WithLogger logs failed deliveries and dropped alerts to l (throttled to
// one line per endpoint every 10 s for drops). Default: slog.Default().
func WithLogger(l *slog.Logger) WebhookOption {
	return func(w *Webhook) {
		if l != nil {
			w.log = l
		}
	}
}

func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// Webhook delivers alerts as signed JSON POSTs to its endpoints. It is a
// Sink whose Publish never blocks: each endpoint has a bounded queue and
// its own workers, so a slow, hanging or failing receiver delays nobody
// else, and a full queue drops the alert (counted in Stats). Failed
// attempts (network errors, timeouts, HTTP 408, 429 and 5xx) are retried
// with exponential backoff and jitter, within the endpoint's MaxAttempts
// and MaxElapsed; other statuses fail at once.
//
// The webhook owns its workers: Close stops accepting alerts, drains the
// queues and waits for the workers.
//
// Every request carries Content-Type application/json, SignatureHeader,
// AlertIDHeader and AttemptHeader; the body is the Alert's JSON.
type Webhook struct {
	eps    []*endpoint
	client *http.Client
	own    bool // client is ours: Close releases its connections
	log    *slog.Logger

	mu     sync.RWMutex // guards closed against Publish
	closed bool
	drain  chan struct{}      // closed by Close: workers empty their queues and exit
	stop   context.Context    // done when Close's deadline passes
	cancel context.CancelFunc // ends stop
	wg     sync.WaitGroup

	latency *prometheus.HistogramVec
}

// endpoint is one endpoint's queue and counters.
type endpoint struct {
	Endpoint
	queue                               chan job
	delivered, retried, failed, dropped atomic.Uint64
	lastDropLog                         atomic.Int64 // unix nanoseconds
}

type job struct {
	id     string
	rule   string
	body   []byte
	queued time.Time
}

// NewWebhook validates the endpoints (as Config.Validate would, named
// alerts.webhooks[i]) and starts their workers. Endpoint.Rules are not
// checked against a rule set here.
func NewWebhook(endpoints []Endpoint, opts ...WebhookOption) (*Webhook, error) {
	w := &Webhook{
		log:   slog.Default(),
		drain: make(chan struct{}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "switchboard_alert_webhook_delivery_seconds",
			Help:    "Time from an alert's publication to its receiver's 2xx reply, retries included, by endpoint.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"endpoint"}),
	}
	names := map[string]bool{}
	for i, e := range endpoints {
		key := fmt.Sprintf("alerts.webhooks[%d]", i)
		if err := e.validate(key, nil); err != nil {
			return nil, err
		}
		e = e.fill()
		if names[e.Name] {
			return nil, bad(key+".name", "%q is the name of another endpoint (set distinct names)", e.Name)
		}
		names[e.Name] = true
		w.eps = append(w.eps, &endpoint{Endpoint: e, queue: make(chan job, e.Queue)})
	}
	for _, o := range opts {
		o(w)
	}
	if w.client == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = DefaultWorkers * 2
		w.client, w.own = &http.Client{Transport: tr, CheckRedirect: noRedirect}, true
	}
	w.stop, w.cancel = context.WithCancel(context.Background())
	for _, e := range w.eps {
		for range e.Workers {
			w.wg.Add(1)
			go w.work(e)
		}
	}
	return w, nil
}

// wants reports whether the endpoint takes alert a.
func (e *endpoint) wants(a *Alert) bool {
	return a.Severity.rank() >= e.MinSeverity.rank() && (len(e.Rules) == 0 || slices.Contains(e.Rules, a.Rule))
}

// Publish queues a for every endpoint that takes it and returns at once.
// When an endpoint's queue is full, or the webhook is closed, the alert is
// dropped for that endpoint and counted.
func (w *Webhook) Publish(a Alert) {
	w.mu.RLock()
	defer w.mu.RUnlock()
	var body []byte
	for _, e := range w.eps {
		if !e.wants(&a) {
			continue
		}
		if w.closed {
			e.dropped.Add(1)
			continue
		}
		if body == nil {
			var err error
			if body, err = json.Marshal(a); err != nil {
				w.log.Error("alert webhook: encoding the alert", "alert", a.ID, "rule", a.Rule, "err", err)
				return
			}
		}
		select {
		case e.queue <- job{id: a.ID, rule: a.Rule, body: body, queued: time.Now()}:
		default:
			n := e.dropped.Add(1)
			w.logDrop(e, n)
		}
	}
}

func (w *Webhook) logDrop(e *endpoint, n uint64) {
	now := time.Now().UnixNano()
	last := e.lastDropLog.Load()
	if now-last < int64(10*time.Second) || !e.lastDropLog.CompareAndSwap(last, now) {
		return
	}
	w.log.Warn("alert webhook: queue full, alert dropped", "endpoint", e.Name, "queue", e.Queue, "dropped_total", n)
}

// work delivers an endpoint's alerts until Close.
func (w *Webhook) work(e *endpoint) {
	defer w.wg.Done()
	for {
		select {
		case j := <-e.queue:
			w.deliver(e, j)
		case <-w.drain:
			for {
				select {
				case j := <-e.queue:
					w.deliver(e, j)
				default:
					return
				}
			}
		}
	}
}

// deliver sends one alert to one endpoint, retrying as configured.
func (w *Webhook) deliver(e *endpoint, j job) {
	start := time.Now()
	for attempt := 1; ; attempt++ {
		if w.stop.Err() != nil {
			if attempt == 1 {
				e.dropped.Add(1)
			} else {
				e.failed.Add(1)
			}
			return
		}
		retry, after, err := w.attempt(e, j, attempt)
		if err == nil {
			e.delivered.Add(1)
			w.latency.WithLabelValues(e.Name).Observe(time.Since(j.queued).Seconds())
			return
		}
		if w.stop.Err() != nil { // Close's deadline aborted the attempt
			e.failed.Add(1)
			return
		}
		wait := max(backoff(e.Backoff, e.MaxBackoff, attempt), min(after, e.MaxBackoff))
		switch {
		case !retry:
		case attempt >= e.MaxAttempts:
			err = fmt.Errorf("%w (after %d attempts)", err, attempt)
			retry = false
		case time.Since(start)+wait > e.MaxElapsed:
			err = fmt.Errorf("%w (giving up after %s, max_elapsed %s)", err, time.Since(start).Round(time.Millisecond), e.MaxElapsed)
			retry = false
		}
		if !retry {
			e.failed.Add(1)
			w.log.Warn("alert webhook: delivery failed", "endpoint", e.Name, "alert", j.id, "rule", j.rule, "err", err)
			return
		}
		e.retried.Add(1)
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-w.stop.Done():
			t.Stop()
		}
	}
}

// attempt makes one request. It reports whether a failure is worth
// retrying and the wait the receiver asked for (Retry-After).
func (w *Webhook) attempt(e *endpoint, j job, n int) (retry bool, after time.Duration, err error) {
	ctx, cancel := context.WithTimeout(w.stop, e.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL, bytes.NewReader(j.body))
	if err != nil {
		return false, 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "switchboard-alert/1")
	req.Header.Set(SignatureHeader, Sign(e.Secret, time.Now(), j.body))
	req.Header.Set(AlertIDHeader, j.id)
	req.Header.Set(AttemptHeader, strconv.Itoa(n))
	resp, err := w.client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return true, 0, fmt.Errorf("POST %s: no reply within %s", e.Name, e.Timeout)
		}
		// Name the endpoint, not its URL, which may carry a token.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return true, 0, fmt.Errorf("POST %s: %w", e.Name, err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	code := resp.StatusCode
	switch {
	case code >= 200 && code < 300:
		return false, 0, nil
	case code == http.StatusTooManyRequests || code == http.StatusRequestTimeout || code >= 500:
		// Retry-After in seconds (an HTTP date is ignored); capped by
		// MaxBackoff in deliver.
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
			after = time.Duration(s) * time.Second
		}
		return true, after, fmt.Errorf("POST %s: HTTP %d", e.Name, code)
	default:
		return false, 0, fmt.Errorf("POST %s: HTTP %d (not retried)", e.Name, code)
	}
}

// backoff is the wait before retry number attempt (from 1): base doubled
// per attempt, capped at maxWait, with jitter drawing the wait between half
// and all of it (so that receivers coming back are not hit in lockstep).
func backoff(base, maxWait time.Duration, attempt int) time.Duration {
	d := maxWait
	if attempt < 32 && base<<(attempt-1) > 0 && base<<(attempt-1) < maxWait {
		d = base << (attempt - 1)
	}
	half := d / 2
	return half + rand.N(d-half+1)
}

// Close stops accepting alerts (later ones are dropped and counted) and
// delivers those queued until ctx is done; then it aborts the attempts in
// flight, counts what is left as dropped, and returns an error wrapping
// ErrClosed and ctx's. It always waits for every worker to exit. Close may
// be called more than once.
func (w *Webhook) Close(ctx context.Context) error {
	w.mu.Lock()
	already := w.closed
	w.closed = true
	w.mu.Unlock()
	if !already {
		close(w.drain)
	}
	done := make(chan struct{})
	go func() {
		w.wg.Wait()
		close(done)
	}()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = fmt.Errorf("alert: %w: %w", ErrClosed, ctx.Err())
		w.cancel()
		<-done
	}
	w.cancel()
	if w.own {
		w.client.CloseIdleConnections()
	}
	return err
}

// DeliveryStats are an endpoint's counters (or their sum).
type DeliveryStats struct {
	// Delivered counts alerts the receiver accepted (2xx).
	Delivered uint64
	// Retried counts retries scheduled after a failed attempt.
	Retried uint64
	// Failed counts alerts given up after at least one attempt: a status
	// not worth retrying, MaxAttempts or MaxElapsed reached, or Close's
	// deadline.
	Failed uint64
	// Dropped counts alerts never attempted: the queue was full, the
	// webhook closed, or Close's deadline passed while they waited.
	Dropped uint64
	// Queued is the number of alerts waiting now.
	Queued int
}

func (s *DeliveryStats) add(o DeliveryStats) {
	s.Delivered += o.Delivered
	s.Retried += o.Retried
	s.Failed += o.Failed
	s.Dropped += o.Dropped
	s.Queued += o.Queued
}

func (e *endpoint) stats() DeliveryStats {
	return DeliveryStats{
		Delivered: e.delivered.Load(),
		Retried:   e.retried.Load(),
		Failed:    e.failed.Load(),
		Dropped:   e.dropped.Load(),
		Queued:    len(e.queue),
	}
}

// Stats returns each endpoint's counters, by endpoint name.
func (w *Webhook) Stats() map[string]DeliveryStats {
	out := make(map[string]DeliveryStats, len(w.eps))
	for _, e := range w.eps {
		out[e.Name] = e.stats()
	}
	return out
}

// Total returns the counters summed over the endpoints.
func (w *Webhook) Total() DeliveryStats {
	var t DeliveryStats
	for _, e := range w.eps {
		t.add(e.stats())
	}
	return t
}
