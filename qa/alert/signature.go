package alert

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Webhook request headers.
const (
	// SignatureHeader carries "t=<unix seconds>,v1=<hex>": v1 is the
	// HMAC-SHA256, keyed with the endpoint's secret, of the timestamp, a
	// '.', and the raw body. Each attempt is signed afresh.
	SignatureHeader = "X-Switchboard-Signature"
	// AlertIDHeader repeats the alert's ID: the same on every retry.
	AlertIDHeader = "X-Switchboard-Alert-Id"
	// AttemptHeader numbers the delivery attempt from 1.
	AttemptHeader = "X-Switchboard-Attempt"
)

// DefaultTolerance is how far a signature's timestamp may be from the
// receiver's clock (replayed requests older than this fail Verify).
const DefaultTolerance = 5 * time.Minute

// maxBody bounds what VerifyRequest reads.
const maxBody = 1 << 20

// ErrSignature is wrapped by every verification failure.
var ErrSignature = errors.New("webhook signature invalid")

// Sign returns the SignatureHeader value for body sent at t.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + mac(secret, ts, body)
}

func mac(secret, ts string, body []byte) string {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(ts))
	h.Write([]byte{'.'})
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// Verify checks a SignatureHeader value against the raw body, as a
// receiver must before trusting an alert: one of its v1 signatures must be
// the body's, under secret, and its timestamp within tolerance of now
// (DefaultTolerance when tolerance is zero or negative). Unknown fields
// are ignored, so that new signature versions can be added.
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	if header == "" {
		return fmt.Errorf("%w: no %s header", ErrSignature, SignatureHeader)
	}
	var ts string
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return fmt.Errorf("%w: malformed field %q", ErrSignature, part)
		}
		switch k {
		case "t":
			if ts != "" {
				return fmt.Errorf("%w: two timestamps", ErrSignature)
			}
			ts = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: no valid timestamp (t=)", ErrSignature)
	}
	if len(sigs) == 0 {
		return fmt.Errorf("%w: no v1 signature", ErrSignature)
	}
	if d := now.Sub(time.Unix(sec, 0)).Abs(); d > tolerance {
		return fmt.Errorf("%w: timestamp %s from now, beyond the %s tolerance", ErrSignature, d.Round(time.Second), tolerance)
	}
	want := []byte(mac(secret, ts, body))
	for _, s := range sigs {
		if hmac.Equal([]byte(s), want) {
			return nil
		}
	}
	return fmt.Errorf("%w: signature does not match the body", ErrSignature)
}

// VerifyRequest reads r's body (at most 1 MiB) and verifies its
// SignatureHeader at the current time; it returns the body when valid.
func VerifyRequest(r *http.Request, secret string, tolerance time.Duration) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("reading the alert body: %w", err)
	}
	if len(body) > maxBody {
		return nil, fmt.Errorf("%w: body larger than %d bytes", ErrSignature, maxBody)
	}
	if err := Verify(secret, r.Header.Get(SignatureHeader), body, time.Now(), tolerance); err != nil {
		return nil, err
	}
	return body, nil
}
