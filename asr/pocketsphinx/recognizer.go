package pocketsphinx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/switchboard-voice/switchboard/asr"
	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/prompts"
)

// Name is the provider name in results.
const Name = "pocketsphinx"

// ErrClosed is returned by Stream after the Recognizer is closed.
var ErrClosed = errors.New("pocketsphinx: recognizer closed")

// Initial cepstral means (-cmninit) by input rate. The en-us model's
// value is for wideband speech; telephone audio upsampled to 16 kHz has
// nothing above 4 kHz and a very different mean (this one is the live
// estimate after one Asterisk prompt; the mean over 29 prompts gave the
// same WER on the whole set but worse first utterances), so the first
// utterance a decoder hears would otherwise be misrecognised while live
// CMN adapts. Later utterances use the decoder's running estimate.
var cmnInit = map[int]string{
	media.Rate8k:  "49.5,37.5,-30.5,39.0,-13.5,-7.0,12.5,-22.0,16.5,-10.5,-10.5,7.5,-16.5",
	media.Rate16k: "41.00,-5.29,-0.12,5.09,2.48,-4.07,-1.37,-1.78,-5.08,-2.05,-6.45,-1.42,1.17",
}

// Option configures a Recognizer.
type Option func(*options)

type options struct {
	decoders    int
	warm        map[int]int
	partial     time.Duration
	decoderRate int
	args        []string
	logFile     string
	log         *slog.Logger
}

// WithDecoders bounds the decoders per input rate (default: the number of
// CPUs). Each takes about 14 MB with a bot's model (banking: 2,500
// words) and 100 MB with the generic model; a session waits for a
// free one, buffering its audio meanwhile.
func WithDecoders(n int) Option { return func(o *options) { o.decoders = n } }

// WithWarm creates n decoders for input rate at New, so the first calls
// do not wait for ps_init (default: one for 8 kHz).
func WithWarm(rate, n int) Option { return func(o *options) { o.warm[rate] = n } }

// WithPartialInterval sets how much audio passes between two partial
// hypotheses (default 200 ms; a partial is sent only when it changed).
func WithPartialInterval(d time.Duration) Option { return func(o *options) { o.partial = d } }

// WithDecoderRate sets the rate the decoder runs at: 16000 (default; 8 kHz
// audio is upsampled, which suits the wideband en-us model best) or 8000
// (the front end configured for narrowband: -samprate 8000 -nfft 256
// -upperf 3500; measured worse, kept for comparison).
func WithDecoderRate(rate int) Option { return func(o *options) { o.decoderRate = rate } }

// WithArgs adds pocketsphinx command-line options to every decoder
// ("-beam", "1e-60"); they override the defaults.
func WithArgs(args ...string) Option { return func(o *options) { o.args = append(o.args, args...) } }

// WithLogFile sends pocketsphinx's log to path. The log is process-wide
// and set by the first Recognizer; by default it is silenced.
func WithLogFile(path string) Option { return func(o *options) { o.logFile = path } }

// WithLogger sets the logger for decoder creation and errors.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// Recognizer is the embedded asr.Recognizer: pocketsphinx decoders with
// one Model, pooled and reused across sessions (ps_init takes a quarter
// second and tens of megabytes, so it is never done per call). A session
// takes a decoder for its utterance and gives it back at the end. Each
// decoder has the model's language model as the free-speech search and
// one grammar search per asr.Grammar, chosen per utterance by
// asr.Config.Grammar. Safe for concurrent use.
type Recognizer struct {
	model *Model
	o     options
	dir   string // temporary files: dictionary, LM, front-end parameters
	lm    string
	dict  string

	mu       sync.Mutex
	pools    map[int]*pool // by input rate
	sessions map[*session]struct{}
	closed   bool
	wg       sync.WaitGroup
}

