package demobackend

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// testNow is a Tuesday; "tomorrow" is Wednesday 26 November 2025.
var testNow = time.Date(2025, time.November, 25, 10, 30, 0, 0, time.UTC)

func newTestHandler(opts ...Option) http.Handler {
	return New(nil, append([]Option{WithClock(func() time.Time { return testNow }), WithSlowDelay(20 * time.Millisecond)}, opts...)...)
}

// lookup follows a dotted path ("account.balance") through decoded JSON.
func lookup(v any, path string) (any, bool) {
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[k]; !ok {
			return nil, false
		}
	}
	return v, true
}

type endpointCase struct {
	name       string
	method     string // default POST
	path       string
	body       string
	wantStatus int
	// want maps dotted paths to expected values; a value ending in "*" is a
	// prefix.
	want map[string]any
	// wantErr is a substring of the JSON "error" message.
	wantErr string
	// minElapsed is a lower bound for slow triggers.
	minElapsed time.Duration
}

func runCases(t *testing.T, h http.Handler, cases []endpointCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			method := tc.method
			if method == "" {
				method = http.MethodPost
			}
			req := httptest.NewRequest(method, tc.path, strings.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			start := time.Now()
			h.ServeHTTP(rec, req)
			if elapsed := time.Since(start); elapsed < tc.minElapsed {
				t.Errorf("replied after %v, want at least %v", elapsed, tc.minElapsed)
			}
			if rec.Code != tc.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", rec.Code, tc.wantStatus, rec.Body)
			}
			if tc.wantStatus == http.StatusMethodNotAllowed {
				return // the mux's plain-text reply
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Fatalf("Content-Type = %q, want JSON", ct)
			}
			var got any
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatalf("reply is not JSON: %v: %s", err, rec.Body)
			}
			if tc.wantErr != "" {
				msg, _ := lookup(got, "error")
				if s, _ := msg.(string); !strings.Contains(s, tc.wantErr) {
					t.Errorf("error = %q, want it to contain %q", msg, tc.wantErr)
				}
			}
			for path, want := range tc.want {
				v, ok := lookup(got, path)
				if !ok {
					t.Errorf("%s missing in %s", path, rec.Body)
					continue
				}
				if ws, isStr := want.(string); isStr && strings.HasSuffix(ws, "*") {
					if s, _ := v.(string); !strings.HasPrefix(s, strings.TrimSuffix(ws, "*")) {
						t.Errorf("%s = %v, want prefix %q", path, v, strings.TrimSuffix(ws, "*"))
					}
					continue
				}
				if v != want {
					t.Errorf("%s = %#v, want %#v", path, v, want)
				}
			}
		})
	}
}

func TestHealthz(t *testing.T) {
	runCases(t, newTestHandler(), []endpointCase{
		{name: "ok", method: http.MethodGet, path: "/healthz", wantStatus: 200, want: map[string]any{"status": "ok"}},
		{name: "post not allowed", path: "/healthz", body: "{}", wantStatus: 405},
	})
}

func TestRequestDecoding(t *testing.T) {
	runCases(t, newTestHandler(), []endpointCase{
		{name: "not json", path: "/cards/block", body: "last4=4821", wantStatus: 400, wantErr: "JSON object"},
		{name: "empty body", path: "/cards/block", body: "", wantStatus: 400, wantErr: "JSON object"},
		{name: "null", path: "/cards/block", body: "null", wantStatus: 400, wantErr: "not null"},
		{name: "array", path: "/cards/block", body: `["4821"]`, wantStatus: 400, wantErr: "JSON object"},
		{name: "two objects", path: "/cards/block", body: `{"last4":"4821"}{"last4":"4821"}`, wantStatus: 400, wantErr: "single JSON object"},
		{name: "truncated", path: "/cards/block", body: `{"last4":"48`, wantStatus: 400},
		{name: "too large", path: "/cards/block", body: `{"x":"` + strings.Repeat("a", maxBody) + `"}`, wantStatus: 413},
		{name: "number value", path: "/cards/block", body: `{"last4":4821}`, wantStatus: 200, want: map[string]any{"card.last4": "4821"}},
		{name: "nested values ignored", path: "/cards/block", body: `{"last4":"4821","extra":{"a":1},"list":[1]}`, wantStatus: 200},
		{name: "get not allowed", method: http.MethodGet, path: "/cards/block", wantStatus: 405},
	})
}

