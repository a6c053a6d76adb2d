package redact

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

// secrets are values that must not survive any wrapper.
var secrets = []string{"4111111111111111", "4111 1111 1111 1111", "13800138000", "12345678", "john.smith@example.com", "11010519491231002X"}

func noSecret(t *testing.T, what, out string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(out, s) {
			t.Errorf("%s still holds %q:\n%s", what, s, out)
		}
	}
	if strings.Contains(out, "1111 1111 1111") || strings.Contains(out, "411111") {
		t.Errorf("%s holds card digits:\n%s", what, out)
	}
}

const alertPayload = `{
  "alert": "caller read out a card number",
  "session_id": "s-42",
  "call_id": 987654321012,
  "turn": {"seq": 4, "text": "my card is 4111 1111 1111 1111 and my phone 13800138000"},
  "slots": {"account_number": "12345678", "email": "john.smith@example.com", "city": "上海"},
  "card": 4111111111111111,
  "ids": ["身份证11010519491231002X", 42, 3.5, true, null],
  "nested": [{"phone": "555 0134"}, []],
  "amount": "$1,250.00"
}`

func TestJSON(t *testing.T) {
	r := newDefault(t)
	out, err := r.JSON([]byte(alertPayload))
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(out) {
		t.Fatalf("invalid JSON: %s", out)
	}
	noSecret(t, "JSON", string(out))
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ path, want string }{
		{"turn.text", "my card is **** **** **** 1111 and my phone ***********"},
		{"slots.account_number", "********"},
		{"slots.email", "****.*****@*******.***"},
		{"slots.city", "上海"},
		{"card", "************1111"},
		{"amount", "$1,250.00"},
		{"session_id", "s-42"},
	} {
		v := any(got)
		for _, k := range strings.Split(c.path, ".") {
			v = v.(map[string]any)[k]
		}
		if v != c.want {
			t.Errorf("%s = %v, want %q", c.path, v, c.want)
		}
	}
	if got["call_id"] != 987654321012.0 {
		t.Errorf("call_id = %v: a number that is no personal data stays a number", got["call_id"])
	}
	// Key order is kept.
	if i, j := bytes.Index(out, []byte(`"alert"`)), bytes.Index(out, []byte(`"amount"`)); i < 0 || j < i {
		t.Errorf("key order changed: %s", out)
	}
	if nested := got["nested"].([]any)[0].(map[string]any)["phone"]; nested != "*** ****" {
		t.Errorf("nested phone = %v", nested)
	}
}

func TestJSONErrors(t *testing.T) {
	r := newDefault(t)
	for _, doc := range []string{``, `{`, `{"a":}`, `[1,]`, `{"a":1}{"b":2}`, `nul`, `"\x01"`} {
		if _, err := r.JSON([]byte(doc)); !errors.Is(err, ErrJSON) {
			t.Errorf("JSON(%q): %v, want ErrJSON", doc, err)
		}
	}
	for _, doc := range []string{`null`, `"x"`, `12`, `[]`, `{}`, ` {"a" : [ true ] } `} {
		if out, err := r.JSON([]byte(doc)); err != nil || !json.Valid(out) {
			t.Errorf("JSON(%q) = %s, %v", doc, out, err)
		}
	}
}

func TestValue(t *testing.T) {
	r := newDefault(t)
	var doc any
	dec := json.NewDecoder(strings.NewReader(alertPayload))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	out := r.Value(doc)
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	noSecret(t, "Value", string(b))
	if !strings.Contains(alertPayload, "4111 1111 1111 1111") {
		t.Fatal("the input changed")
	}
	slots := r.Value(map[string]string{"acct": "12345678", "note": "call 13800138000"}).(map[string]string)
	if slots["acct"] != "********" || slots["note"] != "call ***********" {
		t.Errorf("slots %v", slots)
	}
	if got := r.Value([]string{"4111111111111111"}).([]string); got[0] != "************1111" {
		t.Errorf("[]string: %v", got)
	}
	if got := r.Value(42); got != 42 {
		t.Errorf("int: %v", got)
	}
	if r.Slots(nil) != nil {
		t.Error("Slots(nil) != nil")
	}
}

func TestKeyCue(t *testing.T) {
	for _, c := range []struct {
		key  string
		want cue
	}{
		{"card_number", cueCard}, {"cardNumber", cueCard}, {"CardNumber", cueCard}, {"phone", cuePhone}, {"mobileNo", cuePhone},
		{"account-id", cueAccount}, {"acct_no", cueAccount}, {"ssn", cueSSN}, {"cvv", cueCVV}, {"id_card", cueID},
		{"national_id", cueID}, {"passport", cueID}, {"session_id", 0}, {"call_id", 0}, {"text", 0}, {"order_phone", cueNeg},
		{"tracking_number", cueNeg}, {"卡号", cueCard}, {"手机号码", cuePhone}, {"账号", cueAccount}, {"", 0},
	} {
		if got := keyCue(c.key); got != c.want {
			t.Errorf("keyCue(%q) = %b, want %b", c.key, got, c.want)
		}
	}
}

type stringer struct{}

func (stringer) String() string { return "card 4111111111111111" }

type payment struct {
	Card  string `json:"card"`
	Phone string `json:"phone"`
	Note  string
}

func TestHandler(t *testing.T) {
	r := newDefault(t)
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			var next slog.Handler = slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})
			if format == "json" {
				next = slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})
			}
			log := slog.New(NewHandler(next, r)).With("caller_phone", "13800138000", "call_id", "c-1")
			log.Info("caller said 4111 1111 1111 1111",
				"account", "12345678",
				"mobile", int64(13800138000),
				"count", 12,
				"err", errors.New("webhook rejected card 4111111111111111"),
				"who", stringer{},
				slog.Group("slots", "email", "john.smith@example.com", "id", "身份证11010519491231002X"),
				"payment", payment{Card: "4111-1111-1111-1111", Phone: "13800138000", Note: "ok"},
				"raw", []byte("acct 12345678"),
				"map", map[string]any{"account_number": 12345678},
			)
			log.WithGroup("g").Debug("plain", "text", "nothing here")
			out := buf.String()
			noSecret(t, "log", out)
			for _, keep := range []string{"c-1", "count", "nothing here", "**** **** **** 1111"} {
				if !strings.Contains(out, keep) {
					t.Errorf("log lost %q:\n%s", keep, out)
				}
			}
			if format == "json" {
				for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
					if !json.Valid([]byte(line)) {
						t.Errorf("invalid JSON line %s", line)
					}
				}
			}
		})
	}
	h := NewHandler(slog.NewTextHandler(&bytes.Buffer{}, &slog.HandlerOptions{Level: slog.LevelWarn}), r)
	if h.Enabled(t.Context(), slog.LevelInfo) || !h.Enabled(t.Context(), slog.LevelError) {
		t.Error("Enabled does not follow the wrapped handler")
	}
}
