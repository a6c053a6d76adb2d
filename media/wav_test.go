package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/media/audiotest"
)

// seekBuffer is an in-memory io.WriteSeeker.
type seekBuffer struct {
	b   []byte
	off int64
}

func (s *seekBuffer) Write(p []byte) (int, error) {
	if need := int(s.off) + len(p); need > len(s.b) {
		s.b = append(s.b, make([]byte, need-len(s.b))...)
	}
	copy(s.b[s.off:], p)
	s.off += int64(len(p))
	return len(p), nil
}

func (s *seekBuffer) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		off += s.off
	case io.SeekEnd:
		off += int64(len(s.b))
	}
	if off < 0 {
		return 0, errors.New("negative offset")
	}
	s.off = off
	return off, nil
}

type chunk struct {
	id   string
	data []byte
}

// riff builds a WAVE file from chunks, padding odd ones.
func riff(chunks ...chunk) []byte {
	var b bytes.Buffer
	b.WriteString("RIFF\x00\x00\x00\x00WAVE")
	for _, c := range chunks {
		b.WriteString(c.id)
		_ = binary.Write(&b, binary.LittleEndian, uint32(len(c.data)))
		b.Write(c.data)
		if len(c.data)%2 == 1 {
			b.WriteByte(0)
		}
	}
	out := b.Bytes()
	binary.LittleEndian.PutUint32(out[4:], uint32(len(out)-8))
	return out
}

func fmtChunk(format, channels, rate, bits int) chunk {
	b := make([]byte, 16)
	le := binary.LittleEndian
	le.PutUint16(b[0:], uint16(format))
	le.PutUint16(b[2:], uint16(channels))
	le.PutUint32(b[4:], uint32(rate))
	le.PutUint32(b[8:], uint32(rate*channels*bits/8))
	le.PutUint16(b[12:], uint16(channels*bits/8))
	le.PutUint16(b[14:], uint16(bits))
	return chunk{"fmt ", b}
}

func pcmBytes(pcm []int16) []byte {
	var b []byte
	for _, s := range pcm {
		b = binary.LittleEndian.AppendUint16(b, uint16(s))
	}
	return b
}

func TestWAVRoundTrip(t *testing.T) {
	for _, channels := range []int{1, 2} {
		for _, rate := range rates {
			var buf seekBuffer
			buf.Write([]byte("prefix")) // the header goes at the current offset
			ww, err := NewWAVWriter(&buf, rate, channels)
			if err != nil {
				t.Fatal(err)
			}
			var want []int16
			tone := audiotest.Tone(440, rate, 100*time.Millisecond, 0.5)
			for i := 0; i < len(tone); i += 77 {
				part := tone[i:min(i+77, len(tone))]
				if channels == 2 {
					stereo := make([]int16, 0, 2*len(part))
					for _, s := range part {
						stereo = append(stereo, s, -s)
					}
					part = stereo
				}
				if err := ww.WritePCM(part); err != nil {
					t.Fatal(err)
				}
				want = append(want, part...)
			}
			if got := ww.Frames(); got != int64(len(tone)) {
				t.Errorf("Frames() = %d, want %d", got, len(tone))
			}
			if err := ww.Close(); err != nil {
				t.Fatal(err)
			}
			if buf.off != int64(len(buf.b)) {
				t.Errorf("Close left the offset at %d of %d", buf.off, len(buf.b))
			}
			file := buf.b[len("prefix"):]
			if len(file) != 44+2*len(want) {
				t.Fatalf("%d bytes, want %d", len(file), 44+2*len(want))
			}
			pcm, r, ch, err := ReadWAV(bytes.NewReader(file))
			if err != nil || r != rate || ch != channels || !slices.Equal(pcm, want) {
				t.Fatalf("ReadWAV: rate %d, %d channels, %d samples, %v", r, ch, len(pcm), err)
			}
			if got := binary.LittleEndian.Uint32(file[4:]); got != uint32(len(file)-8) {
				t.Errorf("RIFF size %d, want %d", got, len(file)-8)
			}
		}
	}
}

