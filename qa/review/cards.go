package review

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/switchboard-voice/switchboard/qa/scorecard"
	"github.com/switchboard-voice/switchboard/store"
)

// card returns a published scorecard version, parsed once and cached
// (versions never change).
func (s *Service) card(ctx context.Context, name string, version int) (*scorecard.Card, error) {
	k := cardKey{name, version}
	s.mu.Lock()
	c := s.cards[k]
	s.mu.Unlock()
	if c != nil {
		return c, nil
	}
	v, err := s.st.ScorecardVersion(ctx, name, version)
	if err != nil {
		return nil, err
	}
	c, err = scorecard.FromJSON(v.Definition)
	if err != nil {
		return nil, fmt.Errorf("review: stored scorecard %s v%d: %w", name, version, err)
	}
	c.Version = version
	s.mu.Lock()
	s.cards[k] = c
	s.mu.Unlock()
	return c, nil
}

// ActiveCards returns the active version of every scorecard, by name.
func (s *Service) ActiveCards(ctx context.Context) ([]*scorecard.Card, error) {
	recs, err := s.st.Scorecards(ctx)
	if err != nil {
		return nil, err
	}
	var out []*scorecard.Card
	for _, r := range recs {
		if r.ActiveVersion == 0 {
			continue
		}
		c, err := s.card(ctx, r.Name, r.ActiveVersion)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// Loaded says what LoadDir did with one card file.
type Loaded struct {
	Name string `json:"name"`
	// Version is the published version with the file's content.
	Version int `json:"version"`
	// Published: the content was new and published as Version (and made
	// active); otherwise a published version already had it and nothing
	// changed.
	Published bool `json:"published"`
}

// LoadDir reads the scorecards of a folder (*.yaml, *.yml) at start and
// publishes each whose content (scorecard.Card.Hash) no published version
// of it has, so that editing a file publishes it once, and a version
// published through the API is not undone by an older file. Problems in
// any file fail the whole load (scorecard.Problems, naming file:line) and
// nothing is published.
func (s *Service) LoadDir(ctx context.Context, dir string) ([]Loaded, error) {
	cards, err := scorecard.LoadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []Loaded
	for _, c := range cards {
		l := Loaded{Name: c.Name}
		hash := c.Hash()
		vs, err := s.st.ScorecardVersions(ctx, c.Name)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return out, err
		}
		for _, v := range vs {
			old, err := s.card(ctx, c.Name, v.Version)
			if err == nil && old.Hash() == hash {
				l.Version = v.Version
			}
		}
		if l.Version == 0 {
			def, err := c.JSON()
			if err != nil {
				return out, err
			}
			if err := s.st.SaveScorecardDraft(ctx, c.Name, def); err != nil {
				return out, err
			}
			if l.Version, err = s.st.PublishScorecard(ctx, c.Name, def, "loaded from "+filepath.Base(dir)); err != nil {
				return out, err
			}
			l.Published = true
			s.log.Info("scorecard published", "scorecard", c.Name, "version", l.Version)
		}
		out = append(out, l)
	}
	return out, nil
}

// ParseCard reads a scorecard sent by a user: YAML, or JSON (a body
// starting with '{'). name is the file name used in error positions. The
// errors are scorecard.Problems naming file:line (YAML) or the field's
// path (JSON).
func ParseCard(name string, body []byte) (*scorecard.Card, error) {
	if t := bytes.TrimSpace(body); len(t) > 0 && t[0] == '{' {
		return scorecard.FromJSON(t)
	}
	return scorecard.Parse(name, body)
}

// SaveDraft replaces a scorecard's draft with body (YAML or JSON, see
// ParseCard), creating the scorecard if needed. The card's name must be
// the one given, or absent (it is then set). Errors name file:line as
// "<name>.yaml:LINE".
func (s *Service) SaveDraft(ctx context.Context, name string, body []byte) (*scorecard.Card, error) {
	c, err := ParseCard(name+".yaml", body)
	if err != nil {
		return nil, err
	}
	if c.Name != name {
		return nil, fmt.Errorf("%w: the card is named %q, the path says %q", ErrInvalid, c.Name, name)
	}
	def, err := c.JSON()
	if err != nil {
		return nil, err
	}
	if err := s.st.SaveScorecardDraft(ctx, name, def); err != nil {
		return nil, err
	}
	return c, nil
}

// Publish freezes a scorecard's draft as its next version and makes it
// active. The draft is validated again first.
func (s *Service) Publish(ctx context.Context, name, note string) (int, error) {
	rec, err := s.st.Scorecard(ctx, name)
	if err != nil {
		return 0, err
	}
	if _, err := scorecard.FromJSON(rec.Draft); err != nil {
		return 0, err
	}
	if err := runeLimit("note", note, 1000); err != nil {
		return 0, err
	}
	return s.st.PublishScorecard(ctx, name, rec.Draft, note)
}

// Rollback makes an earlier published version of a scorecard active; the
// calls scored from then on (and a Rescore) use it.
func (s *Service) Rollback(ctx context.Context, name string, version int) error {
	if version <= 0 {
		return fmt.Errorf("%w: version must be a published version number, got %d", ErrInvalid, version)
	}
	return s.st.ActivateScorecard(ctx, name, version)
}

// CardSummary is a scorecard in the list.
type CardSummary struct {
	Name          string    `json:"name"`
	Title         string    `json:"title,omitempty"`
	ActiveVersion int       `json:"active_version"`
	LatestVersion int       `json:"latest_version"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// CardVersion is a published version in a scorecard's history.
type CardVersion struct {
	Version     int       `json:"version"`
	Note        string    `json:"note,omitempty"`
	PublishedAt time.Time `json:"published_at"`
	Hash        string    `json:"hash"`
}

// CardDetail is one scorecard: its active version, its draft (as JSON and
// as YAML to edit) and its history.
type CardDetail struct {
	CardSummary
	Active    *scorecard.Card `json:"active,omitempty"`
	Draft     *scorecard.Card `json:"draft,omitempty"`
	DraftYAML string          `json:"draft_yaml,omitempty"`
	// DraftChanged: the draft differs from the active version.
	DraftChanged bool          `json:"draft_changed"`
	Versions     []CardVersion `json:"versions"`
}

// Scorecards lists the scorecards by name.
func (s *Service) Scorecards(ctx context.Context) ([]CardSummary, error) {
	recs, err := s.st.Scorecards(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]CardSummary, 0, len(recs))
	for _, r := range recs {
		cs := CardSummary{Name: r.Name, ActiveVersion: r.ActiveVersion, LatestVersion: r.LatestVersion, UpdatedAt: r.UpdatedAt}
		if r.ActiveVersion > 0 {
			if c, err := s.card(ctx, r.Name, r.ActiveVersion); err == nil {
				cs.Title = c.Title
			}
		}
		out = append(out, cs)
	}
	return out, nil
}

// Scorecard returns one scorecard with its draft and versions.
func (s *Service) Scorecard(ctx context.Context, name string) (CardDetail, error) {
	r, err := s.st.Scorecard(ctx, name)
	if err != nil {
		return CardDetail{}, err
	}
	d := CardDetail{CardSummary: CardSummary{Name: r.Name, ActiveVersion: r.ActiveVersion, LatestVersion: r.LatestVersion, UpdatedAt: r.UpdatedAt}, Versions: []CardVersion{}}
	vs, err := s.st.ScorecardVersions(ctx, name)
	if err != nil {
		return d, err
	}
	for _, v := range vs {
		cv := CardVersion{Version: v.Version, Note: v.Note, PublishedAt: v.PublishedAt}
		if c, err := s.card(ctx, name, v.Version); err == nil {
			cv.Hash = c.Hash()
			if v.Version == r.ActiveVersion {
				d.Active, d.Title = c, c.Title
			}
		}
		d.Versions = append(d.Versions, cv)
	}
	if len(r.Draft) > 0 {
		if c, err := scorecard.FromJSON(r.Draft); err == nil {
			d.Draft = c
			if y, err := c.YAML(); err == nil {
				d.DraftYAML = string(y)
			}
			d.DraftChanged = d.Active == nil || d.Active.Hash() != c.Hash()
		}
	}
	return d, nil
}
