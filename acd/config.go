package acd

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Defaults used when a config leaves a value at zero.
const (
	DefaultRingTimeout      = 20 * time.Second
	DefaultWrapUp           = 10 * time.Second
	DefaultRejectCooldown   = 60 * time.Second
	DefaultServiceLevel     = 20 * time.Second
	DefaultStatsWindow      = 30 * time.Minute
	DefaultStatsInterval    = time.Second
	DefaultHandleTime       = 3 * time.Minute
	DefaultAnnounceInterval = 45 * time.Second
	DefaultMaxCalls         = 1
)

const (
	maxMaxCalls                  = 100
	minSkillLevel, maxSkillLevel = 1, 10
)

// Config is the automatic call distributor's configuration: the queues,
// the agents, and router-wide defaults. It is loaded from YAML (Parse,
// Load) or built in code; New validates it. Durations are Go durations in
// YAML ("20s", "2m").
type Config struct {
	// RingTimeout is how long an offer rings before it is withdrawn, for
	// queues that do not set their own. Default 20s.
	RingTimeout time.Duration `yaml:"ring_timeout,omitempty"`
	// WrapUp is how long an agent stays in wrap_up after its last call
	// ends, for queues that do not set their own. Default 10s; a negative
	// value means no wrap-up.
	WrapUp time.Duration `yaml:"wrap_up,omitempty"`
	// RejectCooldown is how long an agent that rejected (or missed) a
	// contact is not offered that contact again. Default 60s.
	RejectCooldown time.Duration `yaml:"reject_cooldown,omitempty"`
	// StatsWindow is the sliding window of the queue statistics (service
	// level, abandon rate, average handle time) and of the agents' calls
	// handled. Default 30m.
	StatsWindow time.Duration `yaml:"stats_window,omitempty"`
	// StatsInterval is the shortest time between two QueueStats events of
	// one queue (changes in between are coalesced into the next). Default
	// 1s; negative: one event per operation that changes the queue.
	StatsInterval time.Duration `yaml:"stats_interval,omitempty"`
	// DefaultHandleTime is the handle time the wait estimate assumes for a
	// queue with no call ended in the window. Default 3m.
	DefaultHandleTime time.Duration `yaml:"default_handle_time,omitempty"`
	// Queues are the queues, in the order the wallboard shows them.
	Queues []Queue `yaml:"queues"`
	// Agents are the agents known at start-up (all offline).
	Agents []Agent `yaml:"agents"`
}

// Queue is one queue: which agents may take its contacts, how contacts are
// ordered, when they overflow, and what the caller hears while waiting.
type Queue struct {
	// ID names the queue in handoffs, events and the API: letters, digits,
	// '_' and '-' (it is used in NATS subjects). Required.
	ID string `yaml:"id"`
	// Name is shown on the wallboard. Default: the ID.
	Name string `yaml:"name,omitempty"`
	// Skills are the skills an agent needs, each at least at the given
	// level (1..10).
	Skills map[string]int `yaml:"skills,omitempty"`
	// Language is the language of contacts that do not say theirs (BCP 47
	// tag such as en or zh-CN). Empty: no language requirement unless the
	// contact has one.
	Language string `yaml:"language,omitempty"`
	// Priority rules add to a contact's priority (higher goes first).
	Priority []PriorityRule `yaml:"priority,omitempty"`
	// Overflow moves contacts that waited too long here to another queue.
	Overflow *Overflow `yaml:"overflow,omitempty"`
	// MaxWait ends the wait (outcome timed_out) when a contact has waited
	// this long in total since it was first enqueued; the caller then goes
	// to voicemail or a message. Zero: no limit.
	MaxWait time.Duration `yaml:"max_wait,omitempty"`
	// ServiceLevel is the answer-time threshold of the service level
	// statistic. Default 20s.
	ServiceLevel time.Duration `yaml:"service_level,omitempty"`
	// RingTimeout overrides Config.RingTimeout for this queue's offers.
	RingTimeout time.Duration `yaml:"ring_timeout,omitempty"`
	// WrapUp overrides Config.WrapUp after this queue's calls; negative
	// means none.
	WrapUp time.Duration `yaml:"wrap_up,omitempty"`
	// Announce says what the waiting caller is told periodically.
	Announce Announce `yaml:"announce,omitempty"`
	// Callback lets the caller leave the queue with a callback request.
	Callback bool `yaml:"callback,omitempty"`
	// MusicOnHold is the WAV file played while waiting (path or name the
	// media layer resolves). Empty: the media layer's default.
	MusicOnHold string `yaml:"music_on_hold,omitempty"`
}

