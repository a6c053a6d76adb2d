package openaitest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/switchboard-voice/switchboard/internal/openaitest"
)

func client(srv *openaitest.Server) *goopenai.Client {
	cfg := goopenai.DefaultConfig("sk-test")
	cfg.BaseURL = srv.URL()
	cfg.HTTPClient = srv.Client()
	return goopenai.NewClientWithConfig(cfg)
}

func chatReq(stream bool) goopenai.ChatCompletionRequest {
	return goopenai.ChatCompletionRequest{
		Model:  "gpt-test",
		Stream: stream,
		Messages: []goopenai.ChatCompletionMessage{
			{Role: "system", Content: "be brief"},
			{Role: "user", Content: "hello"},
		},
		Tools: []goopenai.Tool{{Type: "function", Function: &goopenai.FunctionDefinition{
			Name:       "start_flow",
			Parameters: map[string]any{"type": "object", "properties": map[string]any{"flow": map[string]any{"type": "string", "enum": []string{"a", "b"}}}},
		}}},
	}
}

func TestChatNonStreaming(t *testing.T) {
	srv := openaitest.New(t)
	srv.Enqueue(openaitest.Reply{Text: "Hi there.", ToolCalls: []openaitest.ToolCall{{Name: "start_flow", Arguments: `{"flow":"a"}`}}})
	resp, err := client(srv).CreateChatCompletion(context.Background(), chatReq(false))
	if err != nil {
		t.Fatal(err)
	}
	ch := resp.Choices[0]
	if ch.Message.Content != "Hi there." || ch.FinishReason != "tool_calls" || resp.Model != "gpt-test" {
		t.Errorf("got %+v", resp)
	}
	if len(ch.Message.ToolCalls) != 1 || ch.Message.ToolCalls[0].Function.Arguments != `{"flow":"a"}` || ch.Message.ToolCalls[0].ID == "" {
		t.Errorf("tool calls = %+v", ch.Message.ToolCalls)
	}

	req := srv.LastRequest()
	if req.APIKey() != "sk-test" || req.Chat == nil || req.Chat.Stream || req.Chat.Model != "gpt-test" {
		t.Errorf("request = %+v", req)
	}
	if got := req.Chat.System(); got != "be brief" {
		t.Errorf("System() = %q", got)
	}
	tool, ok := req.Chat.Tool("start_flow")
	if !ok || fmt.Sprint(tool.Enum("flow")) != "[a b]" {
		t.Errorf("tool = %+v, enum %v", tool, tool.Enum("flow"))
	}
}

func TestChatStreaming(t *testing.T) {
	srv := openaitest.New(t)
	text := "Your order ships tomorrow, ça va?"
	srv.Enqueue(openaitest.Reply{
		Text: text,
		ToolCalls: []openaitest.ToolCall{
			{Name: "set_slot", Arguments: `{"slot":"order_id","value":"A-12345"}`},
			{ID: "call_x", Name: "answer", Arguments: `{"article_id":"kb-1","text":"It ships."}`},
		},
	})
	stream, err := client(srv).CreateChatCompletionStream(context.Background(), chatReq(true))
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	var content []string
	type call struct{ id, name, args string }
	calls := map[int]*call{}
	chunks, finish := 0, goopenai.FinishReason("")
	for {
		r, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		chunks++
		d := r.Choices[0].Delta
		if d.Content != "" {
			content = append(content, d.Content)
		}
		for _, tc := range d.ToolCalls {
			c := calls[*tc.Index]
			if c == nil {
				c = &call{}
				calls[*tc.Index] = c
			}
			c.id += tc.ID
			c.name += tc.Function.Name
			c.args += tc.Function.Arguments
		}
		if r.Choices[0].FinishReason != "" {
			finish = r.Choices[0].FinishReason
		}
	}
	if strings.Join(content, "") != text || len(content) < 4 {
		t.Errorf("content pieces = %q", content)
	}
	if len(calls) != 2 || calls[0].name != "set_slot" || calls[0].args != `{"slot":"order_id","value":"A-12345"}` ||
		calls[1].id != "call_x" || calls[1].args != `{"article_id":"kb-1","text":"It ships."}` {
		t.Errorf("calls = %+v %+v", calls[0], calls[1])
	}
	if finish != "tool_calls" || chunks < 10 {
		t.Errorf("finish = %q after %d chunks", finish, chunks)
	}
	if !srv.LastRequest().Chat.Stream {
		t.Error("request not recorded as streaming")
	}
}

