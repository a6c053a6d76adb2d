package redact

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"sync"
	"time"
)

// Type is the kind of personal data a span holds.
type Type string

// The built-in types.
const (
	// Card is a payment card number (PAN): 13-19 digits passing the Luhn
	// check, or 7-19 digits right after a card cue ("card number", "卡号")
	// even when a misrecognised digit breaks the check.
	Card Type = "card"
	// CVV is a card security code or PIN after its cue ("CVV", "security
	// code", "安全码", "密码"): sensitive authentication data that PCI DSS
	// forbids storing at all.
	CVV Type = "cvv"
	// Phone is a personal phone number: E.164, North American, Chinese
	// mobile or landline. Company service numbers (400, 800, 95xxx, 1-800)
	// are left alone unless WithTollFree.
	Phone Type = "phone"
	// Email is an email address, written or spoken ("john dot smith at
	// gmail dot com", "zhangsan艾特qq点com").
	Email Type = "email"
	// ID is a national identity number: a Chinese resident ID (18
	// characters with its ISO 7064 check, or 15 legacy digits after an ID
	// cue), a US Social Security number, or a number after an ID or
	// passport cue.
	ID Type = "id"
	// Account is a digit run of a configured length after an account cue
	// ("account", "acct", "账号", "账户", "卡号").
	Account Type = "account"
)

// builtins lists the built-in types in the order their flags are kept.
var builtins = [...]Type{Card, CVV, Phone, Email, ID, Account}

// Types returns the built-in types.
func Types() []Type { return slices.Clone(builtins[:]) }

func (t Type) index() int {
	for i, b := range builtins {
		if b == t {
			return i
		}
	}
	return -1
}

// Style is how a span is masked.
type Style uint8

// Masking styles.
const (
	// KeepLast4 masks every digit but the last four ("**** **** **** 4821"),
	// keeping spaces and dashes. It is the default for Card. Types that are
	// not digit strings (Email, patterns) are masked fully under it.
	KeepLast4 Style = iota + 1
	// Full masks every letter and digit, keeping separators ("***-***-****").
	// It is the default for every type but Card.
	Full
	// Label replaces the span with its type in brackets ("[PHONE]").
	Label
)

// String returns the style's configuration name: "last4", "full", "label".
func (s Style) String() string {
	switch s {
	case KeepLast4:
		return "last4"
	case Full:
		return "full"
	case Label:
		return "label"
	}
	return fmt.Sprintf("Style(%d)", uint8(s))
}

// ParseStyle reads a style's configuration name.
func ParseStyle(name string) (Style, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "last4", "keep_last4", "keeplast4":
		return KeepLast4, nil
	case "full", "":
		return Full, nil
	case "label":
		return Label, nil
	}
	return 0, fmt.Errorf("%w: mask style %q (want last4, full or label)", ErrOption, name)
}

// Span is one piece of personal data found in a text: its type and its
// byte offsets in the original text. A Span never carries the value.
type Span struct {
	Type  Type `json:"type"`
	Start int  `json:"start"`
	End   int  `json:"end"`
}

// Result is a redacted text and the spans that were masked, in order and
// without overlaps.
type Result struct {
	Text  string
	Spans []Span
}

// ErrOption is wrapped by New's error for a bad option; the message names it.
var ErrOption = errors.New("redact: bad option")

// Limits on configured patterns: Go's regexp runs in linear time, and
// these bound its size so one bad configuration cannot slow every call.
const (
	MaxPatterns    = 32
	MaxPatternLen  = 256
	maxPatternInst = 2000
)

// Option configures a Redactor.
type Option func(*Redactor)

// WithType turns detection of a built-in type on or off (all are on by
// default). A type that is off is still recognised, so its numbers are
// not masked as another type ("card: false" leaves card numbers as they
// are, rather than masking them as accounts).
func WithType(t Type, on bool) Option {
	return func(r *Redactor) {
		i := t.index()
		if i < 0 {
			r.errs = append(r.errs, fmt.Errorf("%w: WithType(%q): not a built-in type (want one of %v)", ErrOption, t, builtins))
			return
		}
		r.on[i] = on
	}
}

// WithStyle sets how spans of type t are masked.
func WithStyle(t Type, s Style) Option {
	return func(r *Redactor) {
		if s < KeepLast4 || s > Label {
			r.errs = append(r.errs, fmt.Errorf("%w: WithStyle(%q): unknown style %d", ErrOption, t, s))
			return
		}
		if t == "" {
			r.errs = append(r.errs, fmt.Errorf("%w: WithStyle with an empty type", ErrOption))
			return
		}
		r.style[t] = s
	}
}

// WithTollFree masks company service numbers as phones too: Chinese 400
// and 800 numbers, 95xxx/96xxx short numbers, carrier and government
// hotlines (10086, 12345), North American toll-free 8XX and 900 numbers.
// They are left alone by default: they identify a company, not a person,
// so they are not personal data, and a transcript or alert that says
// "call 95588" stays useful.
func WithTollFree(mask bool) Option {
	return func(r *Redactor) { r.tollFree = mask }
}

// WithAccountDigits sets how many digits an account number has
// (default 6 to 20).
func WithAccountDigits(minDigits, maxDigits int) Option {
	return func(r *Redactor) {
		if minDigits < 1 || maxDigits < minDigits || maxDigits > 64 {
			r.errs = append(r.errs, fmt.Errorf("%w: WithAccountDigits(%d, %d): want 1 <= min <= max <= 64", ErrOption, minDigits, maxDigits))
			return
		}
		r.acctMin, r.acctMax = minDigits, maxDigits
	}
}

