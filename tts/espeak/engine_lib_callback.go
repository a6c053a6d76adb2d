//go:build cgo

package espeak

// #include <stddef.h>
import "C"

import "unsafe"

// goSynthCallback receives espeak-ng's audio buffers (wav is NULL at the
// end of the synthesis). Returning 1 aborts the synthesis.
//
//export goSynthCallback
func goSynthCallback(wav *C.short, n C.int) C.int {
	var samples []int16
	if wav != nil && n > 0 {
		samples = make([]int16, int(n))
		copy(samples, unsafe.Slice((*int16)(unsafe.Pointer(wav)), int(n)))
	}
	if wav == nil {
		return 0
	}
	if !onAudio(samples) {
		return 1
	}
	return 0
}
