package asr

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/switchboard-voice/switchboard/media"
)

// EvalOptions tune Eval.
type EvalOptions struct {
	// Config is the stream configuration for every file. Rate 0 streams
	// each file at its own rate (8 or 16 kHz; 48 kHz files are resampled
	// to 16 kHz); another Rate resamples every file to it.
	Config Config
	// Timeout bounds each file from Stream to the final result (default
	// one minute plus the audio's duration).
	Timeout time.Duration
	// Progress, when set, is called after each file.
	Progress func(FileResult)
}

// FileResult is the outcome of one manifest item.
type FileResult struct {
	Path       string `json:"path"`
	Reference  string `json:"reference"`
	Hypothesis string `json:"hypothesis"`
	// WER of this file (CER for Chinese).
	WER float64 `json:"wer"`
	// Seconds of audio in the file.
	Seconds float64 `json:"seconds"`
	// Score is the edit counts behind WER.
	Score Score `json:"score"`
	// ProcessSeconds is the wall time from Stream to the final result.
	ProcessSeconds float64 `json:"process_seconds"`
	// Latency from End to the final result.
	LatencyMillis float64 `json:"latency_ms"`
	// Partials is how many partial results came before the final.
	Partials int `json:"partials"`
	// Provider that produced the final result.
	Provider string `json:"provider,omitempty"`
	// Error is the final result's error, if any (the hypothesis is then
	// empty and counts as deletions).
	Error string `json:"error,omitempty"`
}

// Report is the outcome of an evaluation.
type Report struct {
	// WER over all files: total errors / total reference units.
	WER float64 `json:"wer"`
	// RTF is the real-time factor: processing time / audio duration.
	RTF float64 `json:"rtf"`
	// Score sums the files' edit counts.
	Score Score `json:"score"`
	// AudioSeconds and ProcessSeconds are the totals behind RTF.
	AudioSeconds   float64 `json:"audio_seconds"`
	ProcessSeconds float64 `json:"process_seconds"`
	// Failed counts files whose final result carried an error.
	Failed int          `json:"failed"`
	Files  []FileResult `json:"files"`
}

// Eval runs rec over every item, one file at a time: the audio is written
// in 20 ms frames (as a call would deliver it, but as fast as the
// recognizer takes it), then End, and the final result is scored against
// the reference. A recognition error counts as an empty hypothesis; an
// unreadable WAV file or a cancelled ctx stops the evaluation with an
// error.
func Eval(ctx context.Context, rec Recognizer, items []Item, opts EvalOptions) (*Report, error) {
	rep := &Report{Files: make([]FileResult, 0, len(items))}
	for _, it := range items {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		fr, err := evalOne(ctx, rec, it, opts)
		if err != nil {
			return rep, err
		}
		rep.Files = append(rep.Files, fr)
		rep.Score.Add(fr.Score)
		rep.AudioSeconds += fr.Seconds
		rep.ProcessSeconds += fr.ProcessSeconds
		if fr.Error != "" {
			rep.Failed++
		}
		if opts.Progress != nil {
			opts.Progress(fr)
		}
	}
	rep.WER = rep.Score.Rate()
	if rep.AudioSeconds > 0 {
		rep.RTF = rep.ProcessSeconds / rep.AudioSeconds
	}
	return rep, nil
}

func evalOne(ctx context.Context, rec Recognizer, it Item, opts EvalOptions) (FileResult, error) {
	fr := FileResult{Path: it.Path, Reference: it.Reference}
	pcm, rate, err := ReadAudio(it.Path, opts.Config.Rate)
	if err != nil {
		if it.Line > 0 {
			return fr, fmt.Errorf("manifest line %d: %w", it.Line, err)
		}
		return fr, err
	}
	dur := time.Duration(len(pcm)) * time.Second / time.Duration(rate)
	fr.Seconds = dur.Seconds()
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = time.Minute + dur
	}
	cfg := opts.Config
	cfg.Rate = rate
	res, partials, elapsed := Transcribe(ctx, rec, cfg, pcm, timeout)
	if err := ctx.Err(); err != nil {
		return fr, err
	}
	fr.ProcessSeconds = elapsed.Seconds()
	fr.Partials = partials
	fr.Provider = res.Provider
	fr.LatencyMillis = float64(res.Latency) / float64(time.Millisecond)
	if res.Err != nil {
		fr.Error = res.Err.Error()
	} else {
		fr.Hypothesis = res.Text
	}
	fr.Score = Compare(it.Reference, fr.Hypothesis)
	fr.WER = fr.Score.Rate()
	return fr, nil
}

