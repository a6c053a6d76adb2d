package dtmf

import (
	"strings"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/media"
)

// pkt is one received telephone-event packet.
type pkt struct {
	ts     uint32
	marker bool
	code   uint8
	end    bool
	dur    uint16
}

// ev builds the packets of an event as a good sender sends them.
func ev(ts uint32, code uint8, updates int) []pkt {
	var out []pkt
	for i := range updates {
		out = append(out, pkt{ts: ts, marker: i == 0, code: code, dur: uint16(160 * (i + 1))})
	}
	d := uint16(160 * (updates + 1))
	for range 3 {
		out = append(out, pkt{ts: ts, code: code, end: true, dur: d})
	}
	return out
}

func cat(ps ...[]pkt) []pkt {
	var out []pkt
	for _, p := range ps {
		out = append(out, p...)
	}
	return out
}

// feed runs the packets through a receiver and returns the digits and
// where (after which packet index) each was emitted, then what Flush adds.
func feed(t *testing.T, r *Receiver, ps []pkt) (digits string, at []int) {
	t.Helper()
	var b strings.Builder
	for i, p := range ps {
		payload := Event{Code: p.code, End: p.end, Volume: 10, Duration: p.dur}.Encode(nil)
		d, ok, err := r.Packet(p.ts, p.marker, payload)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			b.WriteRune(d.Digit)
			at = append(at, i)
		}
	}
	return b.String(), at
}

func TestReceiver(t *testing.T) {
	noMarker := func(ps []pkt) []pkt {
		for i := range ps {
			ps[i].marker = false
		}
		return ps
	}
	tests := []struct {
		name  string
		pkts  []pkt
		want  string
		at    []int  // packet index of each emission (nil: not checked)
		flush string // what Flush(far future) adds
	}{
		{name: "one digit", pkts: ev(1000, 1, 4), want: "1", at: []int{4}},
		{name: "end packet three times", pkts: cat(ev(1000, 1, 4), ev(1000, 1, 0)), want: "1", at: []int{4}},
		{name: "no marker bit", pkts: noMarker(cat(ev(1000, 3, 2), ev(2000, 4, 2))), want: "34", at: []int{2, 7}},
		{name: "start packets lost", pkts: ev(1000, 7, 0), want: "7", at: []int{0}},
		{name: "double press 55", pkts: cat(ev(1000, 5, 3), ev(2600, 5, 3)), want: "55", at: []int{3, 9}},
		{name: "same digit marker only", pkts: cat(ev(1000, 5, 3)[:3], ev(2600, 5, 3)), want: "55", at: []int{3, 6}},
		{
			name: "end packets lost, next event starts",
			pkts: cat(ev(1000, 2, 4)[:4], ev(3000, 9, 2)),
			want: "29", at: []int{4, 6},
		},
		{
			name: "end lost, next event has only end packets",
			pkts: cat(ev(1000, 2, 4)[:4], ev(3000, 9, 0)),
			want: "29", at: []int{4, 5},
		},
		{
			name: "end lost, next event has one end packet",
			pkts: cat(ev(1000, 2, 4)[:4], ev(3000, 9, 0)[:1]),
			want: "2", flush: "9",
		},
		{name: "no end at all", pkts: ev(1000, 11, 4)[:4], want: "", flush: "#"},
		{
			name: "late packet of the previous event",
			pkts: cat(ev(1000, 1, 2), ev(3000, 2, 1)[:1], []pkt{{ts: 1000, code: 1, end: true, dur: 480}}, ev(3000, 2, 1)[1:]),
			want: "12",
		},
		{
			name: "timestamp wraps",
			pkts: cat(ev(1<<32-500, 6, 2), ev(2000, 8, 2)),
			want: "68", at: []int{2, 7},
		},
		{
			name: "long event in two segments",
			pkts: cat(ev(1000, 0, 2)[:2], []pkt{{ts: 1000, code: 0, dur: 0xffff}}, ev(1000+0xffff, 0, 1)),
			want: "0", at: []int{4},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReceiver(8000, 0)
			got, at := feed(t, r, tt.pkts)
			if got != tt.want {
				t.Fatalf("digits %q, want %q", got, tt.want)
			}
			if tt.at != nil && !equal(at, tt.at) {
				t.Errorf("emitted after packets %v, want %v", at, tt.at)
			}
			var flushed string
			if d, ok := r.Flush(tt.pkts[len(tt.pkts)-1].ts + 1<<20); ok {
				flushed = string(d.Digit)
			}
			if flushed != tt.flush {
				t.Errorf("Flush = %q, want %q", flushed, tt.flush)
			}
			if _, ok := r.Flush(tt.pkts[len(tt.pkts)-1].ts + 1<<20); ok {
				t.Error("second Flush emitted again")
			}
		})
	}
}

