// Package config is Switchboard's configuration: one YAML file
// (switchboard.yaml), defaults for everything so that no file at all runs on
// the embedded defaults, environment overrides for secrets and DSNs, and
// Validate, which names the bad key.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/switchboard-voice/switchboard/media/sip"
)

// Config is the whole configuration of a switchboard server.
type Config struct {
	// DataDir holds the embedded database and other state. Default ./data.
	DataDir string `yaml:"data_dir"`
	// Log configures structured logging.
	Log Log `yaml:"log"`
	// RealtimePriority, 1-99, runs every thread of the process under
	// SCHED_RR at that priority (Linux; needs root or CAP_SYS_NICE), as
	// Asterisk's -p does: media ticks are then never kept waiting by
	// normal processes. For dedicated media nodes: the whole process,
	// CPU-heavy work included, outranks them. Default 0: off.
	RealtimePriority int `yaml:"realtime_priority"`
	// HTTP configures the API server.
	HTTP HTTP `yaml:"http"`
	// Database configures the store.
	Database Database `yaml:"database"`
	// Bots says which bots to load.
	Bots Bots `yaml:"bots"`
	// Webhooks configures the HTTP calls flows make.
	Webhooks Webhooks `yaml:"webhooks"`
	// LLM configures the OpenAI-compatible chat endpoint for LLM mode.
	LLM LLM `yaml:"llm"`
	// DemoBackend serves fake accounts and parcels for the sample bots.
	DemoBackend DemoBackend `yaml:"demo_backend"`
	// SIP configures the SIP endpoint (trunks, SIP phones).
	SIP SIP `yaml:"sip"`
	// WebRTC configures browser calls (/whip and the /phone page).
	WebRTC WebRTC `yaml:"webrtc"`
	// Dialplan routes calls to applications, first match wins.
	Dialplan []Route `yaml:"dialplan"`
	// Recording records calls as stereo WAV files.
	Recording Recording `yaml:"recording"`
	// Speech configures speech recognition and synthesis providers.
	Speech Speech `yaml:"speech"`
	// Voicebot configures turn-taking on voicebot calls.
	Voicebot Voicebot `yaml:"voicebot"`
	// Events configures the bus between nodes (NATS).
	Events Events `yaml:"events"`
	// ACD configures queues, agents and routing.
	ACD ACD `yaml:"acd"`
	// Desk configures the agent desktop and the wallboard.
	Desk Desk `yaml:"desk"`
	// Assist configures agent-assist suggestions.
	Assist Assist `yaml:"assist"`
	// QA configures scoring, sentiment and redaction.
	QA QA `yaml:"qa"`
	// Alerts configures real-time alert rules and their webhooks.
	Alerts Alerts `yaml:"alerts"`
}

// SIP configures the SIP endpoint.
type SIP struct {
	// Enabled starts the SIP endpoint. Default true.
	Enabled *bool `yaml:"enabled"`
	// Listen lists transports and addresses. Default UDP and TCP on
	// 127.0.0.1:5060.
	Listen []SIPListener `yaml:"listen"`
	// PublicIP is the address put in SDP and Contact headers (default: the
	// first listen address).
	PublicIP string `yaml:"public_ip"`
	// MaxCalls bounds concurrent calls; beyond it calls get 486 Busy Here.
	// Default 500.
	MaxCalls int `yaml:"max_calls"`
	// RTPTimeout tears a call down with BYE when no RTP arrives for this
	// long. Default 30s.
	RTPTimeout time.Duration `yaml:"rtp_timeout"`
	// RTPPorts is the UDP port range for RTP (even ports) and RTCP.
	// Default 20000-29999.
	RTPPorts PortRange `yaml:"rtp_ports"`
	// Trunk is the optional outbound trunk.
	Trunk *Trunk `yaml:"trunk"`
	// Registrar lets agents' SIP phones register to Switchboard (digest
	// authentication with the agent's desk password; see media/sip for
	// every key: enabled, domain, realm, algorithms, min/max/default
	// expiry, ring_timeout...). An agent answers on the phone when its
	// acd endpoint is "sip:<login>@<domain>".
	Registrar *sip.RegistrarConfig `yaml:"registrar"`
}

