package peertest

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/apps"
	"github.com/switchboard-voice/switchboard/media/sip"
)

// agents are the SIP users of the registrar tests.
var agents = sip.StaticCredentials{"agent42": "s3cret-42", "agent7": "s3cret-7"}

// registrarServer starts a server whose registrar serves the domain
// switchboard.test; its registration events arrive on the channel.
func registrarServer(t *testing.T, mod func(*sip.RegistrarConfig)) (*server, <-chan sip.RegistrationEvent) {
	t.Helper()
	events := make(chan sip.RegistrationEvent, 64)
	s := startServerWith(t, serverSetup{
		config: func(c *sip.Config) {
			c.Registrar = &sip.RegistrarConfig{Enabled: true, Domain: "switchboard.test"}
			if mod != nil {
				mod(c.Registrar)
			}
		},
		opts: []sip.Option{sip.WithCredentials(agents), sip.WithRegistrationHandler(func(e sip.RegistrationEvent) { events <- e })},
	})
	return s, events
}

// waitEvent waits for the next registration event and checks it.
func waitEvent(t *testing.T, events <-chan sip.RegistrationEvent, user string, change sip.BindingChange, p *peer) sip.RegistrationEvent {
	t.Helper()
	select {
	case e := <-events:
		if e.User != user || e.Change != change {
			t.Fatalf("event %s %s, want %s %s", e.User, e.Change, user, change)
		}
		return e
	case <-time.After(15 * time.Second):
		out := ""
		if p != nil {
			out = tail([]byte(p.output()), 30)
		}
		t.Fatalf("no %s event for %s\n%s", change, user, out)
	}
	return sip.RegistrationEvent{}
}

// baresipAgent is baresip logged in as an agent: it registers to the
// server's domain through its UDP address (an outbound proxy) and
// answers calls by itself.
func baresipAgent(t *testing.T, s *server, src, user, password string) *baresip {
	t.Helper()
	b := newBaresip(t, src, "PCMU")
	b.setAccount(t, fmt.Sprintf(`<sip:%s@switchboard.test>;auth_pass=%s;outbound="sip:%s";regint=120;answermode=auto;audio_codecs=PCMU`,
		user, password, s.addr))
	return b
}

