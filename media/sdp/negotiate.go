package sdp

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/switchboard-voice/switchboard/media"
)

// Answer is the outcome of negotiating an offer: what the media side needs
// to start and what the answer SDP says.
type Answer struct {
	// Codec is the chosen codec with the offerer's payload type.
	Codec media.CodecInfo
	// Format is the chosen format as offered (with its fmtp).
	Format Format
	// DTMF is the telephone-event format at the codec's clock rate; its
	// ClockRate is 0 when the offer has none.
	DTMF Format
	// Direction is the answer's direction (the offer's, reversed).
	Direction Direction
	// Remote is where to send media; its address is unspecified (0.0.0.0)
	// when the offerer holds the call RFC 2543 style.
	Remote netip.AddrPort
	// Ptime is the packet time of the answer in milliseconds (20).
	Ptime int
}

// HasDTMF reports whether the offer included a matching telephone-event.
func (a Answer) HasDTMF() bool { return a.DTMF.ClockRate != 0 }

// Formats returns the answer's formats: the codec, then telephone-event.
func (a Answer) Formats() []Format {
	out := []Format{a.Format}
	if a.HasDTMF() {
		out = append(out, a.DTMF)
	}
	return out
}

// Negotiate answers offer with the codecs in supported (names as
// media.Codecs returns them). Following RFC 3264 it picks the first
// format of the offer that we support, so the offerer's preference wins.
// It fails with an error wrapping media.ErrNoCodec when nothing is common,
// and with ErrProfile for a secure (SAVP) or non-RTP stream.
func Negotiate(offer *Session, supported []string) (Answer, error) {
	if offer.Port == 0 {
		return Answer{}, fmt.Errorf("%w: audio stream disabled (port 0)", ErrNoAudio)
	}
	switch strings.ToUpper(offer.Proto) {
	case "RTP/AVP", "RTP/AVPF":
	default:
		return Answer{}, fmt.Errorf("%w %q", ErrProfile, offer.Proto)
	}
	ans := Answer{Direction: offer.Direction.Reverse(), Remote: offer.Remote(), Ptime: 20}
	if offer.oldHold() && ans.Direction == SendRecv {
		// RFC 2543 hold: the offerer does not want media.
		ans.Direction = RecvOnly
	}
	found := false
	for _, f := range offer.Formats {
		if info, ok := match(f, supported); ok {
			ans.Codec, ans.Format, found = info, f, true
			break
		}
	}
	if !found {
		var names []string
		for _, f := range offer.Formats {
			names = append(names, f.String())
		}
		return Answer{}, fmt.Errorf("%w: offered [%s], supported %v", media.ErrNoCodec, strings.Join(names, ", "), supported)
	}
	for _, f := range offer.Formats {
		if f.Is("telephone-event") && f.ClockRate == ans.Codec.ClockRate {
			ans.DTMF = f
			if ans.DTMF.Fmtp == "" {
				ans.DTMF.Fmtp = "0-16"
			}
			break
		}
	}
	return ans, nil
}

// match returns the codec for f when its name is in supported and its
// clock rate and channels are the codec's.
func match(f Format, supported []string) (media.CodecInfo, bool) {
	for _, name := range supported {
		if !f.Is(name) {
			continue
		}
		info, ok := codecInfo(name)
		if !ok || f.ClockRate != info.ClockRate {
			continue
		}
		if f.Channels != info.Channels && !(info.Name == "opus" && f.Channels == 2) {
			continue
		}
		info.PayloadType = f.PayloadType
		return info, true
	}
	return media.CodecInfo{}, false
}

// codecInfo describes a codec by name: from media.NewCodec when it is
// registered, else from the well-known values (Opus without libopus).
func codecInfo(name string) (media.CodecInfo, bool) {
	if c, err := media.NewCodec(name); err == nil {
		return c.Info(), true
	}
	switch strings.ToLower(name) {
	case "opus":
		return media.CodecInfo{Name: "opus", PayloadType: 111, ClockRate: 48000, Rate: 48000, Channels: 2}, true
	case "pcmu":
		return media.CodecInfo{Name: "PCMU", PayloadType: 0, ClockRate: 8000, Rate: 8000, Channels: 1}, true
	case "pcma":
		return media.CodecInfo{Name: "PCMA", PayloadType: 8, ClockRate: 8000, Rate: 8000, Channels: 1}, true
	}
	return media.CodecInfo{}, false
}
