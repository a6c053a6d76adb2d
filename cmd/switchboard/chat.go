package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/switchboard-voice/switchboard/conversation"
	"github.com/switchboard-voice/switchboard/internal/config"
	"github.com/switchboard-voice/switchboard/internal/demobackend"
	"github.com/switchboard-voice/switchboard/nlu/dialog"
	"github.com/switchboard-voice/switchboard/prompts"
)

func init() {
	register(&command{name: "chat", summary: "talk to a bot in text (interactive or scripted)", run: runChat})
}

// chatTurn is one line of `chat --json` output: one bot turn.
type chatTurn struct {
	Turn       int               `json:"turn"`
	User       string            `json:"user"`
	Intent     string            `json:"intent"`
	Confidence float64           `json:"confidence"`
	Entities   any               `json:"entities"`
	Reply      string            `json:"reply"`
	Action     string            `json:"action"`
	Flow       string            `json:"flow"`
	Step       string            `json:"step"`
	Slots      map[string]string `json:"slots"`
	Queue      string            `json:"queue,omitempty"`
	Reason     string            `json:"reason,omitempty"`
	Summary    string            `json:"summary,omitempty"`
	Source     string            `json:"source"`
	Digression bool              `json:"digression,omitempty"`
	LLMError   string            `json:"llm_error,omitempty"`
	Timings    map[string]int64  `json:"timings_us"`
}

func runChat(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "chat", "", `
Talk to a bot in text. Each line of standard input is one caller utterance;
with a terminal it is interactive, otherwise it reads a scripted
conversation. The bot's webhooks go to the built-in demo backend (started on
a loopback port) unless --webhook-base is given. With --json, one JSON object
per bot turn: user, intent, confidence, entities, reply, action (say,
handoff, end), flow, step, slots, ...`)
	botDir := fs.String("bot", "", "bot folder (required)")
	asJSON := fs.Bool("json", false, "print one JSON object per bot turn")
	caller := fs.String("caller", "+15550100", "caller id")
	lang := fs.String("lang", "", "conversation language (default: the bot's first)")
	hookBase := fs.String("webhook-base", "", "base URL for webhooks starting with / (default: in-process demo backend)")
	cfgPath := fs.String("config", "", "config file (for LLM settings); default: none")
	verbose := fs.Bool("v", false, "log debug messages to stderr")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	if *botDir == "" {
		fs.Usage()
		return errUsage
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level}))

	b, err := prompts.Load(*botDir)
	if err != nil {
		return err
	}
	if ps := prompts.Lint(b); len(ps) > 0 {
		for _, p := range ps {
			fmt.Fprintln(e.stderr, p.String())
		}
		return fmt.Errorf("bot %s has %d problems (see switchboard flows lint)", *botDir, len(ps))
	}
	base := *hookBase
	if base == "" {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		srv := &http.Server{Handler: http.StripPrefix("/demo", demobackend.New(log)), ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		defer srv.Close()
		base = "http://" + ln.Addr().String() + "/demo"
	}
	opts := []dialog.Option{dialog.WithWebhookBase(base), dialog.WithLogger(log)}
	if *cfgPath != "" || os.Getenv("SWITCHBOARD_LLM_MODEL") != "" {
		cfg, err := config.Load(*cfgPath)
		if err != nil {
			return err
		}
		if o, err := llmOption(cfg); err != nil {
			return err
		} else if o != nil {
			opts = append(opts, o)
		}
	}
	reg := conversation.NewRegistry(nil, log, opts...)
	if err := reg.SetDraft(ctx, b); err != nil {
		return err
	}
	mgr := conversation.New(reg, nil, log)
	interactive := isTerminal(e.stdin)
	t, err := mgr.Start(ctx, b.Name, dialog.Info{CallerID: *caller, Language: *lang, Channel: "text"})
	if err != nil {
		return err
	}
	n := 0
	show := func(user string, t conversation.Turn) error {
		if *asJSON {
			r := t.Reply
			last := r.Actions[len(r.Actions)-1]
			ct := chatTurn{
				Turn: n, User: user, Intent: r.Trace.Intent, Confidence: round(r.Trace.Confidence),
				Entities: r.Trace.Entities, Reply: r.Text(), Action: r.Final(), Flow: r.Trace.Flow,
				Step: r.Trace.Step, Slots: r.Trace.Slots, Source: r.Trace.Source,
				Digression: r.Trace.Digression, LLMError: r.Trace.LLMError, Timings: r.Trace.Timings,
			}
			if ct.Entities == nil {
				ct.Entities = []any{}
			}
			if last.Kind == dialog.ActHandoff {
				ct.Queue, ct.Reason, ct.Summary = last.Queue, last.Reason, last.Summary
			}
			n++
			return json.NewEncoder(e.stdout).Encode(ct)
		}
		n++
		fmt.Fprintf(e.stdout, "bot> %s\n", t.Reply.Text())
		if last := t.Reply.Actions[len(t.Reply.Actions)-1]; last.Kind == dialog.ActHandoff {
			fmt.Fprintf(e.stdout, "     [handoff to queue %s: %s]\n     [summary: %s]\n", last.Queue, last.Reason, last.Summary)
		} else if last.Kind == dialog.ActEnd {
			fmt.Fprintf(e.stdout, "     [end: %s]\n", last.Outcome)
		}
		if interactive && t.Reply.Trace.Intent != "" {
			fmt.Fprintf(e.stdout, "     (%s %.2f via %s, flow %s/%s)\n", t.Reply.Trace.Intent, t.Reply.Trace.Confidence,
				t.Reply.Trace.Source, t.Reply.Trace.Flow, t.Reply.Trace.Step)
		}
		return nil
	}
	if err := show("", t); err != nil {
		return err
	}
	sc := bufio.NewScanner(e.stdin)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for {
		if interactive {
			fmt.Fprint(e.stdout, "you> ")
		}
		if !sc.Scan() {
			break
		}
		line := sc.Text()
		if !*asJSON && !interactive {
			fmt.Fprintf(e.stdout, "you> %s\n", line)
		}
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue // comments in scripts
		}
		t, err := mgr.Say(ctx, t.SessionID, line)
		if err != nil {
			return err
		}
		if err := show(line, t); err != nil {
			return err
		}
		if t.Done {
			return nil
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading input: %w", err)
	}
	if err := mgr.Hangup(ctx, t.SessionID); err != nil && !errors.Is(err, conversation.ErrNoSession) {
		return err
	}
	return nil
}

func round(f float64) float64 { return float64(int(f*10000+0.5)) / 10000 }

func isTerminal(r any) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
