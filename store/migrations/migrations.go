// Package migrations holds the versioned schema of each store backend,
// embedded in the binary.
//
// Each dialect has a folder of files named NNNN_description.sql. Version
// NNNN is applied once, in its own transaction, and recorded in the
// schema_migrations table. Published files are never edited: a schema
// change is a new file with the next number.
package migrations

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:embed sqlite/*.sql postgres/*.sql
var files embed.FS

// Migration is one schema step.
type Migration struct {
	Version int    // from the file name, >= 1
	Name    string // the file name
	SQL     string // one or more statements
}

// Load returns the migrations of a dialect ("sqlite" or "postgres") in
// version order. It fails on a malformed file name or a duplicate version.
func Load(dialect string) ([]Migration, error) {
	return load(files, dialect)
}

func load(fsys fs.FS, dialect string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dialect)
	if err != nil {
		return nil, fmt.Errorf("migrations: dialect %q: %w", dialect, err)
	}
	var out []Migration
	seen := map[int]string{}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migrations: %s/%s: name must be NNNN_description.sql", dialect, name)
		}
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations: %s: version %d used by %s and %s", dialect, v, prev, name)
		}
		seen[v] = name
		b, err := fs.ReadFile(fsys, path.Join(dialect, name))
		if err != nil {
			return nil, fmt.Errorf("migrations: %s/%s: %w", dialect, name, err)
		}
		out = append(out, Migration{Version: v, Name: name, SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}