// SIPListener is one SIP transport.
type SIPListener struct {
	// Transport: udp, tcp or tls.
	Transport string `yaml:"transport"`
	// Addr is host:port.
	Addr string `yaml:"addr"`
	// CertFile and KeyFile are required for tls.
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
}

// PortRange is an inclusive range of ports.
type PortRange struct {
	Min int `yaml:"min"`
	Max int `yaml:"max"`
}

// Trunk is an outbound SIP trunk.
type Trunk struct {
	// Host is host[:port] of the trunk.
	Host string `yaml:"host"`
	// Transport: udp (default), tcp or tls.
	Transport string `yaml:"transport"`
	// Username and Password for digest authentication.
	// Env: SWITCHBOARD_SIP_TRUNK_PASSWORD (preferred for the password).
	Username string `yaml:"username"`
	Password string `yaml:"password"`
	// Register sends REGISTER to the trunk and keeps it refreshed.
	Register bool `yaml:"register"`
	// RegisterExpiry requested. Default 300s.
	RegisterExpiry time.Duration `yaml:"register_expiry"`
}

// WebRTC configures browser calls.
type WebRTC struct {
	// Enabled serves /whip and /phone. Default true.
	Enabled *bool `yaml:"enabled"`
	// ICEServers are STUN/TURN servers given to both ends.
	ICEServers []ICEServer `yaml:"ice_servers"`
	// UDPPorts restricts the ICE UDP ports (0-0: any).
	UDPPorts PortRange `yaml:"udp_ports"`
	// NAT1To1IPs are public addresses to advertise as host candidates.
	NAT1To1IPs []string `yaml:"nat_1to1_ips"`
}

// ICEServer is one STUN or TURN server.
type ICEServer struct {
	URLs       []string `yaml:"urls"`
	Username   string   `yaml:"username"`
	Credential string   `yaml:"credential"`
}

// Route sends calls to an application.
type Route struct {
	// To is a regular expression matched against the whole called number
	// or SIP user ("echo", "^400\\d+$"). Empty matches anything.
	To string `yaml:"to"`
	// From optionally matches the caller the same way.
	From string `yaml:"from"`
	// App is the application: echo, playback, voicebot or queue.
	App string `yaml:"app"`
	// Queue is the queue a queue route puts callers in (an acd queue).
	Queue string `yaml:"queue"`
	// File is the WAV file for playback.
	File string `yaml:"file"`
	// Bot is the bot a voicebot route runs (a loaded bot's name).
	Bot string `yaml:"bot"`
}

// Speech chooses speech providers per language. Provider names:
// "pocketsphinx" (embedded ASR, English, with a language model built from
// each bot version's own examples), "espeak" (embedded TTS, English and
// Mandarin), "openai" (an OpenAI-compatible endpoint, e.g. OpenAI or a
// self-hosted Whisper server).
type Speech struct {
	// ASR maps a language ("en", "zh") to a list of providers tried in
	// order: when one errors or times out, the utterance goes to the next.
	// Default: en: [pocketsphinx]; zh: [openai] when an OpenAI endpoint is
	// configured.
	ASR map[string][]string `yaml:"asr"`
	// TTS maps a language to its provider. Default espeak for en and zh.
	TTS map[string]string `yaml:"tts"`
	// Bots overrides the providers for one bot (by name), per language,
	// with the same shape as ASR and TTS.
	Bots map[string]SpeechProviders `yaml:"bots"`
	// OpenAI configures the OpenAI-compatible speech endpoints.
	OpenAI SpeechOpenAI `yaml:"openai"`
	// CacheBytes bounds the cache of rendered prompts (default 32 MiB).
	CacheBytes int64 `yaml:"cache_bytes"`
}