func TestWAVWriterFrame(t *testing.T) {
	var buf seekBuffer
	ww, _ := NewWAVWriter(&buf, Rate8k, 1)
	if err := ww.WriteFrame(Frame{Samples: []int16{1, 2}, Rate: Rate8k}); err != nil {
		t.Fatal(err)
	}
	if err := ww.WriteFrame(Frame{Samples: []int16{1, 2}, Rate: Rate16k}); !errors.Is(err, ErrWAV) {
		t.Errorf("16 kHz frame: %v", err)
	}
	_ = ww.Close()
	if err := ww.WritePCM([]int16{1}); !errors.Is(err, ErrClosed) {
		t.Errorf("write after Close: %v", err)
	}
	st, _ := NewWAVWriter(&seekBuffer{}, Rate8k, 2)
	if err := st.WritePCM([]int16{1, 2, 3}); !errors.Is(err, ErrWAV) {
		t.Errorf("odd stereo write: %v", err)
	}
	if _, err := NewWAVWriter(&seekBuffer{}, Rate8k, 3); !errors.Is(err, ErrWAV) {
		t.Errorf("3 channels: %v", err)
	}
}

// TestReadWAVG711 reads 8-bit µ-law and A-law files as Asterisk ships
// them, with a LIST chunk to skip.
func TestReadWAVG711(t *testing.T) {
	tone := audiotest.Tone(1000, Rate8k, 200*time.Millisecond, 0.5)
	for _, tt := range []struct {
		name   string
		format int
	}{{"PCMU", wavULaw}, {"PCMA", wavALaw}} {
		c, _ := NewCodec(tt.name)
		payload, _ := c.Encode(nil, tone)
		want, _ := c.Decode(nil, payload)
		// Asterisk writes an 18-byte fmt chunk (cbSize 0) and a fact chunk.
		f := fmtChunk(tt.format, 1, Rate8k, 8)
		f.data = append(f.data, 0, 0)
		file := riff(f, chunk{"fact", []byte{0x40, 0x06, 0, 0}}, chunk{"LIST", []byte("INFOISFT\x03\x00\x00\x00ab\x00")}, chunk{"data", payload})
		pcm, rate, ch, err := ReadWAV(bytes.NewReader(file))
		if err != nil || rate != Rate8k || ch != 1 {
			t.Fatalf("%s: rate %d, %d channels, %v", tt.name, rate, ch, err)
		}
		if !slices.Equal(pcm, want) {
			t.Errorf("%s: samples differ from the codec's decoding", tt.name)
		}
		if snr := audiotest.SNR(tone, pcm); snr < 30 {
			t.Errorf("%s: SNR %.1f dB", tt.name, snr)
		}
	}
}

func TestReadWAVVariants(t *testing.T) {
	pcm := []int16{0, 100, -100, math.MaxInt16, math.MinInt16}
	ext := make([]byte, 40)
	copy(ext, fmtChunk(wavExtensible, 1, Rate16k, 16).data)
	binary.LittleEndian.PutUint16(ext[16:], 22)
	binary.LittleEndian.PutUint16(ext[24:], wavPCM)
	tests := []struct {
		name string
		file []byte
		want []int16
	}{
		{"pcm16", riff(fmtChunk(wavPCM, 1, Rate16k, 16), chunk{"data", pcmBytes(pcm)}), pcm},
		{"extensible", riff(chunk{"fmt ", ext}, chunk{"data", pcmBytes(pcm)}), pcm},
		{"pcm8", riff(fmtChunk(wavPCM, 1, Rate16k, 8), chunk{"data", []byte{128, 129, 0, 255, 127}}), []int16{0, 256, -32768, 32512, -256}},
		{"odd junk chunk", riff(chunk{"junk", []byte{1, 2, 3}}, fmtChunk(wavPCM, 1, Rate16k, 16), chunk{"data", pcmBytes(pcm)}), pcm},
		{"streamed size", func() []byte {
			b := riff(fmtChunk(wavPCM, 1, Rate16k, 16), chunk{"data", pcmBytes(pcm)})
			binary.LittleEndian.PutUint32(b[40:], 0xffffffff)
			return b
		}(), pcm},
	}
	for _, tt := range tests {
		got, rate, ch, err := ReadWAV(bytes.NewReader(tt.file))
		if err != nil || rate != Rate16k || ch != 1 || !slices.Equal(got, tt.want) {
			t.Errorf("%s: %v at %d Hz, %d channels, %v; want %v", tt.name, got, rate, ch, err, tt.want)
		}
	}
}

