package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/switchboard-voice/switchboard/asr"
	asropenai "github.com/switchboard-voice/switchboard/asr/openai"
	"github.com/switchboard-voice/switchboard/asr/pocketsphinx"
	"github.com/switchboard-voice/switchboard/conversation"
	"github.com/switchboard-voice/switchboard/internal/config"
	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/prompts"
	"github.com/switchboard-voice/switchboard/tts"
	"github.com/switchboard-voice/switchboard/tts/espeak"
	ttsopenai "github.com/switchboard-voice/switchboard/tts/openai"
	"github.com/switchboard-voice/switchboard/voicebot"
)

// speech hands voicebot calls their providers, as configured per
// language. The embedded recogniser's model is built per bot version (the
// bot's own examples, flows and knowledge) and kept for the two newest
// versions of each bot; synthesis goes through one prompt cache.
type speech struct {
	cfg config.Speech
	reg *conversation.Registry
	log *slog.Logger

	mu      sync.Mutex
	sphinx  map[sphinxKey]*sphinxEntry
	oa      *asropenai.Recognizer
	tts     map[string]tts.Synthesizer // by provider name, cached
	closers []interface{ Close() error }
}

type sphinxKey struct {
	bot     string
	version int
}

type sphinxEntry struct {
	ready chan struct{}
	rec   *pocketsphinx.Recognizer
	err   error
}

var _ voicebot.Speech = (*speech)(nil)

func newSpeech(cfg config.Speech, reg *conversation.Registry, log *slog.Logger) *speech {
	return &speech{cfg: cfg, reg: reg, log: log, sphinx: map[sphinxKey]*sphinxEntry{}, tts: map[string]tts.Synthesizer{}}
}

// baseLang reduces "en-US" to "en".
func baseLang(lang string) string {
	lang = strings.ToLower(lang)
	if i := strings.IndexAny(lang, "-_"); i > 0 {
		lang = lang[:i]
	}
	return lang
}

// Recognizer returns the configured providers for lang, chained so that a
// failing one falls back to the next.
func (s *speech) Recognizer(ctx context.Context, bot string, version int, lang string) (asr.Recognizer, error) {
	names := s.cfg.ASR[baseLang(lang)]
	if o, ok := s.cfg.Bots[bot].ASR[baseLang(lang)]; ok {
		names = o
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%w: speech.asr has no provider for %q", voicebot.ErrNoProvider, lang)
	}
	var recs []asr.Recognizer
	var errs []error
	for _, n := range names {
		r, err := s.recognizer(ctx, n, bot, version)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", n, err))
			continue
		}
		recs = append(recs, r)
	}
	if len(recs) == 0 {
		return nil, errors.Join(errs...)
	}
	for _, err := range errs {
		s.log.Warn("asr provider unavailable", "lang", lang, "err", err)
	}
	if len(recs) == 1 {
		return recs[0], nil
	}
	return asr.WithFallback(recs[0], recs[1:]...), nil
}

func (s *speech) recognizer(ctx context.Context, name, bot string, version int) (asr.Recognizer, error) {
	switch name {
	case "pocketsphinx":
		return s.pocketsphinx(ctx, bot, version)
	case "openai":
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.oa == nil {
			r, err := asropenai.New(asropenai.Config{BaseURL: s.cfg.OpenAI.BaseURL, APIKey: s.cfg.OpenAI.APIKey, Model: s.cfg.OpenAI.ASRModel, Timeout: s.cfg.OpenAI.Timeout})
			if err != nil {
				return nil, err
			}
			s.oa = r
		}
		return s.oa, nil
	}
	return nil, fmt.Errorf("unknown provider %q", name)
}