// PriorityRule raises the priority of contacts by one of their attributes
// (from the bot's handoff or a customer-record lookup). Exactly one of
// Equals and Value is used.
type PriorityRule struct {
	// Attribute is the contact attribute to look at (vip, tier, ...).
	Attribute string `yaml:"attribute"`
	// Equals: when the attribute has this value (case-insensitive), Boost
	// is added.
	Equals string `yaml:"equals,omitempty"`
	// Boost is added when Equals matches.
	Boost int `yaml:"boost,omitempty"`
	// Value adds the attribute's integer value (e.g. a customer tier 0..5);
	// a missing or non-integer value adds nothing. The result is clamped
	// to ±1000.
	Value bool `yaml:"value,omitempty"`
}

// Overflow moves a contact to another queue after a timeout in this one.
// The contact keeps its original enqueue time, so it is not sent to the
// back of the target queue.
type Overflow struct {
	// Target is the queue to move to. Required.
	Target string `yaml:"target"`
	// After is how long the contact waits in this queue first. Required.
	After time.Duration `yaml:"after"`
}

// Announce configures the periodic announcements to waiting callers. The
// media layer plays them; the router supplies Ticket.Position and
// Ticket.EWT.
type Announce struct {
	// Position announces the caller's position in the queue.
	Position bool `yaml:"position,omitempty"`
	// WaitTime announces the estimated wait time.
	WaitTime bool `yaml:"wait_time,omitempty"`
	// Interval between announcements. Default 45s when either is on.
	Interval time.Duration `yaml:"interval,omitempty"`
}

// Agent is a human agent's profile. Its live state is in AgentStatus.
type Agent struct {
	// ID names the agent in events and the API: letters, digits, '_' and
	// '-'. Required.
	ID string `yaml:"id"`
	// Name is shown on the wallboard. Default: the ID.
	Name string `yaml:"name,omitempty"`
	// Login is the agent's login on the desktop (user name or email).
	Login string `yaml:"login,omitempty"`
	// Endpoint is where the media layer rings the agent (a sip: URI or a
	// user of the dialplan). Optional.
	Endpoint string `yaml:"endpoint,omitempty"`
	// Skills maps a skill to the agent's level 1..10.
	Skills map[string]int `yaml:"skills,omitempty"`
	// Languages the agent speaks (BCP 47 tags; "en" matches contacts in
	// "en-GB" and the reverse). Empty: no language restriction.
	Languages []string `yaml:"languages,omitempty"`
	// MaxCalls is how many calls (and offers) the agent handles at once.
	// Default 1.
	MaxCalls int `yaml:"max_calls,omitempty"`
}