// SpeechProviders are one bot's provider choices per language.
type SpeechProviders struct {
	ASR map[string][]string `yaml:"asr"`
	TTS map[string]string   `yaml:"tts"`
}

// SpeechOpenAI configures OpenAI-compatible transcription and speech.
type SpeechOpenAI struct {
	// BaseURL (ends in /v1). Default: llm.base_url. Env:
	// SWITCHBOARD_SPEECH_BASE_URL.
	BaseURL string `yaml:"base_url"`
	// APIKey. Default: llm.api_key (OPENAI_API_KEY).
	APIKey string `yaml:"api_key"`
	// ASRModel for transcription (default whisper-1).
	ASRModel string `yaml:"asr_model"`
	// TTSModel and TTSVoice for speech (default tts-1, alloy).
	TTSModel string `yaml:"tts_model"`
	TTSVoice string `yaml:"tts_voice"`
	// Timeout of one request (default 5s): a slower provider counts as
	// failed and the turn falls back.
	Timeout time.Duration `yaml:"timeout"`
}

// Voicebot configures turn-taking. Zero values take the defaults.
type Voicebot struct {
	// EndOfTurn is the silence that ends a caller's turn (default 500ms;
	// shortened when the answer is complete, lengthened when it is not).
	EndOfTurn time.Duration `yaml:"end_of_turn"`
	// BargeIn is how long the caller must talk over an interruptible
	// prompt to stop it (default 120ms).
	BargeIn time.Duration `yaml:"barge_in"`
	// NoInput is how long the bot waits for the caller to speak before
	// reprompting (default 7s).
	NoInput time.Duration `yaml:"no_input"`
	// Transfer maps a handoff queue to where the call goes: a sip: URI or
	// a number (blind transfer with REFER on SIP calls; on browser calls
	// the number is routed through the dialplan). Queues not listed end
	// the call after the bot's handoff message.
	Transfer map[string]string `yaml:"transfer"`
}

// Recording configures call recording.
type Recording struct {
	// Enabled records every call.
	Enabled bool `yaml:"enabled"`
	// Dir for the WAV files. Default <data_dir>/recordings.
	Dir string `yaml:"dir"`
}

// SIPEnabled reports whether the SIP endpoint runs.
func (c *Config) SIPEnabled() bool { return c.SIP.Enabled == nil || *c.SIP.Enabled }

// WebRTCEnabled reports whether browser calls are served.
func (c *Config) WebRTCEnabled() bool { return c.WebRTC.Enabled == nil || *c.WebRTC.Enabled }

// Log configures logging.
type Log struct {
	// Level: debug, info, warn or error. Default info.
	Level string `yaml:"level"`
	// Format: text or json. Default text.
	Format string `yaml:"format"`
}

// HTTP configures the HTTP server (API, /metrics, /healthz, /readyz).
type HTTP struct {
	// Listen is the address to listen on. Default 127.0.0.1:8080.
	// Env: SWITCHBOARD_HTTP_LISTEN.
	Listen string `yaml:"listen"`
	// ShutdownTimeout bounds the graceful drain on the first signal.
	// Default 10s.
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
}

// Database configures the store.
type Database struct {
	// Driver: sqlite (embedded default) or postgres.
	// Env: SWITCHBOARD_DATABASE_DRIVER.
	Driver string `yaml:"driver"`
	// DSN: for sqlite a file path (default <data_dir>/switchboard.db); for
	// postgres a URL like postgres://user@host:5432/db.
	// Env: SWITCHBOARD_DATABASE_DSN (preferred for secrets).
	DSN string `yaml:"dsn"`
}

// Bots says which bot folders to load at start-up.
type Bots struct {
	// Dirs are bot folders (see bots/README.md). Default: bots/banking and
	// bots/logistics-zh when they exist.
	Dirs []string `yaml:"dirs"`
	// PublishOnStart publishes a loaded bot as a new version when its
	// definition differs from the active one. Default true.
	PublishOnStart *bool `yaml:"publish_on_start"`
}

