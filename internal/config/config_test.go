package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExampleFileIsValidAndDefault(t *testing.T) {
	cfg, err := Load("../../switchboard.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	def, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTP != def.HTTP || cfg.Database != def.Database || cfg.LLM != def.LLM || cfg.DataDir != def.DataDir {
		t.Errorf("example file differs from defaults:\n%+v\n%+v", cfg, def)
	}
	if def.Database.DSN != filepath.Join("data", "switchboard.db") {
		t.Errorf("default sqlite dsn = %q", def.Database.DSN)
	}
}

func TestValidateNamesTheKey(t *testing.T) {
	for yaml, key := range map[string]string{
		"log: {level: loud}\n":                                         "log.level",
		"log: {format: xml}\n":                                         "log.format",
		"http: {listen: nonsense}\n":                                   "http.listen",
		"database: {driver: mysql}\n":                                  "database.driver",
		"database: {driver: postgres}\n":                               "database.dsn",
		"database: {driver: postgres, dsn: 'x'}\n":                     "database.dsn",
		"webhooks: {base_url: 'ftp://x'}\n":                            "webhooks.base_url",
		"llm: {first_token_timeout: 0s}\n":                             "llm.first_token_timeout",
		"llm: {timeout: 1s}\n":                                         "llm.timeout",
		"bots: {dirs: ['']}\n":                                         "bots.dirs[0]",
		"htp: {}\n":                                                    "field htp not found",
		"sip: {listen: [{transport: sctp, addr: '127.0.0.1:5060'}]}\n": "sip.listen[0].transport",
		"sip: {listen: [{transport: tls, addr: '127.0.0.1:5061'}]}\n":  "sip.listen[0].cert_file",
		"sip: {max_calls: -1}\n":                                       "sip.max_calls",
		"sip: {rtp_ports: {min: 30000, max: 20000}}\n":                 "sip.rtp_ports",
		"realtime_priority: 100\n":                                     "realtime_priority",
		"sip: {trunk: {username: x}}\n":                                "sip.trunk.host",
		"webrtc: {nat_1to1_ips: [nope]}\n":                             "webrtc.nat_1to1_ips[0]",
		"dialplan: [{to: '(', app: echo}]\n":                           "dialplan[0].to",
		"dialplan: [{app: dance}]\n":                                   "dialplan[0].app",
		"dialplan: [{app: playback}]\n":                                "dialplan[0].file",
		"http: {listen: [1]}\n":                                        "cannot unmarshal",
		"dialplan: [{app: voicebot}]\n":                                "dialplan[0].bot",
		"speech: {asr: {en: [whisper]}}\n":                             "speech.asr.en",
		"speech: {asr: {en: []}}\n":                                    "speech.asr.en",
		"speech: {tts: {zh: festival}}\n":                              "speech.tts.zh",
		"speech: {bots: {banking: {tts: {en: x}}}}\n":                  "speech.bots.banking.tts.en",
		"voicebot: {no_input: -1s}\n":                                  "voicebot.no_input",
	} {
		path := filepath.Join(t.TempDir(), "switchboard.yaml")
		os.WriteFile(path, []byte(yaml), 0o644)
		_, err := Load(path)
		if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), key) {
			t.Errorf("%q: err = %v, want it to name %s", yaml, err, key)
		}
	}
}

func TestEnvOverrides(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "sk-test")
	t.Setenv("SWITCHBOARD_DATABASE_DRIVER", "postgres")
	t.Setenv("SWITCHBOARD_DATABASE_DSN", "postgres://u:p@127.0.0.1:5432/db")
	t.Setenv("SWITCHBOARD_HTTP_LISTEN", "127.0.0.1:9999")
	cfg, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.LLM.APIKey != "sk-test" || cfg.Database.Driver != "postgres" || cfg.HTTP.Listen != "127.0.0.1:9999" ||
		cfg.Webhooks.BaseURL != "http://127.0.0.1:9999/demo" {
		t.Fatalf("%+v", cfg)
	}
}

func TestEmptyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty.yaml")
	os.WriteFile(path, nil, 0o644)
	if _, err := Load(path); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.yaml")); err == nil {
		t.Fatal("missing file accepted")
	}
}
