package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

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
// draft. Concurrent publishers of one bot queue on the bot's row, so
// versions have no gaps.
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
		INSERT INTO `+v.table+` (name, draft, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET draft = excluded.draft, updated_at = excluded.updated_at`,
		name, []byte(draft), s.stamp(timeZero))
}

const recordColumns = `name, draft, active_version, latest_version, updated_at`

func scanRecord(row pgx.Row) (store.Bot, error) {
	var b store.Bot
	var draft []byte
	err := row.Scan(&b.Name, &draft, &b.ActiveVersion, &b.LatestVersion, &b.UpdatedAt)
	b.Draft = json.RawMessage(draft)
	b.UpdatedAt = b.UpdatedAt.UTC()
	return b, err
}

func (s *Store) record(ctx context.Context, v versioned, name string) (store.Bot, error) {
	return get(ctx, s, "get "+v.what+" "+name, scanRecord,
		`SELECT `+recordColumns+` FROM `+v.table+` WHERE name = $1`, name)
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
	err := s.write(ctx, op, func(ctx context.Context, tx pgx.Tx) error {
		now := s.stamp(timeZero)
		if _, err := tx.Exec(ctx, `
			INSERT INTO `+v.table+` (name, draft, updated_at) VALUES ($1, $2, $3)
			ON CONFLICT (name) DO NOTHING`, name, []byte(def), now); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `
			UPDATE `+v.table+` SET latest_version = latest_version + 1,
			                active_version = latest_version + 1,
			                updated_at = $1
			WHERE name = $2 RETURNING latest_version`, now, name).Scan(&version); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `
			INSERT INTO `+v.versions+` (`+v.key+`, version, definition, note, published_at)
			VALUES ($1, $2, $3, $4, $5)`, name, version, []byte(def), note, now)
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

func scanVersion(row pgx.Row) (store.BotVersion, error) {
	var v store.BotVersion
	var def []byte
	err := row.Scan(&v.Bot, &v.Version, &def, &v.Note, &v.PublishedAt)
	v.Definition = json.RawMessage(def)
	v.PublishedAt = v.PublishedAt.UTC()
	return v, err
}

func (s *Store) version(ctx context.Context, v versioned, name string, version int) (store.BotVersion, error) {
	op := fmt.Sprintf("get version %d of %s %s", version, v.what, name)
	if err := check.Version(version); err != nil {
		return store.BotVersion{}, s.fail(op, err)
	}
	return get(ctx, s, op, scanVersion,
		`SELECT `+v.columns()+` FROM `+v.versions+` WHERE `+v.key+` = $1 AND version = $2`, name, version)
}

func (s *Store) versionList(ctx context.Context, v versioned, name string) ([]store.BotVersion, error) {
	return children(ctx, s, "list versions of "+v.what+" "+name, v.table, "name", name, scanVersion,
		`SELECT `+v.columns()+` FROM `+v.versions+` WHERE `+v.key+` = $1 ORDER BY version`)
}

func (s *Store) activate(ctx context.Context, v versioned, name string, version int) error {
	op := fmt.Sprintf("activate version %d of %s %s", version, v.what, name)
	if err := check.Version(version); err != nil {
		return s.fail(op, err)
	}
	return s.update(ctx, op, `
		UPDATE `+v.table+` SET active_version = $1, updated_at = $2
		WHERE name = $3 AND EXISTS (
			SELECT 1 FROM `+v.versions+` WHERE `+v.key+` = $3 AND version = $1)`,
		version, s.stamp(timeZero), name)
}
