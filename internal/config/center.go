package config

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/switchboard-voice/switchboard/acd"
	"github.com/switchboard-voice/switchboard/qa/alert"
	"github.com/switchboard-voice/switchboard/qa/redact"
)

// Events configures the bus between nodes (NATS).
type Events struct {
	// URL of an external NATS server or cluster ("nats://n1:4222,
	// nats://n2:4222"). Empty: an embedded NATS server runs in the
	// process. Env: SWITCHBOARD_NATS_URL.
	URL string `yaml:"url"`
	// Listen lets other nodes connect to the embedded server
	// ("127.0.0.1:4222"). Empty: in-process only.
	Listen string `yaml:"listen"`
	// Token authenticates nodes to the server. Env: SWITCHBOARD_NATS_TOKEN.
	Token string `yaml:"token"`
	// Node names this node (default: the host name).
	Node string `yaml:"node"`
}

// ACD configures queues, agents and routing (see package acd for every
// key: ring_timeout, wrap_up, queues[].skills, .priority, .overflow,
// .announce, .callback, agents[].skills, .languages, .max_calls...).
type ACD struct {
	acd.Config `yaml:",inline"`
	// Router runs the router on this node (default true). With several
	// nodes exactly one runs it; the others reach it over the events bus
	// (events.url), and their callers and desktops are routed by it.
	Router *bool `yaml:"router"`
}

// RouterHere reports whether this node runs the router.
func (a ACD) RouterHere() bool { return a.Router == nil || *a.Router }

// DeskUser is a login of the agent desktop or the wallboard.
type DeskUser struct {
	// Login typed on the desktop.
	Login string `yaml:"login"`
	// Password (plain; keep the config file private, or set
	// SWITCHBOARD_DESK_PASSWORD_<LOGIN> in the environment).
	Password string `yaml:"password"`
	// Agent is the agent ID this login answers as ("" for supervisors).
	Agent string `yaml:"agent"`
	// Supervisor may open the wallboard and monitor calls.
	Supervisor bool `yaml:"supervisor"`
}

// Desk configures the agent desktop (/agent) and wallboard (/supervisor).
type Desk struct {
	// Users who may log in. Default, only when http.listen is on
	// loopback (the demo): agents ana, bo and li and supervisor sam, each
	// with the password "demo".
	Users []DeskUser `yaml:"users"`
	// Secret signs the login cookies; every node must share it. Default:
	// random per process. Env: SWITCHBOARD_DESK_SECRET.
	Secret string `yaml:"secret"`
	// MediaURL is this node's /whip/ URL as agents' browsers reach it,
	// when the desktop may be served by another node
	// ("https://node-a.example.com/whip/"). Default "/whip/".
	MediaURL string `yaml:"media_url"`
	// MediaOrigins are the other nodes' origins ("https://node-b:8080")
	// the desktop pages may send their audio to (their media_url).
	MediaOrigins []string `yaml:"media_origins"`
	// Dispositions are the wrap-up codes.
	Dispositions []string `yaml:"dispositions"`
	// Music is a WAV file (mono, 8 kHz) played to waiting and held
	// callers. Default: a generated tune.
	Music string `yaml:"music"`
	// Lookup is the caller-lookup webhook: POST {"caller_id": ...}
	// answered with {"attributes": {...}, "tickets": [{id, title,
	// status, opened_at}]}; attributes (vip, tier...) feed the queues'
	// priority rules and the desktop. A path is resolved against
	// webhooks.base_url. Default: the demo backend's /customers/lookup
	// when it runs; none otherwise.
	Lookup string `yaml:"lookup"`
}

// Assist configures agent assist.
type Assist struct {
	// TopK is how many articles are suggested (default 3).
	TopK int `yaml:"top_k"`
	// Embedder: "embedded" (hashed n-grams, no model) or "openai".
	Embedder string `yaml:"embedder"`
	// Embedding configures the OpenAI-compatible embeddings endpoint.
	Embedding Embedding `yaml:"embedding"`
	// VectorStore: "memory" (in process) or "qdrant".
	VectorStore string `yaml:"vector_store"`
	// Qdrant configures the Qdrant store.
	Qdrant Qdrant `yaml:"qdrant"`
	// Reply suggests replies with the LLM (llm.model must be set).
	// Default true when an LLM is configured.
	Reply *bool `yaml:"reply"`
}

// Embedding configures an OpenAI-compatible embeddings endpoint.
type Embedding struct {
	// BaseURL (default llm.base_url) and APIKey (default llm.api_key).
	BaseURL string `yaml:"base_url"`
	APIKey  string `yaml:"api_key"`
	// Model (default text-embedding-3-small) and Dimensions (0: the
	// model's).
	Model      string `yaml:"model"`
	Dimensions int    `yaml:"dimensions"`
	// Timeout of one request (default 300ms: the query's embedding is on
	// the suggestion's critical path).
	Timeout time.Duration `yaml:"timeout"`
}

