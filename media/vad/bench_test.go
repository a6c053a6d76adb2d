package vad

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/media"
)

// BenchmarkProcess measures one 20 ms frame of noisy speech per
// iteration at each rate.
func BenchmarkProcess(b *testing.B) {
	for _, rate := range []int{media.Rate8k, media.Rate16k, media.Rate48k} {
		b.Run(fmt.Sprint(rate), func(b *testing.B) {
			clean := buildTestSpeech(b, time.Second, time.Second, "demo-moreinfo")
			rng := rand.New(rand.NewPCG(1, 1))
			in := upsample(b, mix(clean, whiteNoise(rng, len(clean)), 10), rate)
			fs := frames(in, rate)
			d, err := New(rate)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				d.Process(fs[i%len(fs)])
			}
		})
	}
}
