package oai_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/switchboard-voice/switchboard/internal/oai"
	"github.com/switchboard-voice/switchboard/internal/openaitest"
)

func chatRequest() goopenai.ChatCompletionRequest {
	return goopenai.ChatCompletionRequest{Model: "m", Messages: []goopenai.ChatCompletionMessage{{Role: "user", Content: "hello"}}}
}

// call makes one request the way the adapters do: under callCtx, ctx with
// the adapter's own timeout. A streamed request is read to its end.
func call(ctx context.Context, client *goopenai.Client, stream bool, timeout time.Duration) (context.Context, error) {
	callCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if !stream {
		_, err := client.CreateChatCompletion(callCtx, chatRequest())
		return callCtx, err
	}
	s, err := client.CreateChatCompletionStream(callCtx, chatRequest())
	if err != nil {
		return callCtx, err
	}
	defer s.Close()
	for {
		if _, err := s.Recv(); err != nil {
			if errors.Is(err, io.EOF) {
				return callCtx, nil
			}
			return callCtx, err
		}
	}
}

// TestClassifyAgainstServer runs every class of failure against the
// in-process OpenAI-compatible server, streamed and not.
func TestClassifyAgainstServer(t *testing.T) {
	for _, tc := range []struct {
		name   string
		reply  openaitest.Reply
		stream bool // only streamed (else both)
		kind   oai.Kind
		status int
		detail string // Detail, exactly; "*" for any non-empty
	}{
		{"500", openaitest.Reply{Status: 500}, false, oai.Unavailable, 500, "HTTP 500: The server had an error while processing your request."},
		{"503", openaitest.Reply{Status: 503, ErrorMessage: "overloaded"}, false, oai.Unavailable, 503, "HTTP 503: overloaded"},
		{"408", openaitest.Reply{Status: 408}, false, oai.Unavailable, 408, "HTTP 408: Request Timeout"},
		{"401", openaitest.Reply{Status: 401}, false, oai.Auth, 401, "HTTP 401: Incorrect API key provided."},
		{"403", openaitest.Reply{Status: 403, ErrorMessage: "Project does not have access"}, false, oai.Auth, 403, "HTTP 403: Project does not have access"},
		{"429", openaitest.Reply{Status: 429}, false, oai.RateLimited, 429, "HTTP 429: Rate limit reached. Please try again later."},
		{"400", openaitest.Reply{Status: 400, ErrorMessage: "Unsupported parameter: 'temperature'"}, false, oai.BadRequest, 400, "HTTP 400: Unsupported parameter: 'temperature'"},
		{"404 model", openaitest.Reply{Status: 404}, false, oai.BadRequest, 404, "HTTP 404: The model does not exist or you do not have access to it."},
		{"empty message", openaitest.Reply{Status: 500, Body: `{"error":{"message":"","type":"server_error"}}`}, false, oai.Unavailable, 500, "HTTP 500"},
		{"502 HTML", openaitest.Reply{Status: 502, Body: "<html>\n  <h1>Bad   Gateway</h1>\n</html>"}, false, oai.Unavailable, 502, "HTTP 502 Bad Gateway: <html> <h1>Bad Gateway</h1> </html>"},
		{"502 empty", openaitest.Reply{Status: 502, Body: " "}, false, oai.Unavailable, 502, "HTTP 502 Bad Gateway: (empty body)"},
		{"429 not JSON", openaitest.Reply{Status: 429, Body: "slow down"}, false, oai.RateLimited, 429, "HTTP 429 Too Many Requests: slow down"},
		{"malformed", openaitest.Reply{Malformed: true}, false, oai.BadReply, 0, "*"},
		{"cut", openaitest.Reply{Text: "one two three four", CutAfter: 3}, false, oai.BadReply, 0, "unexpected EOF"},
		{"garbage event", openaitest.Reply{Body: "data: {not json}\n\n"}, true, oai.BadReply, 0, "*"},
		{"error event", openaitest.Reply{Body: `data: {"error":{"message":"overloaded","type":"server_error"}}` + "\n\n"}, true, oai.Unavailable, 0, "overloaded"},
	} {
		for _, stream := range []bool{false, true} {
			if tc.stream && !stream {
				continue
			}
			t.Run(fmt.Sprintf("%s/stream=%v", tc.name, stream), func(t *testing.T) {
				srv := openaitest.New(t)
				srv.Enqueue(tc.reply)
				ctx := context.Background()
				callCtx, err := call(ctx, oai.NewClient(srv.URL(), "sk-test", srv.Client()), stream, 5*time.Second)
				if err == nil {
					t.Fatal("no error")
				}
				f := oai.Classify(ctx, callCtx, err)
				if f.Kind != tc.kind || f.Status != tc.status || f.Err != err {
					t.Errorf("%v: kind %v status %d, want %v %d", err, f.Kind, f.Status, tc.kind, tc.status)
				}
				if tc.detail == "*" && f.Detail == "" || tc.detail != "*" && f.Detail != tc.detail {
					t.Errorf("detail %q, want %q", f.Detail, tc.detail)
				}
				if strings.Contains(f.Detail, "sk-test") {
					t.Errorf("detail leaks the key: %q", f.Detail)
				}
			})
		}
	}
}

