package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/switchboard-voice/switchboard/store"
	"github.com/switchboard-voice/switchboard/store/internal/check"
)

// versioned names the tables of a record kept as a draft and published
// versions, one of them active: bots and scorecards.
type versioned struct {
	what     string // "bot": in error messages
	table    string // the records: name, draft, active and latest version
	versions string // the published versions
	key      string // the column of versions naming the record
}

var (
	bots       = versioned{"bot", "bots", "bot_versions", "bot"}
	scorecards = versioned{"scorecard", "scorecards", "scorecard_versions", "scorecard"}
)

// SaveDraft creates the bot if needed and replaces its draft.
func (s *Store) SaveDraft(ctx context.Context, bot string, draft json.RawMessage) error {
	return s.saveDraft(ctx, bots, bot, draft)
}

// Bot returns a bot's record, or store.ErrNotFound.
func (s *Store) Bot(ctx context.Context, name string) (store.Bot, error) {
	return s.record(ctx, bots, name)
}

// Bots lists all bots by name.
func (s *Store) Bots(ctx context.Context) ([]store.Bot, error) {
	return s.records(ctx, bots)
}

// Publish freezes def as the bot's next version and makes it active, in one
// transaction. A bot that does not exist yet is created with def as its
// draft.
func (s *Store) Publish(ctx context.Context, bot string, def json.RawMessage, note string) (int, error) {
	return s.publish(ctx, bots, bot, def, note)
}

// Version returns one published version, or store.ErrNotFound.
func (s *Store) Version(ctx context.Context, bot string, version int) (store.BotVersion, error) {
	return s.version(ctx, bots, bot, version)
}

// Versions lists a bot's published versions, oldest first;
// store.ErrNotFound for an unknown bot.
func (s *Store) Versions(ctx context.Context, bot string) ([]store.BotVersion, error) {
	return s.versionList(ctx, bots, bot)
}

// Activate makes an existing version the active one (rollback).
func (s *Store) Activate(ctx context.Context, bot string, version int) error {
	return s.activate(ctx, bots, bot, version)
}

func (s *Store) saveDraft(ctx context.Context, v versioned, name string, draft json.RawMessage) error {
	op := "save draft of " + v.what + " " + name
	if err := check.Name(v.what, name); err != nil {
		return s.fail(op, err)
	}
	if err := check.JSON("draft", draft); err != nil {
		return s.fail(op, err)
	}
	return s.exec(ctx, op, `
		INSERT INTO `+v.table+` (name, draft, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET draft = excluded.draft, updated_at = excluded.updated_at`,
		name, string(draft), s.stamp(timeZero))
}

const recordColumns = `name, draft, active_version, latest_version, updated_at`

func scanRecord(row scanner) (store.Bot, error) {
	var b store.Bot
	var draft, updated string
	if err := row.Scan(&b.Name, &draft, &b.ActiveVersion, &b.LatestVersion, &updated); err != nil {
		return b, err
	}
	b.Draft = json.RawMessage(draft)
	var err error
	b.UpdatedAt, err = parseTime(updated)
	return b, err
}

func (s *Store) record(ctx context.Context, v versioned, name string) (store.Bot, error) {
	op := "get " + v.what + " " + name
	if err := s.live(op); err != nil {
		return store.Bot{}, err
	}
	b, err := scanRecord(s.r.QueryRowContext(ctx, `SELECT `+recordColumns+` FROM `+v.table+` WHERE name = ?`, name))
	if err != nil {
		return store.Bot{}, s.fail(op, err)
	}
	return b, nil
}

func (s *Store) records(ctx context.Context, v versioned) ([]store.Bot, error) {
	return list(ctx, s, "list "+v.table, scanRecord, `SELECT `+recordColumns+` FROM `+v.table+` ORDER BY name`)
}

func (s *Store) publish(ctx context.Context, v versioned, name string, def json.RawMessage, note string) (int, error) {
	op := "publish " + v.what + " " + name
	if err := check.Name(v.what, name); err != nil {
		return 0, s.fail(op, err)
	}
	if err := check.JSON("definition", def); err != nil {
		return 0, s.fail(op, err)
	}
	var version int
	err := s.tx(ctx, op, func(tx *sql.Tx) error {
		now := s.stamp(timeZero)
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO `+v.table+` (name, draft, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (name) DO NOTHING`, name, string(def), now); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `
			UPDATE `+v.table+` SET latest_version = latest_version + 1,
			                active_version = latest_version + 1,
			                updated_at = ?
			WHERE name = ? RETURNING latest_version`, now, name).Scan(&version); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `
			INSERT INTO `+v.versions+` (`+v.key+`, version, definition, note, published_at)
			VALUES (?, ?, ?, ?, ?)`, name, version, string(def), note, now)
		return err
	})
	if err != nil {
		return 0, err
	}
	return version, nil
}

func (v versioned) columns() string {
	return v.key + `, version, definition, note, published_at`
}

func scanVersion(row scanner) (store.BotVersion, error) {
	var v store.BotVersion
	var def, at string
	if err := row.Scan(&v.Bot, &v.Version, &def, &v.Note, &at); err != nil {
		return v, err
	}
	v.Definition = json.RawMessage(def)
	var err error
	v.PublishedAt, err = parseTime(at)
	return v, err
}

func (s *Store) version(ctx context.Context, v versioned, name string, version int) (store.BotVersion, error) {
	op := fmt.Sprintf("get version %d of %s %s", version, v.what, name)
	if err := check.Version(version); err != nil {
		return store.BotVersion{}, s.fail(op, err)
	}
	if err := s.live(op); err != nil {
		return store.BotVersion{}, err
	}
	bv, err := scanVersion(s.r.QueryRowContext(ctx,
		`SELECT `+v.columns()+` FROM `+v.versions+` WHERE `+v.key+` = ? AND version = ?`, name, version))
	if err != nil {
		return store.BotVersion{}, s.fail(op, err)
	}
	return bv, nil
}

func (s *Store) versionList(ctx context.Context, v versioned, name string) ([]store.BotVersion, error) {
	return children(ctx, s, "list versions of "+v.what+" "+name, v.table, "name", name, scanVersion,
		`SELECT `+v.columns()+` FROM `+v.versions+` WHERE `+v.key+` = ? ORDER BY version`)
}

func (s *Store) activate(ctx context.Context, v versioned, name string, version int) error {
	op := fmt.Sprintf("activate version %d of %s %s", version, v.what, name)
	if err := check.Version(version); err != nil {
		return s.fail(op, err)
	}
	return s.update(ctx, op, `
		UPDATE `+v.table+` SET active_version = ?, updated_at = ?
		WHERE name = ? AND EXISTS (
			SELECT 1 FROM `+v.versions+` WHERE `+v.key+` = ? AND version = ?)`,
		version, s.stamp(timeZero), name, name, version)
}
