package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/switchboard-voice/switchboard/asr"
	"github.com/switchboard-voice/switchboard/asr/asrtest"
	asropenai "github.com/switchboard-voice/switchboard/asr/openai"
	"github.com/switchboard-voice/switchboard/asr/pocketsphinx"
	"github.com/switchboard-voice/switchboard/prompts"
)

func init() {
	register(&command{name: "asr", summary: "evaluate speech recognition (WER, real-time factor)", run: runASR})
}

const asrUsage = `
Speech recognition tools.

  eval --manifest FILE [--provider pocketsphinx|openai] [--bot DIR | --corpus FILE]
       [--language en] [--grammar G] [--rate N] [--json]
      recognise every WAV of a manifest (wav_path<TAB>reference per line,
      paths relative to the manifest) in 20 ms frames, as fast as the
      provider goes, and print the word error rate (numbers, case and
      punctuation normalised; characters for Chinese), the real-time factor
      (processing time / audio time) and per-file results. pocketsphinx uses
      a domain language model built from --bot (a bot folder) or --corpus
      (sentences, one a line; a manifest works: the text after the last tab
      is taken), else pocketsphinx's generic en-us model. openai reads
      OPENAI_API_KEY and OPENAI_BASE_URL.

  manifest --asterisk [--sounds DIR] [--transcripts FILE] [--out FILE]
      write a manifest of the Asterisk core prompts (8 kHz human
      recordings) from their transcripts; the audio is not copied.

  synth --sentences FILE --out DIR [--rate 16000] [--codec PCMU] [--limit N]
      speak each sentence with espeak-ng into DIR/NNN.wav (at 8 kHz
      optionally through G.711) and write DIR/manifest.tsv.

  model (--bot DIR | --corpus FILE) [--out DIR] [--decoders N]
      build the pocketsphinx domain model, print its statistics, the
      decoder start-up time and memory per decoder; --out writes lm.arpa,
      words.dict and the grammars.`

func runASR(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "asr", "eval|manifest|synth|model [flags]", asrUsage)
	if err := parse(e, fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	rest := fs.Args()[1:]
	switch fs.Arg(0) {
	case "eval":
		return asrEval(ctx, e, rest)
	case "manifest":
		return asrManifest(e, rest)
	case "synth":
		return asrSynth(ctx, e, rest)
	case "model":
		return asrModel(e, rest)
	}
	fs.Usage()
	return errUsage
}

// asrModelFlags are the flags that choose the pocketsphinx model.
type asrModelFlags struct {
	bot, corpus, modelDir *string
}

func addModelFlags(fs interface {
	String(name, value, usage string) *string
}) asrModelFlags {
	return asrModelFlags{
		bot:      fs.String("bot", "", "bot folder: build the domain language model from it"),
		corpus:   fs.String("corpus", "", "sentences file (one a line; text after the last tab): build the language model from them"),
		modelDir: fs.String("model-dir", pocketsphinx.DefaultModelDir, "pocketsphinx model folder"),
	}
}

// model builds the pocketsphinx model the flags ask for.
func (f asrModelFlags) model() (*pocketsphinx.Model, error) {
	mopts := []pocketsphinx.ModelOption{pocketsphinx.WithModelDir(*f.modelDir)}
	switch {
	case *f.bot != "" && *f.corpus != "":
		return nil, fmt.Errorf("%w: --bot and --corpus exclude each other", errUsage)
	case *f.bot != "":
		bot, err := prompts.Load(*f.bot)
		if err != nil {
			return nil, err
		}
		return pocketsphinx.BuildModel(bot, mopts...)
	case *f.corpus != "":
		sents, err := readSentences(*f.corpus)
		if err != nil {
			return nil, err
		}
		return pocketsphinx.NewModel(filepath.Base(*f.corpus), sents, mopts...)
	}
	return pocketsphinx.GenericModel(mopts...)
}

// readSentences reads one sentence a line; with tabs, the last column.
func readSentences(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if i := strings.LastIndexByte(l, '\t'); i >= 0 {
			l = strings.TrimSpace(l[i+1:])
		}
		if l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no sentences", path)
	}
	return out, nil
}

