package demobackend

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// account is a fake bank account. Amounts are in cents.
type account struct {
	holder    string
	currency  string
	balance   int64
	available int64
}

// defaultAccount is charged by top-ups that name no account.
const defaultAccount = "12345678"

var accounts = map[string]account{
	"12345678": {holder: "Alex Morgan", currency: "USD", balance: 123456, available: 120000},
	"87654321": {holder: "Sam Lee", currency: "EUR", balance: 5000, available: 5000},
	"11223344": {holder: "Jordan Diaz", currency: "USD", balance: 0, available: 0},
	// Replies only after the slow delay.
	"99999999": {holder: "Pat Slow", currency: "USD", balance: 4200, available: 4200},
}

// Trigger values (see the package documentation).
const (
	failLast4     = "0000"
	slowLast4     = "9999"
	blockedLast4  = "1111"
	failAccount   = "00000000"
	slowAccount   = "99999999"
	htmlAccount   = "77777777"
	failAmount    = 1313  // 13.13, in cents
	slowAmount    = 66666 // 666.66, in cents
	heldAmount    = 1000000
	pendingAmount = 100000
)

// Top-up limits in cents, as in the banking bot's top_up flow.
const (
	minTopUp = 500
	maxTopUp = 100000
)

var nonDigit = regexp.MustCompile(`[\s\-]`)

// digits returns s without spaces and dashes, or an error unless it is
// exactly n digits.
func digits(field, s string, n int) (string, error) {
	s = nonDigit.ReplaceAllString(s, "")
	if len(s) != n || strings.Trim(s, "0123456789") != "" {
		return "", fmt.Errorf("%w: %s must be exactly %d digits", ErrInvalid, field, n)
	}
	return s, nil
}

var number = regexp.MustCompile(`-?\d+(\.\d+)?`)

// parseMoney reads an amount such as "250", "1,000.50 USD" or "$12.5" and
// returns it in cents.
func parseMoney(field, s string) (int64, error) {
	m := number.FindString(strings.ReplaceAll(s, ",", ""))
	if m == "" {
		return 0, fmt.Errorf("%w: %s must be an amount of money, got %q", ErrInvalid, field, s)
	}
	f, err := strconv.ParseFloat(m, 64)
	if err != nil || f <= 0 || f > 1e12 {
		return 0, fmt.Errorf("%w: %s must be a positive amount, got %q", ErrInvalid, field, s)
	}
	return int64(math.Round(f * 100)), nil
}

// formatMoney writes cents as "1,234.56 USD".
func formatMoney(cents int64, currency string) string {
	neg := cents < 0
	if neg {
		cents = -cents
	}
	whole := strconv.FormatInt(cents/100, 10)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	fmt.Fprintf(&b, ".%02d %s", cents%100, currency)
	return b.String()
}

// phoneDate formats a date the way it is read to a caller: "Thursday 20 November".
func phoneDate(t time.Time) string {
	return t.Format("Monday 2 January")
}

func (s *server) blockCard(ctx context.Context, q request) (any, error) {
	last4, err := digits("last4", q.get("last4", "card_last4"), 4)
	if err != nil {
		return nil, err
	}
	switch last4 {
	case failLast4:
		return nil, fmt.Errorf("%w: card system unavailable (trigger last4 %s)", ErrSimulated, last4)
	case slowLast4:
		if err := s.stall(ctx); err != nil {
			return nil, err
		}
	case blockedLast4:
		return nil, fmt.Errorf("%w: the card ending %s is already blocked", ErrConflict, last4)
	}
	eta := day(s.now()).AddDate(0, 0, 7)
	return map[string]any{
		"blocked":   true,
		"reference": reference("BLK", last4, q.get("session_id")),
		"card":      map[string]string{"last4": last4, "status": "blocked"},
		"replacement": map[string]string{
			"eta":      "5 to 7 working days",
			"eta_date": eta.Format(time.DateOnly),
		},
	}, nil
}

