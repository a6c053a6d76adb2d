package espeak

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/switchboard-voice/switchboard/tts"
)

// cliEngine runs the espeak-ng command once per request, text on stdin,
// WAV on stdout.
type cliEngine struct {
	path string
	// voices holds the lower-case names, languages and files of the
	// installed voices: the command falls back to its default voice
	// without an error when -v names an unknown one.
	voices map[string]bool
}

func newCLIEngine(command string) (engine, error) {
	path, err := exec.LookPath(command)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	out, err := exec.Command(path, "--voices").Output()
	if err != nil {
		return nil, fmt.Errorf("%w: %s --voices: %w", ErrUnavailable, path, err)
	}
	e := cliEngine{path: path, voices: map[string]bool{}}
	// Pty Language Age/Gender VoiceName File Other Languages
	for _, line := range strings.Split(string(out), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) < 5 {
			continue
		}
		for _, v := range []string{f[1], f[3], f[4], f[4][strings.LastIndexByte(f[4], '/')+1:]} {
			e.voices[strings.ToLower(v)] = true
		}
	}
	return e, nil
}

func (e cliEngine) name() string { return "espeak-ng command" }

// cliSource reads one process's WAV output.
type cliSource struct {
	cmd     *exec.Cmd
	out     io.ReadCloser
	stderr  *limitedBuffer
	hz      int
	buf     []byte
	carry   []byte // an odd byte left from the last read
	voice   string
	once    sync.Once
	waitErr error
}

func (e cliEngine) start(ctx context.Context, p params) (source, error) {
	base, _, _ := strings.Cut(p.voice, "+") // "en-us+f3": voice and variant
	if !e.voices[strings.ToLower(base)] {
		return nil, fmt.Errorf("%w: espeak-ng has no voice %q", tts.ErrUnsupported, p.voice)
	}
	args := []string{"--stdout", "--stdin", "-b", "1", "-v", p.voice, "-s", strconv.Itoa(p.speed), "-p", strconv.Itoa(p.pitch)}
	if !p.endPause {
		args = append(args, "-z") // no final sentence pause
	}
	cmd := exec.CommandContext(ctx, e.path, args...)
	cmd.Stdin = strings.NewReader(p.text)
	cmd.WaitDelay = time.Second
	s := &cliSource{cmd: cmd, stderr: &limitedBuffer{max: 4096}, buf: make([]byte, 4096), voice: p.voice}
	cmd.Stderr = s.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	s.out = out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return s, nil
}

func (s *cliSource) rate() int { return s.hz }

func (s *cliSource) next(ctx context.Context) ([]int16, error) {
	if s.hz == 0 {
		var hdr [44]byte
		if _, err := io.ReadFull(s.out, hdr[:]); err != nil {
			return nil, s.fail(ctx, err)
		}
		if string(hdr[0:4]) != "RIFF" || string(hdr[8:16]) != "WAVEfmt " || string(hdr[36:40]) != "data" {
			return nil, fmt.Errorf("%w: espeak-ng wrote an unexpected WAV header % x", ErrUnavailable, hdr[:16])
		}
		s.hz = int(binary.LittleEndian.Uint32(hdr[24:28]))
	}
	for {
		n, err := s.out.Read(s.buf)
		if n > 0 {
			b := s.buf[:n]
			if len(s.carry) > 0 {
				b = append(s.carry, b...)
				s.carry = s.carry[:0]
			}
			if len(b)%2 == 1 {
				s.carry = append(s.carry[:0], b[len(b)-1])
				b = b[:len(b)-1]
			}
			if len(b) > 0 {
				pcm := make([]int16, len(b)/2)
				for i := range pcm {
					pcm[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
				}
				return pcm, nil
			}
		}
		if err == io.EOF {
			if werr := s.wait(); werr != nil {
				return nil, s.fail(ctx, werr)
			}
			return nil, io.EOF
		}
		if err != nil {
			return nil, s.fail(ctx, err)
		}
	}
}

// fail turns a process or pipe error into ctx's error, ErrUnsupported
// (unknown voice) or ErrUnavailable.
func (s *cliSource) fail(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		if werr := s.wait(); werr != nil {
			err = werr
		} else {
			err = errors.New("no audio")
		}
	}
	msg := strings.TrimSpace(s.stderr.String())
	if strings.Contains(strings.ToLower(msg), "voice") {
		return fmt.Errorf("%w: espeak-ng voice %q: %s", tts.ErrUnsupported, s.voice, msg)
	}
	return fmt.Errorf("%w: espeak-ng: %v: %s", ErrUnavailable, err, msg)
}

// wait reaps the process once and returns its exit error.
func (s *cliSource) wait() error {
	s.once.Do(func() { s.waitErr = s.cmd.Wait() })
	return s.waitErr
}

// close kills the process if it is still running and reaps it.
func (s *cliSource) close() {
	if s.cmd.ProcessState == nil {
		_ = s.cmd.Process.Kill()
	}
	_ = s.wait()
}

// limitedBuffer keeps the first max bytes written to it.
type limitedBuffer struct {
	mu  sync.Mutex
	max int
	b   bytes.Buffer
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if room := l.max - l.b.Len(); room > 0 {
		l.b.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (l *limitedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