func TestStreamUsage(t *testing.T) {
	srv := openaitest.New(t)
	srv.Enqueue(openaitest.Reply{Text: "one two"})
	req := chatReq(true)
	req.StreamOptions = &goopenai.StreamOptions{IncludeUsage: true}
	stream, err := client(srv).CreateChatCompletionStream(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	var u *goopenai.Usage
	for {
		r, err := stream.Recv()
		if err != nil {
			break
		}
		if r.Usage != nil {
			u = r.Usage
		}
	}
	if u == nil || u.CompletionTokens != 2 {
		t.Errorf("usage = %+v", u)
	}
}

func TestErrorReplies(t *testing.T) {
	for _, tc := range []struct {
		reply  openaitest.Reply
		status int
		msg    string
	}{
		{openaitest.Reply{Status: 401}, 401, "Incorrect API key"},
		{openaitest.Reply{Status: 429}, 429, "Rate limit"},
		{openaitest.Reply{Status: 500}, 500, "server had an error"},
		{openaitest.Reply{Status: 400, ErrorMessage: "bad tools"}, 400, "bad tools"},
	} {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			srv := openaitest.New(t)
			srv.Enqueue(tc.reply, tc.reply)
			for _, stream := range []bool{false, true} {
				var err error
				if stream {
					_, err = client(srv).CreateChatCompletionStream(context.Background(), chatReq(true))
				} else {
					_, err = client(srv).CreateChatCompletion(context.Background(), chatReq(false))
				}
				var apiErr *goopenai.APIError
				if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != tc.status || !strings.Contains(apiErr.Message, tc.msg) {
					t.Errorf("stream=%v: err = %v", stream, err)
				}
			}
		})
	}
}

func TestDelayEndsWithClient(t *testing.T) {
	srv := openaitest.New(t)
	srv.Enqueue(openaitest.Reply{Text: "late", Delay: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := client(srv).CreateChatCompletionStream(ctx, chatReq(true))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v", err)
	}
	if time.Since(start) > 30*time.Second {
		t.Error("delay did not end with the request")
	}
}

func TestMalformedAndCut(t *testing.T) {
	srv := openaitest.New(t)
	srv.Enqueue(
		openaitest.Reply{Malformed: true},
		openaitest.Reply{Malformed: true},
		openaitest.Reply{Text: "one two three four", CutAfter: 2},
		openaitest.Reply{Body: "data: {oops\n\n"},
	)
	c := client(srv)
	if _, err := c.CreateChatCompletion(context.Background(), chatReq(false)); err == nil {
		t.Error("malformed JSON: no error")
	}
	for i, want := range []int{1, 2, 0} {
		stream, err := c.CreateChatCompletionStream(context.Background(), chatReq(true))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for {
			_, err = stream.Recv()
			if err != nil {
				break
			}
			n++
		}
		stream.Close()
		if n != want || err == nil || errors.Is(err, io.EOF) {
			t.Errorf("stream %d: %d chunks then %v", i, n, err)
		}
	}
}

// fakeTB records errors instead of failing the test.
type fakeTB struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (f *fakeTB) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errs = append(f.errs, fmt.Sprintf(format, args...))
}

func TestEmptyQueue(t *testing.T) {
	tb := &fakeTB{TB: t}
	srv := openaitest.New(tb)
	_, err := client(srv).CreateChatCompletion(context.Background(), chatReq(false))
	if err == nil || len(tb.errs) != 1 {
		t.Errorf("err = %v, test errors %q", err, tb.errs)
	}
	srv.SetDefault(openaitest.Reply{Text: "default"})
	for range 2 {
		resp, err := client(srv).CreateChatCompletion(context.Background(), chatReq(false))
		if err != nil || resp.Choices[0].Message.Content != "default" {
			t.Errorf("default reply: %v %v", resp, err)
		}
	}
	if n := len(srv.Requests()); n != 3 {
		t.Errorf("%d requests recorded", n)
	}
}