// New returns a Recognizer for model. It writes the model's files to a
// temporary folder (removed by Close) and creates the warm decoders, so
// a bad model fails here.
func New(model *Model, opts ...Option) (*Recognizer, error) {
	if model == nil {
		return nil, fmt.Errorf("%w: no model", ErrModel)
	}
	o := options{decoders: runtime.NumCPU(), warm: map[int]int{media.Rate8k: 1}, partial: 200 * time.Millisecond, decoderRate: media.Rate16k}
	for _, fn := range opts {
		fn(&o)
	}
	if o.log == nil {
		o.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.decoders < 1 {
		o.decoders = 1
	}
	if o.decoderRate != media.Rate8k && o.decoderRate != media.Rate16k {
		return nil, fmt.Errorf("%w: decoder rate %d", asr.ErrUnsupported, o.decoderRate)
	}
	silenceLog(o.logFile)
	dir, err := os.MkdirTemp("", "switchboard-pocketsphinx-")
	if err != nil {
		return nil, err
	}
	r := &Recognizer{model: model, o: o, dir: dir, pools: map[int]*pool{}, sessions: map[*session]struct{}{}}
	if r.lm, r.dict, err = model.WriteFiles(dir); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	for rate, n := range o.warm {
		p, err := r.pool(rate)
		if err == nil {
			err = p.warm(n)
		}
		if err != nil {
			_ = r.Close()
			return nil, err
		}
	}
	return r, nil
}

// NewFromBot builds the bot's domain model and returns a Recognizer for
// it. When the domain model cannot be built (or the bot has no English),
// it falls back to the generic model and returns the build error joined
// to a working Recognizer: check the error, log it, and use the
// Recognizer if it is not nil.
func NewFromBot(bot *prompts.Bot, mopts []ModelOption, opts ...Option) (*Recognizer, error) {
	m, buildErr := BuildModel(bot, mopts...)
	if buildErr == nil {
		return New(m, opts...)
	}
	g, err := GenericModel(mopts...)
	if err != nil {
		return nil, errors.Join(buildErr, err)
	}
	r, err := New(g, opts...)
	if err != nil {
		return nil, errors.Join(buildErr, err)
	}
	return r, buildErr
}

// Name returns "pocketsphinx".
func (r *Recognizer) Name() string { return Name }

// Model returns the recognizer's model.
func (r *Recognizer) Model() *Model { return r.model }

// Stats are a Recognizer's decoder counts.
type Stats struct {
	// Decoders created and alive, and how many are idle, per input rate.
	Decoders map[int]int `json:"decoders"`
	Idle     map[int]int `json:"idle"`
	// Sessions open.
	Sessions int `json:"sessions"`
}

// Stats returns the current decoder and session counts.
func (r *Recognizer) Stats() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := Stats{Decoders: map[int]int{}, Idle: map[int]int{}, Sessions: len(r.sessions)}
	for rate, p := range r.pools {
		p.mu.Lock()
		st.Decoders[rate], st.Idle[rate] = p.alive, len(p.idle)
		p.mu.Unlock()
	}
	return st
}

// Close ends every open session (their final result, if not yet sent,
// carries ErrClosed), frees every decoder and removes the model files.
func (r *Recognizer) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	for s := range r.sessions {
		s.abort()
	}
	r.mu.Unlock()
	r.wg.Wait()
	r.mu.Lock()
	for _, p := range r.pools {
		p.close()
	}
	r.mu.Unlock()
	return os.RemoveAll(r.dir)
}

// pool returns the decoder pool for an input rate.
func (r *Recognizer) pool(rate int) (*pool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, ErrClosed
	}
	if p := r.pools[rate]; p != nil {
		return p, nil
	}
	fp := filepath.Join(r.dir, fmt.Sprintf("feat-%d.params", rate))
	if err := os.WriteFile(fp, []byte(r.featParams(rate)), 0o644); err != nil {
		return nil, err
	}
	args := []string{
		"-hmm", filepath.Join(r.model.modelDir, "en-us"),
		"-dict", r.dict,
		"-featparams", fp,
		"-samprate", fmt.Sprint(r.o.decoderRate),
		"-dither", "yes",
		"-remove_noise", "no",
		"-seed", "1",
	}
	if r.o.decoderRate == media.Rate8k {
		args = append(args, "-nfft", "256")
	}
	args = mergeArgs(args, r.o.args)
	p := &pool{r: r, rate: rate, args: args, sem: make(chan struct{}, r.o.decoders)}
	r.pools[rate] = p
	return p, nil
}

