package dtmf

import (
	"errors"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/media"
)

func TestEventRoundTrip(t *testing.T) {
	tests := []Event{
		{Code: 0},
		{Code: 5, Volume: 10, Duration: 160},
		{Code: 11, End: true, Volume: 63, Duration: 0xffff},
		{Code: 15, End: true, Duration: 800},
	}
	for _, e := range tests {
		b := e.Encode(nil)
		if len(b) != EventSize {
			t.Fatalf("%+v encodes to %d bytes", e, len(b))
		}
		got, err := DecodeEvent(b)
		if err != nil || got != e {
			t.Errorf("round trip %+v = %+v, %v", e, got, err)
		}
	}
	// Wire format (RFC 4733 §2.3): event, E|R|volume, duration.
	if got := (Event{Code: 1, End: true, Volume: 10, Duration: 0x0320}).Encode([]byte{9}); string(got) != "\x09\x01\x8a\x03\x20" {
		t.Errorf("Encode = % x", got)
	}
}

func TestDecodeEventErrors(t *testing.T) {
	tests := []struct {
		name    string
		payload []byte
		unknown bool
	}{
		{"empty", nil, false},
		{"short", []byte{1, 0x8a, 3}, false},
		{"flash", []byte{16, 0, 0, 160}, true},
		{"255", []byte{255, 0, 0, 160}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeEvent(tt.payload)
			if !errors.Is(err, media.ErrBadPacket) {
				t.Fatalf("err = %v, want ErrBadPacket", err)
			}
			if errors.Is(err, ErrUnknownEvent) != tt.unknown {
				t.Errorf("err = %v, unknown event: want %v", err, tt.unknown)
			}
		})
	}
	// The reserved bit and trailing events are ignored.
	if e, err := DecodeEvent([]byte{3, 0x40 | 5, 0, 1, 7, 7, 7, 7}); err != nil || e != (Event{Code: 3, Volume: 5, Duration: 1}) {
		t.Errorf("DecodeEvent = %+v, %v", e, err)
	}
}

func TestDigitCode(t *testing.T) {
	for i, r := range "0123456789*#ABCD" {
		c, ok := Code(r)
		if !ok || c != uint8(i) || Digit(c) != r {
			t.Errorf("Code(%q) = %d %v, Digit back %q", r, c, ok, Digit(c))
		}
	}
	if c, ok := Code('b'); !ok || c != 13 {
		t.Errorf("Code('b') = %d %v", c, ok)
	}
	for _, r := range "EZ+ 9x" {
		if _, ok := Code(r); ok && r != '9' {
			t.Errorf("Code(%q) accepted", r)
		}
	}
	if Digit(16) != 0 {
		t.Error("Digit(16) != 0")
	}
}

func TestPackets(t *testing.T) {
	tests := []struct {
		digit    rune
		d        time.Duration
		rate     int
		wantDurs []uint16 // then EndPackets end packets with the last value
	}{
		{'5', 100 * time.Millisecond, 8000, []uint16{160, 320, 480, 640, 800}},
		{'#', 50 * time.Millisecond, 8000, []uint16{160, 320, 400}},
		{'1', 40 * time.Millisecond, 16000, []uint16{320, 640}},
		{'D', 10 * time.Millisecond, 8000, []uint16{80}},
	}
	for _, tt := range tests {
		ps, err := Packets(tt.digit, tt.d, tt.rate, 10)
		if err != nil {
			t.Fatal(err)
		}
		n := len(tt.wantDurs) - 1
		if len(ps) != n+EndPackets {
			t.Fatalf("%q %v: %d packets, want %d", tt.digit, tt.d, len(ps), n+EndPackets)
		}
		code, _ := Code(tt.digit)
		for i, p := range ps {
			want := tt.wantDurs[min(i, n)]
			if p.Code != code || p.Volume != 10 || p.Duration != want || p.End != (i >= n) || p.Marker != (i == 0) ||
				p.Offset != time.Duration(i)*20*time.Millisecond {
				t.Errorf("%q %v packet %d = %+v, want duration %d", tt.digit, tt.d, i, p, want)
			}
		}
	}
	for _, bad := range []struct {
		r rune
		d time.Duration
	}{{'x', time.Second}, {'1', 0}, {'1', 9 * time.Second}} {
		if _, err := Packets(bad.r, bad.d, 8000, 10); !errors.Is(err, ErrDigit) {
			t.Errorf("Packets(%q, %v) = %v", bad.r, bad.d, err)
		}
	}
}

// TestSendReceive: what the Sender produces, the Receiver turns back into
// the digit, once.
func TestSendReceive(t *testing.T) {
	r := NewReceiver(8000, 1000)
	var got []media.DTMF
	for i, digit := range "0123456789*#ABCD" {
		ps, err := Packets(digit, 120*time.Millisecond, 8000, 10)
		if err != nil {
			t.Fatal(err)
		}
		ts := uint32(1000 + i*8000)
		for _, p := range ps {
			d, ok, err := r.Packet(ts, p.Marker, p.Encode(nil))
			if err != nil {
				t.Fatal(err)
			}
			if ok {
				got = append(got, d)
			}
		}
	}
	if len(got) != 16 {
		t.Fatalf("%d digits, want 16: %v", len(got), got)
	}
	for i, d := range got {
		want := media.DTMF{Digit: rune("0123456789*#ABCD"[i]), Duration: 120 * time.Millisecond, Timestamp: time.Duration(i) * time.Second}
		if d != want {
			t.Errorf("digit %d = %+v, want %+v", i, d, want)
		}
	}
}
