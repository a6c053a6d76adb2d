package conversation

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"

	"github.com/switchboard-voice/switchboard/nlu/dialog"
	"github.com/switchboard-voice/switchboard/prompts"
	"github.com/switchboard-voice/switchboard/store"
)

// Registry holds the bots a server serves: their drafts, their published
// versions (in the store) and a trained engine per version in use.
//
// A bot loaded from disk or edited through the API is a draft. Publish
// freezes the draft as version N in the store and makes it active; new
// sessions use the active version, and Rollback activates an older one.
// With no store (the chat simulator) the draft itself serves, as version 0.
type Registry struct {
	st   store.Store
	opts []dialog.Option
	log  *slog.Logger

	mu      sync.Mutex
	drafts  map[string]*prompts.Bot
	engines map[engineKey]*engineEntry
	onAct   []func(bot string, version int)
}

// OnActivate registers fn to be called, in its own goroutine, after a
// version of a bot becomes active (published or rolled back to), so that
// what depends on the bot's content (its speech model, its cached
// prompts) is rebuilt before the next call rather than during it.
func (r *Registry) OnActivate(fn func(bot string, version int)) {
	r.mu.Lock()
	r.onAct = append(r.onAct, fn)
	r.mu.Unlock()
}

func (r *Registry) activated(bot string, version int) {
	r.mu.Lock()
	fns := append([](func(string, int)){}, r.onAct...)
	r.mu.Unlock()
	for _, fn := range fns {
		go fn(bot, version)
	}
}

type engineKey struct {
	bot     string
	version int
}

type engineEntry struct {
	once sync.Once
	eng  *dialog.Engine
	err  error
}

// NewRegistry returns a registry; st may be nil. opts are passed to every
// engine (webhook base URL, LLM, logger).
func NewRegistry(st store.Store, log *slog.Logger, opts ...dialog.Option) *Registry {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Registry{st: st, opts: opts, log: log, drafts: map[string]*prompts.Bot{}, engines: map[engineKey]*engineEntry{}}
}

// LoadDir loads and lints the bot in dir and saves it as the bot's draft.
func (r *Registry) LoadDir(ctx context.Context, dir string) (*prompts.Bot, error) {
	b, err := prompts.Load(dir)
	if err != nil {
		return nil, err
	}
	return b, r.SetDraft(ctx, b)
}

// SetDraft lints a bot and saves it as its draft.
func (r *Registry) SetDraft(ctx context.Context, b *prompts.Bot) error {
	if ps := prompts.Lint(b); len(ps) > 0 {
		return ps
	}
	if r.st != nil {
		def, err := b.JSON()
		if err != nil {
			return err
		}
		if err := r.st.SaveDraft(ctx, b.Name, def); err != nil {
			return err
		}
	}
	r.mu.Lock()
	r.drafts[b.Name] = b
	delete(r.engines, engineKey{b.Name, 0})
	r.mu.Unlock()
	return nil
}

// Draft returns a bot's current draft.
func (r *Registry) Draft(ctx context.Context, name string) (*prompts.Bot, error) {
	r.mu.Lock()
	b := r.drafts[name]
	r.mu.Unlock()
	if b != nil {
		return b, nil
	}
	if r.st == nil {
		return nil, fmt.Errorf("%w: %s", ErrNoBot, name)
	}
	rec, err := r.st.Bot(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: %s", ErrNoBot, name)
	}
	if err != nil {
		return nil, err
	}
	return prompts.FromJSON(rec.Draft)
}