func TestReceiverDigit(t *testing.T) {
	r := NewReceiver(8000, 500)
	ps := cat(ev(8500, 11, 0)) // '#' at 1 s, 20 ms long (start lost)
	payload := Event{Code: ps[0].code, End: true, Duration: 160}.Encode(nil)
	d, ok, err := r.Packet(8500, false, payload)
	want := media.DTMF{Digit: '#', Duration: 20 * time.Millisecond, Timestamp: time.Second}
	if err != nil || !ok || d != want {
		t.Fatalf("Packet = %+v %v %v, want %+v", d, ok, err, want)
	}
	if _, _, err := r.Packet(9000, true, []byte{1}); err == nil {
		t.Error("short payload accepted")
	}
}

func TestReceiverFlushTimeout(t *testing.T) {
	r := NewReceiver(8000, 0)
	feed(t, r, ev(1000, 4, 3)[:3]) // duration 480, no end
	if _, ok := r.Flush(1000 + 480 + 3999); ok {
		t.Error("flushed before FlushAfter")
	}
	d, ok := r.Flush(1000 + 480 + 4000)
	if !ok || d.Digit != '4' || d.Duration != 60*time.Millisecond {
		t.Errorf("Flush = %+v %v", d, ok)
	}
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func FuzzDecodeEvent(f *testing.F) {
	f.Add([]byte{1, 0x8a, 3, 0x20})
	f.Add([]byte{16, 0, 0, 0})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := DecodeEvent(b)
		if err != nil {
			return
		}
		if e.Code > 15 || e.Volume > 63 {
			t.Fatalf("decoded out of range: %+v", e)
		}
		got := e.Encode(nil)
		if got[0] != b[0] || got[1] != b[1]&^0x40 || got[2] != b[2] || got[3] != b[3] {
			t.Fatalf("re-encode % x of % x", got, b[:4])
		}
	})
}

// FuzzReceiver: any packet sequence yields at most one digit per distinct
// timestamp, never panics.
func FuzzReceiver(f *testing.F) {
	f.Add([]byte{0, 1, 0x0a, 0, 160, 0, 1, 0x8a, 0, 200})
	f.Add([]byte{3, 5, 0x80, 1, 0, 3, 5, 0x80, 1, 0, 7, 5, 0x80, 1, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReceiver(8000, 0)
		emitted := 0
		ts := map[uint32]bool{}
		for len(data) >= 5 {
			// byte 0: timestamp step (in 20 ms units, may go back)
			t0 := uint32(int8(data[0])) * 160
			var base uint32 = 1 << 31
			stamp := base + t0
			ts[stamp] = true
			_, ok, _ := r.Packet(stamp, data[1]&1 != 0, data[1:5])
			if ok {
				emitted++
			}
			data = data[5:]
		}
		if _, ok := r.Flush(0); ok {
			emitted++
		}
		// Long-event segments merge timestamps, so only an upper bound.
		if emitted > len(ts) {
			t.Fatalf("%d digits from %d timestamps", emitted, len(ts))
		}
	})
}

func BenchmarkReceiver(b *testing.B) {
	r := NewReceiver(8000, 0)
	var payloads [][]byte
	for _, p := range ev(0, 5, 5) {
		payloads = append(payloads, Event{Code: p.code, End: p.end, Duration: p.dur}.Encode(nil))
	}
	var ts uint32
	b.ReportAllocs()
	for b.Loop() {
		for i, p := range payloads {
			r.Packet(ts, i == 0, p)
		}
		ts += 8000
	}
}
