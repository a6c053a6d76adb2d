package review

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/switchboard-voice/switchboard/prompts"
	"github.com/switchboard-voice/switchboard/qa/redact"
	"github.com/switchboard-voice/switchboard/qa/scorecard"
	"github.com/switchboard-voice/switchboard/qa/sentiment"
	"github.com/switchboard-voice/switchboard/store"
)

// Errors of the service. Store and scorecard errors are passed through
// wrapped (store.ErrNotFound, store.ErrInvalid, scorecard.ErrInvalid,
// scorecard.Problems...), so that the edge maps them to status codes.
var (
	// ErrNoResult: the call has no result of the scorecard to override.
	ErrNoResult = errors.New("review: no result of this scorecard for the call")
	// ErrInvalid: a request the service cannot carry out as given (an
	// empty reviewer, a comment too long, a bad date range).
	ErrInvalid = errors.New("review: invalid request")
	// ErrNoRecording: the call has no recording to serve.
	ErrNoRecording = errors.New("review: no recording")
)

// Store is what the service needs of the database: the QA store and the
// sessions, turns, bot versions and wrap-ups it reads. store.Store has it
// all.
type Store interface {
	store.QAStore
	Session(ctx context.Context, id string) (store.Session, error)
	Turns(ctx context.Context, sessionID string) ([]store.Turn, error)
	Bot(ctx context.Context, name string) (store.Bot, error)
	Version(ctx context.Context, bot string, version int) (store.BotVersion, error)
	Wrapups(ctx context.Context, sessionID string) ([]store.Wrapup, error)
}

// Config holds the service's dependencies. Only Store is required.
type Config struct {
	Store Store
	// Sentiment scores turns stored without a score (default: the
	// embedded lexicon, sentiment.New).
	Sentiment sentiment.Scorer
	// Evaluator answers scorecards (default: rules only).
	Evaluator *scorecard.Evaluator
	// Redactor masks personal data before anything is scored, shown or
	// sent to a model, and finds what to silence in recordings. Nil turns
	// redaction off (qa.redaction.enabled: false).
	Redactor *redact.Redactor
	// RecordingDir is where calls are recorded ("" when they are not):
	// Score writes the redacted copy beside the original there.
	RecordingDir string
	// Primary lists scorecard names in the order they are preferred for
	// the session's Score (SetSessionSummary): the first of them that
	// scored the call, else the first card by name that did.
	Primary []string
	Logger  *slog.Logger
	// Clock returns the time (default time.Now), for results and tests.
	Clock func() time.Time
}

// Service is QA review: it scores calls when they end, rescoring past
// ones, keeps scorecards, overrides and comments, and computes dashboards.
// It is safe for concurrent use.
type Service struct {
	st      Store
	sent    sentiment.Scorer
	ev      *scorecard.Evaluator
	red     *redact.Redactor
	recDir  string
	primary []string
	log     *slog.Logger
	now     func() time.Time

	// overrideMu orders overrides: each rescoring sees the ones before.
	overrideMu sync.Mutex

	mu    sync.Mutex
	cards map[cardKey]*scorecard.Card // parsed published versions
	bots  map[botKey]*botPrompts      // prompt matchers per bot version
}

type cardKey struct {
	name    string
	version int
}

type botKey struct {
	name    string
	version int
}

// New builds the service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, fmt.Errorf("%w: review.New needs a Store", ErrInvalid)
	}
	s := &Service{
		st: cfg.Store, sent: cfg.Sentiment, ev: cfg.Evaluator, red: cfg.Redactor,
		recDir: cfg.RecordingDir, primary: slices.Clone(cfg.Primary), log: cfg.Logger, now: cfg.Clock,
		cards: map[cardKey]*scorecard.Card{}, bots: map[botKey]*botPrompts{},
	}
	if s.sent == nil {
		lex, err := sentiment.New()
		if err != nil {
			return nil, fmt.Errorf("review: sentiment scorer: %w", err)
		}
		s.sent = lex
	}
	if s.ev == nil {
		s.ev = scorecard.NewEvaluator()
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

// Redactor returns the service's redactor (nil when redaction is off).
func (s *Service) Redactor() *redact.Redactor { return s.red }

// mask returns text with personal data masked (as it is when redaction is
// off).
func (s *Service) mask(text string) string {
	if s.red == nil {
		return text
	}
	return s.red.String(text)
}

// botDefinition returns the prompts of the bot version that served a
// session (the draft for version 0), cached per version; nil when the bot
// is not in the store.
func (s *Service) botDefinition(ctx context.Context, bot string, version int) (*botPrompts, error) {
	if bot == "" {
		return nil, nil
	}
	k := botKey{bot, version}
	s.mu.Lock()
	bp, ok := s.bots[k]
	s.mu.Unlock()
	if ok && version > 0 {
		return bp, nil
	}
	var def []byte
	if version > 0 {
		v, err := s.st.Version(ctx, bot, version)
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		def = v.Definition
	} else {
		b, err := s.st.Bot(ctx, bot)
		if errors.Is(err, store.ErrNotFound) || (err == nil && len(b.Draft) == 0) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		def = b.Draft
	}
	b, err := prompts.FromJSON(def)
	if err != nil {
		s.log.Warn("bot definition unreadable: prompts and failures not marked", "bot", bot, "version", version, "err", err)
		return nil, nil
	}
	bp = newBotPrompts(b)
	if version > 0 {
		s.mu.Lock()
		s.bots[k] = bp
		s.mu.Unlock()
	}
	return bp, nil
}