// WithAccountCues adds cue words or phrases for account numbers to the
// built-in ones (account, acct, member, policy, 账号, 账户, 卡号, 会员号...).
// Matching is case-insensitive; Latin cues match whole words, Chinese
// ones any substring.
func WithAccountCues(cues ...string) Option {
	return func(r *Redactor) {
		for _, c := range cues {
			c = strings.ToLower(strings.TrimSpace(c))
			if c == "" || len(c) > 64 {
				r.errs = append(r.errs, fmt.Errorf("%w: account cue %q: want 1 to 64 bytes", ErrOption, c))
				continue
			}
			r.acctCues = append(r.acctCues, c)
		}
	}
}

// WithPattern masks every match of a regular expression (RE2 syntax) as
// type t, which may be a built-in type or a new one ("tracking",
// "policy"). Patterns run after the built-in types, and matches
// overlapping their spans are dropped. At most MaxPatterns patterns of
// MaxPatternLen bytes each, not matching the empty string.
func WithPattern(t Type, expr string) Option {
	return func(r *Redactor) {
		if t == "" {
			r.errs = append(r.errs, fmt.Errorf("%w: WithPattern(%q) with an empty type", ErrOption, expr))
			return
		}
		if len(r.patterns) >= MaxPatterns {
			r.errs = append(r.errs, fmt.Errorf("%w: WithPattern(%q): more than %d patterns", ErrOption, t, MaxPatterns))
			return
		}
		re, err := compilePattern(expr)
		if err != nil {
			r.errs = append(r.errs, fmt.Errorf("%w: WithPattern(%q, %q): %w", ErrOption, t, expr, err))
			return
		}
		r.patterns = append(r.patterns, pattern{typ: t, re: re})
	}
}

func compilePattern(expr string) (*regexp.Regexp, error) {
	if len(expr) > MaxPatternLen {
		return nil, fmt.Errorf("expression of %d bytes (at most %d)", len(expr), MaxPatternLen)
	}
	p, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil, err
	}
	prog, err := syntax.Compile(p.Simplify())
	if err != nil {
		return nil, err
	}
	if len(prog.Inst) > maxPatternInst {
		return nil, fmt.Errorf("expression too large (%d instructions, at most %d)", len(prog.Inst), maxPatternInst)
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, err
	}
	if re.MatchString("") {
		return nil, errors.New("expression matches the empty string")
	}
	return re, nil
}

// WithAudioMargin sets how much audio around a span Turn and Call silence
// (default 200 ms on each side; more when there are no word timings, see
// Ranges).
func WithAudioMargin(d time.Duration) Option {
	return func(r *Redactor) {
		if d < 0 || d > 10*time.Second {
			r.errs = append(r.errs, fmt.Errorf("%w: WithAudioMargin(%v): want 0 to 10s", ErrOption, d))
			return
		}
		r.margin = d
	}
}

type pattern struct {
	typ Type
	re  *regexp.Regexp
}

// DefaultAudioMargin is the audio kept silent on each side of a span.
const DefaultAudioMargin = 200 * time.Millisecond

// Redactor finds and masks personal data in English and Chinese text. It
// is immutable once built and safe for concurrent use.
type Redactor struct {
	on       [len(builtins)]bool
	style    map[Type]Style
	tollFree bool
	acctMin  int
	acctMax  int
	acctCues []string
	patterns []pattern
	margin   time.Duration
	errs     []error
	pool     sync.Pool
}

// New builds a Redactor: every built-in type on, cards masked to their
// last four digits, everything else fully. The error names every bad
// option (and wraps ErrOption).
func New(opts ...Option) (*Redactor, error) {
	r := &Redactor{
		style:   map[Type]Style{Card: KeepLast4},
		acctMin: 6, acctMax: 20,
		margin: DefaultAudioMargin,
	}
	for i := range r.on {
		r.on[i] = true
	}
	for _, o := range opts {
		if o != nil {
			o(r)
		}
	}
	if len(r.errs) > 0 {
		return nil, errors.Join(r.errs...)
	}
	r.pool.New = func() any { return new(scan) }
	return r, nil
}

// styleOf returns the masking style of type t.
func (r *Redactor) styleOf(t Type) Style {
	if s, ok := r.style[t]; ok {
		return s
	}
	return Full
}

// enabled reports whether spans of type t are masked.
func (r *Redactor) enabled(t Type) bool {
	if i := t.index(); i >= 0 {
		return r.on[i]
	}
	return true
}

// Redact finds the personal data in text and returns the masked text with
// the spans it masked. Text without any is returned as it is, without
// allocating. Any input is accepted: invalid UTF-8 is passed through.
func (r *Redactor) Redact(text string) Result {
	return r.redact(text, 0)
}

// String returns text with its personal data masked.
func (r *Redactor) String(text string) string { return r.redact(text, 0).Text }

// redact runs a scan with the cues of hint applied to every number (the
// key a JSON value or log attribute is stored under).
func (r *Redactor) redact(text string, hint cue) Result {
	if text == "" {
		return Result{Text: text}
	}
	s := r.pool.Get().(*scan)
	s.reset(r, text, hint)
	s.detect()
	res := Result{Text: text}
	if len(s.found) > 0 {
		res = s.render()
	}
	s.release()
	r.pool.Put(s)
	return res
}
