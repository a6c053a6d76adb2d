package pocketsphinx

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/asr"
	"github.com/switchboard-voice/switchboard/asr/asrtest"
	"github.com/switchboard-voice/switchboard/internal/shareddata"
	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/prompts"
)

func loadBot(t testing.TB, dir string) *prompts.Bot {
	t.Helper()
	bot, err := prompts.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return bot
}

// The banking bot's model: built from its examples (Banking77 rows
// included), it recognises a request over G.711 and reuses the bot's
// vocabulary; a rebuild gives the same fingerprint.
func TestBankingBotModel(t *testing.T) {
	requireModel(t)
	requireEspeak(t)
	shareddata.Require(t, "banking77", "train.csv")
	bot := loadBot(t, "../../bots/banking")
	m, err := BuildModel(bot)
	if err != nil {
		t.Fatal(err)
	}
	st := m.Stats()
	if st.Sentences < 10000 || st.Vocabulary < 1000 || st.NGrams[2] == 0 || m.Generic() {
		t.Fatalf("stats %+v", st)
	}
	for _, w := range []string{"mastercard", "contactless", "top", "balance", "visa"} {
		if len(m.Pronunciations(w)) == 0 {
			t.Errorf("no pronunciation for %q", w)
		}
	}
	m2, err := BuildModel(bot)
	if err != nil || m2.Fingerprint() != m.Fingerprint() {
		t.Fatalf("rebuild: %v, fingerprint %s vs %s", err, m2.Fingerprint(), m.Fingerprint())
	}
	r := newRecognizer(t, m, WithDecoders(1))
	var sc asr.Score
	for _, say := range []string{
		"I lost my card and need to block it",
		"I want to top up my account",
		"what is my balance",
	} {
		pcm, err := asrtest.Synthesize(context.Background(), say, media.Rate8k, "PCMU")
		if err != nil {
			t.Fatal(err)
		}
		res := transcribe(t, r, asr.Config{Language: "en", Rate: media.Rate8k}, pcm)
		t.Logf("%q -> %q", say, res.Text)
		sc.Add(asr.Compare(say, res.Text))
	}
	if sc.Rate() > 0.25 {
		t.Fatalf("WER %.2f on banking requests (%+v)", sc.Rate(), sc)
	}
}

// A bot without English gets the generic model, with the build error.
func TestNewFromBotFallsBackToGeneric(t *testing.T) {
	requireModel(t)
	bot := &prompts.Bot{Name: "zh-only", Languages: []string{"zh"}, Intents: []prompts.Intent{{Name: "a", Examples: []string{"转人工"}}}}
	r, err := NewFromBot(bot, nil, WithWarm(media.Rate8k, 0))
	if !errors.Is(err, asr.ErrUnsupported) || !errors.Is(err, ErrModel) {
		t.Fatalf("err = %v", err)
	}
	if r == nil || !r.Model().Generic() {
		t.Fatalf("want a generic recognizer, got %v", r)
	}
	defer r.Close()
	pcm, rate := asteriskWAV(t, "agent-pass")
	res := transcribe(t, r, asr.Config{Rate: rate}, pcm)
	if res.Text == "" || res.Provider != Name {
		t.Fatalf("generic model: %+v", res)
	}
	t.Logf("generic model: %q", res.Text)
}

// BenchmarkDecodeFrame is the per-frame cost of recognition: one 20 ms
// frame of 8 kHz speech, upsampled and decoded with the domain model.
func BenchmarkDecodeFrame(b *testing.B) {
	requireModel(b)
	pcm, rate := asteriskWAV(b, "agent-pass")
	m, err := NewModel("bench", []string{"please enter your password followed by the pound key"})
	if err != nil {
		b.Fatal(err)
	}
	r := newRecognizer(b, m, WithDecoders(1))
	p, _ := r.pool(rate)
	d, err := p.acquire(context.Background(), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer p.release(d)
	rs, _ := media.NewResampler(rate, media.Rate16k)
	n := media.SamplesPerFrame(rate)
	frames := len(pcm) / n
	var up []int16
	_ = d.start()
	b.ResetTimer()
	for i := range b.N {
		if i%frames == 0 && i > 0 {
			_ = d.end()
			_ = d.start()
		}
		off := (i % frames) * n
		up = rs.Resample(up[:0], pcm[off:off+n])
		if err := d.process(up); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	_ = d.end()
	b.ReportMetric(float64(b.Elapsed())/float64(b.N)/float64(20*time.Millisecond), "rtf")
}

// BenchmarkWriteFrame is the cost on the media path: queueing a frame.
func BenchmarkWriteFrame(b *testing.B) {
	requireModel(b)
	m, err := NewModel("bench", []string{"hello"})
	if err != nil {
		b.Fatal(err)
	}
	r := newRecognizer(b, m, WithDecoders(1))
	f := media.Frame{Samples: make([]int16, 160), Rate: media.Rate8k}
	var s asr.Session
	for i := range b.N {
		if i%500 == 0 { // 10 s utterances
			b.StopTimer()
			if s != nil {
				_ = s.Close()
			}
			if s, err = r.Stream(context.Background(), asr.Config{Rate: media.Rate8k}); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		_ = s.WriteFrame(f)
	}
	_ = s.Close()
}
