package alert_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/switchboard-voice/switchboard/qa"
	"github.com/switchboard-voice/switchboard/qa/alert"
)

// A call's monitor with the default rules: a caller asking for a
// supervisor raises an alert at once, with the evidence redacted.
func ExampleMonitor() {
	rules, err := alert.Compile(alert.Config{})
	if err != nil {
		panic(err)
	}
	redact := func(s string) string { return strings.ReplaceAll(s, "4111", "****") }
	m := alert.NewMonitor(rules, alert.Call{SessionID: "s-42", Bot: "bank", Queue: "cards"}, alert.WithRedact(redact))
	defer m.End()

	for _, a := range m.Turn(qa.Turn{Seq: 3, Speaker: qa.Caller, Text: "Card 4111 was charged twice. I want to speak to your manager!"}) {
		fmt.Println(a.Rule, a.Severity, a.Message)
		fmt.Println(a.Evidence.Text)
	}
	// 投诉 (complaint) matches too, but the complaint rule is cooling down
	// on this call (2m in the defaults): only the legal threat is new.
	for _, a := range m.Turn(qa.Turn{Seq: 5, Speaker: qa.Caller, Text: "再不解决我就打12315投诉。"}) {
		fmt.Println(a.Rule, a.Severity, a.Message)
	}
	// Output:
	// complaint warning Complaint or escalation request: caller said "speak to your supervisor"
	// Card **** was charged twice. I want to speak to your manager!
	// legal_threat critical Legal threat or regulator: caller said "12315"
}

// Rules from YAML: Validate names the bad key.
func ExampleParseConfig() {
	_, err := alert.ParseConfig([]byte(`
rules:
  - id: refund
    kind: phrase
    phrases: [refund, 退款]
  - id: gloom
    kind: sentiment
    threshold: -1.5
    turns: 3
`))
	fmt.Println(err)
	// Output:
	// invalid alert configuration: alerts.rules[1].threshold: -1.5 is not between -1 and 1
}

// A Watcher ticks every live call's monitor from one goroutine: here, dead
// air on a call nobody speaks on.
func ExampleWatcher() {
	rules, _ := alert.Compile(alert.Config{})
	start := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	w := alert.NewWatcher(250 * time.Millisecond) // run it with go w.Run(ctx)
	m := alert.NewMonitor(rules, alert.Call{SessionID: "s-7", StartedAt: start},
		alert.WithSink(alert.SinkFunc(func(a alert.Alert) { fmt.Println(a.Rule, a.Message) })))
	w.Add(m)
	w.Tick(start.Add(10 * time.Second))
	w.Tick(start.Add(21 * time.Second))
	m.End()
	w.Tick(start.Add(22 * time.Second))
	fmt.Println(w.Len(), "monitors")
	// Output:
	// dead_air Dead air: nobody has spoken for 21s
	// 0 monitors
}

// Delivering alerts to a webhook, and checking the signature on the
// receiving side.
func ExampleWebhook() {
	const secret = "a-long-shared-secret"
	done := make(chan struct{})
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := alert.VerifyRequest(r, secret, 5*time.Minute)
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		fmt.Println(strings.Contains(string(body), `"rule":"abuse"`))
		close(done)
	}))
	defer receiver.Close()

	hook, err := alert.NewWebhook([]alert.Endpoint{{URL: receiver.URL, Secret: secret}})
	if err != nil {
		panic(err)
	}
	hook.Publish(alert.Alert{ID: "a1", Rule: "abuse", Severity: alert.Critical, SessionID: "s-1"})
	<-done
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	fmt.Println(hook.Close(ctx), hook.Total().Delivered)
	// Output:
	// true
	// <nil> 1
}

// Verify on a receiver without net/http's request at hand.
func ExampleVerify() {
	body := []byte(`{"id":"a1"}`)
	now := time.Unix(1_700_000_000, 0)
	header := alert.Sign("a-long-shared-secret", now, body)
	fmt.Println(header[:13])
	fmt.Println(alert.Verify("a-long-shared-secret", header, body, now.Add(time.Second), 0))
	fmt.Println(alert.Verify("a-long-shared-secret", header, []byte(`{"id":"a2"}`), now, 0))
	// Output:
	// t=1700000000,
	// <nil>
	// webhook signature invalid: signature does not match the body
}
