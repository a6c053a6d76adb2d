package redact

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/qa"
)

// Channel picks the channels of a recording a Range silences.
type Channel uint8

// Channels. media.Recorder records the caller on the left and the other
// side (bot, agent) on the right.
const (
	Both  Channel = iota // every channel
	Left                 // the caller
	Right                // the bot or agent
)

// ChannelOf returns the channel media.Recorder records a speaker on.
func ChannelOf(s qa.Speaker) Channel {
	if s == qa.Caller {
		return Left
	}
	return Right
}

// Range is a stretch of a recording to silence, in offsets from its start.
type Range struct {
	Start, End time.Duration
	Channel    Channel
}

// ErrRange is wrapped by SilenceWAV's error for a range it cannot use.
var ErrRange = errors.New("redact: bad audio range")

// wavBlock is how many bytes of samples SilenceWAV handles at a time.
const wavBlock = 32 << 10

// SilenceWAV copies a 16-bit PCM WAV recording (mono or stereo) from src
// to dst with the ranges silenced (samples set to zero), streaming: memory
// stays bounded (a few tens of KiB) however long the call. Every other
// sample is copied bit for bit. A Range's Channel picks the left or right
// channel of a stereo file; on a mono file every range silences the one
// channel. Ranges may overlap and come in any order; what lies past the
// end of the audio is ignored.
//
// dst gets a canonical 44-byte header (media.WAVWriter): chunks other than
// "fmt " and "data" (LIST, ...) are not copied, nor a trailing partial
// sample frame. A data size of 0xFFFFFFFF (a recording never finalised)
// reads to the end of src. Errors about the file wrap media.ErrWAV (and
// io.ErrUnexpectedEOF when it is cut short); dst is then incomplete.
func SilenceWAV(dst io.WriteSeeker, src io.Reader, ranges []Range) error {
	for _, r := range ranges {
		if r.Start < 0 || r.End < r.Start || r.Channel > Right {
			return fmt.Errorf("%w: %v..%v on channel %d", ErrRange, r.Start, r.End, r.Channel)
		}
	}
	rate, channels, size, err := readWAVHeader(src)
	if err != nil {
		return err
	}
	ww, err := media.NewWAVWriter(dst, rate, channels)
	if err != nil {
		return err
	}
	sil := newSilencer(ranges, rate, channels)
	frameBytes := 2 * channels
	buf := make([]byte, wavBlock-wavBlock%frameBytes)
	pcm := make([]int16, len(buf)/2)
	var frame int64 // index of the first frame in buf
	for size != 0 {
		want := len(buf)
		if size > 0 && int64(want) > size {
			want = int(size)
		}
		n, rerr := io.ReadFull(src, buf[:want])
		if whole := n - n%frameBytes; whole > 0 {
			samples := pcm[:whole/2]
			for i := range samples {
				samples[i] = int16(binary.LittleEndian.Uint16(buf[2*i:]))
			}
			sil.apply(samples, frame)
			if err := ww.WritePCM(samples); err != nil {
				return err
			}
			frame += int64(whole / frameBytes)
		}
		switch {
		case rerr == nil:
			if size > 0 {
				size -= int64(n)
			}
		case (rerr == io.EOF || rerr == io.ErrUnexpectedEOF) && size < 0:
			size = 0 // read to the end
		case rerr == io.EOF || rerr == io.ErrUnexpectedEOF:
			return fmt.Errorf("%w: truncated data chunk: %d of its bytes missing: %w", media.ErrWAV, size-int64(n), io.ErrUnexpectedEOF)
		default:
			return fmt.Errorf("redact: reading WAV: %w", rerr)
		}
	}
	return ww.Close()
}

