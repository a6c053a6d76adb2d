package media

import (
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/media/audiotest"
)

// TestG711Codes decodes every code and encodes the result back.
func TestG711Codes(t *testing.T) {
	for _, name := range []string{"PCMU", "PCMA"} {
		t.Run(name, func(t *testing.T) {
			c, err := NewCodec(name)
			if err != nil {
				t.Fatal(err)
			}
			all := make([]byte, 256)
			for i := range all {
				all[i] = byte(i)
			}
			pcm, err := c.Decode(nil, all)
			if err != nil || len(pcm) != 256 {
				t.Fatalf("decode: %d samples, %v", len(pcm), err)
			}
			back, err := c.Encode(nil, pcm)
			if err != nil {
				t.Fatal(err)
			}
			for i, b := range back {
				want := byte(i)
				if name == "PCMU" && want == 0x7f {
					want = 0xff // µ-law has two zeros, -0 and +0; 0 encodes as +0.
				}
				if b != want {
					t.Errorf("code %#02x decodes to %d, which encodes to %#02x", i, pcm[i], b)
				}
			}
			// Every code decodes to its own value (but µ-law's two zeros).
			distinct := slices.Compact(sortedCopy(pcm))
			if want := 256 - boolInt(name == "PCMU"); len(distinct) != want {
				t.Errorf("%d distinct values, want %d", len(distinct), want)
			}
		})
	}
}

func sortedCopy(pcm []int16) []int16 {
	s := slices.Clone(pcm)
	slices.Sort(s)
	return s
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// g711Step returns the quantisation step of the segment that encodes s.
func g711Step(ulaw bool, s int16) int {
	v := int(s)
	if v < 0 {
		v = -v
	}
	if ulaw {
		v = min(v, ulawClip) + ulawBias
		exp := 7
		for mask := 0x4000; v&mask == 0 && exp > 0; mask >>= 1 {
			exp--
		}
		return 8 << exp
	}
	for exp := 7; exp >= 1; exp-- {
		if v >= 128<<exp {
			return 16 << (exp - 1)
		}
	}
	return 16
}

// TestG711Sweep encodes every 16-bit value: the decoded value is within
// half a quantisation step (plus what µ-law clips above 32635).
func TestG711Sweep(t *testing.T) {
	for _, ulaw := range []bool{true, false} {
		c := g711{ulaw: ulaw}
		var worst float64
		for v := math.MinInt16; v <= math.MaxInt16; v++ {
			s := int16(v)
			enc, _ := c.Encode(nil, []int16{s})
			dec, _ := c.Decode(nil, enc)
			err := int(dec[0]) - v
			if err < 0 {
				err = -err
			}
			limit := g711Step(ulaw, s) / 2
			if ulaw && (v > ulawClip || v < -ulawClip) {
				limit += max(v, -v) - ulawClip
			}
			if err > limit {
				t.Fatalf("%s: %d -> %#02x -> %d: error %d > %d", c.Info().Name, v, enc[0], dec[0], err, limit)
			}
			worst = max(worst, float64(err)/float64(g711Step(ulaw, s)))
		}
		t.Logf("%s: worst error %.2f steps", c.Info().Name, worst)
	}
}

// TestG711ToneSNR checks the log-law SNR: about 38 dB over a wide range of
// levels, which is what makes G.711 sound the same loud or quiet.
func TestG711ToneSNR(t *testing.T) {
	for _, name := range []string{"PCMU", "PCMA"} {
		c, _ := NewCodec(name)
		for _, dbfs := range []float64{-3, -10, -20, -30, -40} {
			amp := math.Pow(10, dbfs/20)
			tone := audiotest.Tone(1020, Rate8k, time.Second, amp)
			enc, _ := c.Encode(nil, tone)
			dec, _ := c.Decode(nil, enc)
			snr := audiotest.ToneSNR(dec, Rate8k, 1020)
			if snr < 33 {
				t.Errorf("%s at %v dBFS: SNR %.1f dB, want >= 33", name, dbfs, snr)
			}
			if f := audiotest.PeakFrequency(dec, Rate8k); math.Abs(f-1020) > 2 {
				t.Errorf("%s at %v dBFS: peak at %.1f Hz", name, dbfs, f)
			}
		}
	}
}

func TestL16(t *testing.T) {
	c, err := NewCodec("l16")
	if err != nil {
		t.Fatal(err)
	}
	pcm := []int16{0, 1, -1, 0x1234, math.MaxInt16, math.MinInt16}
	enc, err := c.Encode([]byte{0xaa}, pcm)
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{0xaa, 0, 0, 0, 1, 0xff, 0xff, 0x12, 0x34, 0x7f, 0xff, 0x80, 0}
	if !slices.Equal(enc, want) {
		t.Fatalf("encode = % x, want % x (big-endian, appended)", enc, want)
	}
	dec, err := c.Decode(nil, enc[1:])
	if err != nil || !slices.Equal(dec, pcm) {
		t.Fatalf("decode = %v, %v; want %v", dec, err, pcm)
	}
	if _, err := c.Decode(nil, []byte{1, 2, 3}); !errors.Is(err, ErrBadPacket) {
		t.Errorf("odd payload: %v, want ErrBadPacket", err)
	}
}

func TestNewCodec(t *testing.T) {
	tests := []struct {
		name string
		want CodecInfo
	}{
		{"PCMU", CodecInfo{Name: "PCMU", PayloadType: 0, ClockRate: 8000, Rate: 8000, Channels: 1}},
		{"pcma", CodecInfo{Name: "PCMA", PayloadType: 8, ClockRate: 8000, Rate: 8000, Channels: 1}},
		{"L16", CodecInfo{Name: "L16", PayloadType: 96, ClockRate: 8000, Rate: 8000, Channels: 1}},
	}
	for _, tt := range tests {
		c, err := NewCodec(tt.name)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if c.Info() != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.name, c.Info(), tt.want)
		}
	}
	if _, err := NewCodec("G729"); !errors.Is(err, ErrUnknownCodec) {
		t.Errorf("G729: %v, want ErrUnknownCodec", err)
	}
	if got := Codecs(); !slices.Contains(got, "PCMU") || !slices.Contains(got, "PCMA") {
		t.Errorf("Codecs() = %v", got)
	}
}

