package pocketsphinx

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/asr"
	"github.com/switchboard-voice/switchboard/asr/asrtest"
	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/mediatest"
)

func requireModel(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(DefaultModelDir, "en-us", "mdef")); err != nil {
		t.Skip("pocketsphinx-en-us is not installed (scripts install it)")
	}
}

func requireEspeak(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		t.Skip("espeak-ng is not installed")
	}
}

func asteriskWAV(t testing.TB, name string) ([]int16, int) {
	t.Helper()
	path := filepath.Join(mediatest.RequireSounds(t), name+".wav")
	pcm, rate, err := asr.ReadAudio(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	return pcm, rate
}

func newRecognizer(t testing.TB, m *Model, opts ...Option) *Recognizer {
	t.Helper()
	r, err := New(m, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Error(err)
		}
	})
	return r
}

func transcribe(t testing.TB, r asr.Recognizer, cfg asr.Config, pcm []int16) asr.Result {
	t.Helper()
	res, _, _ := asr.Transcribe(context.Background(), r, cfg, pcm, time.Minute)
	if res.Err != nil {
		t.Fatalf("transcribe: %v", res.Err)
	}
	return res
}

// Human recordings at 8 kHz with a domain model that contains their
// sentences come out word for word.
func TestAsteriskRecordingsDomainModel(t *testing.T) {
	requireModel(t)
	tests := []struct{ file, want string }{
		{"agent-pass", "please enter your password followed by the pound key"},
		{"auth-incorrect", "password incorrect please enter your password followed by the pound key"},
		{"agent-newlocation", "please enter a new extension followed by pound"},
		{"auth-thankyou", "thank you"},
	}
	var corpus []string
	for _, tt := range tests {
		corpus = append(corpus, tt.want)
	}
	m, err := NewModel("asterisk", corpus)
	if err != nil {
		t.Fatal(err)
	}
	r := newRecognizer(t, m, WithDecoders(1))
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			pcm, rate := asteriskWAV(t, tt.file)
			res := transcribe(t, r, asr.Config{Language: "en-US", Rate: rate}, pcm)
			if res.Text != tt.want {
				t.Fatalf("got %q, want %q", res.Text, tt.want)
			}
			if !res.Final || res.Provider != Name || res.Confidence <= 0 || res.Confidence > 1 {
				t.Fatalf("result %+v", res)
			}
			if len(res.Words) != len(strings.Fields(tt.want)) {
				t.Fatalf("words %+v", res.Words)
			}
			dur := time.Duration(len(pcm)) * time.Second / time.Duration(rate)
			for i, w := range res.Words {
				if w.Start >= w.End || w.End > dur+50*time.Millisecond || i > 0 && w.Start < res.Words[i-1].End {
					t.Fatalf("word %d timing %+v (audio %v)", i, w, dur)
				}
			}
		})
	}
}