var (
	idPattern   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)
	langPattern = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$`)
)

// Parse reads a YAML config (unknown keys are errors), fills the defaults
// and validates it.
func Parse(data []byte) (Config, error) {
	var cfg Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
		return Config{}, fmt.Errorf("%w: %s", ErrInvalidConfig, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	cfg.fill()
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// Load reads and parses a YAML config file; errors name the file.
func Load(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("acd config: %w", err)
	}
	cfg, err := Parse(data)
	if err != nil {
		return Config{}, fmt.Errorf("acd config %s: %w", path, err)
	}
	return cfg, nil
}

// fill sets the defaults of zero router-wide fields. Per-queue and
// per-agent zeros are resolved by the router (so that changing a
// router-wide default reaches every queue that did not override it).
func (c *Config) fill() {
	if c.RingTimeout == 0 {
		c.RingTimeout = DefaultRingTimeout
	}
	if c.WrapUp == 0 {
		c.WrapUp = DefaultWrapUp
	}
	if c.RejectCooldown == 0 {
		c.RejectCooldown = DefaultRejectCooldown
	}
	if c.StatsWindow == 0 {
		c.StatsWindow = DefaultStatsWindow
	}
	if c.DefaultHandleTime == 0 {
		c.DefaultHandleTime = DefaultHandleTime
	}
	if c.StatsInterval == 0 {
		c.StatsInterval = DefaultStatsInterval
	}
}

func bad(key, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalidConfig, key, fmt.Sprintf(format, args...))
}

// Validate checks every field and names the first bad key, e.g.
// `queues[1].overflow.target: unknown queue "x"`. Zero durations are
// allowed (they take the defaults).
func (c *Config) Validate() error {
	for k, d := range map[string]time.Duration{
		"ring_timeout": c.RingTimeout, "reject_cooldown": c.RejectCooldown,
		"stats_window": c.StatsWindow, "default_handle_time": c.DefaultHandleTime,
	} {
		if d < 0 {
			return bad(k, "must not be negative")
		}
	}
	queues := map[string]int{}
	for i, q := range c.Queues {
		key := fmt.Sprintf("queues[%d]", i)
		if err := validateQueue(key, &q); err != nil {
			return err
		}
		if j, dup := queues[q.ID]; dup {
			return bad(key+".id", "duplicate %q (also queues[%d])", q.ID, j)
		}
		queues[q.ID] = i
	}
	for i, q := range c.Queues {
		if err := checkOverflow(fmt.Sprintf("queues[%d]", i), q, func(id string) *Queue {
			if j, ok := queues[id]; ok {
				return &c.Queues[j]
			}
			return nil
		}); err != nil {
			return err
		}
	}
	agents := map[string]int{}
	for i, a := range c.Agents {
		key := fmt.Sprintf("agents[%d]", i)
		if err := validateAgent(key, &a); err != nil {
			return err
		}
		if j, dup := agents[a.ID]; dup {
			return bad(key+".id", "duplicate %q (also agents[%d])", a.ID, j)
		}
		agents[a.ID] = i
	}
	return nil
}

// validateQueue checks one queue on its own; checkOverflow checks its
// reference to other queues.
func validateQueue(key string, q *Queue) error {
	if q.ID == "" {
		return bad(key+".id", "is required")
	}
	if !idPattern.MatchString(q.ID) {
		return bad(key+".id", "%q: use letters, digits, '_' and '-' (at most 64)", q.ID)
	}
	if err := validateSkills(key+".skills", q.Skills); err != nil {
		return err
	}
	if q.Language != "" && !langPattern.MatchString(q.Language) {
		return bad(key+".language", "%q is not a language tag such as en or zh-CN", q.Language)
	}
	for j, p := range q.Priority {
		pk := fmt.Sprintf("%s.priority[%d]", key, j)
		switch {
		case strings.TrimSpace(p.Attribute) == "":
			return bad(pk+".attribute", "is required")
		case p.Value && (p.Equals != "" || p.Boost != 0):
			return bad(pk, "value: true adds the attribute's number; it takes no equals or boost")
		case !p.Value && p.Equals == "":
			return bad(pk+".equals", "is required (or value: true)")
		case !p.Value && p.Boost == 0:
			return bad(pk+".boost", "must not be zero")
		case p.Boost > maxPriority || p.Boost < -maxPriority:
			return bad(pk+".boost", "%d is outside ±%d", p.Boost, maxPriority)
		}
	}
	if o := q.Overflow; o != nil {
		if o.Target == "" {
			return bad(key+".overflow.target", "is required")
		}
		if o.After <= 0 {
			return bad(key+".overflow.after", "must be positive")
		}
	}
	for k, d := range map[string]time.Duration{
		"max_wait": q.MaxWait, "service_level": q.ServiceLevel,
		"ring_timeout": q.RingTimeout, "announce.interval": q.Announce.Interval,
	} {
		if d < 0 {
			return bad(key+"."+k, "must not be negative")
		}
	}
	if q.Announce.Interval > 0 && q.Announce.Interval < time.Second {
		return bad(key+".announce.interval", "%s is shorter than 1s", q.Announce.Interval)
	}
	return nil
}

// checkOverflow checks that q's overflow target exists, is not q, and that
// following overflow targets from q never comes back to q.
func checkOverflow(key string, q Queue, lookup func(string) *Queue) error {
	if q.Overflow == nil {
		return nil
	}
	t := lookup(q.Overflow.Target)
	if t == nil {
		return bad(key+".overflow.target", "unknown queue %q", q.Overflow.Target)
	}
	path := []string{q.ID}
	for seen := map[string]bool{q.ID: true}; t != nil; {
		path = append(path, t.ID)
		if seen[t.ID] {
			return bad(key+".overflow.target", "overflow cycle %s", strings.Join(path, " → "))
		}
		seen[t.ID] = true
		if t.Overflow == nil {
			break
		}
		t = lookup(t.Overflow.Target)
	}
	return nil
}

func validateAgent(key string, a *Agent) error {
	if a.ID == "" {
		return bad(key+".id", "is required")
	}
	if !idPattern.MatchString(a.ID) {
		return bad(key+".id", "%q: use letters, digits, '_' and '-' (at most 64)", a.ID)
	}
	if err := validateSkills(key+".skills", a.Skills); err != nil {
		return err
	}
	for j, l := range a.Languages {
		if !langPattern.MatchString(l) {
			return bad(fmt.Sprintf("%s.languages[%d]", key, j), "%q is not a language tag such as en or zh-CN", l)
		}
	}
	if a.MaxCalls < 0 || a.MaxCalls > maxMaxCalls {
		return bad(key+".max_calls", "%d is outside 1..%d (0 means 1)", a.MaxCalls, maxMaxCalls)
	}
	return nil
}

func validateSkills(key string, skills map[string]int) error {
	names := make([]string, 0, len(skills))
	for s := range skills {
		names = append(names, s)
	}
	sort.Strings(names) // the first bad one, the same every time
	for _, s := range names {
		if strings.TrimSpace(s) == "" {
			return bad(key, "empty skill name")
		}
		if l := skills[s]; l < minSkillLevel || l > maxSkillLevel {
			return bad(key+"."+s, "level %d is outside %d..%d", l, minSkillLevel, maxSkillLevel)
		}
	}
	return nil
}

// maxPriority bounds priority boosts and the computed priority.
const maxPriority = 1000

// priorityOf is the contact's base priority plus the queue's rules,
// clamped to ±maxPriority.
func priorityOf(base int, attrs map[string]string, rules []PriorityRule) int {
	p := base
	for _, r := range rules {
		v, ok := attrs[r.Attribute]
		if !ok {
			continue
		}
		if r.Value {
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
				p += max(-maxPriority, min(maxPriority, n))
			}
		} else if strings.EqualFold(strings.TrimSpace(v), r.Equals) {
			p += r.Boost
		}
	}
	return max(-maxPriority, min(maxPriority, p))
}

// Languages match on their primary subtags, case-insensitively: an agent
// speaking "en" takes contacts in "en-GB" and the reverse; "zh-CN" and
// "zh-TW" match too (the tags name a spoken language, and Mandarin callers
// are routed on "zh"). An empty contact language matches every agent.

// primary is the lower-case primary subtag of a language tag.
func primary(tag string) string {
	if i := strings.IndexByte(tag, '-'); i >= 0 {
		tag = tag[:i]
	}
	return strings.ToLower(tag)
}

// speaks reports whether an agent with these primary subtags can take a
// contact whose language has primary subtag want ("" = any).
func speaks(prims []string, want string) bool {
	if want == "" || len(prims) == 0 {
		return true // no language asked, or an agent who lists none
	}
	for _, p := range prims {
		if p == want {
			return true
		}
	}
	return false
}

// qualifies reports whether the agent has every skill the queue requires
// at the minimum level or above.
func qualifies(a *Agent, q *Queue) bool {
	for s, min := range q.Skills {
		if a.Skills[s] < min {
			return false
		}
	}
	return true
}