// Transcribe streams pcm (mono, at cfg.Rate) through one session of rec in
// 20 ms frames as fast as it takes them, ends the utterance and waits for
// the final result. It returns that result (with Err set to ErrTimeout if
// none came within timeout, or to the Stream error), the number of
// partial results, and the wall time from Stream to the final result.
func Transcribe(ctx context.Context, rec Recognizer, cfg Config, pcm []int16, timeout time.Duration) (Result, int, time.Duration) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	s, err := rec.Stream(ctx, cfg)
	if err != nil {
		return Result{Final: true, Provider: rec.Name(), Err: err}, 0, time.Since(start)
	}
	defer s.Close()
	type outcome struct {
		res      Result
		partials int
		ok       bool
	}
	done := make(chan outcome, 1)
	go func() {
		var o outcome
		for r := range s.Results() {
			if !r.Final {
				o.partials++
				continue
			}
			o.res, o.ok = r, true
		}
		done <- o
	}()
	n := media.SamplesPerFrame(cfg.Rate)
	var writeErr error
	for off := 0; off < len(pcm) && writeErr == nil; off += n {
		end := min(off+n, len(pcm))
		writeErr = s.WriteFrame(media.Frame{
			Samples:   pcm[off:end],
			Rate:      cfg.Rate,
			Timestamp: time.Duration(off) * time.Second / time.Duration(cfg.Rate),
		})
	}
	if writeErr == nil {
		writeErr = s.End()
	}
	var o outcome
	select {
	case o = <-done:
	case <-ctx.Done():
		o.res = Result{Final: true, Provider: rec.Name(), Err: ErrTimeout}
		if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			o.res.Err = ctx.Err()
		}
		return o.res, o.partials, time.Since(start)
	}
	elapsed := time.Since(start)
	switch {
	case o.ok:
	case writeErr != nil:
		o.res = Result{Final: true, Provider: rec.Name(), Err: writeErr}
	default:
		o.res = Result{Final: true, Provider: rec.Name(), Err: fmt.Errorf("%s: results closed without a final result: %w", rec.Name(), ErrClosed)}
	}
	return o.res, o.partials, elapsed
}

// ReadAudio reads a WAV file as mono PCM16 (channels are averaged). With
// rate 0 the file keeps its rate when it is 8 or 16 kHz and 48 kHz is
// resampled to 16 kHz; otherwise the audio is resampled to rate. Rates
// the resampler does not support wrap ErrUnsupported.
func ReadAudio(path string, rate int) (pcm []int16, gotRate int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	pcm, fileRate, channels, err := media.ReadWAV(f)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", path, err)
	}
	if channels > 1 {
		mono := make([]int16, len(pcm)/channels)
		for i := range mono {
			var sum int
			for c := range channels {
				sum += int(pcm[i*channels+c])
			}
			mono[i] = int16(sum / channels)
		}
		pcm = mono
	}
	want := rate
	if want == 0 {
		want = fileRate
		if fileRate == media.Rate48k {
			want = media.Rate16k
		}
	}
	if want != media.Rate8k && want != media.Rate16k {
		return nil, 0, fmt.Errorf("%s: %w: stream rate %d Hz (want 8000 or 16000)", path, ErrUnsupported, want)
	}
	if want == fileRate {
		return pcm, fileRate, nil
	}
	rs, err := media.NewResampler(fileRate, want)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w: %w", path, ErrUnsupported, err)
	}
	return rs.Resample(nil, pcm), want, nil
}
