package demobackend

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// parcel is a fake shipment. etaDays is the expected delivery day (or the
// signing day, when delivered) relative to today.
type parcel struct {
	status     string // read to the caller, in Chinese
	statusCode string // stable code for branch conditions
	location   string
	etaDays    int
}

var parcels = map[string]parcel{
	"SF1234567890": {status: "运输中", statusCode: "in_transit", location: "上海转运中心", etaDays: 1},
	"SF2345678901": {status: "派送中", statusCode: "out_for_delivery", location: "北京市朝阳区望京营业部", etaDays: 0},
	"SF3456789012": {status: "已签收", statusCode: "delivered", location: "杭州市西湖区文三路驿站", etaDays: -1},
	// Replies only after the slow delay.
	"SF9999999999": {status: "运输中", statusCode: "in_transit", location: "广州白云转运中心", etaDays: 2},
}

// Parcel trigger values (see the package documentation).
const (
	failWaybill = "SF0000000000"
	slowWaybill = "SF9999999999"
)

// minAddress is the shortest new address accepted, in characters.
const minAddress = 6

var (
	waybillSeparators = regexp.MustCompile(`[\s\-]`)
	waybillPattern    = regexp.MustCompile(`^[A-Z]{0,3}[0-9]{10,13}$`)
)

// waybill normalizes a waybill number ("sf 1234-567890" -> "SF1234567890").
func waybill(s string) (string, error) {
	w := strings.ToUpper(waybillSeparators.ReplaceAllString(s, ""))
	if !waybillPattern.MatchString(w) {
		return "", fmt.Errorf("%w: waybill must be up to 3 letters and 10 to 13 digits, got %q", ErrInvalid, s)
	}
	return w, nil
}

// lookupParcel applies the trigger values and finds a parcel.
func (s *server) lookupParcel(ctx context.Context, q request) (string, parcel, error) {
	w, err := waybill(q.get("waybill"))
	if err != nil {
		return "", parcel{}, err
	}
	switch w {
	case failWaybill:
		return "", parcel{}, fmt.Errorf("%w: parcel system unavailable (trigger waybill %s)", ErrSimulated, w)
	case slowWaybill:
		if err := s.stall(ctx); err != nil {
			return "", parcel{}, err
		}
	}
	p, ok := parcels[w]
	if !ok {
		return "", parcel{}, fmt.Errorf("%w: no parcel with waybill %s", ErrNotFound, w)
	}
	return w, p, nil
}

// zhDate formats a date for a Chinese caller: "明天，11月26日", "11月30日".
func zhDate(d time.Time, today time.Time) string {
	s := fmt.Sprintf("%d月%d日", d.Month(), d.Day())
	switch int(d.Sub(today).Round(time.Hour).Hours() / 24) {
	case -1:
		return "昨天，" + s
	case 0:
		return "今天，" + s
	case 1:
		return "明天，" + s
	}
	return s
}

func (s *server) trackParcel(ctx context.Context, q request) (any, error) {
	w, p, err := s.lookupParcel(ctx, q)
	if err != nil {
		return nil, err
	}
	today := day(s.now())
	eta := today.AddDate(0, 0, p.etaDays)
	return map[string]any{
		"parcel": map[string]string{
			"waybill":     w,
			"status":      p.status,
			"status_code": p.statusCode,
			"location":    p.location,
			"eta":         eta.Format(time.DateOnly),
			"eta_text":    zhDate(eta, today),
		},
	}, nil
}

func (s *server) changeAddress(ctx context.Context, q request) (any, error) {
	addr := q.get("new_address", "address")
	if utf8.RuneCountInString(addr) < minAddress {
		return nil, fmt.Errorf("%w: new_address must have at least %d characters", ErrInvalid, minAddress)
	}
	w, p, err := s.lookupParcel(ctx, q)
	if err != nil {
		return nil, err
	}
	effective := "新地址已生效，包裹会直接送到新地址"
	switch p.statusCode {
	case "delivered":
		return nil, fmt.Errorf("%w: parcel %s is already delivered", ErrConflict, w)
	case "out_for_delivery":
		effective = "新地址会在下一次派送时生效"
	}
	return map[string]any{
		"change": map[string]string{
			"ticket":      reference("ADR", w, addr),
			"status":      "accepted",
			"waybill":     w,
			"new_address": addr,
			"effective":   effective,
		},
	}, nil
}