// Qdrant configures the Qdrant vector store.
type Qdrant struct {
	// Addr is the gRPC address (host:6334).
	Addr string `yaml:"addr"`
	// APIKey. Env: SWITCHBOARD_QDRANT_API_KEY.
	APIKey string `yaml:"api_key"`
	TLS    bool   `yaml:"tls"`
	// Timeout of one request (default 2s).
	Timeout time.Duration `yaml:"timeout"`
}

// QA configures quality assurance.
type QA struct {
	// Enabled scores every call when it ends. Default true.
	Enabled *bool `yaml:"enabled"`
	// Scorecards is the folder of scorecard YAML files, published at
	// start-up when changed. Default ./scorecards when present.
	Scorecards string `yaml:"scorecards"`
	// Sentiment chooses the sentiment scorer.
	Sentiment Sentiment `yaml:"sentiment"`
	// LLM answers scorecard questions marked llm with the LLM (llm.model
	// must be set). Default true when an LLM is configured.
	LLM *bool `yaml:"llm"`
	// Redaction masks card numbers and other PII in stored transcripts,
	// search results, alert payloads, logs and recordings.
	Redaction redact.Config `yaml:"redaction"`
}

// Sentiment configures the sentiment scorer.
type Sentiment struct {
	// Provider: "embedded" (lexicon, English and Chinese) or "openai"
	// (the LLM, falling back to the embedded scorer).
	Provider string `yaml:"provider"`
	// VADERLexicon optionally adds VADER's lexicon (a path).
	VADERLexicon string `yaml:"vader_lexicon"`
	// Lexicon optionally adds your own word list (a path).
	Lexicon string `yaml:"lexicon"`
}

// QAEnabled reports whether calls are scored when they end.
func (c *Config) QAEnabled() bool { return c.QA.Enabled == nil || *c.QA.Enabled }

// vipFirst raises callers the lookup marks vip, then by tier.
var vipFirst = []acd.PriorityRule{{Attribute: "vip", Equals: "true", Boost: 10}, {Attribute: "tier", Value: true}}

// defaultACD are queues for the sample bots' handoffs and three agents.
func defaultACD() acd.Config {
	return acd.Config{
		Queues: []acd.Queue{
			{ID: "general", Name: "General", Callback: true, Announce: acd.Announce{Position: true, WaitTime: true, Interval: 30 * time.Second},
				Priority: vipFirst},
			{ID: "cards", Name: "Cards", Skills: map[string]int{"cards": 1}, Callback: true, Announce: acd.Announce{Position: true, WaitTime: true, Interval: 30 * time.Second},
				Overflow: &acd.Overflow{Target: "general", After: 60 * time.Second}, Priority: vipFirst},
			{ID: "complaints", Name: "投诉 Complaints", Language: "zh", Callback: true, Announce: acd.Announce{Position: true, Interval: 30 * time.Second}},
		},
		Agents: []acd.Agent{
			{ID: "ana", Name: "Ana", Login: "ana", Skills: map[string]int{"cards": 8}, Languages: []string{"en"}},
			{ID: "bo", Name: "Bo", Login: "bo", Skills: map[string]int{"cards": 3}, Languages: []string{"en"}},
			{ID: "li", Name: "Li", Login: "li", Languages: []string{"zh", "en"}},
		},
	}
}

