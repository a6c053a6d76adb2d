//go:build opus

package media

/*
#cgo pkg-config: opus
#include <opus.h>

// Wrappers for the variadic ctl calls, which cgo cannot make.
static int sb_opus_set_bitrate(OpusEncoder *e, opus_int32 v) { return opus_encoder_ctl(e, OPUS_SET_BITRATE(v)); }
static int sb_opus_set_fec(OpusEncoder *e, opus_int32 v) { return opus_encoder_ctl(e, OPUS_SET_INBAND_FEC(v)); }
*/
import "C"

import (
	"fmt"
	"runtime"
	"unsafe"
)

// Opus (RFC 6716, RTP payload RFC 7587) through libopus, built with
// -tags opus (Debian: libopus-dev). The stream is mono at 48 kHz; SDP
// still says 2 channels as RFC 7587 requires.

// OpusBitrate is the encoder's target bit rate in bit/s.
const OpusBitrate = 32000

// maxOpusPacket is the largest Opus packet (RFC 6716 section 3.4).
const maxOpusPacket = 1275

func init() {
	RegisterCodec("opus", func() Codec { return &opusCodec{} })
}

// opusCodec keeps an encoder and a decoder, each created on first use, so
// one instance serves one direction of one leg. It is not safe for
// concurrent use.
type opusCodec struct {
	enc *C.OpusEncoder
	dec *C.OpusDecoder
}

func (*opusCodec) Info() CodecInfo {
	return CodecInfo{Name: "opus", PayloadType: 111, ClockRate: 48000, Rate: Rate48k, Channels: 2}
}

func opusError(what string, code C.int) error {
	return fmt.Errorf("media: opus %s: %s", what, C.GoString(C.opus_strerror(code)))
}

// validOpusFrame reports whether n samples at 48 kHz is an Opus frame size
// (2.5, 5, 10, 20, 40 or 60 ms).
func validOpusFrame(n int) bool {
	switch n {
	case 120, 240, 480, 960, 1920, 2880:
		return true
	}
	return false
}

// Encode appends one Opus packet for pcm, which must be 2.5 to 60 ms at
// 48 kHz (960 samples for a 20 ms frame).
func (c *opusCodec) Encode(dst []byte, pcm []int16) ([]byte, error) {
	if !validOpusFrame(len(pcm)) {
		return dst, fmt.Errorf("media: opus: cannot encode %d samples (want 120, 240, 480, 960, 1920 or 2880)", len(pcm))
	}
	if c.enc == nil {
		var e C.int
		enc := C.opus_encoder_create(48000, 1, C.OPUS_APPLICATION_VOIP, &e)
		if e != C.OPUS_OK {
			return dst, opusError("encoder", e)
		}
		C.sb_opus_set_bitrate(enc, OpusBitrate)
		C.sb_opus_set_fec(enc, 1)
		c.enc = enc
		runtime.AddCleanup(c, func(p *C.OpusEncoder) { C.opus_encoder_destroy(p) }, enc)
	}
	if cap(dst)-len(dst) < maxOpusPacket {
		nd := make([]byte, len(dst), len(dst)+maxOpusPacket)
		copy(nd, dst)
		dst = nd
	}
	out := dst[len(dst):cap(dst)]
	n := C.opus_encode(c.enc, (*C.opus_int16)(unsafe.Pointer(&pcm[0])), C.int(len(pcm)),
		(*C.uchar)(unsafe.Pointer(&out[0])), C.opus_int32(len(out)))
	if n < 0 {
		return dst, opusError("encode", C.int(n))
	}
	return dst[:len(dst)+int(n)], nil
}

// Decode appends the PCM of one packet to dst. An empty payload conceals
// one lost 20 ms frame (packet loss concealment).
func (c *opusCodec) Decode(dst []int16, payload []byte) ([]int16, error) {
	if c.dec == nil {
		var e C.int
		dec := C.opus_decoder_create(48000, 1, &e)
		if e != C.OPUS_OK {
			return dst, opusError("decoder", e)
		}
		c.dec = dec
		runtime.AddCleanup(c, func(p *C.OpusDecoder) { C.opus_decoder_destroy(p) }, dec)
	}
	const maxSamples = 5760 // 120 ms at 48 kHz
	room := maxSamples
	if len(payload) == 0 {
		room = SamplesPerFrame(Rate48k)
	}
	dst = growInt16(dst, room)
	out := dst[len(dst) : len(dst)+room]
	var data *C.uchar
	if len(payload) > 0 {
		data = (*C.uchar)(unsafe.Pointer(&payload[0]))
	}
	n := C.opus_decode(c.dec, data, C.opus_int32(len(payload)),
		(*C.opus_int16)(unsafe.Pointer(&out[0])), C.int(room), 0)
	if n < 0 {
		return dst, fmt.Errorf("%w: %w", ErrBadPacket, opusError("decode", C.int(n)))
	}
	return dst[:len(dst)+int(n)], nil
}
