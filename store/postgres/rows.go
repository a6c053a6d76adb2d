package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/switchboard-voice/switchboard/store"
)

// querier runs queries: a pooled connection or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// collect scans every row with a function that also scans QueryRow's row;
// no rows is an empty slice.
func collect[T any](rows pgx.Rows, scan func(pgx.Row) (T, error)) ([]T, error) {
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (T, error) { return scan(r) })
	if out == nil && err == nil {
		out = []T{}
	}
	return out, err
}

// queryAll runs a query and scans every row.
func queryAll[T any](ctx context.Context, q querier, scan func(pgx.Row) (T, error), sql string, args ...any) ([]T, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scan)
}

// list runs a query on a pooled connection and scans every row.
func list[T any](ctx context.Context, s *Store, op string, scan func(pgx.Row) (T, error), sql string, args ...any) ([]T, error) {
	var out []T
	err := s.read(ctx, op, func(ctx context.Context, c *pgxpool.Conn) error {
		var err error
		out, err = queryAll(ctx, c, scan, sql, args...)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// get runs a query on a pooled connection and scans its one row (no row
// is store.ErrNotFound).
func get[T any](ctx context.Context, s *Store, op string, scan func(pgx.Row) (T, error), sql string, args ...any) (T, error) {
	var v T
	err := s.read(ctx, op, func(ctx context.Context, c *pgxpool.Conn) error {
		var err error
		v, err = scan(c.QueryRow(ctx, sql, args...))
		return err
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return v, nil
}

// snapshot runs fn in a read-only REPEATABLE READ transaction, so that
// what it reads is one snapshot.
func (s *Store) snapshot(ctx context.Context, op string, fn func(context.Context, pgx.Tx) error) error {
	return s.read(ctx, op, func(ctx context.Context, c *pgxpool.Conn) error {
		tx, err := c.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		return fn(ctx, tx)
	})
}

// children lists the rows of the parent record whose key is id (a
// session's turns, a bot's versions): store.ErrNotFound when the parent
// does not exist. query takes id as its one argument.
func children[T any](ctx context.Context, s *Store, op, parent, key, id string, scan func(pgx.Row) (T, error), query string) ([]T, error) {
	var out []T
	err := s.read(ctx, op, func(ctx context.Context, c *pgxpool.Conn) error {
		if err := exists(ctx, c, parent, key, id); err != nil {
			return err
		}
		var err error
		out, err = queryAll(ctx, c, scan, query, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// exec runs one statement in a transaction.
func (s *Store) exec(ctx context.Context, op, query string, args ...any) error {
	return s.write(ctx, op, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, query, args...)
		return err
	})
}

// update runs one statement in a transaction; store.ErrNotFound when it
// changed no row.
func (s *Store) update(ctx context.Context, op, query string, args ...any) error {
	return s.write(ctx, op, func(ctx context.Context, tx pgx.Tx) error {
		return affected(tx.Exec(ctx, query, args...))
	})
}

// insertID runs an INSERT ... RETURNING id in a transaction and returns
// the new row's ID.
func (s *Store) insertID(ctx context.Context, op, query string, args ...any) (int64, error) {
	var id int64
	err := s.write(ctx, op, func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, query, args...).Scan(&id)
	})
	return id, err
}

// exists returns store.ErrNotFound when table has no row whose column is
// v. table and column are constants of this package, never input.
func exists(ctx context.Context, q querier, table, column, v string) error {
	var n int
	if err := q.QueryRow(ctx, `SELECT count(*) FROM `+table+` WHERE `+column+` = $1`, v).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%w: no %s %q", store.ErrNotFound, column, v)
	}
	return nil
}

// affected returns store.ErrNotFound when a statement changed no row.
func affected(tag pgconn.CommandTag, err error) error {
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return store.ErrNotFound
	}
	return nil
}

// nullTime is a nullable stored time: nil (NULL) for the zero time.
func (s *Store) nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	st := s.stamp(t)
	return &st
}

// utc reads a nullable stored time; NULL is the zero time.
func utc(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// nullJSON is JSON that may be absent: nil is NULL.
func nullJSON(v []byte) []byte {
	if len(v) == 0 {
		return nil
	}
	return v
}
