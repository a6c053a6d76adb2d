package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/switchboard-voice/switchboard/asr"
	asropenai "github.com/switchboard-voice/switchboard/asr/openai"
	"github.com/switchboard-voice/switchboard/asr/pocketsphinx"
	"github.com/switchboard-voice/switchboard/internal/caller"
	"github.com/switchboard-voice/switchboard/prompts"
	"github.com/switchboard-voice/switchboard/tts/espeak"
)

func init() {
	register(&command{name: "call", summary: "call a bot over SIP with scripted caller turns", run: runCall})
}

// turnFlags collects --say, --wav, --dtmf and --barge in command-line
// order: each adds a caller turn, --barge modifies the next one.
type turnFlags struct {
	turns []caller.Turn
	barge time.Duration
}

func (t *turnFlags) add(turn caller.Turn) {
	turn.BargeIn, t.barge = t.barge, 0
	t.turns = append(t.turns, turn)
}

type turnFlag struct {
	t    *turnFlags
	kind string
}

func (f turnFlag) String() string { return "" }

func (f turnFlag) Set(v string) error {
	switch f.kind {
	case "say":
		f.t.add(caller.Turn{Say: v})
	case "wav":
		f.t.add(caller.Turn{WAV: v})
	case "dtmf":
		for _, r := range v {
			if !strings.ContainsRune("0123456789*#ABCD", r) {
				return fmt.Errorf("%q is not a keypad digit", r)
			}
		}
		f.t.add(caller.Turn{DTMF: v})
	case "barge":
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("%q is not a positive duration", v)
		}
		f.t.barge = d
	}
	return nil
}

func runCall(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "call", "TARGET [--say TEXT | --wav FILE | --dtmf DIGITS]... [--json]", `
Call a Switchboard number over SIP (TARGET is user@host:port, e.g.
banking@127.0.0.1:5060) and play a caller: wait for the bot to finish each
prompt, then speak the next turn (--say is synthesised with espeak-ng,
--wav plays a file, --dtmf sends keypad digits), record what is heard,
transcribe the bot's prompts and print the conversation with the latency
from the end of each caller turn to the bot's first audio. --barge D makes
the next turn start D into the bot's prompt (barge-in). A REFER from the
bot is accepted and reported as a transfer.`)
	var turns turnFlags
	fs.Var(turnFlag{&turns, "say"}, "say", "a caller turn to speak (repeatable, in order)")
	fs.Var(turnFlag{&turns, "wav"}, "wav", "a WAV file to play as a caller turn")
	fs.Var(turnFlag{&turns, "dtmf"}, "dtmf", "keypad digits to send as a caller turn")
	fs.Var(turnFlag{&turns, "barge"}, "barge", "start the next turn this long into the bot's prompt")
	lang := fs.String("language", "en", "language of the caller's and the bot's speech (en, zh)")
	voiceName := fs.String("voice", "", "espeak-ng voice of the caller (default: one the embedded recogniser hears well)")
	bot := fs.String("bot", "", "bot folder: transcribe the bot with a language model built from it")
	asrName := fs.String("asr", "pocketsphinx", "recogniser for the bot's prompts: pocketsphinx, openai or none")
	record := fs.String("record", "", "write the call to this stereo WAV (caller left, bot right)")
	codec := fs.String("codec", "PCMU", "codec to offer: PCMU or PCMA")
	timeout := fs.Duration("timeout", 2*time.Minute, "give up after this long")
	asJSON := fs.Bool("json", false, "print one JSON object per line of the conversation")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	syn, err := espeak.New()
	if err != nil {
		return fmt.Errorf("call: tts: %w", err)
	}
	cfg := caller.Config{
		Target: fs.Arg(0), Turns: turns.turns, Synthesizer: syn, Language: *lang, Voice: *voiceName,
		Codec: *codec, Timeout: *timeout, Record: *record,
	}
	switch *asrName {
	case "none":
	case "openai":
		r, err := asropenai.New(asropenai.Config{BaseURL: envOr("SWITCHBOARD_SPEECH_BASE_URL", envOr("OPENAI_BASE_URL", "")), APIKey: envOr("OPENAI_API_KEY", "")})
		if err != nil {
			return fmt.Errorf("call: asr: %w", err)
		}
		cfg.Recognizer = r
	case "pocketsphinx":
		r, err := callRecognizer(*bot)
		if err != nil {
			return fmt.Errorf("call: asr: %w", err)
		}
		defer r.Close()
		cfg.Recognizer = r
	default:
		return fmt.Errorf("call: --asr %q is not pocketsphinx, openai or none", *asrName)
	}
	if cfg.Voice == "" {
		cfg.Voice = caller.VoiceFor(*lang)
	}
	res, err := caller.Call(ctx, cfg)
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		for _, l := range res.Lines {
			_ = enc.Encode(struct {
				Who       string  `json:"who"`
				Text      string  `json:"text"`
				StartMS   int64   `json:"start_ms"`
				EndMS     int64   `json:"end_ms"`
				LatencyMS float64 `json:"latency_ms,omitempty"`
				BargeInMS float64 `json:"barge_in_ms,omitempty"`
			}{l.Who, l.Text, l.Start.Milliseconds(), l.End.Milliseconds(), ms(l.Latency), ms(l.BargeIn)})
		}
	} else {
		for _, l := range res.Lines {
			extra := ""
			if l.Latency > 0 {
				extra += fmt.Sprintf("  (reply after %d ms)", l.Latency.Milliseconds())
			}
			if l.BargeIn > 0 {
				extra += fmt.Sprintf("  (stopped %d ms after the caller cut in)", l.BargeIn.Milliseconds())
			}
			fmt.Fprintf(e.stdout, "%6.2fs %-6s %s%s\n", l.Start.Seconds(), l.Who, l.Text, extra)
		}
		fmt.Fprintf(e.stdout, "hung up by %s\n", res.HungUpBy)
	}
	return err
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// callRecognizer builds the embedded recogniser for the bot's prompts:
// from the bot's folder when given, else the generic model.
func callRecognizer(dir string) (*pocketsphinx.Recognizer, error) {
	if dir == "" {
		m, err := pocketsphinx.GenericModel()
		if err != nil {
			return nil, err
		}
		return pocketsphinx.New(m, pocketsphinx.WithDecoders(1))
	}
	b, err := prompts.Load(dir)
	if err != nil {
		return nil, err
	}
	r, err := pocketsphinx.NewFromBot(b, nil, pocketsphinx.WithDecoders(1))
	if r == nil {
		return nil, err
	}
	return r, nil
}

var _ asr.Recognizer = (*pocketsphinx.Recognizer)(nil)
