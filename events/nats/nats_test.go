package nats_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/switchboard-voice/switchboard/events"
	"github.com/switchboard-voice/switchboard/events/eventstest"
	"github.com/switchboard-voice/switchboard/events/nats"
)

func open(t *testing.T, cfg nats.Config) *nats.Bus {
	t.Helper()
	b, err := nats.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

// TestEmbedded: node A runs the embedded server on a loopback port, node
// B joins it by URL.
func TestEmbedded(t *testing.T) {
	eventstest.Run(t, func(t *testing.T) (events.Bus, events.Bus) {
		a := open(t, nats.Config{Listen: "127.0.0.1:0", Name: "a", Token: "s3cret"})
		if a.ClientURL() == "" {
			t.Fatal("embedded server has no client URL")
		}
		b := open(t, nats.Config{URL: a.ClientURL(), Name: "b", Token: "s3cret"})
		return a, b
	})
}

// TestExternal: both nodes are clients of a separate NATS server, as of a
// production cluster.
func TestExternal(t *testing.T) {
	eventstest.Run(t, func(t *testing.T) (events.Bus, events.Bus) {
		srv, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: server.RANDOM_PORT, NoLog: true, NoSigs: true})
		if err != nil {
			t.Fatal(err)
		}
		go srv.Start()
		if !srv.ReadyForConnections(5 * time.Second) {
			t.Fatal("nats server did not start")
		}
		t.Cleanup(srv.Shutdown)
		return open(t, nats.Config{URL: srv.ClientURL(), Name: "a"}), open(t, nats.Config{URL: srv.ClientURL(), Name: "b"})
	})
}

// TestInProcess: the default, an embedded server with no listener.
func TestInProcess(t *testing.T) {
	eventstest.Run(t, func(t *testing.T) (events.Bus, events.Bus) {
		a := open(t, nats.Config{})
		return a, a
	})
}

func TestWrongToken(t *testing.T) {
	a := open(t, nats.Config{Listen: "127.0.0.1:0", Token: "right"})
	if _, err := nats.Open(context.Background(), nats.Config{URL: a.ClientURL(), Token: "wrong", ConnectTimeout: time.Second}); err == nil {
		t.Error("connected with a wrong token")
	}
}

func TestUnreachable(t *testing.T) {
	_, err := nats.Open(context.Background(), nats.Config{URL: "nats://127.0.0.1:1", ConnectTimeout: 500 * time.Millisecond})
	if err == nil {
		t.Fatal("connected to nothing")
	}
	t.Log(err)
}
