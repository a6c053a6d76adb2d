package redact

import (
	"errors"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func TestConfig(t *testing.T) {
	const doc = `
card: true
phone: false
mask: {card: full, tracking: label}
toll_free: true
account_digits: [8, 12]
account_cues: [customer number]
patterns:
  - {type: tracking, regex: '\bSF\d{13}\b'}
audio_margin: 300ms
`
	var c Config
	if err := yaml.Unmarshal([]byte(doc), &c); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	r, err := c.New()
	if err != nil {
		t.Fatal(err)
	}
	if !c.On() || r.margin != 300*time.Millisecond {
		t.Errorf("On %v, margin %v", c.On(), r.margin)
	}
	in := "card 4111 1111 1111 1111, phone 13800138000, customer number 12345678, SF1234567890123, 400-820-1234"
	want := "card **** **** **** ****, phone 13800138000, customer number ********, [TRACKING], 400-820-1234" // phones are off
	if got := r.String(in); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}

	var zero Config
	if !zero.On() {
		t.Error("the zero Config is off")
	}
	off := false
	if (Config{Enabled: &off}).On() {
		t.Error("enabled: false is on")
	}
	if opts, err := zero.Options(); err != nil || len(opts) != 0 {
		t.Errorf("zero Config: %d options, %v", len(opts), err)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, c := range []struct {
		doc, key string
	}{
		{"mask: {card: stars}", "qa.redaction.mask.card"},
		{"mask: {tracking: full}", "qa.redaction.mask.tracking"},
		{"patterns: [{type: x, regex: '('}]", "qa.redaction.patterns[0].regex"},
		{"patterns: [{type: x, regex: 'a*'}]", "qa.redaction.patterns[0].regex"},
		{"patterns: [{regex: 'a'}]", "qa.redaction.patterns[0].type"},
		{"account_digits: [8]", "qa.redaction.account_digits"},
		{"account_digits: [9, 3]", "qa.redaction.account_digits"},
		{"account_cues: ['']", "qa.redaction.account_cues[0]"},
		{"audio_margin: -1s", "qa.redaction.audio_margin"},
		{"audio_margin: 1m", "qa.redaction.audio_margin"},
		{"patterns: [" + strings.Repeat("{type: x, regex: 'q'},", MaxPatterns+1) + "]", "qa.redaction.patterns"},
	} {
		var cfg Config
		if err := yaml.Unmarshal([]byte(c.doc), &cfg); err != nil {
			t.Fatalf("%s: %v", c.doc, err)
		}
		err := cfg.Validate()
		if !errors.Is(err, ErrOption) || !strings.Contains(err.Error(), c.key+":") {
			t.Errorf("%s: %v, want ErrOption naming %s", c.doc, err, c.key)
		}
	}
}
