package sip_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/rtpmedia"
	"github.com/switchboard-voice/switchboard/media/sip"
)

// Agents' phones register to Switchboard; a queue rings an agent's phone
// for a caller and bridges the two legs once the agent answers.
func ExampleServer_DialUser() {
	log := slog.New(slog.DiscardHandler)
	rtp, err := rtpmedia.New(rtpmedia.Config{IP: netip.MustParseAddr("127.0.0.1"), MinPort: 34000, MaxPort: 34099, Logger: log})
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg := sip.Config{
		Listen:    []sip.Listener{{Transport: "udp", Addr: "127.0.0.1:0"}},
		Registrar: &sip.RegistrarConfig{Enabled: true, Domain: "pbx.example.com"},
	}
	// Credentials come from the agent store; registrations become the
	// agents' phone presence.
	creds := sip.StaticCredentials{"agent42": "s3cret"}
	presence := func(e sip.RegistrationEvent) {
		fmt.Printf("%s: phone %s, online %v\n", e.User, e.Change, e.Contacts > 0)
	}
	dialplan := sip.RouterFunc(func(from, to string) (media.Application, bool) { return nil, false })
	srv, err := sip.NewServer(cfg, rtp, dialplan, log, sip.WithCredentials(creds), sip.WithRegistrationHandler(presence))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	defer func() { stop(); <-done }()

	// In the queue application serving a caller's leg:
	ringAgent := func(ctx context.Context, agent string) (media.Leg, error) {
		return srv.DialUser(ctx, agent, sip.WithCallerID("4008001234", "Customer"), sip.WithRingTimeout(20*time.Second))
	}
	var leg media.Leg
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		leg, err = ringAgent(ctx, "agent42")
		if !errors.Is(err, sip.ErrNotServing) || time.Now().After(deadline) {
			break
		}
	}
	switch {
	case err == nil:
		defer leg.Hangup(ctx) // bridge.Add("agent42", leg) and so on
	case errors.Is(err, sip.ErrNotRegistered), errors.Is(err, sip.ErrBusy),
		errors.Is(err, sip.ErrDeclined), errors.Is(err, sip.ErrNoAnswer):
		fmt.Println("offer the call to the next agent:", err)
	default:
		fmt.Println(err)
	}
	// Output: offer the call to the next agent: sip: user not registered: agent42
}
