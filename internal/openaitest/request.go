package openaitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// Request is one request the server received. Exactly one of Chat,
// Embedding, Transcription and Speech is set when the path is a known
// endpoint and the body decoded; DecodeError says why it did not.
type Request struct {
	Method string
	Path   string // as received, e.g. "/v1/chat/completions"
	Header http.Header
	Body   []byte // raw body as received

	Chat          *ChatRequest
	Embedding     *EmbeddingRequest
	Transcription *TranscriptionRequest
	Speech        *SpeechRequest

	// DecodeError is the error decoding Body, if any. Such a request is
	// answered with a 400 and not given a scripted reply.
	DecodeError error
}

// APIKey returns the bearer token of the Authorization header, or "".
func (r Request) APIKey() string {
	auth := r.Header.Get("Authorization")
	if key, ok := strings.CutPrefix(auth, "Bearer "); ok {
		return key
	}
	return ""
}

// ChatRequest is a decoded POST /v1/chat/completions body. Fields the
// server does not model stay in Raw.
type ChatRequest struct {
	Model       string    `json:"model"`
	Messages    []Message `json:"messages"`
	Tools       []Tool    `json:"tools,omitempty"`
	Stream      bool      `json:"stream,omitempty"`
	Temperature *float64  `json:"temperature,omitempty"`
	MaxTokens   int       `json:"max_tokens,omitempty"`
	// MaxCompletionTokens is the newer name of MaxTokens.
	MaxCompletionTokens int `json:"max_completion_tokens,omitempty"`
	// ToolChoice is "auto", "none", "required" or an object, as sent.
	ToolChoice        json.RawMessage `json:"tool_choice,omitempty"`
	ParallelToolCalls *bool           `json:"parallel_tool_calls,omitempty"`
	StreamOptions     *StreamOptions  `json:"stream_options,omitempty"`
	User              string          `json:"user,omitempty"`

	// Raw is the whole body as a generic JSON object.
	Raw map[string]any `json:"-"`
}

// StreamOptions is the stream_options object of a chat request.
type StreamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

// Message is one chat message. Content given as an array of parts is
// flattened to the concatenation of its text parts.
type Message struct {
	Role       string     `json:"role"`
	Content    string     `json:"content"`
	Name       string     `json:"name,omitempty"`
	ToolCalls  []ToolCall `json:"tool_calls,omitempty"`
	ToolCallID string     `json:"tool_call_id,omitempty"`
}

// UnmarshalJSON accepts content as a string, null or an array of parts.
func (m *Message) UnmarshalJSON(data []byte) error {
	var wire struct {
		Role       string          `json:"role"`
		Content    json.RawMessage `json:"content"`
		Name       string          `json:"name"`
		ToolCallID string          `json:"tool_call_id"`
		ToolCalls  []struct {
			ID       string `json:"id"`
			Type     string `json:"type"`
			Function struct {
				Name      string `json:"name"`
				Arguments string `json:"arguments"`
			} `json:"function"`
		} `json:"tool_calls"`
	}
	if err := json.Unmarshal(data, &wire); err != nil {
		return err
	}
	*m = Message{Role: wire.Role, Name: wire.Name, ToolCallID: wire.ToolCallID}
	for _, tc := range wire.ToolCalls {
		m.ToolCalls = append(m.ToolCalls, ToolCall{ID: tc.ID, Name: tc.Function.Name, Arguments: tc.Function.Arguments})
	}
	content := bytes.TrimSpace(wire.Content)
	switch {
	case len(content) == 0 || bytes.Equal(content, []byte("null")):
	case content[0] == '"':
		return json.Unmarshal(content, &m.Content)
	case content[0] == '[':
		var parts []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		}
		if err := json.Unmarshal(content, &parts); err != nil {
			return fmt.Errorf("message content: %w", err)
		}
		var sb strings.Builder
		for _, p := range parts {
			sb.WriteString(p.Text)
		}
		m.Content = sb.String()
	default:
		return fmt.Errorf("message content: want a string or an array, got %s", content)
	}
	return nil
}

// Tool is one entry of a chat request's tools.
type Tool struct {
	Type     string   `json:"type"`
	Function Function `json:"function"`
}

// Function is a tool's function definition. Parameters is its JSON schema
// as sent.
type Function struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Strict      bool            `json:"strict,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"`
}

// Schema is the part of a JSON schema that tests usually assert on.
type Schema struct {
	Type        string            `json:"type"`
	Description string            `json:"description,omitempty"`
	Enum        []string          `json:"enum,omitempty"`
	Properties  map[string]Schema `json:"properties,omitempty"`
	Required    []string          `json:"required,omitempty"`
}

// Schema decodes the function's parameters. A schema that does not decode
// gives the zero Schema.
func (t Tool) Schema() Schema {
	var s Schema
	_ = json.Unmarshal(t.Function.Parameters, &s)
	return s
}

// Enum returns the enum of the parameter named prop, or nil.
func (t Tool) Enum(prop string) []string {
	return t.Schema().Properties[prop].Enum
}

// Tool returns the tool whose function is named name.
func (c *ChatRequest) Tool(name string) (Tool, bool) {
	for _, t := range c.Tools {
		if t.Function.Name == name {
			return t, true
		}
	}
	return Tool{}, false
}

// ToolNames returns the function names of the request's tools, in order.
func (c *ChatRequest) ToolNames() []string {
	names := make([]string, 0, len(c.Tools))
	for _, t := range c.Tools {
		names = append(names, t.Function.Name)
	}
	return names
}

// System returns the concatenated content of the system (and developer)
// messages.
func (c *ChatRequest) System() string {
	var parts []string
	for _, m := range c.Messages {
		if m.Role == "system" || m.Role == "developer" {
			parts = append(parts, m.Content)
		}
	}
	return strings.Join(parts, "\n")
}

// EmbeddingRequest is a decoded POST /v1/embeddings body. Input holds the
// texts, whether sent as one string or an array.
type EmbeddingRequest struct {
	Model          string
	Input          []string
	EncodingFormat string // "float" (or "") or "base64"
	Dimensions     int
}

// TranscriptionRequest is a decoded multipart POST /v1/audio/transcriptions.
type TranscriptionRequest struct {
	Model          string
	FileName       string
	File           []byte
	Language       string
	Prompt         string
	ResponseFormat string
	Temperature    string
	// Fields holds every non-file form field, including the ones above.
	Fields map[string][]string
}

// SpeechRequest is a decoded POST /v1/audio/speech body.
type SpeechRequest struct {
	Model          string  `json:"model"`
	Input          string  `json:"input"`
	Voice          string  `json:"voice"`
	Instructions   string  `json:"instructions,omitempty"`
	ResponseFormat string  `json:"response_format,omitempty"`
	Speed          float64 `json:"speed,omitempty"`
}
