package media_test

import (
	"bytes"
	"fmt"
	"os"
	"time"

	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/audiotest"
)

func ExampleNewResampler() {
	r, err := media.NewResampler(media.Rate8k, media.Rate48k)
	if err != nil {
		panic(err)
	}
	frame := audiotest.Tone(1000, media.Rate8k, media.FrameDuration, 0.5)
	var out []int16
	for range 3 {
		out = r.Resample(out[:0], frame) // reuses out: no allocation
	}
	fmt.Println(len(frame), "->", len(out))

	_, err = media.NewResampler(44100, media.Rate8k)
	fmt.Println(err)
	// Output:
	// 160 -> 960
	// media: unsupported sample rate: 44100 Hz (want 8000, 16000 or 48000)
}

func ExampleResampleSink() {
	show := media.SinkFunc(func(f media.Frame) error {
		fmt.Println(f.Rate, len(f.Samples), f.Timestamp)
		return nil
	})
	s := media.ResampleSink(media.Rate16k, show)
	_ = s.WriteFrame(media.Frame{Samples: make([]int16, 160), Rate: media.Rate8k})
	_ = s.WriteFrame(media.Frame{Samples: make([]int16, 960), Rate: media.Rate48k, Timestamp: 20 * time.Millisecond})
	// Output:
	// 16000 320 0s
	// 16000 320 20ms
}

func ExampleNewRecorder() {
	f, err := os.CreateTemp("", "call-*.wav")
	if err != nil {
		panic(err)
	}
	defer os.Remove(f.Name())
	defer f.Close()

	rec, err := media.NewRecorder(f, media.Rate16k)
	if err != nil {
		panic(err)
	}
	caller := audiotest.Tone(440, media.Rate8k, time.Second, 0.5) // G.711 leg
	bot := audiotest.Tone(880, media.Rate16k, time.Second, 0.5)   // TTS
	for i := range 50 {
		ts := time.Duration(i) * media.FrameDuration
		_ = rec.Left().WriteFrame(media.Frame{Samples: caller[i*160 : (i+1)*160], Rate: media.Rate8k, Timestamp: ts})
		_ = rec.Right().WriteFrame(media.Frame{Samples: bot[i*320 : (i+1)*320], Rate: media.Rate16k, Timestamp: ts})
	}
	if err := rec.Close(); err != nil {
		panic(err)
	}

	b, _ := os.ReadFile(f.Name())
	pcm, rate, channels, err := media.ReadWAV(bytes.NewReader(b))
	fmt.Println(rate, channels, len(pcm)/channels, rec.Dropped(), err)
	// Output: 16000 2 16000 0 <nil>
}

func ExampleNewMeter() {
	m := media.NewMeter(nil, func(dbfs float64, f media.Frame) {
		fmt.Printf("%v %.1f dBFS\n", f.Timestamp, dbfs)
	})
	_ = m.WriteFrame(media.Frame{Samples: audiotest.Tone(1000, media.Rate8k, media.FrameDuration, 0.1), Rate: media.Rate8k})
	_ = m.WriteFrame(media.Frame{Samples: make([]int16, 160), Rate: media.Rate8k, Timestamp: media.FrameDuration})
	// Output:
	// 0s -23.0 dBFS
	// 20ms -100.0 dBFS
}
