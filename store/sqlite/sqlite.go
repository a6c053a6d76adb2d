// Package sqlite is the SQLite backend of store.Store, for a single
// Switchboard node (pure Go, no cgo: modernc.org/sqlite).
//
// The database runs in WAL mode with foreign keys on. Writers share one
// connection and start their transactions with BEGIN IMMEDIATE, so writers
// of one Store queue in Go instead of failing with SQLITE_BUSY; readers use
// a separate pool and never block the writer. Other processes opening the
// same file wait up to the busy timeout.
package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/switchboard-voice/switchboard/store"
	"github.com/switchboard-voice/switchboard/store/internal/check"
	"github.com/switchboard-voice/switchboard/store/migrations"
)

// Memory is the path of a private in-memory database, gone at Close.
const Memory = ":memory:"

// timeLayout stores times as fixed-width UTC text that sorts as a string.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// Option configures Open.
type Option func(*config)

type config struct {
	busyTimeout time.Duration
	readConns   int
	schema      int // the schema version to migrate to; 0: the latest (tests set it)
}

// WithBusyTimeout sets how long a writer waits for another process holding
// the database's write lock (default 5s). Writers of the same Store never
// wait on each other through SQLite: they queue for one connection.
func WithBusyTimeout(d time.Duration) Option {
	return func(c *config) { c.busyTimeout = d }
}

// WithReadConns sets the size of the read pool (default 4). It is ignored
// for an in-memory database, which has a single connection.
func WithReadConns(n int) Option {
	return func(c *config) { c.readConns = n }
}

// Store is a store.Store on a SQLite database.
type Store struct {
	path   string
	w      *sql.DB // one connection, for every write transaction
	r      *sql.DB // read pool; w itself for an in-memory database
	closed atomic.Bool
	now    func() time.Time
}

var _ store.Store = (*Store)(nil)

// Open opens (creating it and its parent directories if needed) the
// database at path, or a private in-memory one for path ":memory:", and
// applies pending migrations.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	cfg := config{busyTimeout: 5 * time.Second, readConns: 4}
	for _, o := range opts {
		o(&cfg)
	}
	if path == "" {
		return nil, fmt.Errorf("store: open sqlite: %w: empty path", store.ErrInvalid)
	}
	if cfg.busyTimeout < 0 || cfg.readConns < 1 {
		return nil, fmt.Errorf("store: open sqlite: %w: busy timeout %v, read conns %d",
			store.ErrInvalid, cfg.busyTimeout, cfg.readConns)
	}
	s := &Store{path: path, now: time.Now}
	if path == Memory {
		db := sql.OpenDB(connector(dsn(path, cfg, false)))
		// Every connection to ":memory:" is a new database: keep exactly one.
		db.SetMaxOpenConns(1)
		db.SetMaxIdleConns(1)
		db.SetConnMaxLifetime(0)
		db.SetConnMaxIdleTime(0)
		s.w, s.r = db, db
	} else {
		if dir := filepath.Dir(path); dir != "" {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, fmt.Errorf("store: open sqlite %s: %w: %w", path, store.ErrUnavailable, err)
			}
		}
		w := sql.OpenDB(connector(dsn(path, cfg, false)))
		w.SetMaxOpenConns(1)
		w.SetMaxIdleConns(1)
		w.SetConnMaxLifetime(0)
		r := sql.OpenDB(connector(dsn(path, cfg, true)))
		r.SetMaxOpenConns(cfg.readConns)
		r.SetMaxIdleConns(cfg.readConns)
		s.w, s.r = w, r
	}
	// The write connection is opened first so that it creates the file and
	// switches it to WAL before any read-only connection looks at it.
	if err := s.w.PingContext(ctx); err != nil {
		s.Close()
		return nil, s.fail("open sqlite "+path, err)
	}
	if _, err := s.migrate(ctx, cfg.schema); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// foldFunc is the SQL function that lower-cases text with Unicode case
// mapping (SQLite's lower() maps ASCII only), for case-insensitive search.
const foldFunc = "switchboard_fold"

// drv is this package's own SQLite driver: the functions it registers
// reach only the connections of this package's stores.
var drv = &msqlite.Driver{}

func init() {
	drv.MustRegisterDeterministicScalarFunction(foldFunc, 1, func(_ *msqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		switch v := args[0].(type) {
		case string:
			return strings.ToLower(v), nil
		case []byte:
			return strings.ToLower(string(v)), nil
		}
		return args[0], nil // NULL and numbers as they are
	})
}

// connector opens connections of drv to one data source.
type connector string

