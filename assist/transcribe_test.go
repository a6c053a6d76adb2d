package assist_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/asr"
	"github.com/switchboard-voice/switchboard/asr/asrtest"
	"github.com/switchboard-voice/switchboard/asr/pocketsphinx"
	"github.com/switchboard-voice/switchboard/assist"
	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/mediatest"
)

// feed writes pcm then silence in 20 ms frames at real-time pace /speedup.
func feed(t *testing.T, tr *assist.Transcriber, pcm []int16, speedup int) {
	t.Helper()
	for i := 0; i+160 <= len(pcm); i += 160 {
		if err := tr.WriteFrame(media.Frame{Samples: pcm[i : i+160], Rate: 8000}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(media.FrameDuration / time.Duration(speedup))
	}
}

type segs struct {
	mu  sync.Mutex
	all []assist.Segment
	act []bool
}

func (s *segs) add(g assist.Segment) { s.mu.Lock(); s.all = append(s.all, g); s.mu.Unlock() }
func (s *segs) finals() []assist.Segment {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []assist.Segment
	for _, g := range s.all {
		if g.Final {
			out = append(out, g)
		}
	}
	return out
}

func TestTranscriberUtterances(t *testing.T) {
	speech := mediatest.AsteriskPrompt(t, "agent-pass")
	quiet := make([]int16, 8000) // 1 s
	var got segs
	n := 0
	fake := &asrtest.Fake{Partial: "please", Respond: func(cfg asr.Config, samples []int16) asr.Result {
		n++
		return asr.Result{Text: []string{"first utterance", "second utterance"}[min(n-1, 1)], Final: true}
	}}
	start := time.Now()
	tr, err := assist.NewTranscriber(assist.TranscriberConfig{
		Speaker: "caller", Recognizer: fake, Rate: 8000, CallStart: start,
		OnSegment:  got.add,
		OnActivity: func(on bool, at time.Duration) { got.mu.Lock(); got.act = append(got.act, on); got.mu.Unlock() },
	})
	if err != nil {
		t.Fatal(err)
	}
	feed(t, tr, quiet, 4)
	feed(t, tr, speech, 4)
	feed(t, tr, quiet, 4)
	feed(t, tr, speech, 4)
	feed(t, tr, quiet, 4)
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	f := got.finals()
	if len(f) != 2 || f[0].Text != "first utterance" || f[1].Text != "second utterance" {
		t.Fatalf("finals %+v", f)
	}
	if f[0].Utterance != 1 || f[1].Utterance != 2 || f[0].Speaker != "caller" {
		t.Errorf("utterance numbers %d %d speaker %q", f[0].Utterance, f[1].Utterance, f[0].Speaker)
	}
	if !(f[0].Start < f[0].End && f[0].End <= f[1].Start) {
		t.Errorf("offsets: %v-%v then %v-%v", f[0].Start, f[0].End, f[1].Start, f[1].End)
	}
	var partials int
	for _, g := range got.all {
		if !g.Final && g.Text == "please" {
			partials++
		}
	}
	if partials != 2 {
		t.Errorf("%d partials, want one per utterance", partials)
	}
	if got := got.act; len(got) != 4 || !got[0] || got[1] || !got[2] || got[3] {
		t.Errorf("activity %v, want on off on off", got)
	}
	if tr.WriteFrame(media.Frame{Samples: quiet[:160], Rate: 8000}) == nil {
		t.Error("WriteFrame after Close succeeded")
	}
}

// TestTranscriberPocketsphinx transcribes a human recording through the
// embedded recogniser with a model that knows its words.
func TestTranscriberPocketsphinx(t *testing.T) {
	if testing.Short() {
		t.Skip("real recogniser")
	}
	speech := mediatest.AsteriskPrompt(t, "agent-pass")
	m, err := pocketsphinx.NewModel("assist", []string{"please enter your password followed by the pound key", "thank you for calling"})
	if err != nil {
		t.Skipf("pocketsphinx model: %v", err)
	}
	rec, err := pocketsphinx.New(m)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	var got segs
	tr, err := assist.NewTranscriber(assist.TranscriberConfig{Speaker: "agent", Recognizer: rec, Rate: 8000, OnSegment: got.add})
	if err != nil {
		t.Fatal(err)
	}
	feed(t, tr, make([]int16, 4000), 2)
	feed(t, tr, speech, 2)
	feed(t, tr, make([]int16, 8000), 2)
	_ = tr.Close()
	f := got.finals()
	if len(f) != 1 || !strings.Contains(f[0].Text, "password") {
		t.Fatalf("finals %+v", f)
	}
	t.Logf("heard %q, final %v after the end", f[0].Text, f[0].ASR)
}