// Synthesised speech through G.711 at 8 kHz, and wideband at 16 kHz,
// with the slot grammars chosen per utterance on one decoder.
func TestGrammarsSynthesised(t *testing.T) {
	requireModel(t)
	requireEspeak(t)
	m, err := NewModel("grammars", []string{"I want to check my balance"})
	if err != nil {
		t.Fatal(err)
	}
	r := newRecognizer(t, m, WithDecoders(1))
	tests := []struct {
		say     string
		grammar asr.Grammar
		want    string
		// alt is another answer the grammar may give for the same meaning
		// (espeak-ng's output varies a little from run to run).
		alt string
	}{
		{"four eight two one", asr.GrammarDigits, "four eight two one", ""},
		{"yes", asr.GrammarYesNo, "yes", ""},
		{"no thanks", asr.GrammarYesNo, "no thanks", "no thank you"},
		{"forty two dollars", asr.GrammarNumber, "forty two dollars", ""},
		{"the third of may", asr.GrammarDate, "the third of may", ""},
		{"I want to check my balance", asr.GrammarFree, "i want to check my balance", ""},
		{"four eight two one", asr.GrammarDigits4, "four eight two one", ""},
	}
	var wide asr.Score
	for _, rate := range []int{media.Rate8k, media.Rate16k} {
		for _, tt := range tests {
			codec := ""
			if rate == media.Rate8k {
				codec = "PCMU"
			}
			t.Run(string(tt.grammar)+"/"+tt.say+"/"+codec, func(t *testing.T) {
				pcm, err := asrtest.Synthesize(context.Background(), tt.say, rate, codec)
				if err != nil {
					t.Fatal(err)
				}
				res := transcribe(t, r, asr.Config{Rate: rate, Grammar: tt.grammar}, pcm)
				if rate == media.Rate16k {
					// Wideband espeak-ng speech sometimes gains a word at
					// its end ("four eight two one one"): bounded below.
					wide.Add(asr.Compare(tt.want, res.Text))
					t.Logf("16 kHz: %q", res.Text)
					return
				}
				if res.Text != tt.want && (tt.alt == "" || res.Text != tt.alt) {
					t.Fatalf("%d Hz %s: got %q, want %q", rate, codec, res.Text, tt.want)
				}
			})
		}
	}
	if wide.Rate() > 0.1 {
		t.Fatalf("16 kHz WER %.2f (%+v), want at most 0.1", wide.Rate(), wide)
	}
}

func TestStreamUnsupported(t *testing.T) {
	requireModel(t)
	m, err := NewModel("x", []string{"hello"}, WithoutGenericCorpus())
	if err != nil {
		t.Fatal(err)
	}
	r := newRecognizer(t, m, WithWarm(media.Rate8k, 0))
	for _, cfg := range []asr.Config{{Language: "zh", Rate: 8000}, {Rate: 44100}, {Rate: 0}} {
		if _, err := r.Stream(context.Background(), cfg); !errors.Is(err, asr.ErrUnsupported) {
			t.Errorf("%+v: err = %v", cfg, err)
		}
	}
	s, err := r.Stream(context.Background(), asr.Config{Rate: 8000})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.WriteFrame(media.Frame{Samples: make([]int16, 320), Rate: 16000}); !errors.Is(err, asr.ErrUnsupported) {
		t.Errorf("frame at the wrong rate: %v", err)
	}
}

// Partials come while the caller speaks (frames paced as on a call, ten
// times faster), then one final result.
func TestPartials(t *testing.T) {
	requireModel(t)
	pcm, rate := asteriskWAV(t, "agent-pass")
	m, err := NewModel("p", []string{"please enter your password followed by the pound key"})
	if err != nil {
		t.Fatal(err)
	}
	r := newRecognizer(t, m, WithDecoders(1), WithPartialInterval(100*time.Millisecond))
	s, err := r.Stream(context.Background(), asr.Config{Rate: rate})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var partials []string
	var final *asr.Result
	done := make(chan struct{})
	go func() {
		defer close(done)
		for res := range s.Results() {
			if res.Final {
				final = &res
			} else {
				partials = append(partials, res.Text)
			}
		}
	}()
	n := media.SamplesPerFrame(rate)
	for off := 0; off < len(pcm); off += n {
		if err := s.WriteFrame(media.Frame{Samples: pcm[off:min(off+n, len(pcm))], Rate: rate}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond)
	}
	if err := s.End(); err != nil {
		t.Fatal(err)
	}
	<-done
	if final == nil || final.Text != "please enter your password followed by the pound key" {
		t.Fatalf("final %+v", final)
	}
	if len(partials) < 2 {
		t.Fatalf("want partials while speaking, got %q", partials)
	}
	for i := 1; i < len(partials); i++ {
		if partials[i] == partials[i-1] {
			t.Fatalf("partial repeated: %q", partials)
		}
	}
	if err := s.WriteFrame(media.Frame{Samples: pcm[:n], Rate: rate}); !errors.Is(err, asr.ErrClosed) {
		t.Fatalf("WriteFrame after End: %v", err)
	}
}

