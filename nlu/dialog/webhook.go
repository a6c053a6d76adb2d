package dialog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-voice/switchboard/prompts"
)

// ErrWebhook is wrapped by every webhook failure.
var ErrWebhook = errors.New("webhook failed")

// DefaultWebhookTimeout applies when a webhook step sets none.
const DefaultWebhookTimeout = 3 * time.Second

// maxWebhookReply bounds what is read from a webhook.
const maxWebhookReply = 1 << 20

// webhook calls a flow's HTTP webhook with the slots and saves the fields
// of its JSON reply into slots. Timeouts, HTTP errors, non-JSON replies and
// missing fields are errors; nothing is saved then.
func (c *Conversation) webhook(ctx context.Context, r *Reply, h *prompts.Webhook) error {
	t0 := time.Now()
	defer func() { r.Trace.Timings["webhook"] += time.Since(t0).Microseconds() }()
	url := c.render(h.URL)
	if strings.HasPrefix(url, "/") {
		if c.e.hookBase == "" {
			return fmt.Errorf("%w: %s is relative and no webhook base URL is configured", ErrWebhook, url)
		}
		url = c.e.hookBase + url
	}
	timeout := h.Timeout.D()
	if timeout <= 0 {
		timeout = DefaultWebhookTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	body := map[string]string{"session_id": c.info.SessionID, "bot": c.e.bot.Name, "caller_id": c.info.CallerID}
	for k, v := range c.slots {
		body[k] = v
	}
	method := strings.ToUpper(h.Method)
	if method == "" {
		method = http.MethodPost
	}
	var req *http.Request
	var err error
	if method == http.MethodGet {
		req, err = http.NewRequestWithContext(ctx, method, url, nil)
		if err == nil {
			q := req.URL.Query()
			for k, v := range body {
				q.Set(k, v)
			}
			req.URL.RawQuery = q.Encode()
		}
	} else {
		data, _ := json.Marshal(body)
		req, err = http.NewRequestWithContext(ctx, method, url, bytes.NewReader(data))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
		}
	}
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrWebhook, url, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.e.client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("%w: %s %s: timed out after %s", ErrWebhook, method, url, timeout)
		}
		return fmt.Errorf("%w: %s %s: %v", ErrWebhook, method, url, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxWebhookReply))
	if err != nil {
		return fmt.Errorf("%w: %s %s: reading reply: %v", ErrWebhook, method, url, err)
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%w: %s %s: HTTP %d: %s", ErrWebhook, method, url, resp.StatusCode, snippet(data))
	}
	var reply any
	if err := json.Unmarshal(data, &reply); err != nil {
		return fmt.Errorf("%w: %s %s: reply is not JSON: %s", ErrWebhook, method, url, snippet(data))
	}
	saved := map[string]string{}
	for slot, path := range h.Save {
		v, ok := lookup(reply, path)
		if !ok {
			return fmt.Errorf("%w: %s %s: reply has no field %q", ErrWebhook, method, url, path)
		}
		saved[slot] = v
	}
	for k, v := range saved {
		c.slots[k] = v
	}
	return nil
}

func snippet(b []byte) string {
	s := strings.ToValidUTF8(string(b), "?")
	if len(s) > 120 {
		s = s[:120] + "..."
	}
	return strings.TrimSpace(s)
}

// lookup follows a dotted path ("account.balance", "items.0.name") in a
// decoded JSON value and formats the value found.
func lookup(v any, path string) (string, bool) {
	for _, part := range strings.Split(path, ".") {
		switch t := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = t[part]; !ok {
				return "", false
			}
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(t) {
				return "", false
			}
			v = t[i]
		default:
			return "", false
		}
	}
	switch t := v.(type) {
	case nil:
		return "", false
	case string:
		return t, true
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(t), true
	default:
		b, _ := json.Marshal(t)
		return string(b), true
	}
}