func TestBadRequestRecorded(t *testing.T) {
	srv := openaitest.New(t)
	resp, err := http.Post(srv.URL()+"/chat/completions", "application/json", strings.NewReader(`{"model":`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 || srv.LastRequest().DecodeError == nil {
		t.Errorf("status %d, request %+v", resp.StatusCode, srv.LastRequest())
	}
	resp, err = http.Get(srv.URL() + "/models/x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 || len(srv.Requests()) != 2 {
		t.Errorf("status %d", resp.StatusCode)
	}
}

func TestEmbeddings(t *testing.T) {
	srv := openaitest.New(t)
	srv.SetDefault(openaitest.Reply{})
	c := client(srv)
	resp, err := c.CreateEmbeddings(context.Background(), goopenai.EmbeddingRequestStrings{
		Model: goopenai.SmallEmbedding3, Input: []string{"refund", "refund", "hours"}, Dimensions: 16,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Data) != 3 || len(resp.Data[0].Embedding) != 16 {
		t.Fatalf("resp = %+v", resp)
	}
	same, _ := resp.Data[0].DotProduct(&resp.Data[1])
	diff, _ := resp.Data[0].DotProduct(&resp.Data[2])
	if same < 0.999 || diff > 0.999 {
		t.Errorf("dot products %v %v", same, diff)
	}
	if e := srv.LastRequest().Embedding; e == nil || e.Model != "text-embedding-3-small" || len(e.Input) != 3 {
		t.Errorf("recorded %+v", e)
	}

	srv.Enqueue(openaitest.Reply{Embeddings: [][]float32{{1, 2, 3}}})
	b64, err := c.CreateEmbeddings(context.Background(), goopenai.EmbeddingRequest{
		Model: goopenai.SmallEmbedding3, Input: "x", EncodingFormat: goopenai.EmbeddingEncodingFormatBase64,
	})
	if err != nil || fmt.Sprint(b64.Data[0].Embedding) != "[1 2 3]" {
		t.Errorf("base64: %+v %v", b64, err)
	}
}

func TestTranscription(t *testing.T) {
	srv := openaitest.New(t)
	wav := openaitest.WAV(make([]byte, 16000), 8000) // 1 s
	srv.Enqueue(openaitest.Reply{Text: "I want a refund"}, openaitest.Reply{Text: "I want a refund"})
	c := client(srv)
	resp, err := c.CreateTranscription(context.Background(), goopenai.AudioRequest{
		Model: goopenai.Whisper1, FilePath: "call.wav", Reader: bytes.NewReader(wav), Language: "en",
	})
	if err != nil || resp.Text != "I want a refund" {
		t.Fatalf("resp %+v, err %v", resp, err)
	}
	tr := srv.LastRequest().Transcription
	if tr == nil || tr.Model != "whisper-1" || tr.FileName != "call.wav" || !bytes.Equal(tr.File, wav) || tr.Language != "en" {
		t.Errorf("recorded %+v", tr)
	}
	resp, err = c.CreateTranscription(context.Background(), goopenai.AudioRequest{
		Model: goopenai.Whisper1, FilePath: "call.wav", Reader: bytes.NewReader(wav), Format: goopenai.AudioResponseFormatVerboseJSON,
	})
	if err != nil || resp.Text != "I want a refund" || resp.Duration != 1 || len(resp.Segments) != 1 {
		t.Errorf("verbose: %+v %v", resp, err)
	}
}

func TestSpeech(t *testing.T) {
	srv := openaitest.New(t)
	srv.Enqueue(openaitest.Reply{Audio: []byte("ID3fake")}, openaitest.Reply{})
	c := client(srv)
	for _, tc := range []struct {
		format goopenai.SpeechResponseFormat
		prefix string
	}{{goopenai.SpeechResponseFormatMp3, "ID3fake"}, {goopenai.SpeechResponseFormatWav, "RIFF"}} {
		rc, err := c.CreateSpeech(context.Background(), goopenai.CreateSpeechRequest{
			Model: goopenai.TTSModel1, Input: "hello", Voice: goopenai.VoiceAlloy, ResponseFormat: tc.format,
		})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if !bytes.HasPrefix(b, []byte(tc.prefix)) {
			t.Errorf("%s: got %q", tc.format, b[:min(len(b), 8)])
		}
	}
	if sp := srv.LastRequest().Speech; sp == nil || sp.Input != "hello" || sp.Voice != "alloy" || sp.ResponseFormat != "wav" {
		t.Errorf("recorded %+v", sp)
	}
}