// Names lists the bots known to the registry (and the store).
func (r *Registry) Names(ctx context.Context) ([]string, error) {
	seen := map[string]bool{}
	r.mu.Lock()
	for n := range r.drafts {
		seen[n] = true
	}
	r.mu.Unlock()
	if r.st != nil {
		bots, err := r.st.Bots(ctx)
		if err != nil {
			return nil, err
		}
		for _, b := range bots {
			seen[b.Name] = true
		}
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out, nil
}

// Publish freezes the bot's draft as its next version and activates it.
func (r *Registry) Publish(ctx context.Context, name, note string) (int, error) {
	if r.st == nil {
		return 0, errors.New("publish: no store configured")
	}
	b, err := r.Draft(ctx, name)
	if err != nil {
		return 0, err
	}
	if ps := prompts.Lint(b); len(ps) > 0 {
		return 0, fmt.Errorf("publish %s: %w", name, ps)
	}
	def, err := b.JSON()
	if err != nil {
		return 0, err
	}
	v, err := r.st.Publish(ctx, name, def, note)
	if err != nil {
		return 0, err
	}
	r.log.Info("bot published", "bot", name, "version", v)
	r.activated(name, v)
	return v, nil
}

// PublishIfChanged publishes the draft when it differs from the active
// version; it returns the active version either way.
func (r *Registry) PublishIfChanged(ctx context.Context, name string) (int, bool, error) {
	if r.st == nil {
		return 0, false, nil
	}
	rec, err := r.st.Bot(ctx, name)
	if err != nil {
		return 0, false, err
	}
	if rec.ActiveVersion > 0 {
		v, err := r.st.Version(ctx, name, rec.ActiveVersion)
		if err != nil {
			return 0, false, err
		}
		if sameJSON(v.Definition, rec.Draft) {
			return rec.ActiveVersion, false, nil
		}
	}
	n, err := r.Publish(ctx, name, "published at start-up")
	return n, err == nil, err
}

func sameJSON(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return bytes.Equal(a, b)
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}

// Rollback activates an existing version.
func (r *Registry) Rollback(ctx context.Context, name string, version int) error {
	if r.st == nil {
		return errors.New("rollback: no store configured")
	}
	if err := r.st.Activate(ctx, name, version); err != nil {
		return err
	}
	r.activated(name, version)
	return nil
}

// Engine returns the engine for the bot's active version (its draft when
// nothing is published or there is no store), training it on first use.
func (r *Registry) Engine(ctx context.Context, name string) (*dialog.Engine, error) {
	version := 0
	if r.st != nil {
		rec, err := r.st.Bot(ctx, name)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return nil, fmt.Errorf("%w: %s", ErrNoBot, name)
		case err != nil:
			// The database is away: serve the newest engine we have.
			if e := r.cachedNewest(name); e != nil {
				r.log.Warn("store unavailable, serving cached bot version", "bot", name, "version", e.Version(), "err", err)
				return e, nil
			}
			return nil, err
		}
		version = rec.ActiveVersion
	}
	key := engineKey{name, version}
	r.mu.Lock()
	ent := r.engines[key]
	if ent == nil {
		ent = &engineEntry{}
		r.engines[key] = ent
	}
	r.mu.Unlock()
	ent.once.Do(func() { ent.eng, ent.err = r.build(ctx, name, version) })
	if ent.err != nil {
		r.mu.Lock()
		if r.engines[key] == ent {
			delete(r.engines, key) // retry next time
		}
		r.mu.Unlock()
	}
	return ent.eng, ent.err
}

func (r *Registry) cachedNewest(name string) *dialog.Engine {
	r.mu.Lock()
	defer r.mu.Unlock()
	var best *dialog.Engine
	for k, e := range r.engines {
		if k.bot == name && e.eng != nil && (best == nil || k.version > best.Version()) {
			best = e.eng
		}
	}
	return best
}

func (r *Registry) build(ctx context.Context, name string, version int) (*dialog.Engine, error) {
	var b *prompts.Bot
	var err error
	if version == 0 {
		b, err = r.Draft(ctx, name)
	} else {
		var v store.BotVersion
		v, err = r.st.Version(ctx, name, version)
		if err == nil {
			b, err = prompts.FromJSON(v.Definition)
		}
	}
	if err != nil {
		return nil, err
	}
	opts := append(append([]dialog.Option{}, r.opts...), dialog.WithVersion(version))
	return dialog.New(b, opts...)
}
