package caller

import (
	"context"
	"log/slog"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/rtpmedia"
	"github.com/switchboard-voice/switchboard/media/sip"
	"github.com/switchboard-voice/switchboard/nlu/dialog"
	"github.com/switchboard-voice/switchboard/voicebot"
	"github.com/switchboard-voice/switchboard/voicebot/voicebottest"
)

// botServer runs the cards bot behind a SIP endpoint on loopback, with
// the stand-in providers, and returns its address.
func botServer(t *testing.T, script []string, handoff voicebot.Handoff, srvOut **sip.Server) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	conv, _ := voicebottest.Conversations(t, voicebottest.CardsBot)
	app, err := voicebot.New(voicebot.Config{
		Bot: "cards", Conversations: conv,
		Speech:  voicebottest.Speech{ASR: voicebottest.NewScript(script...), TTS: voicebottest.ToneTTS{}},
		NewVAD:  func(int) voicebot.VAD { return &voicebottest.LevelVAD{} },
		Handoff: handoff,
	})
	if err != nil {
		t.Fatal(err)
	}
	m, err := rtpmedia.New(rtpmedia.Config{IP: netip.MustParseAddr("127.0.0.1"), MinPort: 43000, MaxPort: 43999})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sip.NewServer(sip.Config{Listen: []sip.Listener{{Transport: "udp", Addr: "127.0.0.1:0"}}}, m,
		sip.RouterFunc(func(from, to string) (media.Application, bool) { return app, true }), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if srvOut != nil {
		*srvOut = srv
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	for i := 0; i < 200; i++ {
		if a, ok := srv.Addr("udp"); ok && a.Port() != 0 {
			return a.String()
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("no SIP address")
	return ""
}

func TestConversationOverSIP(t *testing.T) {
	addr := botServer(t, []string{"i lost my card"}, nil, nil)
	rec := filepath.Join(t.TempDir(), "call.wav")
	res, err := Call(context.Background(), Config{
		Target: "cards@" + addr, Synthesizer: voicebottest.ToneTTS{}, Record: rec,
		Turns: []Turn{{Say: "i lost my card"}, {DTMF: "4821"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var who []string
	for _, l := range res.Lines {
		who = append(who, l.Who)
	}
	// greeting, caller, disclosure+question, digits, goodbye.
	if got := strings.Join(who, ","); got != "bot,caller,bot,caller,bot" {
		t.Fatalf("lines %s: %+v", got, res.Lines)
	}
	if res.HungUpBy != "bot" {
		t.Errorf("hung up by %q, want the bot after its goodbye", res.HungUpBy)
	}
	for _, l := range res.Bot()[1:] {
		if l.Latency <= 0 || l.Latency > 3*time.Second {
			t.Errorf("bot line latency %v: %+v", l.Latency, l)
		}
	}
	if res.Lines[3].Text != "dtmf 4821" {
		t.Errorf("keypad line %+v", res.Lines[3])
	}
}

func TestTransferIsReported(t *testing.T) {
	var srv *sip.Server
	addr := botServer(t, []string{"agent please"}, func(ctx context.Context, leg media.Leg, sessionID string, a dialog.Action) error {
		return srv.Transfer(ctx, leg, "sip:"+a.Queue+"@127.0.0.1:5999")
	}, &srv)
	res, err := Call(context.Background(), Config{
		Target: "cards@" + addr, Synthesizer: voicebottest.ToneTTS{},
		Turns: []Turn{{Say: "agent please"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Transferred, "general@") {
		t.Fatalf("not transferred: %+v", res)
	}
}

func TestBadTarget(t *testing.T) {
	if _, err := Call(context.Background(), Config{Target: "@"}); err == nil {
		t.Fatal("want an error for a bad target")
	}
}