// Connect opens a connection.
func (c connector) Connect(context.Context) (driver.Conn, error) { return drv.Open(string(c)) }

// Driver returns drv.
func (c connector) Driver() driver.Driver { return drv }

// dsn builds the modernc.org/sqlite data source name. Every connection
// gets the pragmas; readers are also query-only.
func dsn(path string, cfg config, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout("+strconv.FormatInt(cfg.busyTimeout.Milliseconds(), 10)+")")
	q.Add("_pragma", "foreign_keys(1)")
	if path != Memory {
		q.Add("_pragma", "journal_mode(WAL)")
		// NORMAL is durable across application crashes in WAL mode; a power
		// loss may lose the last transactions, never corrupt the file.
		q.Add("_pragma", "synchronous(NORMAL)")
	}
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Set("_txlock", "immediate")
	}
	return path + "?" + q.Encode()
}

// Path returns the database path given to Open.
func (s *Store) Path() string { return s.path }

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.live("ping"); err != nil {
		return err
	}
	var one int
	if err := s.r.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return s.fail("ping", err)
	}
	return nil
}

// Close closes the database. Later calls return store.ErrUnavailable;
// closing twice is harmless.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	err := s.w.Close()
	if s.r != s.w {
		err = errors.Join(err, s.r.Close())
	}
	if err != nil {
		return fmt.Errorf("store: close sqlite %s: %w", s.path, err)
	}
	return nil
}

// Migrate applies the embedded migrations the database lacks, each in its
// own transaction, and returns the versions it applied.
func (s *Store) Migrate(ctx context.Context) (applied []int, err error) {
	return s.migrate(ctx, 0)
}

// migrate applies the migrations up to version upTo (0: all).
func (s *Store) migrate(ctx context.Context, upTo int) (applied []int, err error) {
	if err := s.live("migrate"); err != nil {
		return nil, err
	}
	ms, err := migrations.Load("sqlite")
	if err != nil {
		return nil, err
	}
	const create = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER NOT NULL PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_at TEXT    NOT NULL)`
	if _, err := s.w.ExecContext(ctx, create); err != nil {
		return nil, s.fail("migrate: create schema_migrations", err)
	}
	for _, m := range ms {
		if upTo > 0 && m.Version > upTo {
			break
		}
		op := "migrate: apply " + m.Name
		err := s.tx(ctx, op, func(tx *sql.Tx) error {
			var n int
			if err := tx.QueryRowContext(ctx,
				`SELECT count(*) FROM schema_migrations WHERE version = ?`, m.Version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx,
				`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.Version, m.Name, s.stamp(time.Time{}))
			if err == nil {
				applied = append(applied, m.Version)
			}
			return err
		})
		if err != nil {
			return applied, err
		}
	}
	return applied, nil
}

// tx runs fn in a write transaction (BEGIN IMMEDIATE on the single write
// connection) and commits it; any error rolls everything back.
func (s *Store) tx(ctx context.Context, op string, fn func(*sql.Tx) error) error {
	if err := s.live(op); err != nil {
		return err
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return s.fail(op, err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return s.fail(op, err)
	}
	if err := tx.Commit(); err != nil {
		return s.fail(op, err)
	}
	return nil
}

// live returns store.ErrUnavailable once the store is closed.
func (s *Store) live(op string) error {
	if s.closed.Load() {
		return fmt.Errorf("store: %s: %w: store is closed", op, store.ErrUnavailable)
	}
	return nil
}

// fail names the operation and maps err to the store's sentinel errors.
// An error that already carries one is only given the operation's name.
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
	if s.closed.Load() || errors.Is(err, sql.ErrConnDone) {
		return store.ErrUnavailable
	}
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	var se *msqlite.Error
	if !errors.As(err, &se) {
		return nil
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return store.ErrConflict
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return store.ErrNotFound
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_CONSTRAINT, sqlite3.SQLITE_TOOBIG, sqlite3.SQLITE_MISMATCH, sqlite3.SQLITE_RANGE:
		return store.ErrInvalid
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR,
		sqlite3.SQLITE_FULL, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB,
		sqlite3.SQLITE_PERM, sqlite3.SQLITE_NOMEM, sqlite3.SQLITE_PROTOCOL:
		return store.ErrUnavailable
	}
	return nil
}

// stamp formats a time for storage; zero means now.
func (s *Store) stamp(t time.Time) string {
	return check.Time(t, s.now()).Format(timeLayout)
}

func parseTime(v string) (time.Time, error) {
	t, err := time.Parse(timeLayout, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", v, err)
	}
	return t, nil
}

// timeZero asks stamp for the current time.
var timeZero time.Time
