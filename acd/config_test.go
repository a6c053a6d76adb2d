package acd_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/switchboard-voice/switchboard/acd"
)

func TestLoadExample(t *testing.T) {
	cfg, err := acd.Load("testdata/acd.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Queues) != 4 || len(cfg.Agents) != 2 {
		t.Fatalf("%d queues, %d agents", len(cfg.Queues), len(cfg.Agents))
	}
	vip := cfg.Queues[1]
	if vip.Overflow.Target != "billing" || vip.Overflow.After != 30*time.Second || vip.Priority[0].Boost != 10 || !vip.Priority[1].Value {
		t.Fatalf("vip %+v", vip)
	}
	if cfg.Agents[1].Name != "王芳" || cfg.Agents[1].MaxCalls != 2 || cfg.DefaultHandleTime != 4*time.Minute {
		t.Fatalf("config %+v", cfg)
	}
	r, err := acd.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got := r.Config(); !reflect.DeepEqual(got, cfg) {
		t.Fatalf("Config() differs from the loaded one:\n%+v\n%+v", got, cfg)
	}
}

func TestDefaults(t *testing.T) {
	cfg, err := acd.Parse([]byte("queues: [{id: q}]"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.RingTimeout != acd.DefaultRingTimeout || cfg.WrapUp != acd.DefaultWrapUp || cfg.RejectCooldown != acd.DefaultRejectCooldown ||
		cfg.StatsWindow != acd.DefaultStatsWindow || cfg.DefaultHandleTime != acd.DefaultHandleTime {
		t.Fatalf("defaults %+v", cfg)
	}
	if cfg, err := acd.Parse(nil); err != nil || len(cfg.Queues) != 0 {
		t.Fatalf("empty config: %v", err)
	}
}

func TestValidateNamesTheKey(t *testing.T) {
	tests := []struct{ yaml, want string }{
		{"queues: [{id: a, overflow: {target: x, after: 1m}}, {id: b}]", `queues[0].overflow.target: unknown queue "x"`},
		{"queues: [{id: a}, {id: b, overflow: {target: x, after: 1m}}]", `queues[1].overflow.target: unknown queue "x"`},
		{"queues: [{id: a}, {id: a}]", `queues[1].id: duplicate "a" (also queues[0])`},
		{"queues: [{name: x}]", `queues[0].id: is required`},
		{"queues: [{id: 'a.b'}]", `queues[0].id: "a.b": use letters, digits`},
		{"queues: [{id: a, skills: {x: 0}}]", `queues[0].skills.x: level 0 is outside 1..10`},
		{"queues: [{id: a, skills: {x: 11}}]", `queues[0].skills.x: level 11`},
		{"queues: [{id: a, skills: {' ': 1}}]", `queues[0].skills: empty skill name`},
		{"queues: [{id: a, language: english}]", `queues[0].language: "english" is not a language tag`},
		{"queues: [{id: a, overflow: {target: a, after: 1m}}]", `queues[0].overflow.target: overflow cycle a → a`},
		{"queues: [{id: a, overflow: {target: b, after: 1m}}, {id: b, overflow: {target: a, after: 1m}}]", `queues[0].overflow.target: overflow cycle a → b → a`},
		{"queues: [{id: a, overflow: {target: b}}, {id: b}]", `queues[0].overflow.after: must be positive`},
		{"queues: [{id: a, overflow: {after: 1m}}]", `queues[0].overflow.target: is required`},
		{"queues: [{id: a, priority: [{equals: x, boost: 1}]}]", `queues[0].priority[0].attribute: is required`},
		{"queues: [{id: a, priority: [{attribute: vip}]}]", `queues[0].priority[0].equals: is required`},
		{"queues: [{id: a, priority: [{attribute: vip, equals: 'true'}]}]", `queues[0].priority[0].boost: must not be zero`},
		{"queues: [{id: a, priority: [{attribute: t, value: true, boost: 2}]}]", `queues[0].priority[0]: value: true adds`},
		{"queues: [{id: a, priority: [{attribute: t, equals: x, boost: 5000}]}]", `queues[0].priority[0].boost: 5000 is outside ±1000`},
		{"queues: [{id: a, max_wait: -1s}]", `queues[0].max_wait: must not be negative`},
		{"queues: [{id: a, announce: {interval: 10ms}}]", `queues[0].announce.interval: 10ms is shorter than 1s`},
		{"ring_timeout: -1s", `ring_timeout: must not be negative`},
		{"agents: [{id: a}, {id: a}]", `agents[1].id: duplicate "a"`},
		{"agents: [{id: a, max_calls: 101}]", `agents[0].max_calls: 101 is outside 1..100`},
		{"agents: [{id: a, languages: [en, '中文']}]", `agents[0].languages[1]: "中文" is not a language tag`},
		{"agents: [{id: a, skills: {b: 12}}]", `agents[0].skills.b: level 12`},
		{"queues: [{id: a, colour: red}]", `field colour not found`},
		{"ring_timeout: soon", `cannot unmarshal`},
	}
	for _, tt := range tests {
		_, err := acd.Parse([]byte(tt.yaml))
		if !errors.Is(err, acd.ErrInvalidConfig) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s\n got %v\nwant %s", tt.yaml, err, tt.want)
		}
	}
	// New validates too.
	if _, err := acd.New(acd.Config{Queues: []acd.Queue{{}}}); !errors.Is(err, acd.ErrInvalidConfig) {
		t.Errorf("New with a bad config: %v", err)
	}
}

func TestLoadNamesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "acd.yaml")
	if err := os.WriteFile(path, []byte("queues: [{id: a, skills: {x: 0}}]"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := acd.Load(path); err == nil || !strings.Contains(err.Error(), path+": ") {
		t.Fatalf("error %v does not name %s", err, path)
	}
	if _, err := acd.Load(filepath.Join(t.TempDir(), "missing.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
}

// FuzzParse: Parse never panics; what it accepts, New accepts, and it
// survives a round trip through YAML unchanged.
func FuzzParse(f *testing.F) {
	seed, err := os.ReadFile("testdata/acd.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte("queues: [{id: a, overflow: {target: b, after: 1m}}, {id: b, overflow: {target: a, after: 1m}}]"))
	f.Add([]byte("agents: [{id: a, skills: {x: 3}, languages: [en-GB], max_calls: 3}]"))
	f.Add([]byte("queues: [{id: q, priority: [{attribute: tier, value: true}]}]\nwrap_up: -5s"))
	f.Add([]byte("{"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := acd.Parse(data)
		if err != nil {
			if !errors.Is(err, acd.ErrInvalidConfig) {
				t.Fatalf("error without ErrInvalidConfig: %v", err)
			}
			return
		}
		r, err := acd.New(cfg)
		if err != nil {
			t.Fatalf("Parse accepted what New rejects: %v", err)
		}
		r.Close()
		out, err := yaml.Marshal(cfg)
		if err != nil {
			t.Fatal(err)
		}
		again, err := acd.Parse(out)
		if err != nil {
			t.Fatalf("round trip: %v\n%s", err, out)
		}
		out2, err := yaml.Marshal(again)
		if err != nil || string(out2) != string(out) {
			t.Fatalf("round trip changed the config:\n%s\n%s", out, out2)
		}
	})
}
