// Package shareddata finds the public data sets kept beside the project
// (../shared/data) for tests, evaluations and sample bots. The sets are read
// in place and never copied into the repository.
package shareddata

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// EnvVar overrides where the data sets are.
const EnvVar = "SWITCHBOARD_SHARED_DATA"

// ErrMissing: no shared/data folder was found.
var ErrMissing = errors.New("shareddata: ../shared/data not found (set " + EnvVar + ")")

// Dir returns the shared data folder: $SWITCHBOARD_SHARED_DATA, or the first
// "shared/data" found beside the working directory or one of its parents.
func Dir() (string, error) {
	if d := os.Getenv(EnvVar); d != "" {
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			return d, nil
		}
		return "", ErrMissing
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		cand := filepath.Join(d, "shared", "data")
		if st, err := os.Stat(cand); err == nil && st.IsDir() {
			return cand, nil
		}
		if filepath.Dir(d) == d {
			return "", ErrMissing
		}
	}
}

// Path joins elem to the shared data folder.
func Path(elem ...string) (string, error) {
	d, err := Dir()
	if err != nil {
		return "", err
	}
	return filepath.Join(append([]string{d}, elem...)...), nil
}

// Require returns the path of elem under the shared data folder, or skips
// the test with a clear message when the data sets are absent.
func Require(tb testing.TB, elem ...string) string {
	tb.Helper()
	p, err := Path(elem...)
	if err != nil {
		tb.Skipf("skipping: %v", err)
	}
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("skipping: shared data set %s is missing: %v", p, err)
	}
	return p
}