func TestBlockCard(t *testing.T) {
	runCases(t, newTestHandler(), []endpointCase{
		{name: "blocks", path: "/cards/block", body: `{"last4":"4821","session_id":"s1","bot":"banking"}`, wantStatus: 200,
			want: map[string]any{"blocked": true, "reference": "BLK-*", "card.status": "blocked", "replacement.eta": "5 to 7 working days", "replacement.eta_date": "2025-12-02"}},
		{name: "spoken digits with spaces", path: "/cards/block", body: `{"last4":"4 8 2 1"}`, wantStatus: 200, want: map[string]any{"card.last4": "4821"}},
		{name: "alternate key", path: "/cards/block", body: `{"card_last4":"4821"}`, wantStatus: 200},
		{name: "missing", path: "/cards/block", body: `{}`, wantStatus: 400, wantErr: "last4"},
		{name: "three digits", path: "/cards/block", body: `{"last4":"482"}`, wantStatus: 400, wantErr: "exactly 4 digits"},
		{name: "letters", path: "/cards/block", body: `{"last4":"abcd"}`, wantStatus: 400},
		{name: "already blocked", path: "/cards/block", body: `{"last4":"1111"}`, wantStatus: 409, wantErr: "already blocked"},
		{name: "failure trigger", path: "/cards/block", body: `{"last4":"0000"}`, wantStatus: 500, wantErr: "simulated"},
		{name: "slow trigger", path: "/cards/block", body: `{"last4":"9999"}`, wantStatus: 200, minElapsed: 20 * time.Millisecond},
	})
}

func TestBalance(t *testing.T) {
	h := newTestHandler()
	runCases(t, h, []endpointCase{
		{name: "usd account", path: "/accounts/balance", body: `{"account_number":"12345678"}`, wantStatus: 200,
			want: map[string]any{"account.balance": "1,234.56 USD", "account.available": "1,200.00 USD", "account.number": "****5678"}},
		{name: "eur account", path: "/accounts/balance", body: `{"account_number":"8765 4321"}`, wantStatus: 200,
			want: map[string]any{"account.balance": "50.00 EUR"}},
		{name: "empty account", path: "/accounts/balance", body: `{"account_number":"11223344"}`, wantStatus: 200,
			want: map[string]any{"account.balance": "0.00 USD"}},
		{name: "unknown account", path: "/accounts/balance", body: `{"account_number":"55555555"}`, wantStatus: 404, wantErr: "no account"},
		{name: "too short", path: "/accounts/balance", body: `{"account_number":"1234"}`, wantStatus: 400, wantErr: "8 digits"},
		{name: "missing", path: "/accounts/balance", body: `{"session_id":"s"}`, wantStatus: 400},
		{name: "failure trigger", path: "/accounts/balance", body: `{"account_number":"00000000"}`, wantStatus: 500},
		{name: "slow trigger", path: "/accounts/balance", body: `{"account_number":"99999999"}`, wantStatus: 200, want: map[string]any{"account.balance": "42.00 USD"}, minElapsed: 20 * time.Millisecond},
	})

	t.Run("html trigger", func(t *testing.T) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/accounts/balance", strings.NewReader(`{"account_number":"77777777"}`)))
		if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
			t.Fatalf("got %d %q, want 200 text/html", rec.Code, rec.Header().Get("Content-Type"))
		}
		if json.Valid(rec.Body.Bytes()) {
			t.Fatalf("body %q is JSON, want non-JSON", rec.Body)
		}
	})
}

