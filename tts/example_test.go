package tts_test

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/tts"
)

// beep is a stand-in Synthesizer: one 20 ms frame per word.
type beep struct{}

func (beep) Name() string { return "beep" }

func (beep) Synthesize(ctx context.Context, req tts.Request, sink media.Sink) error {
	n := 1
	for _, c := range req.Text {
		if c == ' ' {
			n++
		}
	}
	for i := range n {
		if err := ctx.Err(); err != nil {
			return err
		}
		f := media.Frame{Samples: make([]int16, media.SamplesPerFrame(req.Rate)), Rate: req.Rate, Timestamp: time.Duration(i) * media.FrameDuration}
		if err := sink.WriteFrame(f); err != nil {
			return err
		}
	}
	return nil
}

func ExampleCache() {
	cache, err := tts.NewCache(beep{}, tts.WithMaxBytes(8<<20))
	if err != nil {
		panic(err)
	}
	defer cache.Close()
	ctx := context.Background()
	greeting := tts.Request{Text: "Thank you for calling Acme Bank.", Language: "en", Rate: media.Rate8k}
	// Render the static prompts before the first call.
	if err := cache.Warm(ctx, greeting); err != nil {
		panic(err)
	}
	// Every call replays the rendering, frame by frame.
	frames := 0
	if err := cache.Synthesize(ctx, greeting, media.SinkFunc(func(media.Frame) error { frames++; return nil })); err != nil {
		panic(err)
	}
	st := cache.Stats()
	fmt.Println(frames, "frames;", st.Misses, "rendering,", st.Hits, "replay")
	// Output: 6 frames; 1 rendering, 1 replay
}

func ExampleNormalize() {
	fmt.Println(tts.Normalize("Your card ending **4821** was charged $1500 on [Monday](https://x.example)."))
	// Output: Your card ending 4 8 2 1 was charged $1500 on Monday.
}
