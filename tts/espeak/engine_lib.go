//go:build cgo

package espeak

/*
#cgo LDFLAGS: -lespeak-ng
#include <stdlib.h>
#include <espeak-ng/espeak_ng.h>

extern int goSynthCallback(short *wav, int n);

static int synthCallback(short *wav, int n, espeak_EVENT *ev) {
	(void)ev;
	return goSynthCallback(wav, n);
}

// sbInit initialises espeak-ng for synchronous synthesis into the callback
// and returns the sample rate, or -1 with a message in msg.
static int sbInit(int buflength, char *msg, size_t msglen) {
	espeak_ng_InitializePath(NULL);
	espeak_ng_ERROR_CONTEXT ctx = NULL;
	espeak_ng_STATUS st = espeak_ng_Initialize(&ctx);
	if (st != ENS_OK) {
		espeak_ng_GetStatusCodeMessage(st, msg, msglen);
		espeak_ng_ClearErrorContext(&ctx);
		return -1;
	}
	st = espeak_ng_InitializeOutput(ENOUTPUT_MODE_SYNCHRONOUS, buflength, NULL);
	if (st != ENS_OK) {
		espeak_ng_GetStatusCodeMessage(st, msg, msglen);
		return -1;
	}
	espeak_SetSynthCallback(synthCallback);
	return espeak_ng_GetSampleRate();
}

static int sbSynth(const char *text, size_t size, int endPause) {
	srand(1); // espeak-ng 1.51 draws its noise from rand(): same text, same audio
	unsigned int flags = espeakCHARS_UTF8;
	if (endPause) flags |= espeakENDPAUSE;
	return espeak_ng_Synthesize(text, size, 0, POS_CHARACTER, 0, flags, NULL, NULL);
}

static void sbMessage(int status, char *msg, size_t msglen) {
	espeak_ng_GetStatusCodeMessage((espeak_ng_STATUS)status, msg, msglen);
}
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/switchboard-voice/switchboard/tts"
)

// callbackMillis is the buffer length asked of espeak-ng: the granularity
// at which audio streams out and a cancelled synthesis is aborted.
// espeak-ng 1.51 rounds it up: 20 gives buffers of 1081 samples (49 ms);
// first-audio latency is the same from 5 to 60.
const callbackMillis = 20

// lib is the process's one espeak-ng instance. espeak-ng keeps its state
// in globals, so one synthesis runs at a time: sem is held for its whole
// duration, and cur, voice, speed, pitch are only touched by its holder.
var lib struct {
	once sync.Once
	rate int
	err  error
	sem  chan struct{}

	cur          *libJob
	voice        string
	speed, pitch int
}

// haveLib reports whether the library engine is compiled in.
const haveLib = true

// libEngine synthesises with libespeak-ng in process.
type libEngine struct{}

func newLibEngine() (engine, error) {
	lib.once.Do(func() {
		msg := (*C.char)(C.malloc(512))
		defer C.free(unsafe.Pointer(msg))
		*msg = 0
		rate := int(C.sbInit(callbackMillis, msg, 512))
		if rate <= 0 {
			lib.err = fmt.Errorf("%w: libespeak-ng initialisation: %s", ErrUnavailable, C.GoString(msg))
			return
		}
		lib.rate = rate
		lib.sem = make(chan struct{}, 1)
		// Load the default voice now rather than in the first request.
		cv := C.CString(defaultVoices[DefaultLanguage])
		if C.espeak_ng_SetVoiceByName(cv) == C.ENS_OK {
			lib.voice = defaultVoices[DefaultLanguage]
		}
		C.free(unsafe.Pointer(cv))
	})
	if lib.err != nil {
		return nil, lib.err
	}
	return libEngine{}, nil
}

func (libEngine) name() string { return "libespeak-ng" }

// libJob is one synthesis: the callback appends chunks, the reader takes
// them. The callback never blocks, so a slow sink never holds the engine.
type libJob struct {
	abort    atomic.Bool
	notify   chan struct{} // a chunk was added or the job ended
	finished chan struct{} // closed when the synthesis goroutine is done

	mu     sync.Mutex
	chunks [][]int16
	done   bool
	err    error
}

func (libEngine) start(ctx context.Context, p params) (source, error) {
	select {
	case lib.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	j := &libJob{notify: make(chan struct{}, 1), finished: make(chan struct{})}
	text := C.CString(p.text)
	go func() {
		defer close(j.finished)
		defer func() { <-lib.sem }()
		defer C.free(unsafe.Pointer(text))
		j.finish(j.run(text, len(p.text)+1, p))
	}()
	return j, nil
}

// run synthesises while holding the engine.
func (j *libJob) run(text *C.char, size int, p params) error {
	if p.voice != lib.voice {
		cv := C.CString(p.voice)
		st := C.espeak_ng_SetVoiceByName(cv)
		C.free(unsafe.Pointer(cv))
		if st != C.ENS_OK {
			lib.voice = ""
			return fmt.Errorf("%w: espeak-ng voice %q: %s", tts.ErrUnsupported, p.voice, message(st))
		}
		lib.voice, lib.speed, lib.pitch = p.voice, 0, 0
	}
	if p.speed != lib.speed {
		if st := C.espeak_ng_SetParameter(C.espeakRATE, C.int(p.speed), 0); st != C.ENS_OK {
			return fmt.Errorf("%w: espeak-ng speed %d: %s", ErrUnavailable, p.speed, message(st))
		}
		lib.speed = p.speed
	}
	if p.pitch != lib.pitch {
		if st := C.espeak_ng_SetParameter(C.espeakPITCH, C.int(p.pitch), 0); st != C.ENS_OK {
			return fmt.Errorf("%w: espeak-ng pitch %d: %s", ErrUnavailable, p.pitch, message(st))
		}
		lib.pitch = p.pitch
	}
	endPause := 0
	if p.endPause {
		endPause = 1
	}
	lib.cur = j
	st := C.sbSynth(text, C.size_t(size), C.int(endPause))
	lib.cur = nil
	switch {
	case j.abort.Load():
		return errAborted
	case st != C.ENS_OK:
		return fmt.Errorf("%w: espeak-ng synthesis: %s", ErrUnavailable, message(C.espeak_ng_STATUS(st)))
	}
	return nil
}

var errAborted = errors.New("espeak: synthesis aborted")

func message(st C.espeak_ng_STATUS) string {
	buf := (*C.char)(C.malloc(256))
	defer C.free(unsafe.Pointer(buf))
	*buf = 0
	C.sbMessage(C.int(st), buf, 256)
	return C.GoString(buf)
}

// onAudio is called by goSynthCallback on the synthesising goroutine. It
// reports whether to go on.
func onAudio(samples []int16) bool {
	j := lib.cur
	if j == nil || j.abort.Load() {
		return false
	}
	if len(samples) > 0 {
		j.mu.Lock()
		j.chunks = append(j.chunks, samples)
		j.mu.Unlock()
		j.wake()
	}
	return true
}

func (j *libJob) wake() {
	select {
	case j.notify <- struct{}{}:
	default:
	}
}

func (j *libJob) finish(err error) {
	j.mu.Lock()
	j.done, j.err = true, err
	j.mu.Unlock()
	j.wake()
}

func (j *libJob) rate() int { return lib.rate }

func (j *libJob) next(ctx context.Context) ([]int16, error) {
	for {
		j.mu.Lock()
		if len(j.chunks) > 0 {
			c := j.chunks[0]
			j.chunks[0] = nil
			j.chunks = j.chunks[1:]
			j.mu.Unlock()
			return c, nil
		}
		done, err := j.done, j.err
		j.mu.Unlock()
		if done {
			if err == nil {
				err = io.EOF
			}
			return nil, err
		}
		select {
		case <-j.notify:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// close aborts the synthesis (the callback returns 1 at its next buffer)
// and waits for it to let go of the engine.
func (j *libJob) close() {
	j.abort.Store(true)
	<-j.finished
}