func TestTransferStatus(t *testing.T) {
	runCases(t, newTestHandler(), []endpointCase{
		{name: "completed", path: "/transfers/status", body: `{"amount":"250","transfer_date":"2025-11-20"}`, wantStatus: 200,
			want: map[string]any{"transfer.status": "completed", "transfer.completed_on": "Thursday 20 November", "transfer.eta": "", "transfer.reference": "TRF-*", "transfer.amount": "250.00 USD"}},
		{name: "sent today is pending", path: "/transfers/status", body: `{"amount":"250","transfer_date":"2025-11-25"}`, wantStatus: 200,
			want: map[string]any{"transfer.status": "pending", "transfer.eta": "Wednesday 26 November", "transfer.completed_on": ""}},
		{name: "large is pending", path: "/transfers/status", body: `{"amount":"$1,000.00","date":"2025-11-20"}`, wantStatus: 200,
			want: map[string]any{"transfer.status": "pending"}},
		{name: "very large is held", path: "/transfers/status", body: `{"amount":"15000 USD","transfer_date":"2025-11-20"}`, wantStatus: 200,
			want: map[string]any{"transfer.status": "held"}},
		{name: "old is not found", path: "/transfers/status", body: `{"amount":"20","transfer_date":"2025-06-01"}`, wantStatus: 200,
			want: map[string]any{"transfer.status": "not_found"}},
		{name: "numeric amount", path: "/transfers/status", body: `{"amount":99.5,"transfer_date":"2025-11-20"}`, wantStatus: 200,
			want: map[string]any{"transfer.amount": "99.50 USD"}},
		{name: "future date", path: "/transfers/status", body: `{"amount":"20","transfer_date":"2025-11-26"}`, wantStatus: 400, wantErr: "future"},
		{name: "unparsed date", path: "/transfers/status", body: `{"amount":"20","transfer_date":"last monday"}`, wantStatus: 400, wantErr: "YYYY-MM-DD"},
		{name: "missing date", path: "/transfers/status", body: `{"amount":"20"}`, wantStatus: 400, wantErr: "transfer_date"},
		{name: "not money", path: "/transfers/status", body: `{"amount":"lots","transfer_date":"2025-11-20"}`, wantStatus: 400, wantErr: "amount"},
		{name: "zero", path: "/transfers/status", body: `{"amount":"0","transfer_date":"2025-11-20"}`, wantStatus: 400, wantErr: "positive"},
		{name: "failure trigger", path: "/transfers/status", body: `{"amount":"13.13","transfer_date":"2025-11-20"}`, wantStatus: 500},
		{name: "slow trigger", path: "/transfers/status", body: `{"amount":"666.66","transfer_date":"2025-11-20"}`, wantStatus: 200, minElapsed: 20 * time.Millisecond},
	})
}

func TestTopUp(t *testing.T) {
	runCases(t, newTestHandler(), []endpointCase{
		{name: "visa", path: "/topups", body: `{"amount":"50","funding_card":"visa"}`, wantStatus: 200,
			want: map[string]any{"topup.status": "completed", "topup.id": "TOP-*", "topup.amount": "50.00 USD", "topup.new_balance": "1,284.56 USD"}},
		{name: "minimum", path: "/topups", body: `{"amount":"5.00"}`, wantStatus: 200},
		{name: "maximum", path: "/topups", body: `{"amount":"1,000"}`, wantStatus: 200, want: map[string]any{"topup.new_balance": "2,234.56 USD"}},
		{name: "other account", path: "/topups", body: `{"amount":"10","account_number":"87654321","funding_card":"Mastercard"}`, wantStatus: 200,
			want: map[string]any{"topup.new_balance": "60.00 EUR", "topup.funding_card": "mastercard"}},
		{name: "below minimum", path: "/topups", body: `{"amount":"4.99"}`, wantStatus: 422, wantErr: "between"},
		{name: "above maximum", path: "/topups", body: `{"amount":"1000.01"}`, wantStatus: 422},
		{name: "unknown card", path: "/topups", body: `{"amount":"50","funding_card":"amex"}`, wantStatus: 400, wantErr: "funding_card"},
		{name: "unknown account", path: "/topups", body: `{"amount":"50","account_number":"55555555"}`, wantStatus: 404},
		{name: "missing amount", path: "/topups", body: `{}`, wantStatus: 400},
		{name: "failure trigger", path: "/topups", body: `{"amount":"13.13"}`, wantStatus: 500},
		{name: "slow trigger", path: "/topups", body: `{"amount":"666.66"}`, wantStatus: 200, minElapsed: 20 * time.Millisecond},
	})
}

func TestTrackParcel(t *testing.T) {
	runCases(t, newTestHandler(), []endpointCase{
		{name: "in transit", path: "/parcels/track", body: `{"waybill":"SF1234567890","bot":"logistics-zh"}`, wantStatus: 200,
			want: map[string]any{"parcel.status": "运输中", "parcel.status_code": "in_transit", "parcel.location": "上海转运中心", "parcel.eta": "2025-11-26", "parcel.eta_text": "明天，11月26日"}},
		{name: "normalized", path: "/parcels/track", body: `{"waybill":"sf 1234-567890"}`, wantStatus: 200, want: map[string]any{"parcel.waybill": "SF1234567890"}},
		{name: "out for delivery", path: "/parcels/track", body: `{"waybill":"SF2345678901"}`, wantStatus: 200,
			want: map[string]any{"parcel.status_code": "out_for_delivery", "parcel.eta_text": "今天，11月25日"}},
		{name: "delivered", path: "/parcels/track", body: `{"waybill":"SF3456789012"}`, wantStatus: 200,
			want: map[string]any{"parcel.status": "已签收", "parcel.status_code": "delivered", "parcel.eta_text": "昨天，11月24日"}},
		{name: "unknown", path: "/parcels/track", body: `{"waybill":"SF1111111111"}`, wantStatus: 404, wantErr: "SF1111111111"},
		{name: "malformed", path: "/parcels/track", body: `{"waybill":"12345"}`, wantStatus: 400, wantErr: "waybill"},
		{name: "missing", path: "/parcels/track", body: `{}`, wantStatus: 400},
		{name: "failure trigger", path: "/parcels/track", body: `{"waybill":"SF0000000000"}`, wantStatus: 500},
		{name: "slow trigger", path: "/parcels/track", body: `{"waybill":"SF9999999999"}`, wantStatus: 200, want: map[string]any{"parcel.eta_text": "11月27日"}, minElapsed: 20 * time.Millisecond},
	})
}