// Webhooks configures flow webhooks.
type Webhooks struct {
	// BaseURL resolves webhook URLs that start with "/". Default: the
	// built-in demo backend (http://<http.listen>/demo) when enabled.
	BaseURL string `yaml:"base_url"`
}

// LLM configures the OpenAI-compatible chat endpoint. LLM mode is used
// only by bots that enable it, and only when a model is set.
type LLM struct {
	// BaseURL of the OpenAI-compatible API (ends in /v1).
	// Default https://api.openai.com/v1. Env: OPENAI_BASE_URL.
	BaseURL string `yaml:"base_url"`
	// APIKey for the endpoint. Env: OPENAI_API_KEY (preferred).
	APIKey string `yaml:"api_key"`
	// Model name, e.g. gpt-4o-mini. Empty disables LLM mode.
	// Env: SWITCHBOARD_LLM_MODEL.
	Model string `yaml:"model"`
	// FirstTokenTimeout: fall back to the embedded NLU when the first token
	// takes longer. Default 2s.
	FirstTokenTimeout time.Duration `yaml:"first_token_timeout"`
	// Timeout for a whole LLM turn. Default 10s.
	Timeout time.Duration `yaml:"timeout"`
}

// DemoBackend configures the built-in fake backend.
type DemoBackend struct {
	// Enabled serves the demo backend under /demo. Default true.
	Enabled *bool `yaml:"enabled"`
}

// Default returns the embedded-defaults configuration.
func Default() Config {
	t := true
	return Config{
		DataDir:     "./data",
		Log:         Log{Level: "info", Format: "text"},
		HTTP:        HTTP{Listen: "127.0.0.1:8080", ShutdownTimeout: 10 * time.Second},
		Database:    Database{Driver: "sqlite"},
		Bots:        Bots{PublishOnStart: &t},
		LLM:         LLM{BaseURL: "https://api.openai.com/v1", FirstTokenTimeout: 2 * time.Second, Timeout: 10 * time.Second},
		DemoBackend: DemoBackend{Enabled: &t},
		Recording:   Recording{Enabled: true},
		SIP: SIP{
			Listen:     []SIPListener{{Transport: "udp", Addr: "127.0.0.1:5060"}, {Transport: "tcp", Addr: "127.0.0.1:5060"}},
			MaxCalls:   500,
			RTPTimeout: 30 * time.Second,
			RTPPorts:   PortRange{Min: 20000, Max: 29999},
		},
	}
}

// ErrInvalid is wrapped by every configuration error.
var ErrInvalid = errors.New("invalid configuration")

// Load reads a config file over the defaults, applies environment
// overrides and validates. An empty path means no file: defaults only.
func Load(path string) (Config, error) {
	cfg := Default()
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return cfg, fmt.Errorf("config: %w", err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
			return cfg, fmt.Errorf("config %s: %w: %s", path, ErrInvalid, strings.TrimPrefix(err.Error(), "yaml: "))
		}
	}
	cfg.applyEnv(os.Getenv)
	cfg.fillCenter(os.Getenv)
	cfg.fill()
	if err := cfg.Validate(); err != nil {
		if path != "" {
			return cfg, fmt.Errorf("config %s: %w", path, err)
		}
		return cfg, err
	}
	return cfg, nil
}

