package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/tts"
	"github.com/switchboard-voice/switchboard/tts/espeak"
	"github.com/switchboard-voice/switchboard/tts/openai"
)

func init() {
	register(&command{name: "tts", summary: "speak text to a WAV file with a speech synthesizer", run: runTTS})
}

func runTTS(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "tts", "say --text TEXT --out FILE.wav [flags]", `
Speak with a speech synthesizer.

  say --text TEXT --out FILE.wav [--language en|zh] [--voice V] [--rate 8000]
      [--provider espeak|openai] [--repeat N]
      synthesise TEXT to a mono 16-bit WAV at --rate (8000, 16000, 48000) and
      print the audio's duration, the first-audio latency (from the call to
      the first 20 ms frame) and the real-time factor. With --repeat N it
      synthesises N times and prints the latency's p50 and p95; the file
      holds the last rendering.`)
	if err := parse(e, fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 || fs.Arg(0) != "say" {
		fs.Usage()
		return errUsage
	}
	say := flags(e, "tts say", "", "Synthesise --text to --out.")
	text := say.String("text", "", "text to speak (required)")
	out := say.String("out", "", "WAV file to write (required)")
	lang := say.String("language", "en", "language: en, en-US, zh, zh-CN, ...")
	voice := say.String("voice", "", "provider voice (espeak-ng voice such as en-us+f3; OpenAI voice such as nova)")
	rate := say.Int("rate", media.Rate8k, "sample rate: 8000, 16000 or 48000")
	provider := say.String("provider", "espeak", "espeak or openai")
	repeat := say.Int("repeat", 1, "synthesise N times and report latency percentiles")
	speed := say.Int("speed", espeak.DefaultSpeed, "espeak: words per minute")
	pitch := say.Int("pitch", espeak.DefaultPitch, "espeak: pitch 0..100")
	command := say.String("espeak-command", "", "espeak: run this espeak-ng command per request instead of libespeak-ng")
	baseURL := say.String("base-url", envOr("OPENAI_BASE_URL", openai.DefaultBaseURL), "openai: API base URL (env OPENAI_BASE_URL)")
	model := say.String("model", openai.DefaultModel, "openai: model")
	format := say.String("format", openai.DefaultFormat, "openai: response format, pcm or wav")
	timeout := say.Duration("timeout", openai.DefaultTimeout, "openai: timeout for audio to start (and between reads)")
	if err := parse(e, say, fs.Args()[1:]); err != nil {
		return err
	}
	if *text == "" || *out == "" || *repeat < 1 {
		say.Usage()
		return errUsage
	}
	var syn tts.Synthesizer
	var err error
	switch *provider {
	case "espeak":
		opts := []espeak.Option{espeak.WithSpeed(*speed), espeak.WithPitch(*pitch)}
		if *command != "" {
			opts = append(opts, espeak.WithCommand(*command))
		}
		syn, err = espeak.New(opts...)
	case "openai":
		// The key comes from the environment only, to keep it out of
		// process listings.
		syn, err = openai.New(openai.WithBaseURL(*baseURL), openai.WithAPIKey(os.Getenv("OPENAI_API_KEY")),
			openai.WithModel(*model), openai.WithFormat(*format), openai.WithTimeout(*timeout))
	default:
		fmt.Fprintf(e.stderr, "tts say: unknown provider %q (want espeak or openai)\n", *provider)
		return errUsage
	}
	if err != nil {
		return err
	}
	req := tts.Request{Text: *text, Language: *lang, Voice: *voice, Rate: *rate}
	var (
		firsts   []time.Duration
		elapsed  time.Duration
		duration time.Duration
	)
	for i := range *repeat {
		st, err := sayOnce(ctx, syn, req, *out, i == *repeat-1)
		if err != nil {
			return err
		}
		if st.frames == 0 {
			return fmt.Errorf("no audio: %q has nothing to say", *text)
		}
		firsts = append(firsts, st.first)
		elapsed += st.total
		duration = st.duration
	}
	fmt.Fprintf(e.stdout, "wrote %s: %v of audio at %d Hz (%s)\n", *out, duration, *rate, syn.Name())
	slices.Sort(firsts)
	if *repeat == 1 {
		fmt.Fprintf(e.stdout, "first audio: %v\n", round3(firsts[0]))
	} else {
		p := func(q float64) time.Duration { return round3(firsts[int(q*float64(len(firsts)-1)+0.5)]) }
		fmt.Fprintf(e.stdout, "first audio: p50 %v, p95 %v over %d runs\n", p(0.5), p(0.95), *repeat)
	}
	fmt.Fprintf(e.stdout, "real-time factor: %.4f\n", elapsed.Seconds()/float64(*repeat)/duration.Seconds())
	return nil
}

type sayStats struct {
	first, total, duration time.Duration
	frames                 int
}

// sayOnce synthesises req, into the WAV file when write is set.
func sayOnce(ctx context.Context, syn tts.Synthesizer, req tts.Request, path string, write bool) (sayStats, error) {
	var st sayStats
	var sink media.Sink = media.SinkFunc(func(media.Frame) error { return nil })
	var file *os.File
	if write {
		f, err := os.Create(path)
		if err != nil {
			return st, err
		}
		defer f.Close() // after an error; closed below otherwise
		w, err := media.NewWAVWriter(f, req.Rate, 1)
		if err != nil {
			return st, err
		}
		sink, file = w, f
	}
	start := time.Now()
	err := syn.Synthesize(ctx, req, media.SinkFunc(func(fr media.Frame) error {
		if st.frames == 0 {
			st.first = time.Since(start)
		}
		st.frames++
		st.duration += fr.Duration()
		return sink.WriteFrame(fr)
	}))
	st.total = time.Since(start)
	if err != nil {
		return st, err
	}
	if file != nil {
		if err := sink.Close(); err != nil {
			return st, err
		}
		if err := file.Close(); err != nil {
			return st, err
		}
	}
	return st, nil
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func round3(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}
