package tts

import "errors"

// ErrUnavailable: the provider could not be used or failed (an HTTP error
// status, a broken connection or stream, a missing engine). Providers wrap
// it, so that a caller can fall back to another Synthesizer with
// errors.Is(err, tts.ErrUnavailable) without knowing the provider.
var ErrUnavailable = errors.New("tts: provider unavailable")
