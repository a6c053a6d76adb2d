// Package postgres is the PostgreSQL backend of store.Store, for Switchboard
// clusters (several nodes sharing one database), on pgx and its pgxpool
// connection pool.
//
// Tables live in the first schema of the connection's search_path, so one
// database can hold several stores (a schema each): add
// search_path=myschema to the DSN.
//
// A call that loses its connection before anything was committed (a
// server restart, pg_terminate_backend) is retried on a new connection, at
// most twice; when the database stays away, or the connection broke while
// a COMMIT was in flight (its outcome is unknown), the call returns
// store.ErrUnavailable.
//
// The pool pings a connection that sat idle for more than a second before
// lending it, and checks its idle connections in the background; the
// DSN's pool_* settings (pool_max_conn_lifetime, pool_max_conn_idle_time,
// pool_health_check_period, ...) tune it, except the maximum size, which is
// WithMaxConns.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/switchboard-voice/switchboard/store"
	"github.com/switchboard-voice/switchboard/store/internal/check"
	"github.com/switchboard-voice/switchboard/store/migrations"
)

// Option configures Open.
type Option func(*config)

type config struct {
	maxConns int
	conn     func(*pgx.ConnConfig)
	schema   int // the schema version to migrate to; 0: the latest (tests set it)
}

// WithMaxConns sets how many connections the store opens at most
// (default 8, whatever the DSN's pool_max_conns says).
func WithMaxConns(n int) Option {
	return func(c *config) { c.maxConns = n }
}

// WithConnConfig lets the caller adjust the parsed connection settings
// (runtime parameters, TLS, dialer) before the first connection.
func WithConnConfig(f func(*pgx.ConnConfig)) Option {
	return func(c *config) { c.conn = f }
}

// Store is a store.Store on a PostgreSQL database.
type Store struct {
	pool   *pgxpool.Pool
	closed atomic.Bool
	now    func() time.Time
}

var _ store.Store = (*Store)(nil)

// attempts is how often a call runs when its connection is lost before
// anything could have been committed.
const attempts = 3

// Open connects to the database named by dsn (a postgres:// URL or
// key=value string, as libpq takes), checks it answers and applies pending
// migrations.
func Open(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	cfg := config{maxConns: 8}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.maxConns < 1 {
		return nil, fmt.Errorf("store: open postgres: %w: max conns %d", store.ErrInvalid, cfg.maxConns)
	}
	pc, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// The parse error may quote the DSN and its password; do not wrap it.
		return nil, fmt.Errorf("store: open postgres: %w: cannot parse the DSN", store.ErrInvalid)
	}
	if cfg.maxConns > math.MaxInt32 {
		cfg.maxConns = math.MaxInt32
	}
	pc.MaxConns = int32(cfg.maxConns)
	cc := pc.ConnConfig
	if cfg.conn != nil {
		// Once, here: the pool copies the result for every connection.
		cfg.conn(cc)
	}
	p, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("store: open postgres: %w", err)
	}
	s := &Store{pool: p, now: time.Now}
	where := fmt.Sprintf("open postgres %s@%s:%d/%s", cc.User, cc.Host, cc.Port, cc.Database)
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("store: %s: %w", where, err)
	}
	if _, err := s.migrate(ctx, cfg.schema); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error {
	return s.read(ctx, "ping", func(ctx context.Context, c *pgxpool.Conn) error {
		return c.Ping(ctx)
	})
}

// Close closes the connections, after waiting for the calls in progress
// to give theirs back. Later calls return store.ErrUnavailable; closing
// twice is harmless.
func (s *Store) Close() error {
	if !s.closed.Swap(true) {
		s.pool.Close()
	}
	return nil
}

// migrationLock is the advisory lock key taken while migrating, so nodes
// starting together apply each migration once.
const migrationLock = 0x5377_6974_6368 // "Switch"

// Migrate applies the embedded migrations the database lacks, each in its
// own transaction, and returns the versions it applied.
func (s *Store) Migrate(ctx context.Context) (applied []int, err error) {
	return s.migrate(ctx, 0)
}