func (c *Config) applyEnv(getenv func(string) string) {
	set := func(dst *string, key string) {
		if v := getenv(key); v != "" {
			*dst = v
		}
	}
	set(&c.HTTP.Listen, "SWITCHBOARD_HTTP_LISTEN")
	set(&c.Database.Driver, "SWITCHBOARD_DATABASE_DRIVER")
	set(&c.Database.DSN, "SWITCHBOARD_DATABASE_DSN")
	set(&c.LLM.APIKey, "OPENAI_API_KEY")
	set(&c.LLM.BaseURL, "OPENAI_BASE_URL")
	set(&c.LLM.Model, "SWITCHBOARD_LLM_MODEL")
	set(&c.Speech.OpenAI.BaseURL, "SWITCHBOARD_SPEECH_BASE_URL")
	set(&c.DataDir, "SWITCHBOARD_DATA_DIR")
	set(&c.Events.URL, "SWITCHBOARD_NATS_URL")
	set(&c.Events.Token, "SWITCHBOARD_NATS_TOKEN")
	set(&c.Desk.Secret, "SWITCHBOARD_DESK_SECRET")
	set(&c.Assist.Qdrant.APIKey, "SWITCHBOARD_QDRANT_API_KEY")
	if c.SIP.Trunk != nil {
		set(&c.SIP.Trunk.Password, "SWITCHBOARD_SIP_TRUNK_PASSWORD")
	}
}

// fill derives the defaults that depend on other fields.
func (c *Config) fill() {
	if c.Database.Driver == "sqlite" && c.Database.DSN == "" {
		c.Database.DSN = filepath.Join(c.DataDir, "switchboard.db")
	}
	if c.Bots.Dirs == nil {
		for _, d := range []string{"bots/banking", "bots/logistics-zh"} {
			if st, err := os.Stat(d); err == nil && st.IsDir() {
				c.Bots.Dirs = append(c.Bots.Dirs, d)
			}
		}
	}
	if c.Dialplan == nil {
		// echo for line checks; the sample bots by name (and the
		// Chinese one on 400/95 numbers); everything else echoes.
		c.Dialplan = []Route{{To: "echo", App: "echo"}}
		for _, d := range c.Bots.Dirs {
			switch filepath.Base(d) {
			case "banking":
				c.Dialplan = append(c.Dialplan, Route{To: "banking|bank|1000", App: "voicebot", Bot: "banking"})
			case "logistics-zh":
				c.Dialplan = append(c.Dialplan, Route{To: "logistics|logistics-zh|400\\d*|95\\d*", App: "voicebot", Bot: "logistics-zh"})
			}
		}
		for _, q := range c.ACD.Queues {
			if q.ID == "general" {
				c.Dialplan = append(c.Dialplan, Route{To: "agents|support|2000", App: "queue", Queue: "general"})
			}
		}
		c.Dialplan = append(c.Dialplan, Route{To: "", App: "echo"})
	}
	if c.Speech.ASR == nil {
		c.Speech.ASR = map[string][]string{"en": {"pocketsphinx"}}
		if c.LLM.APIKey != "" || c.Speech.OpenAI.BaseURL != "" {
			c.Speech.ASR["zh"] = []string{"openai"}
			c.Speech.ASR["en"] = append(c.Speech.ASR["en"], "openai")
		}
	}
	if c.Speech.TTS == nil {
		c.Speech.TTS = map[string]string{"en": "espeak", "zh": "espeak"}
	}
	if c.Speech.OpenAI.BaseURL == "" {
		c.Speech.OpenAI.BaseURL = c.LLM.BaseURL
	}
	if c.Speech.OpenAI.APIKey == "" {
		c.Speech.OpenAI.APIKey = c.LLM.APIKey
	}
	if c.Recording.Dir == "" {
		c.Recording.Dir = filepath.Join(c.DataDir, "recordings")
	}
	if c.SIP.Trunk != nil && c.SIP.Trunk.RegisterExpiry == 0 {
		c.SIP.Trunk.RegisterExpiry = 300 * time.Second
	}
	if c.Webhooks.BaseURL == "" && c.DemoBackendEnabled() {
		c.Webhooks.BaseURL = "http://" + c.HTTP.Listen + "/demo"
	}
}

// DemoBackendEnabled reports whether /demo is served.
func (c *Config) DemoBackendEnabled() bool {
	return c.DemoBackend.Enabled == nil || *c.DemoBackend.Enabled
}