func TestChangeAddress(t *testing.T) {
	const addr = `"new_address":"上海市浦东新区世纪大道100号"`
	runCases(t, newTestHandler(), []endpointCase{
		{name: "in transit", path: "/parcels/address", body: `{"waybill":"SF1234567890",` + addr + `}`, wantStatus: 200,
			want: map[string]any{"change.status": "accepted", "change.ticket": "ADR-*", "change.effective": "新地址已生效，包裹会直接送到新地址"}},
		{name: "out for delivery", path: "/parcels/address", body: `{"waybill":"SF2345678901",` + addr + `}`, wantStatus: 200,
			want: map[string]any{"change.effective": "新地址会在下一次派送时生效"}},
		{name: "delivered", path: "/parcels/address", body: `{"waybill":"SF3456789012",` + addr + `}`, wantStatus: 409, wantErr: "already delivered"},
		{name: "unknown", path: "/parcels/address", body: `{"waybill":"SF1111111111",` + addr + `}`, wantStatus: 404},
		{name: "short address", path: "/parcels/address", body: `{"waybill":"SF1234567890","new_address":"上海"}`, wantStatus: 400, wantErr: "new_address"},
		{name: "missing waybill", path: "/parcels/address", body: `{` + addr + `}`, wantStatus: 400, wantErr: "waybill"},
		{name: "failure trigger", path: "/parcels/address", body: `{"waybill":"SF0000000000",` + addr + `}`, wantStatus: 500},
		{name: "slow trigger", path: "/parcels/address", body: `{"waybill":"SF9999999999",` + addr + `}`, wantStatus: 200, minElapsed: 20 * time.Millisecond},
	})
}

// TestSampleFlowContract checks that every path the sample bots save from a
// webhook reply (bots/*/flows/*.yaml, "save:") is present in the reply to a
// typical request. Keep the table in step with the flows.
func TestSampleFlowContract(t *testing.T) {
	h := newTestHandler()
	contracts := []struct {
		flow, path, body string
		save             []string
	}{
		{"banking/block_card", "/cards/block", `{"last4":"4821"}`, []string{"reference", "replacement.eta"}},
		{"banking/check_balance", "/accounts/balance", `{"account_number":"12345678"}`, []string{"account.balance", "account.available"}},
		{"banking/transfer_status completed", "/transfers/status", `{"amount":"250","transfer_date":"2025-11-20"}`,
			[]string{"transfer.status", "transfer.reference", "transfer.eta", "transfer.completed_on"}},
		{"banking/transfer_status pending", "/transfers/status", `{"amount":"2500","transfer_date":"2025-11-20"}`,
			[]string{"transfer.status", "transfer.reference", "transfer.eta", "transfer.completed_on"}},
		{"banking/top_up", "/topups", `{"amount":"50","funding_card":"visa"}`, []string{"topup.id", "topup.new_balance"}},
		{"logistics-zh/track_parcel", "/parcels/track", `{"waybill":"SF1234567890"}`,
			[]string{"parcel.status", "parcel.status_code", "parcel.location", "parcel.eta_text"}},
		{"logistics-zh/change_address", "/parcels/address", `{"waybill":"SF1234567890","new_address":"上海市浦东新区世纪大道100号"}`,
			[]string{"change.ticket", "change.effective"}},
	}
	for _, c := range contracts {
		t.Run(c.flow, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, c.path, strings.NewReader(c.body)))
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			var got any
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			for _, p := range c.save {
				v, ok := lookup(got, p)
				if _, isStr := v.(string); !ok || !isStr {
					t.Errorf("save path %s: got %#v, want a string", p, v)
				}
			}
		})
	}
}

