package peertest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/apps"
)

// baresipModules is where Debian's baresip-core installs its modules.
const baresipModules = "/usr/lib/baresip/modules"

// baresip is a headless baresip 1.0.0 user agent for one test: no sound
// card (the alsa "null" device plays), audio from a WAV file (aufile), and
// the decoded audio of each call dumped to a WAV file (the sndfile
// filter).
type baresip struct {
	path    string
	dir     string // config dir (-f)
	snd     string // where sndfile writes dump-*-dec.wav
	sipPort int    // where it listens for SIP
}

// newBaresip writes a config dir whose audio source is the WAV file src
// (8 kHz mono; when it ends, baresip hangs up the call) and whose account
// offers only codec ("PCMU" or "PCMA").
func newBaresip(t *testing.T, src, codec string) *baresip {
	t.Helper()
	path := requireTool(t, "baresip", "SWITCHBOARD_REQUIRE_BARESIP")
	for _, m := range []string{"g711", "aufile", "sndfile", "alsa", "menu", "account"} {
		if _, err := os.Stat(filepath.Join(baresipModules, m+".so")); err != nil {
			if os.Getenv("SWITCHBOARD_REQUIRE_BARESIP") == "1" {
				t.Fatalf("baresip module %s: %v", m, err)
			}
			t.Skipf("baresip module %s missing: %v", m, err)
		}
	}
	b := &baresip{path: path, dir: t.TempDir(), sipPort: freeSIPPort(t)}
	b.snd = filepath.Join(b.dir, "snd")
	if err := os.Mkdir(b.snd, 0o755); err != nil {
		t.Fatal(err)
	}
	sipPort, rtp := b.sipPort, freeUDPPort(t)
	config := strings.Join([]string{
		"poll_method epoll",
		fmt.Sprintf("sip_listen 127.0.0.1:%d", sipPort),
		"call_local_timeout 30",
		"call_max_calls 1",
		"audio_player alsa,null",
		"audio_alert alsa,null",
		"audio_source aufile," + src,
		"ausrc_srate 8000",
		"auplay_srate 8000",
		"ausrc_channels 1",
		"auplay_channels 1",
		"audio_level no",
		// Two RTP/RTCP ports in a range unlikely to clash with the
		// server's 31000-31999.
		fmt.Sprintf("rtp_ports %d-%d", rtp&^1, rtp&^1+1),
		"rtcp_mux no",
		"jitter_buffer_delay 1-10",
		"rtp_timeout 0",
		"module_path " + baresipModules,
		"module g711.so",
		"module sndfile.so",
		"module aufile.so",
		"module alsa.so",
		"module_tmp account.so",
		"module_app menu.so",
		"snd_path " + b.snd,
		"",
	}, "\n")
	if err := os.WriteFile(filepath.Join(b.dir, "config"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	b.setAccount(t, "<sip:baresip@127.0.0.1>;regint=0;audio_codecs="+codec+";answermode=auto")
	return b
}

// setAccount replaces the account baresip uses (one line of its accounts
// file).
func (b *baresip) setAccount(t *testing.T, account string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(b.dir, "accounts"), []byte(account+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// run starts baresip without a call; it quits by itself after limit.
func (b *baresip) run(t *testing.T, limit time.Duration) *peer {
	t.Helper()
	return startPeer(t, limit+20*time.Second, b.dir, b.path, "-4", "-f", b.dir, "-t", fmt.Sprint(int(limit/time.Second)))
}

// dial starts baresip calling uri; it quits by itself after limit.
func (b *baresip) dial(t *testing.T, uri string, limit time.Duration) *peer {
	t.Helper()
	return startPeer(t, limit+20*time.Second, b.dir, b.path,
		"-4", "-f", b.dir, "-t", fmt.Sprint(int(limit/time.Second)), "-e", "/dial "+uri)
}

// decoded returns the audio baresip received and decoded in its one call.
func (b *baresip) decoded(t *testing.T) ([]int16, int) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(b.snd, "dump-*-dec*.wav"))
	if len(files) != 1 {
		all, _ := filepath.Glob(filepath.Join(b.snd, "*"))
		t.Fatalf("baresip dumped %v, want one dump-*-dec*.wav", all)
	}
	return readWAV(t, files[0])
}

// served tracks one run of an application.
type served struct {
	started, ended chan struct{}
	once           sync.Once
	info           media.LegInfo
}

// trackApp wraps app so that the test learns when the call reached it and
// when it returned. Only the first call is tracked.
func trackApp(app media.Application) (media.Application, *served) {
	sv := &served{started: make(chan struct{}), ended: make(chan struct{})}
	return media.ApplicationFunc(func(ctx context.Context, leg media.Leg) error {
		first := false
		sv.once.Do(func() {
			first = true
			sv.info = leg.Info()
			close(sv.started)
		})
		if first {
			defer close(sv.ended)
		}
		return app.Serve(ctx, leg)
	}), sv
}

// waitCall waits until the tracked application has run and returned and
// the server is idle again; it fails early if the peer exits first.
func waitCall(t *testing.T, s *server, sv *served, p *peer, d time.Duration) {
	t.Helper()
	deadline := time.After(d)
	for _, ch := range []chan struct{}{sv.started, sv.ended} {
		select {
		case <-ch:
		case <-p.done:
			t.Fatalf("%s exited before the call ended: %v\n%s", filepath.Base(p.name), p.err, tail([]byte(p.output()), 30))
		case <-deadline:
			t.Fatalf("the call did not end within %v\n%s", d, tail([]byte(p.output()), 30))
		}
	}
	s.waitIdle(t, 10*time.Second)
}

// TestBaresipPlayback has baresip call the playback application, which
// plays a WAV of a 1 kHz tone then a 600 Hz one and hangs up. What
// baresip decoded must hold both tones, in order, for their durations,
// with G.711-grade SNR.
func TestBaresipPlayback(t *testing.T) {
	for _, codec := range []string{"PCMU", "PCMA"} {
		t.Run(codec, func(t *testing.T) {
			dir := t.TempDir()
			tones := []segment{{1000, 2 * time.Second}, {600, time.Second}}
			prompt := filepath.Join(dir, "prompt.wav")
			writeWAV(t, prompt, signal(media.Rate8k, tones...), media.Rate8k)
			// baresip hangs up when its source ends: give it more silence
			// than the call lasts.
			silence := filepath.Join(dir, "silence.wav")
			writeWAV(t, silence, signal(media.Rate8k, segment{0, 30 * time.Second}), media.Rate8k)
			play, err := apps.Playback(prompt, nil)
			if err != nil {
				t.Fatal(err)
			}
			app, sv := trackApp(play)
			s := startServer(t, apps.Route{To: "playback", Name: "playback", App: app})
			b := newBaresip(t, silence, codec)
			p := b.dial(t, "sip:playback@"+s.addr.String(), 40*time.Second)
			waitCall(t, s, sv, p, 40*time.Second)
			if sv.info.Codec != codec {
				t.Errorf("negotiated %s, want %s", sv.info.Codec, codec)
			}
			if err := p.stop(10 * time.Second); err != nil {
				t.Logf("baresip exit: %v", err)
			}
			if out := p.output(); !strings.Contains(out, "terminated") {
				t.Errorf("baresip did not see the call end:\n%s", tail([]byte(out), 30))
			}
			pcm, rate := b.decoded(t)
			if rate != media.Rate8k {
				t.Fatalf("baresip decoded at %d Hz, want 8000", rate)
			}
			checkTones(t, "received by baresip", pcm, rate, tones, 250*time.Millisecond, 28)
		})
	}
}

// TestBaresipEcho has baresip call echo with a WAV source of a 700 Hz
// tone then a 1300 Hz one; baresip hangs up when the file ends. The
// server (a tap on the echo application) must have received both tones,
// and baresip must have received them back.
func TestBaresipEcho(t *testing.T) {
	for _, codec := range []string{"PCMU", "PCMA"} {
		t.Run(codec, func(t *testing.T) {
			dir := t.TempDir()
			tones := []segment{{700, 1500 * time.Millisecond}, {1300, 1500 * time.Millisecond}}
			src := filepath.Join(dir, "source.wav")
			writeWAV(t, src, signal(media.Rate8k, tones...), media.Rate8k)
			heard := &capture{}
			app, sv := trackApp(tapApp(apps.Echo(nil, nil), heard))
			s := startServer(t, apps.Route{To: "tap", Name: "echo with tap", App: app})
			b := newBaresip(t, src, codec)
			p := b.dial(t, "sip:tap@"+s.addr.String(), 40*time.Second)
			waitCall(t, s, sv, p, 40*time.Second)
			if err := p.stop(10 * time.Second); err != nil {
				t.Logf("baresip exit: %v", err)
			}
			pcm, rate := heard.pcm()
			if rate != media.Rate8k {
				t.Fatalf("server leg at %d Hz, want 8000", rate)
			}
			checkTones(t, "received by the server", pcm, rate, tones, 250*time.Millisecond, 28)
			pcm, rate = b.decoded(t)
			checkTones(t, "echoed to baresip", pcm, rate, tones, 250*time.Millisecond, 28)
		})
	}
}