// featParams is the front-end configuration: the en-us model's
// feat.params with live CMN and the cepstral mean for the input rate (a
// feat.params in the model folder overrides command-line options, so the
// decoder gets its own).
func (r *Recognizer) featParams(rate int) string {
	upper := "6800"
	if r.o.decoderRate == media.Rate8k {
		upper = "3500"
	}
	return strings.Join([]string{
		"-lowerf 130", "-upperf " + upper, "-nfilt 25", "-transform dct", "-lifter 22",
		"-feat 1s_c_d_dd", "-svspec 0-12/13-25/26-38", "-agc none", "-cmn live",
		"-varnorm no", "-model ptm", "-cmninit " + cmnInit[rate],
	}, "\n") + "\n"
}

// pool is the decoders for one input rate. sem holds a token per decoder
// in use or being created; idle decoders wait in idle.
type pool struct {
	r     *Recognizer
	rate  int
	args  []string
	sem   chan struct{}
	mu    sync.Mutex
	idle  []*decoder
	alive int
}

// acquire takes an idle decoder or creates one, waiting while the pool is
// full until ctx or quit ends.
func (p *pool) acquire(ctx context.Context, quit <-chan struct{}) (*decoder, error) {
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-quit:
		return nil, ErrClosed
	}
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		d := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return d, nil
	}
	p.mu.Unlock()
	d, err := p.create()
	if err != nil {
		<-p.sem
		return nil, err
	}
	return d, nil
}

// create initialises a decoder with all searches.
func (p *pool) create() (*decoder, error) {
	start := time.Now()
	d, err := newDecoder(p.args)
	if err != nil {
		return nil, err
	}
	if err := d.addLM(searchFree, p.r.lm); err != nil {
		d.free()
		return nil, err
	}
	for g, text := range grammars {
		if err := d.addJSGF(string(g), text); err != nil {
			d.free()
			return nil, err
		}
	}
	if err := d.use(searchFree); err != nil {
		d.free()
		return nil, err
	}
	p.mu.Lock()
	p.alive++
	p.mu.Unlock()
	p.r.o.log.Debug("pocketsphinx decoder created", "model", p.r.model.name, "rate", p.rate, "took", time.Since(start))
	return d, nil
}

// warm creates decoders until n are alive.
func (p *pool) warm(n int) error {
	var ds []*decoder
	defer func() {
		for _, d := range ds {
			p.release(d)
		}
	}()
	for range n {
		d, err := p.acquire(context.Background(), nil)
		if err != nil {
			return err
		}
		ds = append(ds, d)
	}
	return nil
}

// release gives a decoder back.
func (p *pool) release(d *decoder) {
	p.mu.Lock()
	p.idle = append(p.idle, d)
	p.mu.Unlock()
	<-p.sem
}

// discard frees a decoder that failed.
func (p *pool) discard(d *decoder) {
	d.free()
	p.mu.Lock()
	p.alive--
	p.mu.Unlock()
	<-p.sem
}

// close frees the idle decoders (all of them, once no session is open).
func (p *pool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, d := range p.idle {
		d.free()
		p.alive--
	}
	p.idle = nil
}

// mergeArgs returns base with the flag/value pairs of over added, a flag
// already in base taking over's value.
func mergeArgs(base, over []string) []string {
	out := append([]string(nil), base...)
	for i := 0; i+1 < len(over); i += 2 {
		found := false
		for j := 0; j+1 < len(out); j += 2 {
			if out[j] == over[i] {
				out[j+1], found = over[i+1], true
			}
		}
		if !found {
			out = append(out, over[i], over[i+1])
		}
	}
	return out
}