func TestReferencesAreDeterministic(t *testing.T) {
	h := newTestHandler()
	ref := func(body string) string {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/cards/block", strings.NewReader(body)))
		var r struct{ Reference string }
		if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil || r.Reference == "" {
			t.Fatalf("no reference in %s", rec.Body)
		}
		return r.Reference
	}
	a, b := ref(`{"last4":"4821","session_id":"s1"}`), ref(`{"last4":"4821","session_id":"s1"}`)
	if a != b {
		t.Errorf("same request gave %s and %s", a, b)
	}
	if c := ref(`{"last4":"4821","session_id":"s2"}`); c == a {
		t.Errorf("different sessions both gave %s", a)
	}
}

// TestSlowReplyEndsWithClient checks that a slow trigger stops waiting when
// the webhook client times out, so closing the server does not hang.
func TestSlowReplyEndsWithClient(t *testing.T) {
	srv := httptest.NewServer(New(nil, WithSlowDelay(time.Minute)))
	client := &http.Client{Timeout: 50 * time.Millisecond}
	resp, err := client.Post(srv.URL+"/accounts/balance", "application/json", strings.NewReader(`{"account_number":"99999999"}`))
	if err == nil {
		resp.Body.Close()
		t.Fatalf("got status %d, want a client timeout", resp.StatusCode)
	}
	var netErr interface{ Timeout() bool }
	if !errors.As(err, &netErr) || !netErr.Timeout() {
		t.Fatalf("err = %v, want a timeout", err)
	}
	done := make(chan struct{})
	go func() { srv.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("server did not close: the slow handler kept waiting")
	}
}

func TestStallCanceled(t *testing.T) {
	s := &server{slow: time.Minute}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.stall(ctx); !errors.Is(err, errAbandoned) || !errors.Is(err, context.Canceled) {
		t.Fatalf("stall = %v, want errAbandoned wrapping context.Canceled", err)
	}
}

func TestFormatMoney(t *testing.T) {
	for _, tc := range []struct {
		cents int64
		want  string
	}{
		{0, "0.00 USD"}, {5, "0.05 USD"}, {99999, "999.99 USD"}, {100000, "1,000.00 USD"},
		{123456789, "1,234,567.89 USD"}, {-123456, "-1,234.56 USD"},
	} {
		if got := formatMoney(tc.cents, "USD"); got != tc.want {
			t.Errorf("formatMoney(%d) = %q, want %q", tc.cents, got, tc.want)
		}
	}
}

func TestParseMoney(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"250", 25000, true}, {"$12.5", 1250, true}, {"1,000.50 USD", 100050, true}, {"13.13", 1313, true},
		{"0.004", 0, true}, {"", 0, false}, {"abc", 0, false}, {"-5", 0, false}, {"0", 0, false},
	} {
		got, err := parseMoney("amount", tc.in)
		if tc.ok != (err == nil) || (tc.ok && got != tc.want) {
			t.Errorf("parseMoney(%q) = %d, %v; want %d, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func FuzzEndpoints(f *testing.F) {
	h := New(nil, WithSlowDelay(0))
	paths := []string{"/cards/block", "/accounts/balance", "/transfers/status", "/topups", "/parcels/track", "/parcels/address"}
	for _, body := range []string{
		`{"last4":"4821"}`, `{"account_number":"12345678"}`, `{"amount":"250","transfer_date":"2025-11-20"}`,
		`{"amount":"50","funding_card":"visa"}`, `{"waybill":"SF1234567890","new_address":"上海市浦东新区"}`,
		`null`, `[]`, `{"a":{"b":[1,2]}}`, `{"amount":1e400}`, "\xff",
	} {
		for i := range paths {
			f.Add(uint8(i), body)
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		path := paths[int(which)%len(paths)]
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, path, strings.NewReader(body)))
		if rec.Code == http.StatusInternalServerError {
			// Only the trigger values fail on purpose.
			if !strings.Contains(rec.Body.String(), "simulated") {
				t.Fatalf("%s %q: unexpected 500: %s", path, body, rec.Body)
			}
		}
		if strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") && !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("%s %q: invalid JSON reply %q", path, body, rec.Body)
		}
		io.Copy(io.Discard, rec.Body)
	})
}

func TestLookupCustomer(t *testing.T) {
	runCases(t, newTestHandler(), []endpointCase{
		{name: "vip with a ticket", path: "/customers/lookup", body: `{"caller_id":"+15550100"}`, wantStatus: 200,
			want: map[string]any{"attributes.vip": true, "attributes.name": "Jane Doe"}},
		{name: "chinese customer", path: "/customers/lookup", body: `{"caller_id":"13800138000"}`, wantStatus: 200,
			want: map[string]any{"attributes.name": "王芳"}},
		{name: "unknown caller", path: "/customers/lookup", body: `{"caller_id":"+15550999"}`, wantStatus: 200},
	})
}
