package caller

import (
	"context"
	"os"
	"strings"
	"time"

	"github.com/switchboard-voice/switchboard/asr"
	"github.com/switchboard-voice/switchboard/media"
)

// WriteFrame receives the bot's audio: it opens a bot line when the bot
// starts talking, feeds the recogniser, and closes the line after Quiet.
func (s *script) WriteFrame(f media.Frame) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	s.heard = append(s.heard, f.Samples...)
	loud := media.Level(f.Samples) > botLevel
	if s.bot == nil {
		if !loud {
			return nil
		}
		s.bot = &botLine{idx: len(s.lines), first: now.Add(-media.FrameDuration), last: now}
		l := Line{Who: "bot", Start: s.bot.first.Sub(s.start)}
		if !s.spoke.IsZero() && s.spoke.After(s.lastBotEnd()) {
			l.Latency = s.bot.first.Sub(s.spoke)
		}
		s.lines = append(s.lines, l)
		if s.cfg.Recognizer != nil {
			sess, err := s.cfg.Recognizer.Stream(s.ctx, asr.Config{Language: s.cfg.Language, Rate: f.Rate})
			if err == nil {
				s.asr = sess
			}
		}
	}
	if s.asr != nil {
		_ = s.asr.WriteFrame(f)
	}
	if cut := s.onset; !cut.IsZero() && cut.After(s.bot.first) && s.bot.cutStop.IsZero() {
		// We are talking over this prompt: the bot has stopped at its
		// last loud frame once 300 ms pass without one.
		if !loud && now.Sub(s.bot.last) >= bargeQuiet && s.bot.last.After(cut) {
			s.bot.cutStop = s.bot.last
		}
	}
	if loud {
		s.bot.last = now
		return nil
	}
	if now.Sub(s.bot.last) < s.cfg.Quiet {
		return nil
	}
	// The prompt is over.
	b := s.bot
	s.bot = nil
	s.doneAt = now
	s.lines[b.idx].End = b.last.Sub(s.start)
	if !s.onset.IsZero() && s.onset.After(b.first) && s.onset.Before(b.last) {
		// We spoke over this prompt: how long it went on.
		stop := b.cutStop
		if stop.IsZero() {
			stop = b.last
		}
		s.lines[b.idx].BargeIn = stop.Sub(s.onset)
	}
	if sess := s.asr; sess != nil {
		s.asr = nil
		_ = sess.End()
		s.finals.Add(1)
		go func(idx int) {
			defer s.finals.Done()
			defer sess.Close()
			for r := range sess.Results() {
				if r.Final {
					s.mu.Lock()
					s.lines[idx].Text = strings.TrimSpace(r.Text)
					s.mu.Unlock()
				}
			}
		}(b.idx)
	}
	return nil
}

// bargeQuiet is the pause that shows the bot stopped for a barge-in (its
// reply follows within the caller's Quiet, in the same line).
const bargeQuiet = 300 * time.Millisecond

// lastBotEnd is when the bot line before the current one ended.
func (s *script) lastBotEnd() time.Time {
	for i := len(s.lines) - 1; i >= 0; i-- {
		if s.lines[i].Who == "bot" {
			return s.start.Add(s.lines[i].End)
		}
	}
	return time.Time{}
}

// OnDTMF ignores digits from the bot.
func (s *script) OnDTMF(media.DTMF) {}

// Close is called when the leg ends: an open bot line is closed.
func (s *script) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b := s.bot; b != nil {
		s.bot = nil
		s.lines[b.idx].End = b.last.Sub(s.start)
		if sess := s.asr; sess != nil {
			s.asr = nil
			_ = sess.End()
			s.finals.Add(1)
			go func(idx int) {
				defer s.finals.Done()
				defer sess.Close()
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				for {
					select {
					case r, ok := <-sess.Results():
						if !ok {
							return
						}
						if r.Final {
							s.mu.Lock()
							s.lines[idx].Text = strings.TrimSpace(r.Text)
							s.mu.Unlock()
						}
					case <-ctx.Done():
						return
					}
				}
			}(b.idx)
		}
	}
	return nil
}

// writeRecording writes the call as stereo: caller left, bot right.
func (s *script) writeRecording(path string) error {
	s.mu.Lock()
	left, right, rate := s.said, s.heard, s.rate
	s.mu.Unlock()
	n := max(len(left), len(right))
	st := make([]int16, 2*n)
	for i := 0; i < n; i++ {
		if i < len(left) {
			st[2*i] = left[i]
		}
		if i < len(right) {
			st[2*i+1] = right[i]
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w, err := media.NewWAVWriter(f, rate, 2)
	if err == nil {
		err = w.WritePCM(st)
	}
	if err == nil {
		err = w.Close()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