// PublishOnStart reports whether loaded bots are published at start-up.
func (c *Config) PublishOnStart() bool {
	return c.Bots.PublishOnStart == nil || *c.Bots.PublishOnStart
}

// Validate checks every field and names the first bad key.
func (c *Config) Validate() error {
	bad := func(key, format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrInvalid, key, fmt.Sprintf(format, args...))
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		return bad("log.level", "%q is not one of debug, info, warn, error", c.Log.Level)
	}
	if p := c.RealtimePriority; p < 0 || p > 99 {
		return bad("realtime_priority", "%d: must be 0 (off) or a SCHED_RR priority 1-99", p)
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		return bad("log.format", "%q is not one of text, json", c.Log.Format)
	}
	if c.DataDir == "" {
		return bad("data_dir", "must not be empty")
	}
	if _, _, err := net.SplitHostPort(c.HTTP.Listen); err != nil {
		return bad("http.listen", "%q is not host:port: %v", c.HTTP.Listen, err)
	}
	if c.HTTP.ShutdownTimeout < 0 {
		return bad("http.shutdown_timeout", "must not be negative")
	}
	switch c.Database.Driver {
	case "sqlite":
	case "postgres":
		if c.Database.DSN == "" {
			return bad("database.dsn", "is required for postgres (or set SWITCHBOARD_DATABASE_DSN)")
		}
		u, err := url.Parse(c.Database.DSN)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			return bad("database.dsn", "must be a postgres:// URL")
		}
	default:
		return bad("database.driver", "%q is not one of sqlite, postgres", c.Database.Driver)
	}
	for i, d := range c.Bots.Dirs {
		if d == "" {
			return bad(fmt.Sprintf("bots.dirs[%d]", i), "must not be empty")
		}
	}
	if c.Webhooks.BaseURL != "" {
		if u, err := url.Parse(c.Webhooks.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return bad("webhooks.base_url", "%q must be an http(s) URL", c.Webhooks.BaseURL)
		}
	}
	if u, err := url.Parse(c.LLM.BaseURL); c.LLM.Model != "" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "") {
		return bad("llm.base_url", "%q must be an http(s) URL", c.LLM.BaseURL)
	}
	if err := c.validateMedia(bad); err != nil {
		return err
	}
	if c.LLM.FirstTokenTimeout <= 0 {
		return bad("llm.first_token_timeout", "must be positive")
	}
	if c.LLM.Timeout < c.LLM.FirstTokenTimeout {
		return bad("llm.timeout", "must be at least llm.first_token_timeout")
	}
	if r := c.SIP.Registrar; r != nil && r.Enabled {
		if err := r.Validate(); err != nil {
			return fmt.Errorf("%w: sip.registrar: %w", ErrInvalid, err)
		}
	}
	return c.validateCenter(bad)
}

