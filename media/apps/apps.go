// Package apps holds the dialplan applications that ship with the media
// layer: Echo, which plays back what it hears (for tests and line checks),
// and Playback, which plays a WAV file and hangs up. Later issues add the
// voicebot and queue applications elsewhere.
package apps

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/switchboard-voice/switchboard/media"
)

// DTMFFunc is told about every digit an application receives.
type DTMFFunc func(leg media.LegInfo, d media.DTMF)

// Echo returns the echo application: every frame received is sent back,
// and every DTMF digit is logged (and passed to onDTMF when not nil). It
// returns when the leg ends.
func Echo(log *slog.Logger, onDTMF DTMFFunc) media.Application {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return media.ApplicationFunc(func(ctx context.Context, leg media.Leg) error {
		info := leg.Info()
		l := log.With("call_id", info.ID, "app", "echo")
		r := &echo{leg: leg, info: info, log: l, onDTMF: onDTMF}
		leg.Attach(r)
		defer leg.Attach(nil)
		l.Info("echo started", "from", info.From, "to", info.To, "codec", info.Codec)
		select {
		case <-leg.Done():
		case <-ctx.Done():
		}
		return nil
	})
}

type echo struct {
	leg    media.Leg
	info   media.LegInfo
	log    *slog.Logger
	onDTMF DTMFFunc
	buf    []int16
	mu     sync.Mutex
}

func (e *echo) WriteFrame(f media.Frame) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	// The leg may reuse f.Samples after we return: send a copy.
	e.buf = append(e.buf[:0], f.Samples...)
	f.Samples = e.buf
	return e.leg.WriteFrame(f)
}

func (e *echo) OnDTMF(d media.DTMF) {
	e.log.Info("dtmf", "digit", string(d.Digit), "inband", d.InBand)
	if e.onDTMF != nil {
		e.onDTMF(e.info, d)
	}
}

func (e *echo) Close() error { return nil }

// Playback returns an application that plays a WAV file (PCM16 or G.711,
// any of 8/16/48 kHz; stereo is mixed down) to the caller in real time and
// returns when it has been played, so the caller is hung up.
func Playback(file string, log *slog.Logger) (media.Application, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("playback: %w", err)
	}
	defer f.Close()
	pcm, rate, channels, err := media.ReadWAV(f)
	if err != nil {
		return nil, fmt.Errorf("playback %s: %w", file, err)
	}
	if channels == 2 {
		mono := make([]int16, len(pcm)/2)
		for i := range mono {
			mono[i] = int16((int32(pcm[2*i]) + int32(pcm[2*i+1])) / 2)
		}
		pcm = mono
	} else if channels != 1 {
		return nil, fmt.Errorf("playback %s: %d channels (want 1 or 2)", file, channels)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return media.ApplicationFunc(func(ctx context.Context, leg media.Leg) error {
		info := leg.Info()
		log.Info("playback started", "call_id", info.ID, "file", file)
		return Play(ctx, leg, pcm, rate)
	}), nil
}

// Play sends pcm at rate to the leg in real time, one 20 ms frame per
// tick, and returns when it has all been sent (plus the leg's queue) or the
// leg or ctx ends.
func Play(ctx context.Context, leg media.Leg, pcm []int16, rate int) error {
	n := media.SamplesPerFrame(rate)
	start := time.Now()
	for i, k := 0, 0; i < len(pcm); i, k = i+n, k+1 {
		end := min(i+n, len(pcm))
		frame := make([]int16, n)
		copy(frame, pcm[i:end])
		if err := leg.WriteFrame(media.Frame{Samples: frame, Rate: rate, Timestamp: time.Duration(k) * media.FrameDuration}); err != nil {
			return err
		}
		// Stay two frames ahead of real time: the leg paces the sending.
		next := start.Add(time.Duration(k-1) * media.FrameDuration)
		select {
		case <-leg.Done():
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Until(next)):
		}
	}
	// Let the queued frames go out before the caller hangs up.
	select {
	case <-leg.Done():
	case <-ctx.Done():
	case <-time.After(3 * media.FrameDuration):
	}
	return nil
}