func (s *server) balance(ctx context.Context, q request) (any, error) {
	num, err := digits("account_number", q.get("account_number", "account"), 8)
	if err != nil {
		return nil, err
	}
	switch num {
	case failAccount:
		return nil, fmt.Errorf("%w: core banking unavailable (trigger account %s)", ErrSimulated, num)
	case htmlAccount:
		return rawReply{contentType: "text/html; charset=utf-8", body: "<html><body>Down for maintenance</body></html>\n"}, nil
	case slowAccount:
		if err := s.stall(ctx); err != nil {
			return nil, err
		}
	}
	a, ok := accounts[num]
	if !ok {
		return nil, fmt.Errorf("%w: no account %s", ErrNotFound, num)
	}
	return map[string]any{
		"account": map[string]string{
			"number":    "****" + num[4:],
			"holder":    a.holder,
			"currency":  a.currency,
			"balance":   formatMoney(a.balance, a.currency),
			"available": formatMoney(a.available, a.currency),
		},
	}, nil
}

func (s *server) transferStatus(ctx context.Context, q request) (any, error) {
	amount, err := parseMoney("amount", q.get("amount"))
	if err != nil {
		return nil, err
	}
	raw := q.get("transfer_date", "date")
	if raw == "" {
		return nil, fmt.Errorf("%w: transfer_date is required (YYYY-MM-DD)", ErrInvalid)
	}
	today := day(s.now())
	sent, err := time.ParseInLocation(time.DateOnly, raw, today.Location())
	if err != nil {
		return nil, fmt.Errorf("%w: transfer_date must be YYYY-MM-DD, got %q", ErrInvalid, raw)
	}
	if sent.After(today) {
		return nil, fmt.Errorf("%w: transfer_date %s is in the future", ErrInvalid, raw)
	}
	switch amount {
	case failAmount:
		return nil, fmt.Errorf("%w: payments system unavailable (trigger amount 13.13)", ErrSimulated)
	case slowAmount:
		if err := s.stall(ctx); err != nil {
			return nil, err
		}
	}
	t := map[string]string{
		"reference":    reference("TRF", strconv.FormatInt(amount, 10), raw),
		"amount":       formatMoney(amount, "USD"),
		"sent_on":      phoneDate(sent),
		"eta":          "",
		"completed_on": "",
	}
	switch {
	case sent.Before(today.AddDate(0, 0, -90)):
		t["status"] = "not_found"
	case amount >= heldAmount:
		t["status"] = "held"
	case sent.Equal(today) || amount >= pendingAmount:
		t["status"] = "pending"
		t["eta"] = phoneDate(today.AddDate(0, 0, 1))
	default:
		t["status"] = "completed"
		t["completed_on"] = phoneDate(sent)
	}
	return map[string]any{"transfer": t}, nil
}

func (s *server) topUp(ctx context.Context, q request) (any, error) {
	amount, err := parseMoney("amount", q.get("amount"))
	if err != nil {
		return nil, err
	}
	card := strings.ToLower(q.get("funding_card", "card_type"))
	if card != "" && card != "visa" && card != "mastercard" {
		return nil, fmt.Errorf("%w: funding_card must be visa or mastercard, got %q", ErrInvalid, card)
	}
	num := defaultAccount
	if v := q.get("account_number"); v != "" {
		if num, err = digits("account_number", v, 8); err != nil {
			return nil, err
		}
	}
	a, ok := accounts[num]
	if !ok {
		return nil, fmt.Errorf("%w: no account %s", ErrNotFound, num)
	}
	switch amount {
	case failAmount:
		return nil, fmt.Errorf("%w: card issuer unavailable (trigger amount 13.13)", ErrSimulated)
	case slowAmount:
		if err := s.stall(ctx); err != nil {
			return nil, err
		}
	}
	if amount < minTopUp || amount > maxTopUp {
		return nil, fmt.Errorf("%w: a top-up must be between %s and %s", ErrOutOfRange,
			formatMoney(minTopUp, a.currency), formatMoney(maxTopUp, a.currency))
	}
	return map[string]any{
		"topup": map[string]string{
			"id":           reference("TOP", num, strconv.FormatInt(amount, 10), card, q.get("session_id")),
			"status":       "completed",
			"amount":       formatMoney(amount, a.currency),
			"funding_card": card,
			"new_balance":  formatMoney(a.balance+amount, a.currency),
		},
	}, nil
}
