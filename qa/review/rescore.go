package review

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/switchboard-voice/switchboard/qa/scorecard"
	"github.com/switchboard-voice/switchboard/store"
)

// RescoreOptions selects the calls and cards of a Rescore.
type RescoreOptions struct {
	// Since (inclusive) and Until (exclusive) bound the calls' start; a
	// zero Until means now.
	Since, Until time.Time
	// Scorecard limits the rescore to one card ("" for every active one).
	Scorecard string
}

// RescoreReport says what a Rescore did.
type RescoreReport struct {
	// Sessions is how many ended calls were looked at; Skipped the calls
	// still open.
	Sessions int `json:"sessions"`
	Skipped  int `json:"skipped"`
	// Results counts the results saved, Changed those whose score moved by
	// 0.01 or more.
	Results int `json:"results"`
	Changed int `json:"changed"`
	// NotApplicable counts the calls no card applied to.
	NotApplicable int           `json:"not_applicable"`
	Cards         []CardRescore `json:"cards"`
	// Stale lists the overrides that no longer fit the card version (not
	// applied; still stored).
	Stale []StaleOverride `json:"stale_overrides"`
	// Failed lists the calls that could not be scored and why.
	Failed  []SessionError `json:"failed"`
	Elapsed time.Duration  `json:"elapsed"`
}

// CardRescore is one card's figures in a rescore.
type CardRescore struct {
	Name    string `json:"name"`
	Version int    `json:"version"`
	Results int    `json:"results"`
	Changed int    `json:"changed"`
	// MeanBefore is the mean score of the calls that had a result before
	// (NaN-free: 0 when none had), MeanAfter of all results now.
	Before     int     `json:"before"`
	MeanBefore float64 `json:"mean_before"`
	MeanAfter  float64 `json:"mean_after"`
}

// SessionError is a call a rescore could not score.
type SessionError struct {
	SessionID string `json:"session_id"`
	Error     string `json:"error"`
}

// rescorePage is how many sessions Rescore reads at a time.
const rescorePage = 500

// Rescore scores past calls again with the active card versions (all, or
// opts.Scorecard): the calls that ended and started in [Since, Until),
// oldest first. Each is scored as Score does, except that its recording is
// left as it is; the reviewers' overrides are applied again where they
// still fit the card (scorecard.Card.CheckOverride), and reported in
// Stale where they do not. progress, when not nil, is called after each
// call with how many are done of the total. A call that fails is reported
// and the rescore goes on; it stops when ctx ends, returning the report so
// far with ctx's error.
func (s *Service) Rescore(ctx context.Context, opts RescoreOptions, progress func(done, total int)) (RescoreReport, error) {
	start := time.Now()
	var rep RescoreReport
	if opts.Until.IsZero() {
		opts.Until = s.now()
	}
	if !opts.Since.Before(opts.Until) {
		return rep, fmt.Errorf("%w: since %s is not before until %s", ErrInvalid, opts.Since.Format(time.RFC3339), opts.Until.Format(time.RFC3339))
	}
	cards, err := s.ActiveCards(ctx)
	if err != nil {
		return rep, err
	}
	if opts.Scorecard != "" {
		var one []*scorecard.Card
		for _, c := range cards {
			if c.Name == opts.Scorecard {
				one = append(one, c)
			}
		}
		if len(one) == 0 {
			if _, err := s.st.Scorecard(ctx, opts.Scorecard); err != nil {
				return rep, err
			}
			return rep, fmt.Errorf("%w: scorecard %s has no active version", ErrInvalid, opts.Scorecard)
		}
		cards = one
	}
	type acc struct {
		CardRescore
		sumBefore, sumAfter float64
	}
	per := map[string]*acc{}
	for _, c := range cards {
		per[c.Name] = &acc{CardRescore: CardRescore{Name: c.Name, Version: c.Version}}
	}
	q := store.SessionQuery{Since: opts.Since, Until: opts.Until, Sort: "started_at", Limit: rescorePage}
	total, done := -1, 0
	for {
		page, err := s.st.SearchSessions(ctx, q)
		if err != nil {
			return rep, err
		}
		if total < 0 {
			total = page.Total
		}
		for _, row := range page.Rows {
			if err := ctx.Err(); err != nil {
				rep.Elapsed = time.Since(start)
				return rep, err
			}
			done++
			if row.EndedAt.IsZero() {
				rep.Skipped++
			} else {
				rep.Sessions++
				evs, err := s.rescoreOne(ctx, row.ID, cards)
				switch {
				case ctx.Err() != nil:
					rep.Elapsed = time.Since(start)
					return rep, ctx.Err()
				case err != nil:
					rep.Failed = append(rep.Failed, SessionError{SessionID: row.ID, Error: err.Error()})
				case len(evs) == 0:
					rep.NotApplicable++
				}
				for _, e := range evs {
					a := per[e.card.Name]
					a.Results++
					rep.Results++
					a.sumAfter += e.result.Score
					if e.previous != nil {
						a.Before++
						a.sumBefore += e.previous.Score
					}
					if e.previous == nil || math.Abs(e.previous.Score-e.result.Score) >= 0.01 {
						a.Changed++
						rep.Changed++
					}
					rep.Stale = append(rep.Stale, e.stale...)
				}
			}
			if progress != nil {
				progress(done, max(total, done))
			}
		}
		if len(page.Rows) < q.Limit {
			break
		}
		q.Offset += len(page.Rows)
	}
	for _, c := range cards {
		a := per[c.Name]
		if a.Before > 0 {
			a.MeanBefore = round2(a.sumBefore / float64(a.Before))
		}
		if a.Results > 0 {
			a.MeanAfter = round2(a.sumAfter / float64(a.Results))
		}
		rep.Cards = append(rep.Cards, a.CardRescore)
	}
	rep.Elapsed = time.Since(start)
	return rep, nil
}

// rescoreOne scores one call again with cards.
func (s *Service) rescoreOne(ctx context.Context, id string, cards []*scorecard.Card) ([]evaluated, error) {
	stored, err := s.st.QAResults(ctx, id)
	if err != nil {
		return nil, err
	}
	previous := map[string]store.QAResult{}
	for _, r := range stored {
		previous[r.Scorecard] = r
	}
	sc, err := s.prepare(ctx, id)
	if err != nil {
		return nil, err
	}
	evs, err := s.evaluate(ctx, sc, cards, previous)
	if err != nil {
		return evs, err
	}
	return evs, s.summarize(ctx, sc)
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }
