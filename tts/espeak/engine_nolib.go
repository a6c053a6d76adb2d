//go:build !cgo

package espeak

import "fmt"

// haveLib reports whether the library engine is compiled in: not without
// cgo, where the espeak-ng command is used instead.
const haveLib = false

func newLibEngine() (engine, error) {
	return nil, fmt.Errorf("%w: built without cgo, so without libespeak-ng (use WithCommand)", ErrUnavailable)
}
