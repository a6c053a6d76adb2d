package webrtc

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	pion "github.com/pion/webrtc/v4"

	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/dtmf"
)

// Leg is one browser (or other WebRTC peer) call: a media.Leg over a pion
// PeerConnection with one audio track each way and an optional "dtmf"
// data channel.
//
// Three goroutines of the leg carry media once ICE connects: the receive
// loop (RTP from the remote track into the jitter buffer), the playout
// loop (one frame every 20 ms to the Receiver, and DTMF) and the pacer
// (one packet every 20 ms to the peer). All calls into the Receiver come
// from the playout loop, so a Receiver needs no locking of its own.
type Leg struct {
	id, from, to string
	log          *slog.Logger
	pc           *pion.PeerConnection
	track        *sendTrack
	snd          *sender
	stats        counters
	dedupWindow  time.Duration

	connected   chan struct{} // closed when ICE+DTLS are up
	connectOnce sync.Once
	done        chan struct{} // closed when the leg ends
	endOnce     sync.Once
	released    chan struct{} // closed when teardown finished
	err         error         // why it ended; set before done closes

	wg sync.WaitGroup // media goroutines

	mu       sync.Mutex
	recv     media.Receiver
	mediaOn  bool // the media goroutines were started
	closing  bool // teardown began: start no goroutine
	codec    string
	rate     int
	remote   string
	jb       *jitterBuffer
	inDTMF   []queuedDigit
	dedup    dedup
	tracking bool // a receive loop runs
}

var _ media.Leg = (*Leg)(nil)

// Info describes the leg. Codec and Rate are known once the answer was
// created; Remote once ICE selected a candidate pair.
func (l *Leg) Info() media.LegInfo {
	l.mu.Lock()
	defer l.mu.Unlock()
	return media.LegInfo{ID: l.id, Kind: "webrtc", From: l.from, To: l.to,
		Codec: l.codec, Rate: l.rate, Remote: l.remote}
}

// Attach sets the receiver of incoming audio and DTMF (nil detaches).
func (l *Leg) Attach(r media.Receiver) {
	l.mu.Lock()
	l.recv = r
	l.mu.Unlock()
}

// WriteFrame queues audio to send. It never blocks; it fails with
// ErrQueueFull beyond Config.MaxQueue and media.ErrClosed after the leg
// ended.
func (l *Leg) WriteFrame(f media.Frame) error {
	select {
	case <-l.done:
		return media.ErrClosed
	default:
	}
	return l.snd.write(f)
}

// Flush discards queued outbound audio and returns how much it was.
func (l *Leg) Flush() time.Duration { return l.snd.flush() }

// Queued returns how much outbound audio waits to be sent.
func (l *Leg) Queued() time.Duration { return l.snd.queued() }

// SendDTMF queues an RFC 4733 telephone-event for digit, played after
// the current digit; d of zero means 100 ms.
func (l *Leg) SendDTMF(digit rune, d time.Duration) error {
	select {
	case <-l.done:
		return media.ErrClosed
	default:
	}
	return l.snd.sendDigit(digit, d)
}