// pocketsphinx returns the embedded recogniser for a bot version,
// building its model once (concurrent callers wait for the one build).
func (s *speech) pocketsphinx(ctx context.Context, bot string, version int) (asr.Recognizer, error) {
	key := sphinxKey{bot, version}
	s.mu.Lock()
	e, ok := s.sphinx[key]
	if !ok {
		e = &sphinxEntry{ready: make(chan struct{})}
		s.sphinx[key] = e
		s.mu.Unlock()
		e.rec, e.err = s.buildSphinx(ctx, bot, version)
		close(e.ready)
		s.retire(bot, version)
	} else {
		s.mu.Unlock()
	}
	select {
	case <-e.ready:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if e.rec == nil {
		return nil, e.err
	}
	return e.rec, nil
}

func (s *speech) buildSphinx(ctx context.Context, bot string, version int) (*pocketsphinx.Recognizer, error) {
	var def *prompts.Bot
	if s.reg != nil {
		eng, err := s.reg.Engine(ctx, bot)
		if err != nil {
			return nil, err
		}
		def = eng.Bot()
	}
	if def == nil {
		m, err := pocketsphinx.GenericModel()
		if err != nil {
			return nil, err
		}
		return pocketsphinx.New(m, pocketsphinx.WithLogger(s.log))
	}
	r, err := pocketsphinx.NewFromBot(def, nil, pocketsphinx.WithLogger(s.log))
	if err != nil && r != nil {
		s.log.Warn("asr: the bot's language model could not be built; using the generic model", "bot", bot, "version", version, "err", err)
		err = nil
	}
	if err == nil {
		s.log.Info("asr: language model built", "bot", bot, "version", version)
	}
	return r, err
}

// retire closes the models of versions older than the two newest.
func (s *speech) retire(bot string, newest int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, e := range s.sphinx {
		if k.bot == bot && k.version < newest-1 {
			select {
			case <-e.ready:
				if e.rec != nil {
					_ = e.rec.Close()
				}
				delete(s.sphinx, k)
			default:
			}
		}
	}
}

// Synthesizer returns the configured provider for lang, behind the cache.
func (s *speech) Synthesizer(ctx context.Context, bot, lang string) (tts.Synthesizer, error) {
	name := s.cfg.TTS[baseLang(lang)]
	if o, ok := s.cfg.Bots[bot].TTS[baseLang(lang)]; ok {
		name = o
	}
	if name == "" {
		return nil, fmt.Errorf("%w: speech.tts has no provider for %q", voicebot.ErrNoProvider, lang)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if syn, ok := s.tts[name]; ok {
		return syn, nil
	}
	var base tts.Synthesizer
	switch name {
	case "espeak":
		e, err := espeak.New()
		if err != nil {
			return nil, err
		}
		base = e
	case "openai":
		opts := []ttsopenai.Option{ttsopenai.WithAPIKey(s.cfg.OpenAI.APIKey)}
		if v := s.cfg.OpenAI.BaseURL; v != "" {
			opts = append(opts, ttsopenai.WithBaseURL(v))
		}
		if v := s.cfg.OpenAI.TTSModel; v != "" {
			opts = append(opts, ttsopenai.WithModel(v))
		}
		if v := s.cfg.OpenAI.TTSVoice; v != "" {
			opts = append(opts, ttsopenai.WithVoice(v))
		}
		if v := s.cfg.OpenAI.Timeout; v > 0 {
			opts = append(opts, ttsopenai.WithTimeout(v))
		}
		o, err := ttsopenai.New(opts...)
		if err != nil {
			return nil, err
		}
		// A failing endpoint must not leave the caller in silence: a
		// sentence it cannot speak is spoken by espeak-ng.
		if e, eerr := espeak.New(); eerr == nil {
			base = tts.WithFallback(o, e)
		} else {
			base = o
		}
	default:
		return nil, fmt.Errorf("unknown tts provider %q", name)
	}
	var copts []tts.CacheOption
	if s.cfg.CacheBytes > 0 {
		copts = append(copts, tts.WithMaxBytes(s.cfg.CacheBytes))
	}
	c, err := tts.NewCache(base, copts...)
	if err != nil {
		return nil, err
	}
	s.tts[name] = c
	s.closers = append(s.closers, c)
	return c, nil
}

// Prepare builds the bot's recognition model and renders its static
// prompts (greeting, fallback, goodbye, handoff message) at the telephone
// rate, so the first caller waits for neither.
func (s *speech) Prepare(ctx context.Context, bot string) error {
	eng, err := s.reg.Engine(ctx, bot)
	if err != nil {
		return err
	}
	def := eng.Bot()
	lang := "en"
	if len(def.Languages) > 0 {
		lang = def.Languages[0]
	}
	var errs []error
	names := s.cfg.ASR[baseLang(lang)]
	if o, ok := s.cfg.Bots[bot].ASR[baseLang(lang)]; ok {
		names = o
	}
	if len(names) == 0 {
		errs = append(errs, fmt.Errorf("%w: speech.asr has no provider for %q: calls to %s cannot be understood (configure an OpenAI-compatible endpoint: OPENAI_API_KEY or speech.openai.base_url)", voicebot.ErrNoProvider, lang, bot))
	}
	if len(names) > 0 && names[0] == "pocketsphinx" {
		if _, err := s.pocketsphinx(ctx, bot, eng.Version()); err != nil {
			errs = append(errs, fmt.Errorf("asr: %w", err))
		}
	}
	syn, err := s.Synthesizer(ctx, bot, lang)
	if err != nil {
		return errors.Join(append(errs, fmt.Errorf("tts: %w", err))...)
	}
	if c, ok := syn.(*tts.Cache); ok {
		var reqs []tts.Request
		for _, text := range []string{def.Greeting, def.Fallback, def.Goodbye, def.Handoff.Message} {
			for _, sentence := range voicebot.Sentences(text) {
				reqs = append(reqs, tts.Request{Text: sentence, Language: lang, Rate: media.Rate8k})
			}
		}
		if err := c.Warm(ctx, reqs...); err != nil {
			errs = append(errs, fmt.Errorf("tts warm: %w", err))
		}
	}
	return errors.Join(errs...)
}

// Close releases the providers.
func (s *speech) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.sphinx {
		<-e.ready
		if e.rec != nil {
			_ = e.rec.Close()
		}
	}
	for _, c := range s.closers {
		_ = c.Close()
	}
	return nil
}
