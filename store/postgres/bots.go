package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

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
	return s.write(ctx, op, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `
			INSERT INTO bots (name, draft, updated_at) VALUES ($1, $2, $3)
			ON CONFLICT (name) DO UPDATE SET draft = excluded.draft, updated_at = excluded.updated_at`,
			bot, []byte(draft), s.stamp(timeZero))
		return err
	})
}

const botColumns = `name, draft, active_version, latest_version, updated_at`

func scanBot(row pgx.Row) (store.Bot, error) {
	var b store.Bot
	var draft []byte
	err := row.Scan(&b.Name, &draft, &b.ActiveVersion, &b.LatestVersion, &b.UpdatedAt)
	b.Draft = json.RawMessage(draft)
	b.UpdatedAt = b.UpdatedAt.UTC()
	return b, err
}

// Bot returns a bot's record, or store.ErrNotFound.
func (s *Store) Bot(ctx context.Context, name string) (store.Bot, error) {
	var b store.Bot
	err := s.read(ctx, "get bot "+name, func(ctx context.Context, c *pgxpool.Conn) error {
		var err error
		b, err = scanBot(c.QueryRow(ctx, `SELECT `+botColumns+` FROM bots WHERE name = $1`, name))
		return err
	})
	if err != nil {
		return store.Bot{}, err
	}
	return b, nil
}

// Bots lists all bots by name.
func (s *Store) Bots(ctx context.Context) ([]store.Bot, error) {
	var out []store.Bot
	err := s.read(ctx, "list bots", func(ctx context.Context, c *pgxpool.Conn) error {
		rows, err := c.Query(ctx, `SELECT `+botColumns+` FROM bots ORDER BY name`)
		if err != nil {
			return err
		}
		out, err = collect(rows, scanBot)
		return err
	})
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = []store.Bot{}
	}
	return out, nil
}

// Publish freezes def as the bot's next version and makes it active, in one
// transaction. A bot that does not exist yet is created with def as its
// draft. Concurrent publishers of one bot queue on the bot's row, so
// versions have no gaps.
func (s *Store) Publish(ctx context.Context, bot string, def json.RawMessage, note string) (int, error) {
	op := "publish bot " + bot
	if err := check.Name("bot", bot); err != nil {
		return 0, s.fail(op, err)
	}
	if err := check.JSON("definition", def); err != nil {
		return 0, s.fail(op, err)
	}
	var version int
	err := s.write(ctx, op, func(ctx context.Context, tx pgx.Tx) error {
		now := s.stamp(timeZero)
		if _, err := tx.Exec(ctx, `
			INSERT INTO bots (name, draft, updated_at) VALUES ($1, $2, $3)
			ON CONFLICT (name) DO NOTHING`, bot, []byte(def), now); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `
			UPDATE bots SET latest_version = latest_version + 1,
			                active_version = latest_version + 1,
			                updated_at = $1
			WHERE name = $2 RETURNING latest_version`, now, bot).Scan(&version); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `
			INSERT INTO bot_versions (bot, version, definition, note, published_at)
			VALUES ($1, $2, $3, $4, $5)`, bot, version, []byte(def), note, now)
		return err
	})
	if err != nil {
		return 0, err
	}
	return version, nil
}

const versionColumns = `bot, version, definition, note, published_at`

func scanVersion(row pgx.Row) (store.BotVersion, error) {
	var v store.BotVersion
	var def []byte
	err := row.Scan(&v.Bot, &v.Version, &def, &v.Note, &v.PublishedAt)
	v.Definition = json.RawMessage(def)
	v.PublishedAt = v.PublishedAt.UTC()
	return v, err
}

// Version returns one published version, or store.ErrNotFound.
func (s *Store) Version(ctx context.Context, bot string, version int) (store.BotVersion, error) {
	op := fmt.Sprintf("get version %d of bot %s", version, bot)
	if err := check.Version(version); err != nil {
		return store.BotVersion{}, s.fail(op, err)
	}
	var v store.BotVersion
	err := s.read(ctx, op, func(ctx context.Context, c *pgxpool.Conn) error {
		var err error
		v, err = scanVersion(c.QueryRow(ctx,
			`SELECT `+versionColumns+` FROM bot_versions WHERE bot = $1 AND version = $2`, bot, version))
		return err
	})
	if err != nil {
		return store.BotVersion{}, err
	}
	return v, nil
}

// Versions lists a bot's published versions, oldest first;
// store.ErrNotFound for an unknown bot.
func (s *Store) Versions(ctx context.Context, bot string) ([]store.BotVersion, error) {
	var out []store.BotVersion
	err := s.read(ctx, "list versions of bot "+bot, func(ctx context.Context, c *pgxpool.Conn) error {
		var n int
		if err := c.QueryRow(ctx, `SELECT count(*) FROM bots WHERE name = $1`, bot).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return store.ErrNotFound
		}
		rows, err := c.Query(ctx,
			`SELECT `+versionColumns+` FROM bot_versions WHERE bot = $1 ORDER BY version`, bot)
		if err != nil {
			return err
		}
		out, err = collect(rows, scanVersion)
		return err
	})
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = []store.BotVersion{}
	}
	return out, nil
}

// Activate makes an existing version the active one (rollback).
func (s *Store) Activate(ctx context.Context, bot string, version int) error {
	op := fmt.Sprintf("activate version %d of bot %s", version, bot)
	if err := check.Version(version); err != nil {
		return s.fail(op, err)
	}
	return s.write(ctx, op, func(ctx context.Context, tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			UPDATE bots SET active_version = $1, updated_at = $2
			WHERE name = $3 AND EXISTS (
				SELECT 1 FROM bot_versions WHERE bot = $3 AND version = $1)`,
			version, s.stamp(timeZero), bot)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return store.ErrNotFound
		}
		return nil
	})
}
