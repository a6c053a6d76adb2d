package sqlite

import "context"

// WithSchemaVersion makes Open migrate up to version v only, to build a
// database as an older release left it.
func WithSchemaVersion(v int) Option {
	return func(c *config) { c.schema = v }
}

// ExecRaw runs SQL on the write connection, bypassing the store.
func (s *Store) ExecRaw(ctx context.Context, sql string) error {
	_, err := s.w.ExecContext(ctx, sql)
	return err
}
