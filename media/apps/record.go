package apps

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"time"

	"github.com/switchboard-voice/switchboard/media"
)

// Record wraps an application so that every call it serves is recorded
// to dir as a stereo WAV file: the caller on the left channel, what the
// application plays on the right. Recording never blocks the media path
// (media.Recorder drops and counts frames when the disk is slow).
func Record(app media.Application, dir string, log *slog.Logger) media.Application {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return media.ApplicationFunc(func(ctx context.Context, leg media.Leg) error {
		info := leg.Info()
		path := filepath.Join(dir, fmt.Sprintf("%s-%s.wav", time.Now().UTC().Format("20060102T150405Z"), safeName(info.ID)))
		rec, f, err := openRecording(path, info.Rate)
		if err != nil {
			// A call is never refused for want of a recording.
			log.Error("recording not started", "call_id", info.ID, "err", err)
			return app.Serve(ctx, leg)
		}
		rl := &recordingLeg{Leg: leg, rec: rec, start: time.Now()}
		err = app.Serve(ctx, rl)
		rl.Attach(nil)
		if cerr := rec.Close(); cerr != nil {
			log.Error("recording failed", "call_id", info.ID, "file", path, "err", cerr)
		}
		f.Close()
		log.Info("call recorded", "call_id", info.ID, "file", path, "dropped_frames", rec.Dropped())
		return err
	})
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// RecordingGlob is the pattern of the recording files of the call with
// the ID callID in dir (one per recorded application run, oldest first by
// name).
func RecordingGlob(dir, callID string) string {
	return filepath.Join(dir, "*-"+safeName(callID)+".wav")
}

func safeName(s string) string {
	s = unsafeChars.ReplaceAllString(s, "_")
	if len(s) > 64 {
		s = s[:64]
	}
	return s
}

func openRecording(path string, rate int) (*media.Recorder, *os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, nil, err
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, err
	}
	if rate == 0 {
		rate = media.Rate8k
	}
	rec, err := media.NewRecorder(f, rate)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return rec, f, nil
}

// recordingLeg tees a leg's audio into a recorder: what the caller says
// (through the attached receiver) to the left, what is played to the
// caller (WriteFrame) to the right, on one time line.
type recordingLeg struct {
	media.Leg
	rec   *media.Recorder
	start time.Time

	mu     sync.Mutex
	cursor time.Duration // media time of the end of the queued outbound audio
}

// Unwrap returns the recorded leg, for code that needs the leg's own type
// (a SIP transfer).
func (l *recordingLeg) Unwrap() media.Leg { return l.Leg }

func (l *recordingLeg) Attach(r media.Receiver) {
	if r == nil {
		l.Leg.Attach(nil)
		return
	}
	l.Leg.Attach(&tee{Receiver: r, left: l.rec.Left()})
}

// WriteFrame records the frame at the time it will be heard: after what is
// already queued, and not before now.
func (l *recordingLeg) WriteFrame(f media.Frame) error {
	l.mu.Lock()
	now := time.Since(l.start)
	if l.cursor < now {
		l.cursor = now
	}
	rf := f
	rf.Timestamp = l.cursor
	l.cursor += f.Duration()
	l.mu.Unlock()
	_ = l.rec.Right().WriteFrame(rf)
	return l.Leg.WriteFrame(f)
}

func (l *recordingLeg) Flush() time.Duration {
	d := l.Leg.Flush()
	l.mu.Lock()
	l.cursor = time.Since(l.start)
	l.mu.Unlock()
	return d
}

type tee struct {
	media.Receiver
	left media.Sink
}

// OnDelayChange passes the leg's playout delay changes on to a receiver
// that wants them (media.DelayObserver: the voicebot's echo canceller),
// which the tee would otherwise hide.
func (t *tee) OnDelayChange(d time.Duration) {
	if o, ok := t.Receiver.(media.DelayObserver); ok {
		o.OnDelayChange(d)
	}
}

func (t *tee) WriteFrame(f media.Frame) error {
	_ = t.left.WriteFrame(f)
	return t.Receiver.WriteFrame(f)
}