func (c *Config) validateMedia(bad func(key, format string, args ...any) error) error {
	if c.SIPEnabled() {
		if len(c.SIP.Listen) == 0 {
			return bad("sip.listen", "needs at least one transport (or set sip.enabled: false)")
		}
		for i, l := range c.SIP.Listen {
			key := fmt.Sprintf("sip.listen[%d]", i)
			switch l.Transport {
			case "udp", "tcp":
			case "tls":
				if l.CertFile == "" || l.KeyFile == "" {
					return bad(key+".cert_file", "tls needs cert_file and key_file")
				}
			default:
				return bad(key+".transport", "%q is not one of udp, tcp, tls", l.Transport)
			}
			if _, _, err := net.SplitHostPort(l.Addr); err != nil {
				return bad(key+".addr", "%q is not host:port", l.Addr)
			}
		}
		if c.SIP.PublicIP != "" && net.ParseIP(c.SIP.PublicIP) == nil {
			return bad("sip.public_ip", "%q is not an IP address", c.SIP.PublicIP)
		}
		if c.SIP.MaxCalls <= 0 {
			return bad("sip.max_calls", "must be positive")
		}
		if c.SIP.RTPTimeout <= 0 {
			return bad("sip.rtp_timeout", "must be positive")
		}
		if r := c.SIP.RTPPorts; r.Min < 1024 || r.Max > 65535 || r.Min+1 >= r.Max {
			return bad("sip.rtp_ports", "%d-%d must be a range of at least two ports within 1024-65535", r.Min, r.Max)
		}
		if t := c.SIP.Trunk; t != nil {
			if t.Host == "" {
				return bad("sip.trunk.host", "is required")
			}
			if t.Transport != "" && t.Transport != "udp" && t.Transport != "tcp" && t.Transport != "tls" {
				return bad("sip.trunk.transport", "%q is not one of udp, tcp, tls", t.Transport)
			}
		}
	}
	if r := c.WebRTC.UDPPorts; (r.Min != 0 || r.Max != 0) && (r.Min < 1024 || r.Max > 65535 || r.Min > r.Max) {
		return bad("webrtc.udp_ports", "%d-%d is not a port range within 1024-65535", r.Min, r.Max)
	}
	for i, ip := range c.WebRTC.NAT1To1IPs {
		if net.ParseIP(ip) == nil {
			return bad(fmt.Sprintf("webrtc.nat_1to1_ips[%d]", i), "%q is not an IP address", ip)
		}
	}
	for i, s := range c.WebRTC.ICEServers {
		if len(s.URLs) == 0 {
			return bad(fmt.Sprintf("webrtc.ice_servers[%d].urls", i), "is required")
		}
	}
	check := func(prefix string, asr map[string][]string, tts map[string]string) error {
		for lang, ps := range asr {
			if len(ps) == 0 {
				return bad(prefix+"asr."+lang, "no provider")
			}
			for _, p := range ps {
				if p != "pocketsphinx" && p != "openai" {
					return bad(prefix+"asr."+lang, "%q is not one of pocketsphinx, openai", p)
				}
			}
		}
		for lang, p := range tts {
			if p != "espeak" && p != "openai" {
				return bad(prefix+"tts."+lang, "%q is not one of espeak, openai", p)
			}
		}
		return nil
	}
	if err := check("speech.", c.Speech.ASR, c.Speech.TTS); err != nil {
		return err
	}
	for bot, p := range c.Speech.Bots {
		if err := check("speech.bots."+bot+".", p.ASR, p.TTS); err != nil {
			return err
		}
	}
	for k, d := range map[string]time.Duration{
		"voicebot.end_of_turn": c.Voicebot.EndOfTurn, "voicebot.barge_in": c.Voicebot.BargeIn,
		"voicebot.no_input": c.Voicebot.NoInput, "speech.openai.timeout": c.Speech.OpenAI.Timeout,
	} {
		if d < 0 {
			return bad(k, "%v is negative", d)
		}
	}
	for i, r := range c.Dialplan {
		key := fmt.Sprintf("dialplan[%d]", i)
		for _, re := range []struct{ k, v string }{{"to", r.To}, {"from", r.From}} {
			if _, err := regexp.Compile(re.v); err != nil {
				return bad(key+"."+re.k, "bad regular expression: %v", err)
			}
		}
		switch r.App {
		case "echo":
		case "playback":
			if r.File == "" {
				return bad(key+".file", "playback needs a WAV file")
			}
		case "voicebot":
			if r.Bot == "" {
				return bad(key+".bot", "voicebot needs a bot name")
			}
		case "queue":
			if r.Queue == "" {
				return bad(key+".queue", "queue needs a queue ID")
			}
			found := false
			for _, q := range c.ACD.Queues {
				found = found || q.ID == r.Queue
			}
			if !found {
				return bad(key+".queue", "%q is not a queue of acd.queues", r.Queue)
			}
		default:
			return bad(key+".app", "%q is not one of echo, playback, voicebot, queue", r.App)
		}
	}
	return nil
}