// fillCenter derives the contact-centre defaults.
func (c *Config) fillCenter(getenv func(string) string) {
	if len(c.ACD.Queues) == 0 && len(c.ACD.Agents) == 0 {
		c.ACD.Config = defaultACD()
	}
	if c.Desk.Users == nil && loopback(c.HTTP.Listen) {
		c.Desk.Users = []DeskUser{
			{Login: "ana", Password: "demo", Agent: "ana"},
			{Login: "bo", Password: "demo", Agent: "bo"},
			{Login: "li", Password: "demo", Agent: "li"},
			{Login: "sam", Password: "demo", Supervisor: true},
		}
	}
	for i := range c.Desk.Users {
		if v := getenv("SWITCHBOARD_DESK_PASSWORD_" + strings.ToUpper(c.Desk.Users[i].Login)); v != "" {
			c.Desk.Users[i].Password = v
		}
	}
	if c.Desk.Lookup == "" && c.DemoBackendEnabled() {
		c.Desk.Lookup = "/customers/lookup"
	}
	if c.Desk.MediaURL == "" {
		c.Desk.MediaURL = "/whip/"
	}
	if c.Events.Node == "" {
		c.Events.Node, _ = os.Hostname()
	}
	if c.Assist.TopK == 0 {
		c.Assist.TopK = 3
	}
	if c.Assist.Embedder == "" {
		c.Assist.Embedder = "embedded"
	}
	if c.Assist.VectorStore == "" {
		c.Assist.VectorStore = "memory"
	}
	if c.Assist.Embedding.BaseURL == "" {
		c.Assist.Embedding.BaseURL = c.LLM.BaseURL // LLM.BaseURL has its default already
	}
	if c.Assist.Embedding.APIKey == "" {
		c.Assist.Embedding.APIKey = c.LLM.APIKey
	}
	if c.Assist.Embedding.Model == "" {
		c.Assist.Embedding.Model = "text-embedding-3-small"
	}
	if c.Assist.Embedding.Timeout == 0 {
		c.Assist.Embedding.Timeout = 300 * time.Millisecond
	}
	if c.Assist.Qdrant.Timeout == 0 {
		c.Assist.Qdrant.Timeout = 2 * time.Second
	}
	if c.QA.Sentiment.Provider == "" {
		c.QA.Sentiment.Provider = "embedded"
	}
	if c.QA.Scorecards == "" {
		if st, err := os.Stat("scorecards"); err == nil && st.IsDir() {
			c.QA.Scorecards = "scorecards"
		}
	}
}

func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// AssistReply reports whether suggested replies use the LLM.
func (c *Config) AssistReply() bool {
	return c.LLM.Model != "" && (c.Assist.Reply == nil || *c.Assist.Reply)
}

// QALLM reports whether scorecard questions may be answered by the LLM.
func (c *Config) QALLM() bool { return c.LLM.Model != "" && (c.QA.LLM == nil || *c.QA.LLM) }

// validateCenter checks the contact-centre, assist and QA keys.
func (c *Config) validateCenter(bad func(key, format string, args ...any) error) error {
	if c.Events.URL != "" {
		for _, u := range strings.Split(c.Events.URL, ",") {
			p, err := url.Parse(strings.TrimSpace(u))
			if err != nil || (p.Scheme != "nats" && p.Scheme != "tls") || p.Host == "" {
				return bad("events.url", "%q is not a nats:// URL", u)
			}
		}
	}
	if c.Events.Listen != "" {
		if _, _, err := net.SplitHostPort(c.Events.Listen); err != nil {
			return bad("events.listen", "%q is not host:port", c.Events.Listen)
		}
	}
	if err := c.ACD.Config.Validate(); err != nil {
		return fmt.Errorf("%w: acd: %w", ErrInvalid, err)
	}
	agents := map[string]bool{}
	for _, a := range c.ACD.Agents {
		agents[a.ID] = true
	}
	logins := map[string]bool{}
	for i, u := range c.Desk.Users {
		key := fmt.Sprintf("desk.users[%d]", i)
		if u.Login == "" {
			return bad(key+".login", "is required")
		}
		if logins[u.Login] {
			return bad(key+".login", "%q is used twice", u.Login)
		}
		logins[u.Login] = true
		if u.Password == "" {
			return bad(key+".password", "is required (or set SWITCHBOARD_DESK_PASSWORD_%s)", strings.ToUpper(u.Login))
		}
		if u.Agent == "" && !u.Supervisor {
			return bad(key, "needs an agent or supervisor: true")
		}
		if u.Agent != "" && !agents[u.Agent] {
			return bad(key+".agent", "%q is not an agent of acd.agents", u.Agent)
		}
	}
	switch c.Assist.Embedder {
	case "embedded", "openai":
	default:
		return bad("assist.embedder", "%q is not one of embedded, openai", c.Assist.Embedder)
	}
	switch c.Assist.VectorStore {
	case "memory":
	case "qdrant":
		if c.Assist.Qdrant.Addr == "" {
			return bad("assist.qdrant.addr", "is required with assist.vector_store: qdrant")
		}
	default:
		return bad("assist.vector_store", "%q is not one of memory, qdrant", c.Assist.VectorStore)
	}
	if c.Assist.TopK < 1 || c.Assist.TopK > 20 {
		return bad("assist.top_k", "%d is not between 1 and 20", c.Assist.TopK)
	}
	switch c.QA.Sentiment.Provider {
	case "embedded":
	case "openai":
		if c.LLM.Model == "" {
			return bad("qa.sentiment.provider", "openai needs llm.model")
		}
	default:
		return bad("qa.sentiment.provider", "%q is not one of embedded, openai", c.QA.Sentiment.Provider)
	}
	if err := c.QA.Redaction.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if err := c.Alerts.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return nil
}

// Alerts is the alert rules and webhooks (see qa/alert).
type Alerts = alert.Config
