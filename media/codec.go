package media

import (
	"fmt"
	"strings"
)

// Codec encodes and decodes one audio payload format. Implementations are
// stateless (G.711, L16) or keep their state per instance (Opus): call
// NewCodec for each leg and direction.
type Codec interface {
	// Info describes the codec as negotiated in SDP.
	Info() CodecInfo
	// Encode appends the payload for pcm (at Info().Rate) to dst.
	Encode(dst []byte, pcm []int16) ([]byte, error)
	// Decode appends the PCM for payload to dst.
	Decode(dst []int16, payload []byte) ([]int16, error)
}

// CodecInfo is a codec as SDP names it.
type CodecInfo struct {
	// Name as in an rtpmap line: "PCMU", "PCMA", "L16", "opus".
	Name string
	// PayloadType is the static or default dynamic RTP payload type.
	PayloadType uint8
	// ClockRate is the RTP clock rate (48000 for Opus).
	ClockRate int
	// Rate is the PCM sample rate of Encode's input and Decode's output.
	Rate int
	// Channels in SDP (1; 2 for Opus as RFC 7587 requires).
	Channels int
}

// ErrUnknownCodec is wrapped when a codec name is not supported.
var ErrUnknownCodec = fmt.Errorf("media: unknown codec")

// codecs are the registered codec constructors by upper-case name.
var codecs = map[string]func() Codec{
	"PCMU": func() Codec { return g711{ulaw: true} },
	"PCMA": func() Codec { return g711{} },
	"L16":  func() Codec { return l16{} },
}

// RegisterCodec adds a codec constructor (Opus registers itself when built
// with libopus).
func RegisterCodec(name string, fn func() Codec) { codecs[strings.ToUpper(name)] = fn }

// NewCodec returns a new codec instance by SDP name (case-insensitive).
func NewCodec(name string) (Codec, error) {
	fn, ok := codecs[strings.ToUpper(name)]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownCodec, name)
	}
	return fn(), nil
}

// Codecs lists the supported codec names in order of preference.
func Codecs() []string {
	var out []string
	if _, ok := codecs["OPUS"]; ok {
		out = append(out, "opus")
	}
	return append(out, "PCMU", "PCMA")
}

type g711 struct{ ulaw bool }

func (c g711) Info() CodecInfo {
	if c.ulaw {
		return CodecInfo{Name: "PCMU", PayloadType: 0, ClockRate: 8000, Rate: 8000, Channels: 1}
	}
	return CodecInfo{Name: "PCMA", PayloadType: 8, ClockRate: 8000, Rate: 8000, Channels: 1}
}

func (c g711) Encode(dst []byte, pcm []int16) ([]byte, error) {
	for _, s := range pcm {
		if c.ulaw {
			dst = append(dst, linearToUlaw(s))
		} else {
			dst = append(dst, linearToAlaw(s))
		}
	}
	return dst, nil
}

func (c g711) Decode(dst []int16, payload []byte) ([]int16, error) {
	table := &alawTable
	if c.ulaw {
		table = &ulawTable
	}
	for _, b := range payload {
		dst = append(dst, table[b])
	}
	return dst, nil
}

// l16 is 16-bit linear PCM, big-endian (RFC 3551), mono at 8 kHz here.
type l16 struct{}

func (l16) Info() CodecInfo {
	return CodecInfo{Name: "L16", PayloadType: 96, ClockRate: 8000, Rate: 8000, Channels: 1}
}

func (l16) Encode(dst []byte, pcm []int16) ([]byte, error) {
	for _, s := range pcm {
		dst = append(dst, byte(uint16(s)>>8), byte(s))
	}
	return dst, nil
}

func (l16) Decode(dst []int16, payload []byte) ([]int16, error) {
	if len(payload)%2 != 0 {
		return dst, fmt.Errorf("%w: L16 payload of odd length %d", ErrBadPacket, len(payload))
	}
	for i := 0; i+1 < len(payload); i += 2 {
		dst = append(dst, int16(uint16(payload[i])<<8|uint16(payload[i+1])))
	}
	return dst, nil
}

var ulawTable, alawTable [256]int16

func init() {
	for i := 0; i < 256; i++ {
		ulawTable[i] = ulawToLinear(byte(i))
		alawTable[i] = alawToLinear(byte(i))
	}
}

// G.711 µ-law (ITU-T G.711, as in the Sun reference implementation).
const (
	ulawBias = 0x84
	ulawClip = 32635
)

func linearToUlaw(s int16) byte {
	v := int(s)
	sign := 0
	if v < 0 {
		v = -v
		sign = 0x80
	}
	if v > ulawClip {
		v = ulawClip
	}
	v += ulawBias
	exp := 7
	for mask := 0x4000; v&mask == 0 && exp > 0; mask >>= 1 {
		exp--
	}
	mant := (v >> (exp + 3)) & 0x0f
	return ^byte(sign | exp<<4 | mant)
}

func ulawToLinear(u byte) int16 {
	u = ^u
	sign := u & 0x80
	exp := int(u>>4) & 0x07
	mant := int(u & 0x0f)
	v := ((mant << 3) + ulawBias) << exp
	v -= ulawBias
	if sign != 0 {
		return int16(-v)
	}
	return int16(v)
}

// G.711 A-law.
func linearToAlaw(s int16) byte {
	v := int(s)
	sign := 0x80
	if v < 0 {
		v = -v - 1
		sign = 0
	}
	if v > 32767 {
		v = 32767
	}
	var out int
	if v < 256 {
		out = v >> 4
	} else {
		exp := 7
		for mask := 0x4000; v&mask == 0 && exp > 1; mask >>= 1 {
			exp--
		}
		out = exp<<4 | (v>>(exp+3))&0x0f
	}
	return byte(out|sign) ^ 0x55
}

func alawToLinear(a byte) int16 {
	a ^= 0x55
	sign := a & 0x80
	exp := int(a>>4) & 0x07
	mant := int(a & 0x0f)
	var v int
	if exp == 0 {
		v = mant<<4 + 8
	} else {
		v = (mant<<4 + 0x108) << (exp - 1)
	}
	if sign != 0 {
		return int16(v)
	}
	return int16(-v)
}