// Benchmarks encode or decode one 20 ms frame at 8 kHz, reusing dst.
func benchEncode(b *testing.B, name string) {
	c, err := NewCodec(name)
	if err != nil {
		b.Skip(err)
	}
	rate := c.Info().Rate
	pcm := audiotest.Tone(1000, rate, FrameDuration, 0.5)
	dst := make([]byte, 0, 4*len(pcm))
	b.SetBytes(int64(2 * len(pcm)))
	b.ReportAllocs()
	for b.Loop() {
		dst, _ = c.Encode(dst[:0], pcm)
	}
}

func benchDecode(b *testing.B, name string) {
	c, err := NewCodec(name)
	if err != nil {
		b.Skip(err)
	}
	rate := c.Info().Rate
	payload, _ := c.Encode(nil, audiotest.Tone(1000, rate, FrameDuration, 0.5))
	dst := make([]int16, 0, 2*SamplesPerFrame(rate))
	b.SetBytes(int64(2 * SamplesPerFrame(rate)))
	b.ReportAllocs()
	for b.Loop() {
		dst, _ = c.Decode(dst[:0], payload)
	}
}

func BenchmarkEncodePCMU(b *testing.B) { benchEncode(b, "PCMU") }
func BenchmarkEncodePCMA(b *testing.B) { benchEncode(b, "PCMA") }
func BenchmarkEncodeL16(b *testing.B)  { benchEncode(b, "L16") }
func BenchmarkDecodePCMU(b *testing.B) { benchDecode(b, "PCMU") }
func BenchmarkDecodePCMA(b *testing.B) { benchDecode(b, "PCMA") }
func BenchmarkDecodeL16(b *testing.B)  { benchDecode(b, "L16") }
