package asrtest

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/switchboard-voice/switchboard/asr"
	"github.com/switchboard-voice/switchboard/media"
)

// Voice is the espeak-ng voice of Synthesize: US English with the "f2"
// variant, which pocketsphinx's en-us model recognises best of the
// variants tried (the default voice loses more final consonants).
const Voice = "en-us+f2"

// Synthesize speaks text with espeak-ng (Voice) and returns mono
// PCM16 at rate (8000 or 16000). With codec "PCMU" or "PCMA" (8 kHz only)
// the audio is encoded with G.711 and decoded again, as a phone call
// would deliver it.
func Synthesize(ctx context.Context, text string, rate int, codec string) ([]int16, error) {
	if rate != media.Rate8k && rate != media.Rate16k {
		return nil, fmt.Errorf("%w: synthesis at %d Hz", asr.ErrUnsupported, rate)
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	// A file, not --stdout: the streamed header has no real data size.
	tmp, err := os.CreateTemp("", "espeak-*.wav")
	if err != nil {
		return nil, err
	}
	_ = tmp.Close()
	defer os.Remove(tmp.Name())
	cmd := exec.CommandContext(ctx, "espeak-ng", "-v", Voice, "-w", tmp.Name(), text)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("espeak-ng: %w: %s", err, strings.TrimSpace(errb.String()))
	}
	f, err := os.Open(tmp.Name())
	if err != nil {
		return nil, err
	}
	defer f.Close()
	pcm, srcRate, _, err := media.ReadWAV(f)
	if err != nil {
		return nil, fmt.Errorf("espeak-ng output: %w", err)
	}
	pcm = resampleAny(pcm, srcRate, media.Rate16k)
	if rate == media.Rate8k {
		rs, err := media.NewResampler(media.Rate16k, media.Rate8k)
		if err != nil {
			return nil, err
		}
		pcm = rs.Resample(nil, pcm)
	}
	if codec == "" {
		return pcm, nil
	}
	if rate != media.Rate8k {
		return nil, fmt.Errorf("%w: %s at %d Hz", asr.ErrUnsupported, codec, rate)
	}
	c, err := media.NewCodec(codec)
	if err != nil {
		return nil, err
	}
	payload, err := c.Encode(nil, pcm)
	if err != nil {
		return nil, err
	}
	return c.Decode(nil, payload)
}

// resampleAny converts between any two rates with a windowed-sinc filter
// (slow, for test audio: espeak-ng speaks at 22,050 Hz).
func resampleAny(in []int16, from, to int) []int16 {
	if from == to {
		return in
	}
	ratio := float64(to) / float64(from)
	cutoff := math.Min(1, ratio) * 0.95
	const half = 16 // taps on each side, in input samples (scaled below)
	width := float64(half) / math.Min(1, ratio)
	out := make([]int16, int(float64(len(in))*ratio))
	for i := range out {
		t := float64(i) / ratio
		lo, hi := int(math.Ceil(t-width)), int(math.Floor(t+width))
		var sum, norm float64
		for j := max(lo, 0); j <= min(hi, len(in)-1); j++ {
			x := (t - float64(j)) * cutoff
			w := 0.5 + 0.5*math.Cos(math.Pi*(t-float64(j))/width) // Hann
			s := 1.0
			if x != 0 {
				s = math.Sin(math.Pi*x) / (math.Pi * x)
			}
			sum += float64(in[j]) * s * w
			norm += s * w
		}
		if norm != 0 {
			sum /= norm
		}
		out[i] = int16(math.Max(-32768, math.Min(32767, math.Round(sum))))
	}
	return out
}

// WriteWAV writes mono PCM16 to path.
func WriteWAV(path string, rate int, pcm []int16) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w, err := media.NewWAVWriter(f, rate, 1)
	if err == nil {
		err = w.WritePCM(pcm)
	}
	if err == nil {
		err = w.Close()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// SynthesizeItems speaks each sentence into dir/NNN.wav (see Synthesize)
// and returns the evaluation items.
func SynthesizeItems(ctx context.Context, dir string, sentences []string, rate int, codec string) ([]asr.Item, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	items := make([]asr.Item, 0, len(sentences))
	for i, s := range sentences {
		pcm, err := Synthesize(ctx, s, rate, codec)
		if err != nil {
			return nil, fmt.Errorf("sentence %d: %w", i+1, err)
		}
		path := filepath.Join(dir, fmt.Sprintf("%03d.wav", i+1))
		if err := WriteWAV(path, rate, pcm); err != nil {
			return nil, err
		}
		items = append(items, asr.Item{Path: path, Reference: s})
	}
	return items, nil
}
