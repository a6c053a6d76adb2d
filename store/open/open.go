// Package open opens a store.Store by driver name, for configuration files
// that say which database to use:
//
//	st, err := open.Open(ctx, "sqlite", "/var/lib/switchboard/switchboard.db")
//	st, err := open.Open(ctx, "postgres", "postgres://switchboard@db/switchboard")
//
// It lives apart from package store so that store does not import its
// backends (which import store).
package open

import (
	"context"
	"fmt"

	"github.com/switchboard-voice/switchboard/store"
	"github.com/switchboard-voice/switchboard/store/postgres"
	"github.com/switchboard-voice/switchboard/store/sqlite"
)

// Drivers are the driver names Open knows.
var Drivers = []string{"sqlite", "postgres"}

// Open opens the store of driver "sqlite" (dsn is a file path or
// ":memory:") or "postgres" (dsn is a libpq URL or key=value string) and
// applies pending migrations. An unknown driver is store.ErrInvalid.
func Open(ctx context.Context, driver, dsn string) (store.Store, error) {
	switch driver {
	case "sqlite":
		s, err := sqlite.Open(ctx, dsn)
		if err != nil {
			return nil, err
		}
		return s, nil
	case "postgres":
		s, err := postgres.Open(ctx, dsn)
		if err != nil {
			return nil, err
		}
		return s, nil
	}
	return nil, fmt.Errorf("store: open: %w: unknown driver %q (want one of %q)", store.ErrInvalid, driver, Drivers)
}
