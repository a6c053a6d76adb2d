package review

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/switchboard-voice/switchboard/media/apps"
	"github.com/switchboard-voice/switchboard/qa"
	"github.com/switchboard-voice/switchboard/qa/redact"
	"github.com/switchboard-voice/switchboard/qa/scorecard"
	"github.com/switchboard-voice/switchboard/qa/sentiment"
	"github.com/switchboard-voice/switchboard/store"
)

// Score scores a call that has ended, in this order:
//
//  1. CallFor builds the call; the Redactor masks it (personal data never
//     reaches the sentiment scorer, the scorecards, an LLM, or the stored
//     results and their evidence);
//  2. turns stored without sentiment are scored and the scores stored
//     (SetTurnSentiment);
//  3. every active scorecard version that applies (scorecard.Select) is
//     evaluated, the reviewers' overrides of that card, if any, applied
//     again, and the result saved (SaveQAResult);
//  4. the session gets the caller's overall sentiment (sentiment.Summarize,
//     weighted toward the end of the call) and the score of its primary
//     card (Config.Primary; see PrimaryScore) with SetSessionSummary;
//  5. a redacted copy of the call's recording is written beside it
//     (RedactedPath), the card numbers and other masked stretches silenced.
//
// Scoring a call again replaces its results. A recording that cannot be
// redacted is logged and does not fail the scoring; a store error does.
func (s *Service) Score(ctx context.Context, sessionID string) error {
	sc, err := s.prepare(ctx, sessionID)
	if err != nil {
		return err
	}
	cards, err := s.ActiveCards(ctx)
	if err != nil {
		return err
	}
	if _, err := s.evaluate(ctx, sc, cards, nil); err != nil {
		return err
	}
	if err := s.summarize(ctx, sc); err != nil {
		return err
	}
	if err := s.redactRecording(sc); err != nil && !errors.Is(err, ErrNoRecording) {
		s.log.Error("recording not redacted", "session_id", sessionID, "call_id", sc.call.CallID, "err", err)
	}
	return nil
}

// scoredCall is a call being scored: as stored, and redacted.
type scoredCall struct {
	call    qa.Call // not redacted
	red     qa.Call // redacted (the same as call without a Redactor)
	audio   []redact.Range
	summary sentiment.Summary
}

// prepare builds and redacts the call and fills in missing sentiment.
func (s *Service) prepare(ctx context.Context, sessionID string) (*scoredCall, error) {
	call, err := s.CallFor(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	sc := &scoredCall{call: call, red: call}
	if s.red != nil {
		rc := s.red.Call(call)
		sc.red, sc.audio = rc.Call, rc.Audio
		// Turns that cannot be placed in the recording are silenced whole.
		for _, seq := range rc.Unplaced {
			for _, t := range call.Turns {
				if t.Seq == seq {
					sc.audio = append(sc.audio, redact.Range{Start: t.Start, End: max(t.End, t.Start+EstimateSpeech(t.Text)), Channel: redact.Both})
				}
			}
		}
	}
	before := make([]bool, len(sc.red.Turns))
	for i, t := range sc.red.Turns {
		before[i] = t.Sentiment.Scored()
	}
	if err := sentiment.ScoreTurns(ctx, s.sent, call.Language, sc.red.Turns); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		s.log.Warn("some turns not scored for sentiment", "session_id", sessionID, "err", err)
	}
	for i, t := range sc.red.Turns {
		if before[i] || !t.Sentiment.Scored() {
			continue
		}
		sc.call.Turns[i].Sentiment = t.Sentiment
		if err := s.st.SetTurnSentiment(ctx, sessionID, t.Seq, t.Sentiment.Score, string(t.Sentiment.Label)); err != nil {
			return nil, err
		}
	}
	sc.summary = sentiment.Summarize(sc.red.Turns)
	return sc, nil
}

// evaluated is the outcome of one card on one call.
type evaluated struct {
	card   *scorecard.Card
	result scorecard.Result
	// previous is the stored result it replaced (nil: none).
	previous *store.QAResult
	// stale are the overrides that no longer fit the card.
	stale []StaleOverride
}

// evaluate answers cards that apply to the call, applies the overrides and
// saves the results. Cards that do not apply are skipped.
func (s *Service) evaluate(ctx context.Context, sc *scoredCall, cards []*scorecard.Card, previous map[string]store.QAResult) ([]evaluated, error) {
	var out []evaluated
	id := sc.call.SessionID
	for _, card := range scorecard.Select(cards, &sc.red) {
		res, err := s.ev.Evaluate(ctx, card, &sc.red)
		if errors.Is(err, scorecard.ErrNotApplicable) {
			continue
		}
		if err != nil {
			return out, fmt.Errorf("review: scorecard %s v%d on session %s: %w", card.Name, card.Version, id, err)
		}
		res.SessionID = id
		e := evaluated{card: card}
		if p, ok := previous[card.Name]; ok {
			e.previous = &p
		}
		stored, err := s.st.Overrides(ctx, id, card.Name)
		if err != nil {
			return out, err
		}
		if len(stored) > 0 {
			var ovs []scorecard.Override
			ovs, e.stale = fitOverrides(card, stored)
			if len(ovs) > 0 {
				if res, err = scorecard.Rescore(card, res, ovs); err != nil {
					return out, fmt.Errorf("review: overrides of session %s on %s: %w", id, card.Name, err)
				}
			}
		}
		e.result = res
		if err := s.saveResult(ctx, card, res); err != nil {
			return out, err
		}
		out = append(out, e)
	}
	return out, nil
}