// Hangup ends the leg and waits until the PeerConnection is closed and the
// leg's goroutines have returned, or ctx is done.
func (l *Leg) Hangup(ctx context.Context) error {
	l.end(nil)
	select {
	case <-l.released:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Done is closed when the leg has ended.
func (l *Leg) Done() <-chan struct{} { return l.done }

// Err says why the leg ended: nil for a hang-up from either side,
// ErrConnectTimeout, ErrPeerFailed, media.ErrClosed when the server shut
// down.
func (l *Leg) Err() error {
	select {
	case <-l.done:
		return l.err
	default:
		return nil
	}
}

// Stats returns the leg's RTP counters.
func (l *Leg) Stats() Stats { return l.stats.snapshot() }

// end marks the leg ended with err; the first call wins. It only closes
// channels, so pion callbacks may call it.
func (l *Leg) end(err error) {
	l.endOnce.Do(func() {
		l.err = err
		close(l.done)
	})
}

// onState follows the PeerConnection state (a pion callback).
func (l *Leg) onState(s pion.PeerConnectionState) {
	l.log.Debug("peer connection state", "state", s.String())
	switch s {
	case pion.PeerConnectionStateConnected:
		l.connectOnce.Do(func() { close(l.connected) })
	case pion.PeerConnectionStateFailed:
		l.end(ErrPeerFailed)
	case pion.PeerConnectionStateClosed:
		l.end(nil)
	}
}

// startMedia starts the pacer and the playout loop. The receive loop
// starts from OnTrack.
func (l *Leg) startMedia() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closing || l.isDone() {
		return
	}
	l.mediaOn = true
	l.remote = l.selectedRemote()
	l.wg.Add(2)
	go func() {
		defer l.wg.Done()
		pace(l.done, l.snd.tick)
	}()
	go func() {
		defer l.wg.Done()
		l.playout()
	}()
}

// selectedRemote returns the remote address of the selected candidate
// pair, or "".
func (l *Leg) selectedRemote() string {
	sctp := l.pc.SCTP()
	if sctp == nil {
		return ""
	}
	pair, err := sctp.Transport().ICETransport().GetSelectedCandidatePair()
	if err != nil || pair == nil || pair.Remote == nil {
		return ""
	}
	return net.JoinHostPort(pair.Remote.Address, strconv.Itoa(int(pair.Remote.Port)))
}

// onTrack runs the receive loop for the remote audio track (a pion
// callback, on a goroutine of its own).
func (l *Leg) onTrack(t *pion.TrackRemote, _ *pion.RTPReceiver) {
	if t.Kind() != pion.RTPCodecTypeAudio {
		return
	}
	l.mu.Lock()
	if l.closing || l.tracking {
		l.mu.Unlock()
		return
	}
	l.tracking = true
	l.wg.Add(1)
	l.mu.Unlock()
	defer l.wg.Done()
	l.receive(t)
}

// receive reads RTP until the track ends: audio is decoded into the
// jitter buffer, telephone-events into digits.
func (l *Leg) receive(t *pion.TrackRemote) {
	decoders := map[string]media.Codec{}
	var ev eventDecoder
	var ext uint64
	var base uint32
	first := true
	failures := 0
	var pcm []int16
	for {
		p, _, err := t.ReadRTP()
		if err != nil {
			if l.isDone() || errors.Is(err, io.EOF) || errors.Is(err, io.ErrClosedPipe) || errors.Is(err, net.ErrClosed) {
				return
			}
			// An unknown payload type or a malformed packet: skip it, but
			// give up if the track only yields errors.
			if failures++; failures > 1000 {
				l.log.Warn("receive loop giving up", "err", err)
				return
			}
			continue
		}
		failures = 0
		now := time.Now()
		if first {
			ext, base, first = uint64(p.SequenceNumber)+1<<32, p.Timestamp, false
		} else {
			ext += uint64(int64(int16(p.SequenceNumber - uint16(ext))))
		}
		codec := t.Codec()
		mime := strings.ToLower(codec.MimeType)
		if mime == mimeTelephoneEvent {
			l.stats.receivedPacket(ext, p.Timestamp, int(codec.ClockRate), len(p.Payload), false, now)
			ev.clock = int(codec.ClockRate)
			got, err := ev.decode(p.Timestamp, base, p.Payload)
			if err != nil {
				continue
			}
			for _, d := range got {
				l.queueDTMF(fromRTP, d)
			}
			continue
		}
		l.stats.receivedPacket(ext, p.Timestamp, int(codec.ClockRate), len(p.Payload), true, now)
		name, ok := audioMime(mime)
		if !ok {
			continue
		}
		dec := decoders[name]
		if dec == nil {
			if dec, err = media.NewCodec(name); err != nil {
				continue
			}
			decoders[name] = dec
		}
		pcm, err = dec.Decode(pcm[:0], p.Payload)
		if err != nil {
			continue
		}
		l.mu.Lock()
		if l.jb != nil && !l.jb.push(ext, append([]int16(nil), pcm...)) {
			l.stats.add(func(s *Stats) { s.Late++ })
		}
		l.mu.Unlock()
	}
}

// queueDTMF hands a digit to the playout loop, unless it is the
// duplicate of one that came the other way.
func (l *Leg) queueDTMF(src dtmfSource, d media.DTMF) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.dedup.admit(src, d.Digit, time.Now()) {
		return
	}
	if len(l.inDTMF) < 64 {
		l.inDTMF = append(l.inDTMF, queuedDigit{d, src})
	}
}

type queuedDigit struct {
	media.DTMF
	src dtmfSource
}

// onDataChannel accepts the page's "dtmf" channel: each message is a digit
// (several digits in a message are taken in order; anything else is
// ignored).
func (l *Leg) onDataChannel(dc *pion.DataChannel) {
	if dc.Label() != "dtmf" {
		return
	}
	dc.OnMessage(func(m pion.DataChannelMessage) {
		for _, r := range string(m.Data) {
			code, ok := dtmf.Code(r)
			if !ok {
				continue
			}
			l.queueDTMF(fromDataChannel, media.DTMF{Digit: dtmf.Digit(code)})
		}
	})
}

// playout delivers one frame every 20 ms, and queued digits, to the
// receiver; it closes the receiver when the leg ends.
func (l *Leg) playout() {
	var frame []int16
	var n int64
	pace(l.done, func(skipped int) {
		n += int64(skipped)
		l.mu.Lock()
		r := l.recv
		var concealed bool
		if l.jb != nil {
			frame, concealed = l.jb.pop(frame[:0])
		}
		digits := l.inDTMF
		l.inDTMF = nil
		rate := l.rate
		l.mu.Unlock()
		if concealed {
			l.stats.add(func(s *Stats) { s.Concealed++ })
		}
		ts := time.Duration(n) * media.FrameDuration
		n++
		if r == nil {
			return
		}
		for _, d := range digits {
			if d.src == fromDataChannel {
				d.Timestamp = ts // the data channel carries no media time
			}
			l.stats.add(func(s *Stats) { s.DTMFIn++ })
			r.OnDTMF(d.DTMF)
		}
		// The receiver may keep the frame only by copying it (media.Sink),
		// so one buffer is reused.
		_ = r.WriteFrame(media.Frame{Samples: frame, Rate: rate, Timestamp: ts})
	})
	l.closeReceiver()
}

func (l *Leg) closeReceiver() {
	l.mu.Lock()
	r := l.recv
	l.recv = nil
	l.mu.Unlock()
	if r != nil {
		_ = r.Close()
	}
}

func (l *Leg) isDone() bool {
	select {
	case <-l.done:
		return true
	default:
		return false
	}
}

// teardown closes the PeerConnection and waits for the media goroutines.
// The Receiver is closed by the playout loop, or here if media never
// started.
func (l *Leg) teardown() {
	l.mu.Lock()
	l.closing = true
	started := l.mediaOn
	l.mu.Unlock()
	if err := l.pc.Close(); err != nil {
		l.log.Debug("closing peer connection", "err", err)
	}
	l.wg.Wait()
	if !started {
		l.closeReceiver()
	}
	st := l.stats.snapshot()
	l.log.Info("webrtc leg ended", "err", l.err, "packets_in", st.PacketsIn, "packets_out", st.PacketsOut,
		"lost", st.Lost, "jitter", st.Jitter)
	close(l.released)
}