var errBargeIn = errors.New("barge-in")

// TestClassifyContexts tells the adapter's deadline from the caller's
// context ending, whatever the server would have answered.
func TestClassifyContexts(t *testing.T) {
	for _, tc := range []struct {
		name    string
		ctx     func() (context.Context, context.CancelFunc)
		timeout time.Duration
		kind    oai.Kind
		err     error // f.Err is this
	}{
		{"own deadline", func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) },
			50 * time.Millisecond, oai.Timeout, nil},
		{"caller's deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 50*time.Millisecond)
		}, 5 * time.Second, oai.Canceled, context.DeadlineExceeded},
		{"caller cancels", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(50*time.Millisecond, cancel)
			return ctx, cancel
		}, 5 * time.Second, oai.Canceled, context.Canceled},
		{"caller cancels with a cause", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancelCause(context.Background())
			time.AfterFunc(50*time.Millisecond, func() { cancel(errBargeIn) })
			return ctx, func() { cancel(nil) }
		}, 5 * time.Second, oai.Canceled, errBargeIn},
		{"both: the caller's wins", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 50*time.Millisecond)
		}, 50 * time.Millisecond, oai.Canceled, context.DeadlineExceeded},
	} {
		for _, stream := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/stream=%v", tc.name, stream), func(t *testing.T) {
				srv := openaitest.New(t)
				srv.Enqueue(openaitest.Reply{Text: "late", Delay: time.Minute})
				ctx, cancel := tc.ctx()
				defer cancel()
				start := time.Now()
				callCtx, err := call(ctx, oai.NewClient(srv.URL(), "", srv.Client()), stream, tc.timeout)
				if el := time.Since(start); el > 10*time.Second {
					t.Fatalf("returned after %v", el)
				}
				f := oai.Classify(ctx, callCtx, err)
				if f.Kind != tc.kind || f.Status != 0 || f.Detail != "" {
					t.Errorf("%v: %+v, want kind %v", err, f, tc.kind)
				}
				if tc.err != nil && f.Err != tc.err || tc.err == nil && f.Err != err {
					t.Errorf("Err %v, want %v", f.Err, tc.err)
				}
			})
		}
	}
}

// TestClassifyRawHTTP: what proxies and gateways send, through httptest.
func TestClassifyRawHTTP(t *testing.T) {
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		kind    oai.Kind
		status  int
		detail  string
	}{
		{"403 from a proxy", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "Forbidden by policy", http.StatusForbidden)
		}, oai.Auth, 403, "HTTP 403 Forbidden: Forbidden by policy"},
		{"413", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "Request Entity Too Large", http.StatusRequestEntityTooLarge)
		}, oai.BadRequest, 413, "HTTP 413 Request Entity Too Large: Request Entity Too Large"},
		{"504 with JSON of another shape", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusGatewayTimeout)
			_, _ = io.WriteString(w, `{"detail":"upstream timed out"}`)
		}, oai.Unavailable, 504, `HTTP 504 Gateway Timeout: {"detail":"upstream timed out"}`},
		{"Chinese error page", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, strings.Repeat("服务暂时不可用，请稍后再试。", 20), http.StatusServiceUnavailable)
		}, oai.Unavailable, 503, "*"},
		{"200 that is not JSON", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "<html>captive portal</html>")
		}, oai.BadReply, 0, "*"},
		{"hijacked and closed", func(w http.ResponseWriter, r *http.Request) {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				_ = conn.Close()
			}
		}, oai.Unavailable, 0, "*"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := httptest.NewServer(tc.handler)
			defer hs.Close()
			ctx := context.Background()
			callCtx, err := call(ctx, oai.NewClient(hs.URL+"/v1", "sk-test", hs.Client()), false, 5*time.Second)
			f := oai.Classify(ctx, callCtx, err)
			if f.Kind != tc.kind || f.Status != tc.status {
				t.Errorf("%v: kind %v status %d, want %v %d", err, f.Kind, f.Status, tc.kind, tc.status)
			}
			if tc.detail == "*" && f.Detail == "" || tc.detail != "*" && f.Detail != tc.detail {
				t.Errorf("detail %q, want %q", f.Detail, tc.detail)
			}
			if !utf8.ValidString(f.Detail) || len(f.Detail) > 300 {
				t.Errorf("detail of %d bytes, valid UTF-8 %v", len(f.Detail), utf8.ValidString(f.Detail))
			}
		})
	}
	t.Run("connection refused", func(t *testing.T) {
		hs := httptest.NewServer(http.NotFoundHandler())
		u := hs.URL
		hs.Close()
		ctx := context.Background()
		callCtx, err := call(ctx, oai.NewClient(u+"/v1", "", nil), false, 5*time.Second)
		f := oai.Classify(ctx, callCtx, err)
		if f.Kind != oai.Unavailable || f.Status != 0 || f.Detail != err.Error() {
			t.Errorf("%v: %+v", err, f)
		}
	})
}

