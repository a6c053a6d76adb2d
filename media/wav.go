package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// ErrWAV is wrapped by every error about a malformed or unsupported WAV
// file; the message says what is wrong.
var ErrWAV = errors.New("media: WAV")

// WAV format tags.
const (
	wavPCM        = 1
	wavALaw       = 6
	wavULaw       = 7
	wavExtensible = 0xfffe
)

// maxWAVChannels bounds the channel count ReadWAV accepts.
const maxWAVChannels = 8

// ReadWAV reads a whole WAV file: 16-bit (or 8-bit) linear PCM, or 8-bit
// A-law (format 6) or µ-law (format 7) as Asterisk sound files use, which
// it decodes to PCM16. Samples are interleaved when channels > 1. Chunks
// other than "fmt " and "data" are skipped; a data size of 0xFFFFFFFF (a
// stream that was never finalised) reads to the end. Errors wrap ErrWAV,
// and io.ErrUnexpectedEOF when the file is truncated.
func ReadWAV(r io.Reader) (pcm []int16, rate, channels int, err error) {
	var hdr [12]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, 0, 0, wavTruncated("RIFF header", err)
	}
	if string(hdr[0:4]) != "RIFF" {
		return nil, 0, 0, fmt.Errorf("%w: not a RIFF file (starts with %q)", ErrWAV, hdr[0:4])
	}
	if string(hdr[8:12]) != "WAVE" {
		return nil, 0, 0, fmt.Errorf("%w: RIFF file of type %q, not WAVE", ErrWAV, hdr[8:12])
	}
	var (
		format, bits int
		haveFmt      bool
	)
	for {
		var ch [8]byte
		if _, err := io.ReadFull(r, ch[:]); err != nil {
			if err == io.EOF {
				return nil, 0, 0, fmt.Errorf("%w: no data chunk", ErrWAV)
			}
			return nil, 0, 0, wavTruncated("chunk header", err)
		}
		id, size := string(ch[0:4]), int64(binary.LittleEndian.Uint32(ch[4:8]))
		switch id {
		case "fmt ":
			if size < 16 || size > 1024 {
				return nil, 0, 0, fmt.Errorf("%w: fmt chunk of %d bytes", ErrWAV, size)
			}
			b := make([]byte, size+size&1)
			if _, err := io.ReadFull(r, b); err != nil {
				return nil, 0, 0, wavTruncated("fmt chunk", err)
			}
			format = int(binary.LittleEndian.Uint16(b[0:2]))
			channels = int(binary.LittleEndian.Uint16(b[2:4]))
			rate = int(binary.LittleEndian.Uint32(b[4:8]))
			bits = int(binary.LittleEndian.Uint16(b[14:16]))
			if format == wavExtensible && size >= 26 {
				format = int(binary.LittleEndian.Uint16(b[24:26])) // sub-format GUID
			}
			if err := checkWAVFormat(format, bits, channels, rate); err != nil {
				return nil, 0, 0, err
			}
			haveFmt = true
		case "data":
			if !haveFmt {
				return nil, 0, 0, fmt.Errorf("%w: data chunk before fmt chunk", ErrWAV)
			}
			var buf bytes.Buffer
			if size == 0xffffffff {
				if _, err := buf.ReadFrom(r); err != nil {
					return nil, 0, 0, fmt.Errorf("%w: reading data: %w", ErrWAV, err)
				}
			} else if n, err := io.CopyN(&buf, r, size); err != nil {
				if err == io.EOF {
					err = io.ErrUnexpectedEOF
				}
				return nil, 0, 0, fmt.Errorf("%w: truncated data chunk: %d of %d bytes: %w", ErrWAV, n, size, err)
			}
			return decodeWAVData(buf.Bytes(), format, bits), rate, channels, nil
		default:
			// A missing pad byte after an odd-sized last chunk is tolerated.
			if n, err := io.CopyN(io.Discard, r, size+size&1); err != nil && n < size {
				return nil, 0, 0, wavTruncated(fmt.Sprintf("%q chunk", id), err)
			}
		}
	}
}

func wavTruncated(what string, err error) error {
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("%w: truncated %s: %w", ErrWAV, what, err)
}

func checkWAVFormat(format, bits, channels, rate int) error {
	switch {
	case format == wavPCM && (bits == 16 || bits == 8):
	case (format == wavALaw || format == wavULaw) && bits == 8:
	case format == wavPCM:
		return fmt.Errorf("%w: unsupported %d-bit PCM (want 8 or 16)", ErrWAV, bits)
	case format == wavALaw || format == wavULaw:
		return fmt.Errorf("%w: unsupported %d-bit G.711 (want 8)", ErrWAV, bits)
	default:
		name := map[int]string{2: " (ADPCM)", 3: " (IEEE float)", 0x11: " (IMA ADPCM)", 0x31: " (GSM 6.10)", 0x55: " (MP3)"}[format]
		return fmt.Errorf("%w: unsupported format %d%s (want PCM 1, A-law 6 or µ-law 7)", ErrWAV, format, name)
	}
	if channels < 1 || channels > maxWAVChannels {
		return fmt.Errorf("%w: %d channels", ErrWAV, channels)
	}
	if rate <= 0 || rate > 384000 {
		return fmt.Errorf("%w: sample rate %d", ErrWAV, rate)
	}
	return nil
}