func TestReadWAVErrors(t *testing.T) {
	good := riff(fmtChunk(wavPCM, 1, Rate8k, 16), chunk{"data", pcmBytes(make([]int16, 100))})
	tests := []struct {
		name string
		file []byte
		msg  string
	}{
		{"empty", nil, "truncated RIFF header"},
		{"not RIFF", []byte("OggS\x00\x00\x00\x00WAVEfmt "), "not a RIFF file"},
		{"not WAVE", []byte("RIFF\x00\x00\x00\x00AVI LIST"), "not WAVE"},
		{"float", riff(fmtChunk(3, 1, Rate8k, 32), chunk{"data", nil}), "unsupported format 3 (IEEE float)"},
		{"gsm", riff(fmtChunk(0x31, 1, Rate8k, 0), chunk{"data", nil}), "unsupported format 49 (GSM 6.10)"},
		{"24-bit", riff(fmtChunk(wavPCM, 1, Rate8k, 24), chunk{"data", nil}), "unsupported 24-bit PCM"},
		{"no channels", riff(fmtChunk(wavPCM, 0, Rate8k, 16), chunk{"data", nil}), "0 channels"},
		{"no fmt", riff(chunk{"data", []byte{1, 2}}), "data chunk before fmt"},
		{"no data", riff(fmtChunk(wavPCM, 1, Rate8k, 16)), "no data chunk"},
		{"truncated data", good[:len(good)-10], "truncated data chunk: 190 of 200 bytes"},
		{"truncated fmt", good[:30], "truncated fmt chunk"},
		{"truncated chunk header", good[:14], "truncated chunk header"},
	}
	for _, tt := range tests {
		_, _, _, err := ReadWAV(bytes.NewReader(tt.file))
		if !errors.Is(err, ErrWAV) || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: %v, want ErrWAV saying %q", tt.name, err, tt.msg)
		}
	}
	_, _, _, err := ReadWAV(bytes.NewReader(good[:len(good)-10]))
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("truncated data: %v, want io.ErrUnexpectedEOF too", err)
	}
}

func FuzzReadWAV(f *testing.F) {
	pcm := pcmBytes(audiotest.Tone(440, Rate8k, 10*time.Millisecond, 0.5))
	f.Add(riff(fmtChunk(wavPCM, 1, Rate8k, 16), chunk{"data", pcm}))
	f.Add(riff(fmtChunk(wavPCM, 2, Rate16k, 16), chunk{"LIST", []byte("abc")}, chunk{"data", pcm}))
	f.Add(riff(fmtChunk(wavULaw, 1, Rate8k, 8), chunk{"data", pcm}))
	f.Add(riff(fmtChunk(wavPCM, 1, Rate8k, 8), chunk{"data", pcm[:7]}))
	f.Add([]byte("RIFF\xff\xff\xff\xffWAVEdata\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, b []byte) {
		pcm, rate, ch, err := ReadWAV(bytes.NewReader(b))
		if err != nil {
			if !errors.Is(err, ErrWAV) {
				t.Fatalf("error does not wrap ErrWAV: %v", err)
			}
			return
		}
		if rate <= 0 || ch < 1 || ch > maxWAVChannels || len(pcm) > len(b) {
			t.Fatalf("rate %d, %d channels, %d samples from %d bytes", rate, ch, len(pcm), len(b))
		}
	})
}

func BenchmarkWAVWriteFrame(b *testing.B) {
	var buf seekBuffer
	ww, _ := NewWAVWriter(&buf, Rate16k, 1)
	f := Frame{Samples: audiotest.Tone(1000, Rate16k, FrameDuration, 0.5), Rate: Rate16k}
	b.ReportAllocs()
	for b.Loop() {
		buf.off, ww.n = 44, 0 // keep the buffer small
		_ = ww.WriteFrame(f)
	}
}
