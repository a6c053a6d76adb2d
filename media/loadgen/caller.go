package loadgen

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/audiotest"
	"github.com/switchboard-voice/switchboard/media/sip"
)

// toneCheckEvery is how often (in received frames) a caller checks for its
// tone: a Goertzel filter every 5th frame keeps the generator cheap.
const toneCheckEvery = 5

// toneThreshold is the tone power that counts as echoed: -20 dBFS, against
// a tone sent at 0.3 of full scale (-13.5 dBFS).
const toneThreshold = 0.01

// caller is one call of the generator: the application that plays the
// tone and the receiver that listens for its echo.
type caller struct {
	tone    []int16 // shared, read-only
	toneHz  float64
	stopAt  time.Time
	settled *atomic.Int64 // calls answered or failed
	up      *atomic.Int64 // calls answered and not ended

	// Set by run before settled is counted, read after.
	setup time.Duration
	err   error
	// Set by Serve; read after the call has ended.
	dropped bool
	// Set by serve before the receiver is attached, then used by
	// WriteFrame (on the leg's clock) only: the leg and the tone left.
	leg  media.Leg
	play []int16

	answered       atomic.Bool
	frames         atomic.Int64 // frames received
	checked, heard atomic.Int64 // frames checked for the tone, and with it
}

// run places the call and returns when it has ended.
func (c *caller) run(ctx context.Context, gen *sip.Server, to string, setupTimeout time.Duration) {
	ctx, cancel := context.WithDeadline(ctx, c.stopAt.Add(setupTimeout))
	defer cancel()
	first := time.Now()
	for {
		sent := time.Now()
		app := media.ApplicationFunc(func(ctx context.Context, leg media.Leg) error {
			c.setup = time.Since(sent)
			c.answered.Store(true)
			c.settled.Add(1)
			c.up.Add(1)
			defer c.up.Add(-1)
			return c.serve(ctx, leg)
		})
		err := gen.Call(ctx, to, app)
		// The generator's SIP server may still be starting.
		if errors.Is(err, sip.ErrNotServing) && time.Since(first) < 2*time.Second {
			time.Sleep(5 * time.Millisecond)
			continue
		}
		if !c.answered.Load() {
			c.err = err
			c.settled.Add(1)
		} else if err != nil && !errors.Is(err, context.Canceled) && c.err == nil {
			c.err = err
		}
		return
	}
}

// serve plays the tone until the steady state ends and counts the echo.
//
// The tone is fed from the leg's playout (WriteFrame, once per 20 ms on the
// media clock): a frame out for each frame in, toneLead frames ahead. The
// generator then has no goroutine waking per call and frame, nor a timer
// and a frame buffer allocated for each (as apps.Play has), which would
// compete with the server for the CPUs it measures.
func (c *caller) serve(ctx context.Context, leg media.Leg) error {
	spf := media.SamplesPerFrame(media.Rate8k)
	n := int(time.Until(c.stopAt) / media.FrameDuration * time.Duration(spf))
	n = min(max(n, spf), len(c.tone)) / spf * spf
	c.leg, c.play = leg, c.tone[:n]
	for range toneLead {
		c.feed()
	}
	leg.Attach(c)
	defer leg.Attach(nil)
	// Let the queued frames go out before hanging up.
	end := time.NewTimer(time.Until(c.stopAt) + toneLead*media.FrameDuration)
	defer end.Stop()
	select {
	case <-leg.Done():
	case <-ctx.Done():
		return ctx.Err()
	case <-end.C:
	}
	if time.Until(c.stopAt) > 100*time.Millisecond {
		c.dropped = true // the leg ended early
		c.err = leg.Err()
	}
	return nil
}

// toneLead is how many frames of tone a caller keeps queued on its leg.
const toneLead = 2

// feed queues the next frame of the tone, if any is left. The leg copies
// the samples: the tone stays shared.
func (c *caller) feed() {
	if len(c.play) == 0 {
		return
	}
	k := min(media.SamplesPerFrame(media.Rate8k), len(c.play))
	c.leg.WriteFrame(media.Frame{Samples: c.play[:k], Rate: media.Rate8k})
	c.play = c.play[k:]
}

// WriteFrame queues the next tone frame, counts the received frames and
// checks every few for the tone.
func (c *caller) WriteFrame(f media.Frame) error {
	c.feed()
	if c.frames.Add(1)%toneCheckEvery != 0 {
		return nil
	}
	c.checked.Add(1)
	if audiotest.Power(f.Samples, f.Rate, c.toneHz) > toneThreshold {
		c.heard.Add(1)
	}
	return nil
}

// OnDTMF ignores digits.
func (c *caller) OnDTMF(media.DTMF) {}

// Close does nothing: the caller outlives its leg.
func (c *caller) Close() error { return nil }

// echoOK says the tone came back: in at least a tenth of the checked
// frames (late and lost audio is measured elsewhere; this checks the path).
func (c *caller) echoOK() bool {
	h := c.heard.Load()
	return h > 0 && 10*h >= c.checked.Load()
}