// Many sessions over a pool of two decoders: some finished, some closed
// mid-utterance, some cancelled by their context. Decoders are reused,
// nothing stays open, goroutines end and Close frees everything.
func TestManySessionsReuseDecoders(t *testing.T) {
	requireModel(t)
	pcm, rate := asteriskWAV(t, "auth-thankyou")
	m, err := NewModel("many", []string{"thank you"})
	if err != nil {
		t.Fatal(err)
	}
	before := runtime.NumGoroutine()
	r, err := New(m, WithDecoders(2))
	if err != nil {
		t.Fatal(err)
	}
	const sessions = 40
	errs := make(chan error, sessions)
	for i := range sessions {
		go func() {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			s, err := r.Stream(ctx, asr.Config{Rate: rate})
			if err != nil {
				errs <- err
				return
			}
			defer s.Close()
			half := pcm[:len(pcm)/2]
			switch i % 4 {
			case 0, 1: // whole utterance
				_ = s.WriteFrame(media.Frame{Samples: pcm, Rate: rate})
				_ = s.End()
				var res asr.Result
				for res = range s.Results() {
				}
				if res.Err != nil || res.Text != "thank you" {
					errs <- fmt.Errorf("wrong result: %q %v", res.Text, res.Err)
					return
				}
			case 2: // abandoned mid-utterance
				_ = s.WriteFrame(media.Frame{Samples: half, Rate: rate})
			case 3: // context cancelled mid-utterance: a final result with the error
				_ = s.WriteFrame(media.Frame{Samples: half, Rate: rate})
				cancel()
				for res := range s.Results() {
					if res.Final && !errors.Is(res.Err, context.Canceled) {
						errs <- errors.New("cancelled session: want context.Canceled")
						return
					}
				}
			}
			errs <- nil
		}()
	}
	for range sessions {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for r.Stats().Sessions > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	st := r.Stats()
	if st.Sessions != 0 || st.Decoders[rate] > 2 || st.Decoders[rate] != st.Idle[rate] {
		t.Fatalf("stats after the sessions: %+v", st)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if st := r.Stats(); st.Decoders[rate] != 0 {
		t.Fatalf("decoders alive after Close: %+v", st)
	}
	if _, err := os.Stat(r.dir); !os.IsNotExist(err) {
		t.Fatalf("model files left in %s", r.dir)
	}
	if _, err := r.Stream(context.Background(), asr.Config{Rate: rate}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Stream after Close: %v", err)
	}
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("%d goroutines leaked", n-before)
	}
}

// Creating and closing recognizers does not grow the process: decoders
// and their models are freed.
func TestCloseFreesMemory(t *testing.T) {
	requireModel(t)
	if testing.Short() {
		t.Skip("short")
	}
	m, err := NewModel("mem", []string{"please enter your password"})
	if err != nil {
		t.Fatal(err)
	}
	cycle := func() {
		r, err := New(m, WithWarm(media.Rate8k, 2), WithWarm(media.Rate16k, 1))
		if err != nil {
			t.Fatal(err)
		}
		_ = r.Close()
	}
	// Warm up first: the C allocator's arenas and the Go heap settle
	// over the first cycles (by up to ~45 MB on a busy CI machine), which
	// is not a leak.
	for range 15 {
		cycle()
	}
	base := rssBytes(t)
	for range 15 {
		cycle()
	}
	// 45 more decoders made and freed; a leak would be tens of MB each.
	if grow := rssBytes(t) - base; grow > 40<<20 {
		t.Fatalf("RSS grew by %d MB over 15 create/close cycles", grow>>20)
	}
}

func rssBytes(t testing.TB) int64 {
	debug.FreeOSMemory() // the Go heap's garbage is not what is measured
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Skip("no /proc/self/statm")
	}
	f := strings.Fields(string(b))
	var pages int64
	for _, c := range f[1] {
		pages = pages*10 + int64(c-'0')
	}
	return pages * int64(os.Getpagesize())
}