// decodeWAVData converts sample bytes to PCM16; a trailing partial sample
// is ignored.
func decodeWAVData(b []byte, format, bits int) []int16 {
	switch {
	case format == wavULaw || format == wavALaw:
		out, _ := g711{ulaw: format == wavULaw}.Decode(make([]int16, 0, len(b)), b)
		return out
	case bits == 8: // unsigned
		out := make([]int16, len(b))
		for i, v := range b {
			out[i] = int16(v-128) << 8
		}
		return out
	}
	out := make([]int16, len(b)/2)
	for i := range out {
		out[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
	}
	return out
}

// WAVWriter writes a 16-bit PCM WAV file incrementally. The header's sizes
// are written as zero first and fixed by Close, which needs the Seeker.
// A WAVWriter is not safe for concurrent use.
type WAVWriter struct {
	w        io.WriteSeeker
	rate     int
	channels int
	start    int64 // offset of the RIFF header in w
	n        int64 // data bytes written
	buf      []byte
	err      error
	closed   bool
}

// maxWAVData is the largest data chunk a RIFF size field can describe.
const maxWAVData = 0xffffffff - 36

// NewWAVWriter writes a WAV header for rate and channels (1 or 2) at w's
// current offset and returns a writer for the samples.
func NewWAVWriter(w io.WriteSeeker, rate, channels int) (*WAVWriter, error) {
	if channels != 1 && channels != 2 {
		return nil, fmt.Errorf("%w: cannot write %d channels (want 1 or 2)", ErrWAV, channels)
	}
	if rate <= 0 {
		return nil, fmt.Errorf("%w: sample rate %d", ErrWAV, rate)
	}
	start, err := w.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, fmt.Errorf("media: WAV writer: %w", err)
	}
	ww := &WAVWriter{w: w, rate: rate, channels: channels, start: start}
	if _, err := w.Write(ww.header()); err != nil {
		return nil, fmt.Errorf("media: writing WAV header: %w", err)
	}
	return ww, nil
}

// header is the 44-byte canonical header for the data written so far.
func (ww *WAVWriter) header() []byte {
	h := make([]byte, 44)
	le := binary.LittleEndian
	copy(h[0:], "RIFF")
	le.PutUint32(h[4:], uint32(36+ww.n))
	copy(h[8:], "WAVEfmt ")
	le.PutUint32(h[16:], 16)
	le.PutUint16(h[20:], wavPCM)
	le.PutUint16(h[22:], uint16(ww.channels))
	le.PutUint32(h[24:], uint32(ww.rate))
	le.PutUint32(h[28:], uint32(ww.rate*ww.channels*2))
	le.PutUint16(h[32:], uint16(ww.channels*2))
	le.PutUint16(h[34:], 16)
	copy(h[36:], "data")
	le.PutUint32(h[40:], uint32(ww.n))
	return h
}

// Rate returns the sample rate; Channels the channel count.
func (ww *WAVWriter) Rate() int { return ww.rate }

// Channels returns the channel count.
func (ww *WAVWriter) Channels() int { return ww.channels }

// Frames returns how many sample frames (one sample per channel) have been
// written.
func (ww *WAVWriter) Frames() int64 { return ww.n / int64(2*ww.channels) }

// WritePCM writes samples, interleaved for stereo (left first); a stereo
// write must hold whole sample frames. After an error every call fails.
func (ww *WAVWriter) WritePCM(pcm []int16) error {
	if ww.err != nil {
		return ww.err
	}
	if ww.closed {
		return ErrClosed
	}
	if len(pcm)%ww.channels != 0 {
		return fmt.Errorf("%w: %d samples is not a whole number of %d-channel frames", ErrWAV, len(pcm), ww.channels)
	}
	if ww.n+int64(2*len(pcm)) > maxWAVData {
		ww.err = fmt.Errorf("%w: file would pass 4 GiB", ErrWAV)
		return ww.err
	}
	ww.buf = ww.buf[:0]
	for _, s := range pcm {
		ww.buf = binary.LittleEndian.AppendUint16(ww.buf, uint16(s))
	}
	if _, err := ww.w.Write(ww.buf); err != nil {
		ww.err = fmt.Errorf("media: writing WAV data: %w", err)
		return ww.err
	}
	ww.n += int64(len(ww.buf))
	return nil
}

// WriteFrame writes a frame to a mono writer; its rate must be the file's.
// It makes a mono WAVWriter a Sink.
func (ww *WAVWriter) WriteFrame(f Frame) error {
	if ww.channels != 1 {
		return fmt.Errorf("%w: WriteFrame on a %d-channel writer", ErrWAV, ww.channels)
	}
	if f.Rate != ww.rate {
		return fmt.Errorf("%w: %d Hz frame for a %d Hz file", ErrWAV, f.Rate, ww.rate)
	}
	return ww.WritePCM(f.Samples)
}

// Close fixes the header's sizes and leaves w positioned at the end of the
// data. It does not close w. Calling it again does nothing.
func (ww *WAVWriter) Close() error {
	if ww.closed {
		return nil
	}
	ww.closed = true
	if ww.err != nil {
		return ww.err
	}
	if _, err := ww.w.Seek(ww.start, io.SeekStart); err != nil {
		return fmt.Errorf("media: fixing WAV header: %w", err)
	}
	if _, err := ww.w.Write(ww.header()); err != nil {
		return fmt.Errorf("media: fixing WAV header: %w", err)
	}
	if _, err := ww.w.Seek(ww.start+44+ww.n, io.SeekStart); err != nil {
		return fmt.Errorf("media: fixing WAV header: %w", err)
	}
	return nil
}
