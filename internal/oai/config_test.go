package oai_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/switchboard-voice/switchboard/internal/oai"
	"github.com/switchboard-voice/switchboard/internal/openaitest"
)

func TestCheckerBaseURL(t *testing.T) {
	for _, tc := range []struct {
		name, in, def string
		want          string // the URL kept; "" when refused
	}{
		{"default", "", oai.DefaultBaseURL, oai.DefaultBaseURL},
		{"https", "https://api.example.com/v1", oai.DefaultBaseURL, "https://api.example.com/v1"},
		{"local http with port", "http://localhost:11434/v1", oai.DefaultBaseURL, "http://localhost:11434/v1"},
		{"trailing slash", "http://127.0.0.1:8000/v1/", oai.DefaultBaseURL, "http://127.0.0.1:8000/v1"},
		{"upper-case scheme", "HTTP://vllm.internal/v1", oai.DefaultBaseURL, "HTTP://vllm.internal/v1"},
		{"no version path", "http://llm", oai.DefaultBaseURL, "http://llm"},
		{"required and empty", "", "", ""},
		{"no scheme", "localhost:8080/v1", oai.DefaultBaseURL, ""},
		{"ftp", "ftp://files.example.com/v1", oai.DefaultBaseURL, ""},
		{"no host", "http://", oai.DefaultBaseURL, ""},
		{"path only", "/v1", oai.DefaultBaseURL, ""},
		{"unparsable", "http://[::1", oai.DefaultBaseURL, ""},
		{"space", " https://api.openai.com/v1", oai.DefaultBaseURL, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c oai.Checker
			u := tc.in
			c.BaseURL("Config.BaseURL", &u, tc.def)
			err := c.Err()
			if tc.want == "" {
				if err == nil {
					t.Fatalf("%q accepted as %q", tc.in, u)
				}
				want := `Config.BaseURL "` + tc.in + `": want an http or https URL such as https://api.openai.com/v1`
				if err.Error() != want {
					t.Errorf("error %q\nwant  %q", err, want)
				}
				return
			}
			if err != nil || u != tc.want {
				t.Errorf("%q: got %q, %v; want %q", tc.in, u, err, tc.want)
			}
		})
	}
}

func TestCheckerModel(t *testing.T) {
	for _, tc := range []struct {
		name, in, def, want, err string
	}{
		{"given", "gpt-4o-mini", "", "gpt-4o-mini", ""},
		{"kept as given", " qwen2.5:7b ", "", " qwen2.5:7b ", ""},
		{"default", "", "whisper-1", "whisper-1", ""},
		{"blank takes the default", "  ", "whisper-1", "whisper-1", ""},
		{"required", "", "", "", "Config.Model is required"},
		{"required, blank", " \t", "", "", "Config.Model is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c oai.Checker
			m := tc.in
			c.Model("Config.Model", &m, tc.def)
			checkSetting(t, c.Err(), tc.err, m, tc.want)
		})
	}
}

func TestCheckerDurationAndInt(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in, def time.Duration
		want    time.Duration
		err     string
	}{
		{"given", 3 * time.Second, 5 * time.Second, 3 * time.Second, ""},
		{"default", 0, 5 * time.Second, 5 * time.Second, ""},
		{"tiny", time.Nanosecond, 5 * time.Second, time.Nanosecond, ""},
		{"negative", -time.Second, 5 * time.Second, 0, "Config.Timeout -1s is negative"},
		{"negative nanosecond", -1, 5 * time.Second, 0, "Config.Timeout -1ns is negative"},
	} {
		t.Run("duration/"+tc.name, func(t *testing.T) {
			var c oai.Checker
			d := tc.in
			c.Duration("Config.Timeout", &d, tc.def)
			checkSetting(t, c.Err(), tc.err, d, tc.want)
		})
	}
	for _, tc := range []struct {
		name          string
		in, def, want int
		err           string
	}{
		{"given", 16, 256, 16, ""},
		{"default", 0, 256, 256, ""},
		{"zero default stays zero", 0, 0, 0, ""},
		{"negative", -3, 256, 0, "Config.BatchSize -3 is negative"},
	} {
		t.Run("int/"+tc.name, func(t *testing.T) {
			var c oai.Checker
			n := tc.in
			c.Int("Config.BatchSize", &n, tc.def)
			checkSetting(t, c.Err(), tc.err, n, tc.want)
		})
	}
}

// checkSetting checks a Checker's outcome: the error wantErr when not
// empty, else no error and the setting got == want.
func checkSetting[T comparable](t *testing.T, err error, wantErr string, got, want T) {
	t.Helper()
	switch {
	case wantErr != "" && (err == nil || err.Error() != wantErr):
		t.Errorf("error %v, want %q", err, wantErr)
	case wantErr == "" && (err != nil || got != want):
		t.Errorf("got %v, %v; want %v", got, err, want)
	}
}

// TestCheckerFirstErrorWins: after a problem, later settings are left as
// they are and the first problem is the one reported.
func TestCheckerFirstErrorWins(t *testing.T) {
	var c oai.Checker
	model, u, d, n := "", "ftp://x", time.Duration(0), 0
	c.Model("Config.Model", &model, "")
	c.BaseURL("Config.BaseURL", &u, oai.DefaultBaseURL)
	c.Duration("Config.Timeout", &d, time.Second)
	c.Int("Config.MaxTokens", &n, 60)
	if err := c.Err(); err == nil || !strings.Contains(err.Error(), "Config.Model") {
		t.Fatalf("error %v, want the model's", err)
	}
	if u != "ftp://x" || d != 0 || n != 0 {
		t.Errorf("settings changed after the first error: %q %v %d", u, d, n)
	}
}

// TestNewClient: the key, base URL and HTTP client reach the request; an
// empty key sends no Authorization header.
func TestNewClient(t *testing.T) {
	srv := openaitest.New(t)
	var used bool
	hc := srv.Client()
	base := hc.Transport
	hc.Transport = roundTripFunc(func(r *http.Request) (*http.Response, error) {
		used = true
		return base.RoundTrip(r)
	})
	srv.Enqueue(openaitest.Reply{Text: "hi"}, openaitest.Reply{Text: "hi"})
	req := goopenai.ChatCompletionRequest{Model: "m", Messages: []goopenai.ChatCompletionMessage{{Role: "user", Content: "hello"}}}

	if _, err := oai.NewClient(srv.URL(), "sk-test-1", hc).CreateChatCompletion(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if r := srv.LastRequest(); r.Path != "/v1/chat/completions" || r.APIKey() != "sk-test-1" || !used {
		t.Errorf("path %q, key %q, custom client used %v", r.Path, r.APIKey(), used)
	}
	if _, err := oai.NewClient(srv.URL(), "", nil).CreateChatCompletion(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if h := srv.LastRequest().Header.Get("Authorization"); h != "" {
		t.Errorf("Authorization %q sent without a key", h)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