// readWAVHeader reads src up to the samples of its data chunk and returns
// the format and the data size in bytes (-1: to the end of src).
func readWAVHeader(src io.Reader) (rate, channels int, size int64, err error) {
	truncated := func(what string, err error) error {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return fmt.Errorf("%w: truncated %s: %w", media.ErrWAV, what, err)
	}
	var hdr [12]byte
	if _, err := io.ReadFull(src, hdr[:]); err != nil {
		return 0, 0, 0, truncated("RIFF header", err)
	}
	if string(hdr[0:4]) != "RIFF" || string(hdr[8:12]) != "WAVE" {
		return 0, 0, 0, fmt.Errorf("%w: not a RIFF WAVE file (starts with %q)", media.ErrWAV, hdr[:])
	}
	haveFmt := false
	for {
		var ch [8]byte
		if _, err := io.ReadFull(src, ch[:]); err != nil {
			if err == io.EOF {
				return 0, 0, 0, fmt.Errorf("%w: no data chunk", media.ErrWAV)
			}
			return 0, 0, 0, truncated("chunk header", err)
		}
		id, n := string(ch[0:4]), int64(binary.LittleEndian.Uint32(ch[4:8]))
		switch id {
		case "fmt ":
			if n < 16 || n > 1024 {
				return 0, 0, 0, fmt.Errorf("%w: fmt chunk of %d bytes", media.ErrWAV, n)
			}
			b := make([]byte, n+n&1)
			if _, err := io.ReadFull(src, b); err != nil {
				return 0, 0, 0, truncated("fmt chunk", err)
			}
			format := binary.LittleEndian.Uint16(b[0:2])
			channels = int(binary.LittleEndian.Uint16(b[2:4]))
			rate = int(binary.LittleEndian.Uint32(b[4:8]))
			bits := binary.LittleEndian.Uint16(b[14:16])
			if format == 0xfffe && n >= 26 {
				format = binary.LittleEndian.Uint16(b[24:26])
			}
			if format != 1 || bits != 16 {
				return 0, 0, 0, fmt.Errorf("%w: format %d with %d bits per sample: only 16-bit PCM can be redacted", media.ErrWAV, format, bits)
			}
			if channels != 1 && channels != 2 {
				return 0, 0, 0, fmt.Errorf("%w: %d channels: only mono or stereo can be redacted", media.ErrWAV, channels)
			}
			if rate <= 0 || rate > 384000 {
				return 0, 0, 0, fmt.Errorf("%w: sample rate %d", media.ErrWAV, rate)
			}
			haveFmt = true
		case "data":
			if !haveFmt {
				return 0, 0, 0, fmt.Errorf("%w: data chunk before fmt chunk", media.ErrWAV)
			}
			if n == 0xffffffff {
				n = -1
			}
			return rate, channels, n, nil
		default:
			if _, err := io.CopyN(io.Discard, src, n+n&1); err != nil {
				return 0, 0, 0, truncated(fmt.Sprintf("%q chunk", id), err)
			}
		}
	}
}

// silencer zeroes the samples of sorted ranges, converted to frames.
type silencer struct {
	channels int
	spans    []frameSpan // by start
	next     int         // first span that may still matter
}

type frameSpan struct {
	from, to int64 // frames [from, to)
	ch       Channel
}

func newSilencer(ranges []Range, rate, channels int) *silencer {
	s := &silencer{channels: channels}
	for _, r := range ranges {
		from, to := frameAt(r.Start, rate, false), frameAt(r.End, rate, true)
		if to <= from {
			continue
		}
		ch := r.Channel
		if channels == 1 {
			ch = Both
		}
		s.spans = append(s.spans, frameSpan{from, to, ch})
	}
	slices.SortFunc(s.spans, func(a, b frameSpan) int { return cmp.Compare(a.from, b.from) })
	return s
}

// frameAt converts an offset to a frame index, rounding down or up.
func frameAt(d time.Duration, rate int, up bool) int64 {
	sec, rem := int64(d/time.Second), int64(d%time.Second)
	f := sec*int64(rate) + rem*int64(rate)/int64(time.Second)
	if up && (rem*int64(rate))%int64(time.Second) != 0 {
		f++
	}
	return f
}

// apply zeroes the samples of pcm (interleaved, its first frame is first)
// that fall in a span.
func (s *silencer) apply(pcm []int16, first int64) {
	last := first + int64(len(pcm)/s.channels)
	for s.next < len(s.spans) && s.spans[s.next].to <= first {
		s.next++
	}
	for k := s.next; k < len(s.spans) && s.spans[k].from < last; k++ {
		sp := s.spans[k]
		from, to := max(sp.from, first)-first, min(sp.to, last)-first
		if from >= to {
			continue
		}
		switch {
		case s.channels == 1:
			clear(pcm[from:to])
		case sp.ch == Both:
			clear(pcm[2*from : 2*to])
		default:
			c := int64(0)
			if sp.ch == Right {
				c = 1
			}
			for f := from; f < to; f++ {
				pcm[2*f+c] = 0
			}
		}
	}
}