// TestBaresipAgentAnswers has baresip register as agent42 (digest
// authentication) and answer a call the server places to it with
// DialUser. Each side plays two tones; each must hear the other's, in
// order and clean. When baresip quits it unregisters.
func TestBaresipAgentAnswers(t *testing.T) {
	s, events := registrarServer(t, nil)
	dir := t.TempDir()
	theirs := []segment{{700, 1500 * time.Millisecond}, {1300, 1500 * time.Millisecond}}
	src := filepath.Join(dir, "source.wav")
	// baresip hangs up when its source ends: silence after the tones.
	writeWAV(t, src, signal(media.Rate8k, append(theirs, segment{0, 30 * time.Second})...), media.Rate8k)
	b := baresipAgent(t, s, src, "agent42", agents["agent42"])
	p := b.run(t, 60*time.Second)
	e := waitEvent(t, events, "agent42", sip.BindingAdded, p)
	if e.Contacts != 1 || e.Binding.Transport != "udp" || e.Binding.Source.Port() != uint16(b.sipPort) ||
		!strings.Contains(e.Binding.UserAgent, "baresip") {
		t.Errorf("registration %+v", e)
	}
	if exp := time.Until(e.Binding.Expires); exp < 100*time.Second || exp > 120*time.Second {
		t.Errorf("registered for %v, want 120s", exp)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	leg, err := s.sip.DialUser(ctx, "agent42", sip.WithCallerID("4008001234", "Customer"))
	if err != nil {
		t.Fatalf("DialUser: %v\n%s", err, tail([]byte(p.output()), 30))
	}
	t.Logf("DialUser to answered: %v", time.Since(start))
	if info := leg.Info(); info.Codec != "PCMU" || info.To != "agent42" {
		t.Errorf("leg %+v", info)
	}
	ours := []segment{{1000, time.Second}, {600, time.Second}}
	heard := &capture{}
	leg.Attach(captureReceiver{heard})
	if err := apps.Play(ctx, leg, signal(media.Rate8k, ours...), media.Rate8k); err != nil {
		t.Fatal(err)
	}
	// Let baresip's tones (3 s from its answer) arrive in full.
	time.Sleep(time.Until(start.Add(4 * time.Second)))
	leg.Attach(nil)
	if err := leg.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
	s.waitIdle(t, 10*time.Second)
	pcm, rate := heard.pcm()
	checkTones(t, "received from baresip", pcm, rate, theirs, 250*time.Millisecond, 28)
	waitFor(t, 10*time.Second, func() error {
		if !strings.Contains(p.output(), "terminated") {
			return errors.New("baresip has not seen the call end")
		}
		return nil
	})

	if err := p.stop(10 * time.Second); err != nil {
		t.Logf("baresip exit: %v", err)
	}
	waitEvent(t, events, "agent42", sip.BindingRemoved, p)
	if n := len(s.sip.Bindings("agent42")); n != 0 {
		t.Errorf("%d bindings after baresip quit", n)
	}
	pcm, rate = b.decoded(t)
	checkTones(t, "received by baresip", pcm, rate, ours, 250*time.Millisecond, 28)
}

// TestBaresipAnswerLatency measures how long DialUser takes until
// baresip (auto answer, loopback) has answered, over ten calls.
func TestBaresipAnswerLatency(t *testing.T) {
	if testing.Short() {
		t.Skip("places ten calls")
	}
	s, events := registrarServer(t, nil)
	src := filepath.Join(t.TempDir(), "silence.wav")
	writeWAV(t, src, signal(media.Rate8k, segment{0, 30 * time.Second}), media.Rate8k)
	b := baresipAgent(t, s, src, "agent7", agents["agent7"])
	p := b.run(t, 90*time.Second)
	waitEvent(t, events, "agent7", sip.BindingAdded, p)
	var took []time.Duration
	for range 10 {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		start := time.Now()
		leg, err := s.sip.DialUser(ctx, "agent7")
		if err != nil {
			cancel()
			t.Fatalf("DialUser: %v\n%s", err, tail([]byte(p.output()), 30))
		}
		took = append(took, time.Since(start))
		if err := leg.Hangup(ctx); err != nil {
			t.Fatal(err)
		}
		cancel()
		s.waitIdle(t, 10*time.Second)
	}
	slices.Sort(took)
	t.Logf("DialUser to answered over %d calls: min %v, median %v, max %v", len(took), took[0], took[len(took)/2], took[len(took)-1])
	if took[len(took)/2] > time.Second {
		t.Errorf("median %v to answer on loopback", took[len(took)/2])
	}
}

// TestBaresipWrongPassword has baresip register with a wrong password:
// the server answers 403 and nothing registers.
func TestBaresipWrongPassword(t *testing.T) {
	s, events := registrarServer(t, nil)
	src := filepath.Join(t.TempDir(), "silence.wav")
	writeWAV(t, src, signal(media.Rate8k, segment{0, 5 * time.Second}), media.Rate8k)
	b := baresipAgent(t, s, src, "agent42", "not-the-password")
	p := b.run(t, 30*time.Second)
	waitFor(t, 15*time.Second, func() error {
		for _, line := range strings.Split(p.output(), "\n") {
			if strings.Contains(line, "403") {
				t.Logf("baresip: %s", strings.TrimSpace(line))
				return nil
			}
		}
		return errors.New("baresip did not report 403")
	})
	select {
	case e := <-events:
		t.Fatalf("registered with a wrong password: %+v", e)
	default:
	}
	if _, err := s.sip.DialUser(context.Background(), "agent42"); !errors.Is(err, sip.ErrNotRegistered) {
		t.Errorf("DialUser: %v, want ErrNotRegistered", err)
	}
	p.stop(5 * time.Second)
}