// saveResult stores a card's result for a call.
func (s *Service) saveResult(ctx context.Context, card *scorecard.Card, res scorecard.Result) error {
	data, err := json.Marshal(res)
	if err != nil {
		return err
	}
	return s.st.SaveQAResult(ctx, store.QAResult{
		SessionID: res.SessionID, Scorecard: card.Name, Version: card.Version,
		Score: res.Score, CriticalFailed: res.CriticalFailed, Result: data, ScoredAt: s.now(),
	})
}

// summarize sets the session's caller sentiment and primary score.
func (s *Service) summarize(ctx context.Context, sc *scoredCall) error {
	var sum store.SessionSummary
	if sc.summary.Caller.Scored() {
		v := sc.summary.Caller.Score
		sum.Sentiment = &v
	}
	score, err := s.PrimaryScore(ctx, sc.call.SessionID)
	if err != nil {
		return err
	}
	sum.Score = score
	return s.st.SetSessionSummary(ctx, sc.call.SessionID, sum)
}

// PrimaryScore returns the score that stands for the call in lists and
// filters (the session's Score): the result of the first card of
// Config.Primary that scored the call, else of the first card by name;
// results where no scored question applied (Result.NA) do not count. Nil
// when the call has no such result.
func (s *Service) PrimaryScore(ctx context.Context, sessionID string) (*float64, error) {
	results, err := s.st.QAResults(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	rank := func(name string) int {
		if i := slices.Index(s.primary, name); i >= 0 {
			return i
		}
		return len(s.primary)
	}
	var best *store.QAResult
	for i := range results {
		r := &results[i]
		if r.Scorecard == CommentCard {
			continue
		}
		var head struct {
			NA bool `json:"na"`
		}
		if json.Unmarshal(r.Result, &head) == nil && head.NA {
			continue
		}
		if best == nil || rank(r.Scorecard) < rank(best.Scorecard) ||
			(rank(r.Scorecard) == rank(best.Scorecard) && r.Scorecard < best.Scorecard) {
			best = r
		}
	}
	if best == nil {
		return nil, nil
	}
	v := best.Score
	return &v, nil
}

// RedactedSuffix ends the name of a recording's redacted copy:
// "20260101T093000Z-abc.wav" has "20260101T093000Z-abc.redacted.wav".
const RedactedSuffix = ".redacted.wav"

// RedactedPath returns the path of the redacted copy of a recording.
func RedactedPath(recording string) string {
	return strings.TrimSuffix(recording, ".wav") + RedactedSuffix
}

// Recording returns the recording of a call (the newest file of the call
// in dir, as web serves it) and its redacted copy when one exists ("").
// The error wraps ErrNoRecording when there is none.
func Recording(dir, callID string) (original, redacted string, err error) {
	if dir == "" || callID == "" {
		return "", "", fmt.Errorf("%w: call %q (recording dir %q)", ErrNoRecording, callID, dir)
	}
	files, _ := filepath.Glob(apps.RecordingGlob(dir, callID))
	files = slices.DeleteFunc(files, func(f string) bool { return strings.HasSuffix(f, RedactedSuffix) })
	if len(files) == 0 {
		return "", "", fmt.Errorf("%w: no recording of call %s", ErrNoRecording, callID)
	}
	original = files[len(files)-1]
	if _, err := os.Stat(RedactedPath(original)); err == nil {
		redacted = RedactedPath(original)
	}
	return original, redacted, nil
}

// RecordingFile returns the file to serve for a session's recording: the
// redacted copy, made now if Score has not made it yet; the original when
// redaction is off. The error wraps ErrNoRecording (or store.ErrNotFound
// for an unknown session).
func (s *Service) RecordingFile(ctx context.Context, sessionID string) (string, error) {
	sess, err := s.st.Session(ctx, sessionID)
	if err != nil {
		return "", err
	}
	orig, red, err := Recording(s.recDir, sess.CallID)
	if err != nil {
		return "", err
	}
	if s.red == nil {
		return orig, nil
	}
	if red != "" {
		return red, nil
	}
	sc, err := s.prepare(ctx, sessionID)
	if err != nil {
		return "", err
	}
	if err := s.redactRecording(sc); err != nil {
		return "", err
	}
	return RedactedPath(orig), nil
}

// redactRecording writes the redacted copy of the call's recording: to a
// temporary file first, renamed into place when complete.
func (s *Service) redactRecording(sc *scoredCall) error {
	if s.red == nil {
		return nil
	}
	orig, _, err := Recording(s.recDir, sc.call.CallID)
	if err != nil {
		return err
	}
	src, err := os.Open(orig)
	if err != nil {
		return err
	}
	defer src.Close()
	tmp, err := os.CreateTemp(filepath.Dir(orig), ".redacting-*.wav")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename: no such file
	if err := redact.SilenceWAV(tmp, src, sc.audio); err != nil {
		tmp.Close()
		return fmt.Errorf("review: redact %s: %w", filepath.Base(orig), err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), RedactedPath(orig))
}