// migrate applies the migrations up to version upTo (0: all).
func (s *Store) migrate(ctx context.Context, upTo int) (applied []int, err error) {
	ms, err := migrations.Load("postgres")
	if err != nil {
		return nil, err
	}
	const create = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer     NOT NULL PRIMARY KEY,
		name       text        NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now())`
	err = s.write(ctx, "migrate: create schema_migrations", func(ctx context.Context, tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLock)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, create)
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		if upTo > 0 && m.Version > upTo {
			break
		}
		done := false
		err := s.write(ctx, "migrate: apply "+m.Name, func(ctx context.Context, tx pgx.Tx) error {
			done = false
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLock)); err != nil {
				return err
			}
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM schema_migrations WHERE version = $1`,
				m.Version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			// No arguments: the simple protocol runs every statement of the file.
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`,
				m.Version, m.Name)
			done = err == nil
			return err
		})
		if err != nil {
			return applied, err
		}
		if done {
			applied = append(applied, m.Version)
		}
	}
	return applied, nil
}

// read runs fn on a pooled connection, again on a new one if the
// connection was lost.
func (s *Store) read(ctx context.Context, op string, fn func(context.Context, *pgxpool.Conn) error) error {
	var err error
	for try := 1; ; try++ {
		err = s.once(ctx, fn)
		if err == nil || try == attempts || !s.retry(ctx, err) {
			break
		}
	}
	if err != nil {
		return s.fail(op, err)
	}
	return nil
}

// commitError marks a failed COMMIT: its outcome is unknown, so the
// transaction is never retried.
type commitError struct{ err error }

func (e commitError) Error() string { return "commit: " + e.err.Error() }
func (e commitError) Unwrap() error { return e.err }

// write runs fn in a transaction and commits it. If the connection is lost
// before the COMMIT, the server has rolled the transaction back and it runs
// again on a new connection; fn must reset whatever it collects.
func (s *Store) write(ctx context.Context, op string, fn func(context.Context, pgx.Tx) error) error {
	return s.read(ctx, op, func(ctx context.Context, c *pgxpool.Conn) error {
		tx, err := c.Begin(ctx)
		if err != nil {
			return err
		}
		if err := fn(ctx, tx); err != nil {
			tx.Rollback(ctx)
			return err
		}
		if err := tx.Commit(ctx); err != nil {
			return commitError{err}
		}
		return nil
	})
}

// once runs fn on a pooled connection. The pool destroys the connection on
// release if it broke or was left inside a transaction.
func (s *Store) once(ctx context.Context, fn func(context.Context, *pgxpool.Conn) error) error {
	if s.closed.Load() {
		return fmt.Errorf("%w: store is closed", store.ErrUnavailable)
	}
	c, err := s.pool.Acquire(ctx)
	if err != nil {
		// After a concurrent Close this is puddle.ErrClosedPool, which
		// kind maps to ErrUnavailable and retry refuses.
		return err
	}
	defer c.Release()
	return fn(ctx, c)
}

// retry reports whether a failed call may run again, and if so drops the
// pooled connections, which the server probably dropped too (those in use
// are closed when released).
func (s *Store) retry(ctx context.Context, err error) bool {
	var ce commitError
	if ctx.Err() != nil || s.closed.Load() || errors.As(err, &ce) || !connLost(err) {
		return false
	}
	s.pool.Reset()
	return true
}

// connLost reports whether err means the connection or server failed, as
// opposed to the statement.
func connLost(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case len(pe.Code) == 5 && pe.Code[:2] == "08": // connection_exception
			return true
		case pe.Code == "57P01", pe.Code == "57P02", pe.Code == "57P03": // shutdown
			return true
		case pe.Code == "53300": // too many connections
			return true
		}
		return false
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) || pgconn.SafeToRetry(err) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed)
}

// fail names the operation and maps err to the store's sentinel errors.
func (s *Store) fail(op string, err error) error {
	if kind := s.kind(err); kind != nil {
		return fmt.Errorf("store: %s: %w: %w", op, kind, err)
	}
	return fmt.Errorf("store: %s: %w", op, err)
}

func (s *Store) kind(err error) error {
	for _, k := range []error{store.ErrNotFound, store.ErrConflict, store.ErrUnavailable, store.ErrInvalid} {
		if errors.Is(err, k) {
			return nil
		}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return nil
	}
	if s.closed.Load() || connLost(err) {
		return store.ErrUnavailable
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return store.ErrNotFound
	}
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || len(pe.Code) != 5 {
		return nil
	}
	switch class := pe.Code[:2]; {
	case pe.Code == "23505": // unique_violation
		return store.ErrConflict
	case pe.Code == "23503": // foreign_key_violation
		return store.ErrNotFound
	case class == "22", class == "23": // data exception, other constraints
		return store.ErrInvalid
	case class == "53", class == "58": // resources, system errors
		return store.ErrUnavailable
	}
	return nil
}

// stamp is a time as stored; zero means now.
func (s *Store) stamp(t time.Time) time.Time {
	return check.Time(t, s.now())
}

// timeZero asks stamp for the current time.
var timeZero time.Time
