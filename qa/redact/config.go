package redact

import (
	"fmt"
	"slices"
	"sort"
	"time"
)

// Config is the qa.redaction section of switchboard.yaml. The zero value
// is the default: redaction on, every type on, cards masked to their last
// four digits, everything else fully.
//
//	qa:
//	  redaction:
//	    enabled: true          # off: nothing is masked anywhere
//	    card: true
//	    cvv: true
//	    phone: true
//	    email: true
//	    id: true
//	    account: true
//	    mask: {card: last4, phone: full}   # last4 | full | label
//	    toll_free: false       # also mask 400/800/95xxx and 1-800 numbers
//	    account_digits: [6, 20]
//	    account_cues: [customer number, 客户编号]
//	    patterns:
//	      - {type: tracking, regex: '\bSF\d{12,13}\b'}
//	    audio_margin: 200ms
type Config struct {
	// Enabled turns redaction on everywhere. Default true.
	Enabled *bool `yaml:"enabled"`
	// Card masks payment card numbers. Default true.
	Card *bool `yaml:"card"`
	// CVV masks card security codes and PINs after their cue. Default true.
	CVV *bool `yaml:"cvv"`
	// Phone masks personal phone numbers. Default true.
	Phone *bool `yaml:"phone"`
	// Email masks email addresses. Default true.
	Email *bool `yaml:"email"`
	// ID masks national identity numbers (Chinese resident ID, US SSN).
	// Default true.
	ID *bool `yaml:"id"`
	// Account masks account numbers after an account cue. Default true.
	Account *bool `yaml:"account"`
	// Mask maps a type (card, cvv, phone, email, id, account, or a
	// pattern's type) to its masking style: last4, full or label.
	// Default card: last4, others full.
	Mask map[string]string `yaml:"mask"`
	// TollFree masks company service numbers (400, 800, 95xxx, 10086,
	// 1-800) as phones too. Default false: they are not personal data.
	TollFree bool `yaml:"toll_free"`
	// AccountDigits is the [min, max] length of an account number.
	// Default [6, 20].
	AccountDigits []int `yaml:"account_digits"`
	// AccountCues are words or phrases that announce an account number,
	// added to the built-in ones.
	AccountCues []string `yaml:"account_cues"`
	// Patterns are regular expressions (RE2) masked as their type: at most
	// 32, each at most 256 bytes.
	Patterns []PatternConfig `yaml:"patterns"`
	// AudioMargin is the audio silenced on each side of a span in
	// recordings. Default 200ms.
	AudioMargin time.Duration `yaml:"audio_margin"`
}

// PatternConfig is one configured pattern.
type PatternConfig struct {
	// Type the matches are reported and masked as ("tracking").
	Type string `yaml:"type"`
	// Regex is the expression (RE2 syntax).
	Regex string `yaml:"regex"`
}

// On reports whether redaction is enabled.
func (c Config) On() bool { return c.Enabled == nil || *c.Enabled }

// Validate checks the section and names the first bad key
// ("qa.redaction.mask.card: ..."). The error wraps ErrOption.
func (c Config) Validate() error {
	_, err := c.build()
	return err
}

// Options returns the options the section stands for.
func (c Config) Options() ([]Option, error) { return c.build() }

// New builds the Redactor the section describes.
func (c Config) New() (*Redactor, error) {
	opts, err := c.build()
	if err != nil {
		return nil, err
	}
	return New(opts...)
}

func (c Config) build() ([]Option, error) {
	const p = "qa.redaction."
	bad := func(key, format string, args ...any) error {
		return fmt.Errorf("%w: %s%s: %s", ErrOption, p, key, fmt.Sprintf(format, args...))
	}
	var opts []Option
	for _, f := range []struct {
		t  Type
		on *bool
	}{{Card, c.Card}, {CVV, c.CVV}, {Phone, c.Phone}, {Email, c.Email}, {ID, c.ID}, {Account, c.Account}} {
		if f.on != nil {
			opts = append(opts, WithType(f.t, *f.on))
		}
	}
	known := map[Type]bool{}
	for _, t := range builtins {
		known[t] = true
	}
	if len(c.Patterns) > MaxPatterns {
		return nil, bad("patterns", "%d patterns (at most %d)", len(c.Patterns), MaxPatterns)
	}
	for i, pc := range c.Patterns {
		if pc.Type == "" {
			return nil, bad(fmt.Sprintf("patterns[%d].type", i), "must not be empty")
		}
		if _, err := compilePattern(pc.Regex); err != nil {
			return nil, bad(fmt.Sprintf("patterns[%d].regex", i), "%q: %v", pc.Regex, err)
		}
		known[Type(pc.Type)] = true
		opts = append(opts, WithPattern(Type(pc.Type), pc.Regex))
	}
	keys := make([]string, 0, len(c.Mask))
	for k := range c.Mask {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !known[Type(k)] {
			names := make([]string, 0, len(known))
			for t := range known {
				names = append(names, string(t))
			}
			slices.Sort(names)
			return nil, bad("mask."+k, "not a type (want one of %v)", names)
		}
		st, err := ParseStyle(c.Mask[k])
		if err != nil {
			return nil, bad("mask."+k, "%q is not one of last4, full, label", c.Mask[k])
		}
		opts = append(opts, WithStyle(Type(k), st))
	}
	if c.TollFree {
		opts = append(opts, WithTollFree(true))
	}
	if c.AccountDigits != nil {
		if len(c.AccountDigits) != 2 || c.AccountDigits[0] < 1 || c.AccountDigits[1] < c.AccountDigits[0] || c.AccountDigits[1] > 64 {
			return nil, bad("account_digits", "%v: want [min, max] with 1 <= min <= max <= 64", c.AccountDigits)
		}
		opts = append(opts, WithAccountDigits(c.AccountDigits[0], c.AccountDigits[1]))
	}
	for i, cue := range c.AccountCues {
		if cue == "" || len(cue) > 64 {
			return nil, bad(fmt.Sprintf("account_cues[%d]", i), "%q: want 1 to 64 bytes", cue)
		}
	}
	if len(c.AccountCues) > 0 {
		opts = append(opts, WithAccountCues(c.AccountCues...))
	}
	if c.AudioMargin != 0 {
		if c.AudioMargin < 0 || c.AudioMargin > 10*time.Second {
			return nil, bad("audio_margin", "%v: want 0 to 10s", c.AudioMargin)
		}
		opts = append(opts, WithAudioMargin(c.AudioMargin))
	}
	return opts, nil
}
