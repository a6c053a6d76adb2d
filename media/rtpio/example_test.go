package rtpio_test

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/rtpio"
)

// Two legs on loopback, each the other's far end: one sends a DTMF digit,
// the other receives it.
func ExampleNewLeg() {
	ctx := context.Background()
	pool, _ := rtpio.NewPool(netip.MustParseAddr("127.0.0.1"), 43000, 43099)
	epA, _ := pool.Open(ctx)
	epB, _ := pool.Open(ctx)
	sessA, _ := rtpio.NewSession(epA, 8000, rtpio.WithRemote(epB.Addr()))
	sessB, _ := rtpio.NewSession(epB, 8000, rtpio.WithRemote(epA.Addr()))

	newLeg := func(s *rtpio.Session, id string) *rtpio.Leg {
		codec, _ := media.NewCodec("PCMU")
		return rtpio.NewLeg(s, codec, rtpio.LegConfig{Info: media.LegInfo{ID: id}})
	}
	a, b := newLeg(sessA, "a"), newLeg(sessB, "b")
	digits := make(chan rune, 1)
	b.Attach(dtmfOnly(func(d media.DTMF) { digits <- d.Digit }))

	a.SendDTMF('5', 100*time.Millisecond)
	fmt.Println(string(<-digits))
	a.Hangup(ctx)
	b.Hangup(ctx)
	fmt.Println(a.Err(), b.Err(), pool.InUse())
	// Output:
	// 5
	// <nil> <nil> 0
}

// dtmfOnly is a media.Receiver that ignores audio.
type dtmfOnly func(media.DTMF)

func (fn dtmfOnly) WriteFrame(media.Frame) error { return nil }
func (fn dtmfOnly) Close() error                 { return nil }
func (fn dtmfOnly) OnDTMF(d media.DTMF)          { fn(d) }
