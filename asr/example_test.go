package asr_test

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboard-voice/switchboard/asr"
	"github.com/switchboard-voice/switchboard/asr/asrtest"
)

func ExampleCompare() {
	s := asr.Compare("Press 4 for your balance.", "press four for the balance")
	fmt.Printf("%d of %d words wrong: WER %.2f\n", s.Errors(), s.Ref, s.Rate())
	// Output: 1 of 5 words wrong: WER 0.20
}

func ExampleWithFallback() {
	local := &asrtest.Fake{ID: "pocketsphinx", Err: asr.ErrTimeout}
	cloud := &asrtest.Fake{ID: "openai", Text: "block my card"}
	rec := asr.WithFallback(local, cloud)
	res, _, _ := asr.Transcribe(context.Background(), rec, asr.Config{Rate: 8000}, make([]int16, 8000), time.Second)
	fmt.Println(res.Provider+":", res.Text)
	// Output: openai: block my card
}
