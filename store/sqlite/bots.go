package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/switchboard-voice/switchboard/store"
	"github.com/switchboard-voice/switchboard/store/internal/check"
)

// SaveDraft creates the bot if needed and replaces its draft.
func (s *Store) SaveDraft(ctx context.Context, bot string, draft json.RawMessage) error {
	op := "save draft of bot " + bot
	if err := check.Name("bot", bot); err != nil {
		return s.fail(op, err)
	}
	if err := check.JSON("draft", draft); err != nil {
		return s.fail(op, err)
	}
	return s.tx(ctx, op, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO bots (name, draft, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET draft = excluded.draft, updated_at = excluded.updated_at`,
			bot, string(draft), s.stamp(timeZero))
		return err
	})
}

const botColumns = `name, draft, active_version, latest_version, updated_at`

func scanBot(row interface{ Scan(...any) error }) (store.Bot, error) {
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

// Bot returns a bot's record, or store.ErrNotFound.
func (s *Store) Bot(ctx context.Context, name string) (store.Bot, error) {
	op := "get bot " + name
	if err := s.live(op); err != nil {
		return store.Bot{}, err
	}
	b, err := scanBot(s.r.QueryRowContext(ctx, `SELECT `+botColumns+` FROM bots WHERE name = ?`, name))
	if err != nil {
		return store.Bot{}, s.fail(op, err)
	}
	return b, nil
}

// Bots lists all bots by name.
func (s *Store) Bots(ctx context.Context) ([]store.Bot, error) {
	const op = "list bots"
	if err := s.live(op); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+botColumns+` FROM bots ORDER BY name`)
	if err != nil {
		return nil, s.fail(op, err)
	}
	defer rows.Close()
	out := []store.Bot{}
	for rows.Next() {
		b, err := scanBot(rows)
		if err != nil {
			return nil, s.fail(op, err)
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(op, err)
	}
	return out, nil
}

// Publish freezes def as the bot's next version and makes it active, in one
// transaction. A bot that does not exist yet is created with def as its
// draft.
func (s *Store) Publish(ctx context.Context, bot string, def json.RawMessage, note string) (int, error) {
	op := "publish bot " + bot
	if err := check.Name("bot", bot); err != nil {
		return 0, s.fail(op, err)
	}
	if err := check.JSON("definition", def); err != nil {
		return 0, s.fail(op, err)
	}
	var version int
	err := s.tx(ctx, op, func(tx *sql.Tx) error {
		now := s.stamp(timeZero)
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO bots (name, draft, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (name) DO NOTHING`, bot, string(def), now); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `
			UPDATE bots SET latest_version = latest_version + 1,
			                active_version = latest_version + 1,
			                updated_at = ?
			WHERE name = ? RETURNING latest_version`, now, bot).Scan(&version); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `
			INSERT INTO bot_versions (bot, version, definition, note, published_at)
			VALUES (?, ?, ?, ?, ?)`, bot, version, string(def), note, now)
		return err
	})
	if err != nil {
		return 0, err
	}
	return version, nil
}

const versionColumns = `bot, version, definition, note, published_at`

func scanVersion(row interface{ Scan(...any) error }) (store.BotVersion, error) {
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

// Version returns one published version, or store.ErrNotFound.
func (s *Store) Version(ctx context.Context, bot string, version int) (store.BotVersion, error) {
	op := fmt.Sprintf("get version %d of bot %s", version, bot)
	if err := check.Version(version); err != nil {
		return store.BotVersion{}, s.fail(op, err)
	}
	if err := s.live(op); err != nil {
		return store.BotVersion{}, err
	}
	v, err := scanVersion(s.r.QueryRowContext(ctx,
		`SELECT `+versionColumns+` FROM bot_versions WHERE bot = ? AND version = ?`, bot, version))
	if err != nil {
		return store.BotVersion{}, s.fail(op, err)
	}
	return v, nil
}

// Versions lists a bot's published versions, oldest first;
// store.ErrNotFound for an unknown bot.
func (s *Store) Versions(ctx context.Context, bot string) ([]store.BotVersion, error) {
	op := "list versions of bot " + bot
	if err := s.live(op); err != nil {
		return nil, err
	}
	// One read transaction, so the bot check and the list see one snapshot.
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, s.fail(op, err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM bots WHERE name = ?`, bot).Scan(&n); err != nil {
		return nil, s.fail(op, err)
	}
	if n == 0 {
		return nil, s.fail(op, store.ErrNotFound)
	}
	rows, err := tx.QueryContext(ctx,
		`SELECT `+versionColumns+` FROM bot_versions WHERE bot = ? ORDER BY version`, bot)
	if err != nil {
		return nil, s.fail(op, err)
	}
	defer rows.Close()
	out := []store.BotVersion{}
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return nil, s.fail(op, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(op, err)
	}
	return out, nil
}

// Activate makes an existing version the active one (rollback).
func (s *Store) Activate(ctx context.Context, bot string, version int) error {
	op := fmt.Sprintf("activate version %d of bot %s", version, bot)
	if err := check.Version(version); err != nil {
		return s.fail(op, err)
	}
	return s.tx(ctx, op, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `
			UPDATE bots SET active_version = ?, updated_at = ?
			WHERE name = ? AND EXISTS (
				SELECT 1 FROM bot_versions WHERE bot = ? AND version = ?)`,
			version, s.stamp(timeZero), bot, bot, version)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return store.ErrNotFound
		}
		return nil
	})
}
