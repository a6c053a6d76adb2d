package sentiment

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/switchboard-voice/switchboard/qa"
)

// Sentinel errors. Scorers wrap them with %w; check with errors.Is.
var (
	// ErrUnavailable: a remote scorer could not be reached or answered
	// with an error (HTTP status, network, refusal). Fall back.
	ErrUnavailable = errors.New("sentiment: scorer unavailable")
	// ErrTimeout: a remote scorer did not answer in time. Fall back.
	ErrTimeout = errors.New("sentiment: scorer timed out")
	// ErrInvalidReply: a remote scorer answered something that is not a
	// valid {score, label}. Fall back.
	ErrInvalidReply = errors.New("sentiment: invalid reply")
	// ErrLanguage: the language is neither English nor Chinese.
	ErrLanguage = errors.New("sentiment: unsupported language")
	// ErrBadLexicon: a lexicon file is malformed (the message names the
	// file and line).
	ErrBadLexicon = errors.New("sentiment: bad lexicon")
	// ErrBadData: an evaluation file is malformed (the message names the
	// file and line).
	ErrBadData = errors.New("sentiment: bad data file")
)

// Scorer scores the sentiment of one utterance. lang is a BCP 47 tag
// ("en", "en-GB", "zh", "zh-CN", "cmn") or "" to detect it from the text.
// Implementations are safe for concurrent use.
type Scorer interface {
	Score(ctx context.Context, text, lang string) (qa.Sentiment, error)
}

// ScorerFunc adapts a function to Scorer.
type ScorerFunc func(ctx context.Context, text, lang string) (qa.Sentiment, error)

// Score calls f.
func (f ScorerFunc) Score(ctx context.Context, text, lang string) (qa.Sentiment, error) {
	return f(ctx, text, lang)
}

// WithFallback returns a Scorer that asks primary (typically an LLM
// scorer) and, when primary fails, fallback (typically the embedded
// Lexicon, which does not fail). When
// ctx itself has ended the error is returned as it is: nobody is waiting
// for a score any more. When both fail, both errors are returned.
func WithFallback(primary, fallback Scorer) Scorer {
	return ScorerFunc(func(ctx context.Context, text, lang string) (qa.Sentiment, error) {
		s, err := primary.Score(ctx, text, lang)
		if err == nil {
			return s, nil
		}
		if ctx.Err() != nil {
			return qa.Sentiment{}, err
		}
		s, ferr := fallback.Score(ctx, text, lang)
		if ferr != nil {
			return qa.Sentiment{}, errors.Join(err, ferr)
		}
		return s, nil
	})
}

// Default label thresholds on the score, tuned on the customer-service dev
// set (testdata/callcenter_dev.csv): a score at or above
// DefaultPositiveThreshold is positive, at or below -DefaultNegativeThreshold
// negative, neutral in between.
const (
	DefaultPositiveThreshold = 0.25
	DefaultNegativeThreshold = 0.2
)

// LabelOf labels a score with the default thresholds.
func LabelOf(score float64) qa.Label {
	return labelOf(score, DefaultNegativeThreshold, DefaultPositiveThreshold)
}

func labelOf(score, neg, pos float64) qa.Label {
	switch {
	case score >= pos:
		return qa.Positive
	case score <= -neg:
		return qa.Negative
	}
	return qa.Neutral
}

// ParseLabel reads a label: negative, neutral or positive (any case, and
// the short forms neg, neu, pos).
func ParseLabel(s string) (qa.Label, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "negative", "neg":
		return qa.Negative, nil
	case "neutral", "neu":
		return qa.Neutral, nil
	case "positive", "pos":
		return qa.Positive, nil
	}
	return "", fmt.Errorf("unknown label %q (want negative, neutral or positive)", s)
}

// Language returns "en" or "zh" for a language tag, or detects it from
// text when tag is empty. Any other language fails with ErrLanguage.
func Language(tag, text string) (string, error) {
	t := strings.ToLower(strings.TrimSpace(tag))
	if t == "" {
		return DetectLanguage(text), nil
	}
	base, _, _ := strings.Cut(strings.ReplaceAll(t, "_", "-"), "-")
	switch base {
	case "en", "eng":
		return "en", nil
	case "zh", "cmn", "yue", "zho", "chi":
		return "zh", nil
	}
	return "", fmt.Errorf("%w: %q (want English or Chinese)", ErrLanguage, tag)
}

// DetectLanguage guesses the language of text: "zh" when it holds more Han
// characters than Latin words, else "en" (also for text without letters).
func DetectLanguage(text string) string {
	han, words := 0, 0
	inWord := false
	n := 0
	for _, r := range text {
		if n++; n > maxRunes {
			break
		}
		switch {
		case unicode.Is(unicode.Han, r):
			han++
			inWord = false
		case unicode.IsLetter(r):
			if !inWord {
				words++
			}
			inWord = true
		default:
			inWord = false
		}
	}
	// A Chinese word is about two characters.
	if han > 0 && han >= 2*words {
		return "zh"
	}
	return "en"
}