// TestClassifyOrder: the caller's context, then the adapter's deadline,
// come before what the error says.
func TestClassifyOrder(t *testing.T) {
	apiErr := &goopenai.APIError{HTTPStatusCode: 500, Message: "boom"}
	alive := context.Background()
	expired, cancel := context.WithDeadline(alive, time.Now().Add(-time.Second))
	defer cancel()
	cancelled, cancel2 := context.WithCancel(alive)
	cancel2()
	for _, tc := range []struct {
		name         string
		ctx, callCtx context.Context
		err          error
		kind         oai.Kind
		detail       string
	}{
		{"HTTP error after our deadline", alive, expired, apiErr, oai.Timeout, ""},
		{"HTTP error after the caller left", cancelled, cancelled, apiErr, oai.Canceled, ""},
		{"callCtx cancelled, not expired", alive, cancelled, context.Canceled, oai.Unavailable, "context canceled"},
		{"request error without a status line", alive, alive, &goopenai.RequestError{HTTPStatusCode: 429, Body: []byte("x")}, oai.RateLimited, "HTTP 429: x"},
		{"wrapped API error", alive, alive, fmt.Errorf("stream: %w", apiErr), oai.Unavailable, "HTTP 500: boom"},
		{"nil error", alive, alive, nil, oai.Unavailable, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := oai.Classify(tc.ctx, tc.callCtx, tc.err)
			if f.Kind != tc.kind || f.Detail != tc.detail {
				t.Errorf("%+v, want kind %v detail %q", f, tc.kind, tc.detail)
			}
		})
	}
}

func TestKindString(t *testing.T) {
	for k, want := range map[oai.Kind]string{
		oai.Unavailable: "unavailable", oai.Timeout: "timeout", oai.Canceled: "canceled", oai.BadRequest: "bad request",
		oai.Auth: "auth", oai.RateLimited: "rate limited", oai.BadReply: "bad reply", oai.Kind(42): "Kind(42)", oai.Kind(-1): "Kind(-1)",
	} {
		if got := k.String(); got != want {
			t.Errorf("%d: %q, want %q", int(k), got, want)
		}
	}
}

func TestSnippet(t *testing.T) {
	long := strings.Repeat("a", 250)
	for _, tc := range []struct {
		name, body, want string
	}{
		{"empty", "", "(empty body)"},
		{"white space only", " \n\t ", "(empty body)"},
		{"white space folded", "  <html>\n\t<body>Bad\r\nGateway</body>  </html>\n", "<html> <body>Bad Gateway</body> </html>"},
		{"200 bytes kept", long[:200], long[:200]},
		{"201 bytes cut", long[:201], long[:200] + "..."},
		{"cut on a character boundary", "a" + strings.Repeat("错", 100), "a" + strings.Repeat("错", 66) + "..."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := oai.Snippet([]byte(tc.body)); got != tc.want {
				t.Errorf("Snippet(%q) = %q, want %q", tc.body, got, tc.want)
			}
		})
	}
}

func FuzzSnippet(f *testing.F) {
	for _, s := range []string{"", " ", "<html>Bad Gateway</html>", strings.Repeat("错误 ", 80), "\xff\xfe"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		s := oai.Snippet(body)
		if s == "" || len(s) > 203 {
			t.Fatalf("Snippet of %d bytes: %d bytes", len(body), len(s))
		}
		if utf8.Valid(body) && !utf8.ValidString(s) {
			t.Fatalf("Snippet(%q) = %q: not UTF-8", body, s)
		}
		if strings.ContainsAny(s, "\n\r\t") || strings.Contains(s, "  ") {
			t.Fatalf("Snippet(%q) = %q: white space not folded", body, s)
		}
	})
}

var errSentinel = errors.New("thing unavailable")

func TestWrap(t *testing.T) {
	apiErr := &goopenai.APIError{HTTPStatusCode: 429, HTTPStatus: "429 Too Many Requests", Message: "slow down"}
	err := oai.Wrap(errSentinel, "pkg/openai: HTTP 429: slow down", fmt.Errorf("client: %w", apiErr))
	if got, want := err.Error(), "thing unavailable: pkg/openai: HTTP 429: slow down"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
	var got *goopenai.APIError
	if !errors.Is(err, errSentinel) || !errors.As(err, &got) || got != apiErr {
		t.Errorf("unwrapping %v: sentinel %v, APIError %v", err, errors.Is(err, errSentinel), got)
	}
	if errors.Is(err, context.Canceled) {
		t.Error("wraps what it was not given")
	}
}
