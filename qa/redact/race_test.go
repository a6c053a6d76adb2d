//go:build race

package redact

// raceEnabled: the race detector is on (sync.Pool drops items, allocations
// and timings are not representative).
const raceEnabled = true
