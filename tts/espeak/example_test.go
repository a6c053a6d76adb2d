package espeak_test

import (
	"context"
	"fmt"
	"os"

	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/tts"
	"github.com/switchboard-voice/switchboard/tts/espeak"
)

// Speak a Mandarin sentence into a 16 kHz WAV file.
func ExampleSynthesizer_Synthesize() {
	syn, err := espeak.New(espeak.WithSpeed(160))
	if err != nil {
		fmt.Println(err) // espeak-ng is not installed
		return
	}
	f, err := os.CreateTemp("", "prompt-*.wav")
	if err != nil {
		panic(err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	w, err := media.NewWAVWriter(f, media.Rate16k, 1)
	if err != nil {
		panic(err)
	}
	req := tts.Request{Text: "您的取件码是 583920。", Language: "zh-CN", Rate: media.Rate16k}
	if err := syn.Synthesize(context.Background(), req, w); err != nil {
		panic(err)
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
	fmt.Println("over a second of speech:", w.Frames() > media.Rate16k)
	// Output: over a second of speech: true
}