func asrEval(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "asr eval", "", "Evaluate a recognizer on a manifest of WAV files and transcripts.")
	manifest := fs.String("manifest", "", "TSV manifest: wav_path<TAB>reference per line")
	provider := fs.String("provider", "pocketsphinx", "pocketsphinx or openai")
	language := fs.String("language", "en", "language of the recordings")
	grammar := fs.String("grammar", "", "expected answer kind: digits, yesno, number, date (default free speech)")
	rate := fs.Int("rate", 0, "stream rate, 8000 or 16000 (default: each file's own)")
	decoderRate := fs.Int("decoder-rate", 16000, "pocketsphinx decoder rate (8000: narrowband front end, for comparison)")
	psArgs := fs.String("ps-args", "", "extra pocketsphinx decoder options (\"-remove_noise yes -beam 1e-60\")")
	model := fs.String("model", asropenai.DefaultModel, "openai transcription model")
	asJSON := fs.Bool("json", false, "print one JSON object: wer, rtf, files")
	mf := addModelFlags(fs)
	if err := parse(e, fs, args); err != nil {
		return err
	}
	if *manifest == "" {
		fs.Usage()
		return errUsage
	}
	items, err := asr.ReadManifest(*manifest)
	if err != nil {
		return err
	}
	var rec asr.Recognizer
	var info map[string]any
	switch *provider {
	case "pocketsphinx":
		m, err := mf.model()
		if err != nil {
			return err
		}
		r, err := pocketsphinx.New(m, pocketsphinx.WithDecoders(1), pocketsphinx.WithDecoderRate(*decoderRate),
			pocketsphinx.WithArgs(strings.Fields(*psArgs)...))
		if err != nil {
			return err
		}
		defer r.Close()
		rec = r
		info = map[string]any{"name": m.Name(), "generic": m.Generic(), "stats": m.Stats()}
	case "openai":
		if *mf.bot != "" || *mf.corpus != "" {
			return fmt.Errorf("%w: --bot and --corpus apply to pocketsphinx only", errUsage)
		}
		r, err := asropenai.New(asropenai.Config{
			BaseURL: os.Getenv("OPENAI_BASE_URL"), APIKey: os.Getenv("OPENAI_API_KEY"),
			Model: *model, Language: *language, Timeout: time.Minute,
		})
		if err != nil {
			return err
		}
		rec = r
		info = map[string]any{"name": *model}
	default:
		return fmt.Errorf("%w: unknown --provider %q (pocketsphinx or openai)", errUsage, *provider)
	}
	opts := asr.EvalOptions{Config: asr.Config{Language: *language, Rate: *rate, Grammar: asr.Grammar(*grammar)}}
	if !*asJSON {
		opts.Progress = func(fr asr.FileResult) {
			fmt.Fprintf(e.stdout, "%.3f\t%s\t%s", fr.WER, fr.Path, fr.Hypothesis)
			if fr.Error != "" {
				fmt.Fprintf(e.stdout, "\t(error: %s)", fr.Error)
			}
			fmt.Fprintln(e.stdout)
		}
	}
	rep, err := asr.Eval(ctx, rec, items, opts)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(e.stdout).Encode(map[string]any{
			"provider": rec.Name(), "model": info, "wer": rep.WER, "rtf": rep.RTF, "score": rep.Score,
			"audio_seconds": rep.AudioSeconds, "process_seconds": rep.ProcessSeconds,
			"failed": rep.Failed, "files": rep.Files,
		})
	}
	unit := "WER"
	if rep.Score.Chars {
		unit = "CER"
	}
	fmt.Fprintf(e.stdout, "\nprovider:  %s (%v)\n", rec.Name(), info["name"])
	fmt.Fprintf(e.stdout, "files:     %d (%d failed), %.1f s of audio\n", len(rep.Files), rep.Failed, rep.AudioSeconds)
	fmt.Fprintf(e.stdout, "%s:       %.4f (%d sub, %d del, %d ins of %d)\n", unit, rep.WER, rep.Score.Sub, rep.Score.Del, rep.Score.Ins, rep.Score.Ref)
	fmt.Fprintf(e.stdout, "RTF:       %.4f\n", rep.RTF)
	return nil
}

func asrManifest(e *env, args []string) error {
	fs := flags(e, "asr manifest", "", "Write an evaluation manifest of the Asterisk core prompts.")
	asterisk := fs.Bool("asterisk", false, "the Asterisk core prompts (asterisk-core-sounds-en-wav)")
	sounds := fs.String("sounds", asrtest.AsteriskSounds, "folder of the Asterisk sounds")
	transcripts := fs.String("transcripts", asrtest.AsteriskTranscripts, "the transcripts file (name: text lines, gzip or plain)")
	out := fs.String("out", "", "output file (default stdout)")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	if !*asterisk {
		fs.Usage()
		return errUsage
	}
	items, err := asrtest.AsteriskItems(*sounds, *transcripts)
	if err != nil {
		return err
	}
	return writeItems(e, *out, items)
}

