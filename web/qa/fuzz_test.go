package qa

import (
	"math"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"
)

// FuzzQuery feeds arbitrary query strings to the call search's and the
// dashboard's parameter parsing: no panic, and what is accepted is within
// the documented bounds.
func FuzzQuery(f *testing.F) {
	for _, s := range []string{"", "since=2026-03-02&until=2026-03-02&tz=Asia/Shanghai", "min_score=1e309", "min_sentiment=NaN",
		"limit=500&offset=1000000", "sort=score&order=desc", "q=%E6%8A%95%E8%AF%89", "since=2026-02-30", "until=2026-03-02T09:00:00%2B08:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		r := httptest.NewRequest("GET", "/v1/qa/calls", nil)
		r.URL.RawQuery = raw
		if _, err := url.ParseQuery(raw); err != nil {
			return
		}
		sq, err := sessionQuery(r)
		if err == nil {
			for _, b := range []*float64{sq.MinScore, sq.MaxScore} {
				if b != nil && (math.IsNaN(*b) || *b < 0 || *b > 100) {
					t.Fatalf("score bound %v accepted", *b)
				}
			}
			for _, b := range []*float64{sq.MinSentiment, sq.MaxSentiment} {
				if b != nil && (math.IsNaN(*b) || *b < -1 || *b > 1) {
					t.Fatalf("sentiment bound %v accepted", *b)
				}
			}
			if sq.Limit < 0 || sq.Limit > 500 || sq.Offset < 0 {
				t.Fatalf("page %d+%d accepted", sq.Offset, sq.Limit)
			}
			if !sq.Since.IsZero() && !sq.Until.IsZero() && !sq.Since.Before(sq.Until) {
				t.Fatalf("range %v..%v accepted", sq.Since, sq.Until)
			}
		}
		dq, err := dashboardQuery(r, time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC))
		if err == nil && (!dq.Since.Before(dq.Until) || dq.Until.Sub(dq.Since) > 366*24*time.Hour || dq.Location == nil) {
			t.Fatalf("dashboard range %v..%v accepted", dq.Since, dq.Until)
		}
	})
}
