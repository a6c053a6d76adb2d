package webrtc

import (
	"strings"
	"sync"

	"github.com/pion/rtp"
	pion "github.com/pion/webrtc/v4"

	"github.com/switchboard-voice/switchboard/media"
)

// Telephone-event as registered in the MediaEngine.
const (
	mimeTelephoneEvent = "audio/telephone-event"
	telephoneEventPT   = 101
)

// sendTrack is the leg's outbound audio track. It is a pion.TrackLocal of
// our own (rather than TrackLocalStaticRTP) so that the pacer can send
// both the audio codec and telephone-event payload types on one SSRC.
type sendTrack struct {
	id, streamID string

	mu     sync.Mutex
	w      pion.TrackLocalWriter
	ssrc   uint32
	codec  pion.RTPCodecParameters // negotiated audio codec
	tePT   uint8                   // negotiated telephone-event/8000
	hasTE  bool
	bindID string
}

var _ pion.TrackLocal = (*sendTrack)(nil)

// audioMime reports whether mime is an audio codec media.NewCodec knows,
// and returns its name as the codec registry spells it.
func audioMime(mime string) (string, bool) {
	name, ok := strings.CutPrefix(strings.ToLower(mime), "audio/")
	if !ok || name == "telephone-event" {
		return "", false
	}
	if _, err := media.NewCodec(name); err != nil {
		return "", false
	}
	if name != "opus" {
		name = strings.ToUpper(name)
	}
	return name, true
}

// Bind picks the first negotiated audio codec we can encode (the offerer's
// preference order) and remembers the telephone-event payload type.
func (t *sendTrack) Bind(ctx pion.TrackLocalContext) (pion.RTPCodecParameters, error) {
	var chosen *pion.RTPCodecParameters
	params := ctx.CodecParameters()
	var tePT uint8
	hasTE := false
	for i := range params {
		c := params[i]
		if strings.EqualFold(c.MimeType, mimeTelephoneEvent) && c.ClockRate == media.Rate8k && !hasTE {
			tePT, hasTE = uint8(c.PayloadType), true
		}
		if _, ok := audioMime(c.MimeType); ok && chosen == nil {
			chosen = &params[i]
		}
	}
	if chosen == nil {
		return pion.RTPCodecParameters{}, pion.ErrUnsupportedCodec
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.w, t.ssrc, t.codec, t.tePT, t.hasTE, t.bindID = ctx.WriteStream(), uint32(ctx.SSRC()), *chosen, tePT, hasTE, ctx.ID()
	return *chosen, nil
}

// Unbind forgets the writer: later packets are dropped.
func (t *sendTrack) Unbind(ctx pion.TrackLocalContext) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.bindID == ctx.ID() {
		t.w = nil
	}
	return nil
}

func (t *sendTrack) ID() string              { return t.id }
func (t *sendTrack) RID() string             { return "" }
func (t *sendTrack) StreamID() string        { return t.streamID }
func (t *sendTrack) Kind() pion.RTPCodecType { return pion.RTPCodecTypeAudio }
func (t *sendTrack) negotiated() (pion.RTPCodecParameters, uint8, bool, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.codec, t.tePT, t.hasTE, t.w != nil
}

// write sends one packet; it reports false when the track is not bound.
// PayloadType and SSRC are filled in here.
func (t *sendTrack) write(h *rtp.Header, telephoneEvent bool, payload []byte) (bool, error) {
	t.mu.Lock()
	w, ssrc, pt, tePT := t.w, t.ssrc, uint8(t.codec.PayloadType), t.tePT
	t.mu.Unlock()
	if w == nil {
		return false, nil
	}
	h.Version = 2
	h.SSRC = ssrc
	h.PayloadType = pt
	if telephoneEvent {
		h.PayloadType = tePT
	}
	_, err := w.WriteRTP(h, payload)
	return err == nil, err
}
