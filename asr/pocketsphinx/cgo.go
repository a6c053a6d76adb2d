package pocketsphinx

/*
#cgo pkg-config: pocketsphinx
#include <stdlib.h>
#include <stdio.h>
#include <pocketsphinx.h>
#include <sphinxbase/err.h>

// sb_silence turns sphinxbase's global log off.
static void sb_silence(void) { err_set_logfp(NULL); }

// sb_logfile sends sphinxbase's global log to path.
static int sb_logfile(const char *path) { return err_set_logfile(path); }

// sb_prob returns the posterior probability of the best hypothesis in
// [0, 1] (0 when unavailable).
static double sb_prob(ps_decoder_t *ps) {
	int32 p = ps_get_prob(ps);
	if (p >= 0) return 1;
	if (p < -2000000000) return 0;
	return logmath_exp(ps_get_logmath(ps), p);
}

// sb_seg_conf is the posterior probability of a word segment.
static double sb_seg_conf(ps_decoder_t *ps, ps_seg_t *seg) {
	int32 ascr, lscr, lback;
	int32 p = ps_seg_prob(seg, &ascr, &lscr, &lback);
	if (p >= 0) return 1;
	if (p < -2000000000) return 0;
	return logmath_exp(ps_get_logmath(ps), p);
}
*/
import "C"

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unsafe"
)

// frameRate is the decoder's feature frame rate (-frate 100).
const frameRate = 100

var logOnce sync.Once

// silenceLog switches sphinxbase's global log off (once per process),
// unless logFile names where it should go.
func silenceLog(logFile string) {
	logOnce.Do(func() {
		if logFile != "" {
			cs := C.CString(logFile)
			defer C.free(unsafe.Pointer(cs))
			if C.sb_logfile(cs) == 0 {
				return
			}
		}
		C.sb_silence()
	})
}

// decoder is one pocketsphinx decoder. It is used by one goroutine at a
// time.
type decoder struct {
	ps       *C.ps_decoder_t
	searches map[string]bool
	search   string // the active search
}

// initMu serialises decoder construction: ps_init reads the acoustic
// model and is the memory peak; one at a time keeps it low.
var initMu sync.Mutex

// newDecoder parses args (pocketsphinx command-line options) and
// initialises a decoder.
func newDecoder(args []string) (*decoder, error) {
	initMu.Lock()
	defer initMu.Unlock()
	argv := make([]*C.char, len(args))
	for i, a := range args {
		argv[i] = C.CString(a)
	}
	defer func() {
		for _, p := range argv {
			C.free(unsafe.Pointer(p))
		}
	}()
	var argp **C.char
	if len(argv) > 0 {
		argp = &argv[0]
	}
	cfg := C.cmd_ln_parse_r(nil, C.ps_args(), C.int32(len(argv)), argp, C.TRUE)
	if cfg == nil {
		return nil, fmt.Errorf("%w: bad decoder options %s", ErrDecoder, strings.Join(args, " "))
	}
	ps := C.ps_init(cfg)
	C.cmd_ln_free_r(cfg) // ps_init keeps its own reference
	if ps == nil {
		return nil, fmt.Errorf("%w: ps_init failed (options %s)", ErrDecoder, strings.Join(args, " "))
	}
	return &decoder{ps: ps, searches: map[string]bool{}}, nil
}

// addLM adds an n-gram search from an ARPA or binary LM file.
func (d *decoder) addLM(name, path string) error {
	cn, cp := C.CString(name), C.CString(path)
	defer C.free(unsafe.Pointer(cn))
	defer C.free(unsafe.Pointer(cp))
	if C.ps_set_lm_file(d.ps, cn, cp) != 0 {
		return fmt.Errorf("%w: cannot load language model %s", ErrDecoder, path)
	}
	d.searches[name] = true
	return nil
}

// addJSGF adds a grammar search from JSGF text.
func (d *decoder) addJSGF(name, jsgf string) error {
	cn, cg := C.CString(name), C.CString(jsgf)
	defer C.free(unsafe.Pointer(cn))
	defer C.free(unsafe.Pointer(cg))
	if C.ps_set_jsgf_string(d.ps, cn, cg) != 0 {
		return fmt.Errorf("%w: cannot compile grammar %q", ErrDecoder, name)
	}
	d.searches[name] = true
	return nil
}

// use activates a search for the next utterance.
func (d *decoder) use(name string) error {
	if d.search == name {
		return nil
	}
	if !d.searches[name] {
		return fmt.Errorf("%w: no search %q", ErrDecoder, name)
	}
	cn := C.CString(name)
	defer C.free(unsafe.Pointer(cn))
	if C.ps_set_search(d.ps, cn) != 0 {
		return fmt.Errorf("%w: cannot switch to search %q", ErrDecoder, name)
	}
	d.search = name
	return nil
}

// start begins an utterance; word times count from its start.
func (d *decoder) start() error {
	if C.ps_start_stream(d.ps) < 0 || C.ps_start_utt(d.ps) < 0 {
		return fmt.Errorf("%w: ps_start_utt failed", ErrDecoder)
	}
	return nil
}

// process decodes samples (at the decoder's rate).
func (d *decoder) process(samples []int16) error {
	if len(samples) == 0 {
		return nil
	}
	if C.ps_process_raw(d.ps, (*C.int16)(unsafe.Pointer(&samples[0])), C.size_t(len(samples)), C.FALSE, C.FALSE) < 0 {
		return fmt.Errorf("%w: ps_process_raw failed", ErrDecoder)
	}
	return nil
}

func (d *decoder) end() error {
	if C.ps_end_utt(d.ps) < 0 {
		return fmt.Errorf("%w: ps_end_utt failed", ErrDecoder)
	}
	return nil
}

// hyp returns the current best hypothesis ("" when none).
func (d *decoder) hyp() string {
	var score C.int32
	h := C.ps_get_hyp(d.ps, &score)
	if h == nil {
		return ""
	}
	return C.GoString(h)
}

// prob returns the posterior probability of the final hypothesis.
func (d *decoder) prob() float64 { return float64(C.sb_prob(d.ps)) }

// segment is one word of the final hypothesis with its timing.
type segment struct {
	word       string
	start, end time.Duration
	conf       float64
}

// segments returns the words of the final hypothesis.
func (d *decoder) segments() []segment {
	var out []segment
	for seg := C.ps_seg_iter(d.ps); seg != nil; seg = C.ps_seg_next(seg) {
		var sf, ef C.int
		C.ps_seg_frames(seg, &sf, &ef)
		out = append(out, segment{
			word:  C.GoString(C.ps_seg_word(seg)),
			start: time.Duration(sf) * time.Second / frameRate,
			end:   time.Duration(ef+1) * time.Second / frameRate,
			conf:  float64(C.sb_seg_conf(d.ps, seg)),
		})
	}
	return out
}

// free releases the decoder.
func (d *decoder) free() {
	if d.ps != nil {
		C.ps_free(d.ps)
		d.ps = nil
	}
}

// ErrDecoder is wrapped when pocketsphinx fails to load a model or decode.
var ErrDecoder = errors.New("pocketsphinx: decoder error")
