package sip

import (
	"context"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchboard-voice/switchboard/media"
)

// fakeMedia hands out in-memory endpoints.
type fakeMedia struct {
	next   atomic.Int32
	mu     sync.Mutex
	legs   []*fakeLeg
	opened atomic.Int32
	closed atomic.Int32
}

func (m *fakeMedia) Open(ctx context.Context) (Endpoint, error) {
	m.opened.Add(1)
	return &fakeEndpoint{m: m, port: uint16(20000 + 2*m.next.Add(1))}, nil
}

func (m *fakeMedia) lastLeg() *fakeLeg {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.legs) == 0 {
		return nil
	}
	return m.legs[len(m.legs)-1]
}

type fakeEndpoint struct {
	m    *fakeMedia
	port uint16
}

func (e *fakeEndpoint) LocalAddr() netip.AddrPort {
	return netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), e.port)
}

func (e *fakeEndpoint) Start(remote netip.AddrPort, codec media.CodecInfo, dtmfPT uint8, info media.LegInfo, hangup func(ctx context.Context) error) (MediaLeg, error) {
	l := &fakeLeg{info: info, remote: remote, codec: codec, dtmfPT: dtmfPT, dir: "sendrecv", done: make(chan struct{}), hangup: hangup}
	e.m.mu.Lock()
	e.m.legs = append(e.m.legs, l)
	e.m.mu.Unlock()
	return l, nil
}

func (e *fakeEndpoint) Close() error { e.m.closed.Add(1); return nil }

// fakeLeg is an in-memory MediaLeg.
type fakeLeg struct {
	info   media.LegInfo
	codec  media.CodecInfo
	dtmfPT uint8
	hangup func(ctx context.Context) error

	mu       sync.Mutex
	remote   netip.AddrPort
	dir      string
	dirs     []string
	err      error
	released bool
	once     sync.Once
	done     chan struct{}
}

func (l *fakeLeg) Info() media.LegInfo                        { return l.info }
func (l *fakeLeg) Attach(r media.Receiver)                    {}
func (l *fakeLeg) WriteFrame(f media.Frame) error             { return nil }
func (l *fakeLeg) Flush() time.Duration                       { return 0 }
func (l *fakeLeg) SendDTMF(digit rune, d time.Duration) error { return nil }
func (l *fakeLeg) Done() <-chan struct{}                      { return l.done }

func (l *fakeLeg) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

func (l *fakeLeg) Hangup(ctx context.Context) error {
	l.mu.Lock()
	l.released = true
	l.mu.Unlock()
	l.once.Do(func() { close(l.done) })
	return nil
}

// fail ends the media leg with err, as an RTP timeout does.
func (l *fakeLeg) fail(err error) {
	l.mu.Lock()
	l.err = err
	l.mu.Unlock()
	l.once.Do(func() { close(l.done) })
}

func (l *fakeLeg) SetRemote(remote netip.AddrPort) {
	l.mu.Lock()
	l.remote = remote
	l.mu.Unlock()
}

func (l *fakeLeg) SetDirection(dir string) {
	l.mu.Lock()
	l.dir = dir
	l.dirs = append(l.dirs, dir)
	l.mu.Unlock()
}

func (l *fakeLeg) direction() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.dir
}

func (l *fakeLeg) isReleased() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.released
}
