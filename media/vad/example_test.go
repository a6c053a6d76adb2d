package vad_test

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/audiotest"
	"github.com/switchboard-voice/switchboard/media/vad"
)

// A second of line noise, then half a second of a voiced sound (a 150 Hz
// buzz with formant-like harmonics), then noise again.
func Example() {
	rng := rand.New(rand.NewPCG(1, 1))
	var pcm []int16
	for range 8000 {
		pcm = append(pcm, int16(rng.NormFloat64()*30))
	}
	voice := audiotest.Tone(150, media.Rate8k, 500*time.Millisecond, 0.1)
	for _, h := range []float64{450, 600, 1200, 2400} {
		for i, v := range audiotest.Tone(h, media.Rate8k, 500*time.Millisecond, 0.05) {
			voice[i] += v
		}
	}
	for _, v := range voice {
		pcm = append(pcm, v+int16(rng.NormFloat64()*30))
	}
	for range 8000 {
		pcm = append(pcm, int16(rng.NormFloat64()*30))
	}

	d, err := vad.New(media.Rate8k)
	if err != nil {
		panic(err)
	}
	for i := 0; i+160 <= len(pcm); i += 160 {
		f := media.Frame{Samples: pcm[i : i+160], Rate: media.Rate8k, Timestamp: time.Duration(i) * time.Second / media.Rate8k}
		if ev := d.Process(f); ev.Type != vad.None {
			fmt.Printf("%v at %v (reported at %v)\n", ev.Type, ev.Time, f.Timestamp+media.FrameDuration)
		}
	}
	fmt.Printf("noise floor %.0f dBFS\n", d.NoiseFloor())
	// Output:
	// speech-start at 1s (reported at 1.08s)
	// speech-end at 1.52s (reported at 1.82s)
	// noise floor -60 dBFS
}
