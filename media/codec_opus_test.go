//go:build opus

package media

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/media/audiotest"
)

func TestOpusRoundTrip(t *testing.T) {
	if got := Codecs(); got[0] != "opus" {
		t.Errorf("Codecs() = %v, want opus first", got)
	}
	enc, err := NewCodec("OPUS")
	if err != nil {
		t.Fatal(err)
	}
	dec, _ := NewCodec("opus")
	if info := enc.Info(); info.ClockRate != 48000 || info.Channels != 2 || info.Rate != Rate48k {
		t.Errorf("Info() = %+v", info)
	}
	tone := audiotest.Tone(1000, Rate48k, time.Second, 0.5)
	var out []int16
	var packet []byte
	var bytes int
	for i := 0; i < len(tone); i += 960 {
		packet, err = enc.Encode(packet[:0], tone[i:i+960])
		if err != nil {
			t.Fatal(err)
		}
		bytes += len(packet)
		if out, err = dec.Decode(out, packet); err != nil {
			t.Fatal(err)
		}
	}
	if len(out) != len(tone) {
		t.Fatalf("%d samples, want %d", len(out), len(tone))
	}
	if kbps := float64(bytes*8) / 1000; kbps > 40 {
		t.Errorf("%.1f kbit/s, want about %d", kbps, OpusBitrate/1000)
	}
	out = out[Rate48k/10:]
	if f := audiotest.PeakFrequency(out, Rate48k); math.Abs(f-1000) > 3 {
		t.Errorf("peak at %.1f Hz", f)
	}
	if gain := audiotest.DB(audiotest.Power(out, Rate48k, 1000) / (0.5 * 0.5 / 2)); math.Abs(gain) > 1 {
		t.Errorf("gain %.2f dB", gain)
	}
	// A perceptual codec is not a waveform codec: the SNR is modest.
	snr := audiotest.ToneSNR(out, Rate48k, 1000)
	if snr < 12 {
		t.Errorf("SNR %.1f dB", snr)
	}
	t.Logf("%.1f kbit/s, SNR %.1f dB", float64(bytes*8)/1000, snr)
	// Concealment of a lost packet, then a bad one.
	if plc, err := dec.Decode(nil, nil); err != nil || len(plc) != 960 {
		t.Errorf("PLC: %d samples, %v", len(plc), err)
	}
	if _, err := enc.Encode(nil, make([]int16, 100)); err == nil {
		t.Error("100-sample frame encoded")
	}
	if _, err := dec.Decode(nil, []byte{0xff, 0xff, 0xff}); !errors.Is(err, ErrBadPacket) {
		t.Errorf("bad packet: %v", err)
	}
}

func BenchmarkEncodeOpus(b *testing.B) { benchEncode(b, "opus") }

func BenchmarkDecodeOpus(b *testing.B) { benchDecode(b, "opus") }