func writeItems(e *env, out string, items []asr.Item) error {
	if out == "" {
		return asr.WriteManifest(e.stdout, items)
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if err := asr.WriteManifest(f, items); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "%s: %d entries\n", out, len(items))
	return nil
}

func asrSynth(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "asr synth", "", "Synthesise test speech with espeak-ng and write a manifest.")
	sentences := fs.String("sentences", "", "sentences file (one a line; text after the last tab; for CSV text,label use --csv)")
	csvText := fs.Bool("csv", false, "the sentences file is a text,label CSV with a header")
	out := fs.String("out", "", "output folder")
	rate := fs.Int("rate", 16000, "8000 or 16000")
	codec := fs.String("codec", "", "PCMU or PCMA: pass 8 kHz audio through G.711")
	limit := fs.Int("limit", 0, "at most N sentences (0: all)")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	if *sentences == "" || *out == "" {
		fs.Usage()
		return errUsage
	}
	var sents []string
	var err error
	if *csvText {
		sents, err = readCSVText(*sentences)
	} else {
		sents, err = readSentences(*sentences)
	}
	if err != nil {
		return err
	}
	if *limit > 0 && len(sents) > *limit {
		sents = sents[:*limit]
	}
	items, err := asrtest.SynthesizeItems(ctx, *out, sents, *rate, *codec)
	if err != nil {
		return err
	}
	return writeItems(e, filepath.Join(*out, "manifest.tsv"), items)
}

// readCSVText reads the text column of a text,label CSV.
func readCSVText(path string) ([]string, error) {
	ex, err := prompts.ReadExamplesCSV(path)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(ex))
	for i, x := range ex {
		out[i] = x.Text
	}
	return out, nil
}

func asrModel(e *env, args []string) error {
	fs := flags(e, "asr model", "", "Build a pocketsphinx domain model and measure its decoders.")
	out := fs.String("out", "", "write the model files into this folder")
	decoders := fs.Int("decoders", 2, "decoders to start for the time and memory figures")
	mf := addModelFlags(fs)
	if err := parse(e, fs, args); err != nil {
		return err
	}
	m, err := mf.model()
	if err != nil {
		return err
	}
	st := m.Stats()
	fmt.Fprintf(e.stdout, "model:        %s (fingerprint %s, generic %v)\n", m.Name(), m.Fingerprint(), m.Generic())
	if !m.Generic() {
		fmt.Fprintf(e.stdout, "corpus:       %d sentences, %d words, n-grams %v, built in %v\n", st.Sentences, st.Vocabulary, st.NGrams, st.BuildTime.Round(time.Millisecond))
		fmt.Fprintf(e.stdout, "espeak-ng:    %d words pronounced; dropped %d %v\n", len(st.Generated), len(st.Dropped), st.Dropped)
	}
	if *out != "" {
		if err := os.MkdirAll(*out, 0o755); err != nil {
			return err
		}
		if _, _, err := m.WriteFiles(*out); err != nil {
			return err
		}
	}
	if *decoders <= 0 {
		return nil
	}
	before := rss()
	start := time.Now()
	r, err := pocketsphinx.New(m, pocketsphinx.WithDecoders(*decoders), pocketsphinx.WithWarm(8000, *decoders))
	if err != nil {
		return err
	}
	took := time.Since(start)
	after := rss()
	defer r.Close()
	fmt.Fprintf(e.stdout, "decoders:     %d started in %v (%v each)\n", *decoders, took.Round(time.Millisecond), (took / time.Duration(*decoders)).Round(time.Millisecond))
	if before > 0 && after > 0 {
		fmt.Fprintf(e.stdout, "memory:       %.1f MB RSS for %d decoders (%.1f MB each, the first includes shared model pages)\n",
			float64(after-before)/1e6, *decoders, float64(after-before)/1e6/float64(*decoders))
	}
	return nil
}

// rss returns the process's resident set size in bytes (0 when unknown).
func rss() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	var size, res int64
	if _, err := fmt.Sscan(string(b), &size, &res); err != nil {
		return 0
	}
	return res * int64(os.Getpagesize())
}
