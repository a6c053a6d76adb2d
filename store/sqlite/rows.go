package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/switchboard-voice/switchboard/store"
)

// scanner is a row: *sql.Row or *sql.Rows.
type scanner interface{ Scan(...any) error }

// queryer runs queries: the read pool or a transaction.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// collect runs a query and scans every row; no rows is an empty slice.
func collect[T any](ctx context.Context, q queryer, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// list runs a query on the read pool and scans every row.
func list[T any](ctx context.Context, s *Store, op string, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	if err := s.live(op); err != nil {
		return nil, err
	}
	out, err := collect(ctx, s.r, scan, query, args...)
	if err != nil {
		return nil, s.fail(op, err)
	}
	return out, nil
}

// get runs a query on the read pool and scans its one row (no row is
// store.ErrNotFound).
func get[T any](ctx context.Context, s *Store, op string, scan func(scanner) (T, error), query string, args ...any) (T, error) {
	var zero T
	if err := s.live(op); err != nil {
		return zero, err
	}
	v, err := scan(s.r.QueryRowContext(ctx, query, args...))
	if err != nil {
		return zero, s.fail(op, err)
	}
	return v, nil
}

// read runs fn in a read transaction on the read pool, so that what it
// reads is one snapshot.
func (s *Store) read(ctx context.Context, op string, fn func(*sql.Tx) error) error {
	if err := s.live(op); err != nil {
		return err
	}
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return s.fail(op, err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return s.fail(op, err)
	}
	return nil
}

// children lists the rows of the parent record whose key is id (a
// session's turns, a bot's versions), in one snapshot: store.ErrNotFound
// when the parent does not exist. query takes id as its one argument.
func children[T any](ctx context.Context, s *Store, op, parent, key, id string, scan func(scanner) (T, error), query string) ([]T, error) {
	var out []T
	err := s.read(ctx, op, func(tx *sql.Tx) error {
		if err := exists(ctx, tx, parent, key, id); err != nil {
			return err
		}
		var err error
		out, err = collect(ctx, tx, scan, query, id)
		return err
	})
	return out, err
}

// exec runs one statement in a write transaction.
func (s *Store) exec(ctx context.Context, op, query string, args ...any) error {
	return s.tx(ctx, op, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, query, args...)
		return err
	})
}

// update runs one statement in a write transaction; store.ErrNotFound
// when it changed no row.
func (s *Store) update(ctx context.Context, op, query string, args ...any) error {
	return s.tx(ctx, op, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, query, args...)
		if err != nil {
			return err
		}
		return affected(res)
	})
}

// insertID runs an INSERT ... RETURNING id in a write transaction and
// returns the new row's ID.
func (s *Store) insertID(ctx context.Context, op, query string, args ...any) (int64, error) {
	var id int64
	err := s.tx(ctx, op, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, query, args...).Scan(&id)
	})
	return id, err
}

// exists returns store.ErrNotFound when table has no row whose column is
// v. table and column are constants of this package, never input.
func exists(ctx context.Context, q queryer, table, column, v string) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM `+table+` WHERE `+column+` = ?`, v).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%w: no %s %q", store.ErrNotFound, column, v)
	}
	return nil
}

// affected returns store.ErrNotFound when a statement changed no row.
func affected(res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}

// nullTime is a nullable stored time: NULL for the zero time.
func (s *Store) nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return s.stamp(t)
}

// parseNullTime reads a nullable stored time; NULL is the zero time.
func parseNullTime(v sql.NullString) (time.Time, error) {
	if !v.Valid {
		return time.Time{}, nil
	}
	return parseTime(v.String)
}

// nullFloat is a nullable float as the store returns it.
func nullFloat(v sql.NullFloat64) *float64 {
	if !v.Valid {
		return nil
	}
	f := v.Float64
	return &f
}

// nullJSON is stored JSON that may be absent: nil is NULL.
func nullJSON(v []byte) any {
	if len(v) == 0 {
		return nil
	}
	return string(v)
}
