package qdrant_test

import (
	"context"
	"errors"
	"net"
	"os"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/assist/kb"
	"github.com/switchboard-voice/switchboard/assist/kb/kbtest"
	"github.com/switchboard-voice/switchboard/assist/kb/qdrant"
	"github.com/switchboard-voice/switchboard/prompts"
)

func serverAddr(t *testing.T) string {
	addr := os.Getenv(qdrant.EnvAddr)
	if addr == "" {
		t.Skipf("skipping: no Qdrant server; set %s=host:6334 (its gRPC port) to run the conformance suite against one", qdrant.EnvAddr)
	}
	return addr
}

func open(t *testing.T, addr string) *qdrant.Store {
	t.Helper()
	s, err := qdrant.New(qdrant.Config{Addr: addr, APIKey: os.Getenv("SWITCHBOARD_QDRANT_API_KEY"), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Ping(context.Background()); err != nil {
		t.Fatalf("%s=%s: %v", qdrant.EnvAddr, addr, err)
	}
	return s
}

func TestConformance(t *testing.T) {
	addr := serverAddr(t)
	s := open(t, addr)
	kbtest.Run(t, func(t *testing.T) kb.VectorStore { return s })
}

// An index on Qdrant answers like one in memory.
func TestIndexOnQdrant(t *testing.T) {
	indexParity(t, open(t, serverAddr(t)))
}

func indexParity(t *testing.T, s *qdrant.Store) {
	coll := kbtest.Collection(t)
	t.Cleanup(func() { s.DropCollection(context.Background(), coll) })
	bot := &prompts.Bot{Name: "kbtest", Knowledge: []prompts.Article{
		{ID: "pin", Title: "PIN help", Body: "Unblock a PIN in the app under Cards, Security."},
		{ID: "fees", Title: "Fees", Body: "ATM withdrawals above 200 dollars a month cost 2 percent."},
	}}
	ctx := context.Background()
	var got [2][]kb.Hit
	for i, st := range []kb.VectorStore{s, kb.NewMemoryStore()} {
		ix, err := kb.NewIndex(kb.WithStore(st), kb.WithCollection(coll), kb.WithMode(kb.ModeVector))
		if err != nil {
			t.Fatal(err)
		}
		if err := ix.Load(ctx, bot, 1); err != nil {
			t.Fatal(err)
		}
		if got[i], err = ix.Search(ctx, "my pin is blocked", 2); err != nil {
			t.Fatal(err)
		}
	}
	if len(got[0]) != len(got[1]) || len(got[0]) == 0 || got[0][0].ArticleID != "pin" {
		t.Fatalf("qdrant %+v\nmemory %+v", got[0], got[1])
	}
	for i := range got[0] {
		if got[0][i].ArticleID != got[1][i].ArticleID {
			t.Fatalf("qdrant %+v\nmemory %+v", got[0], got[1])
		}
	}
}

func TestConfig(t *testing.T) {
	for _, addr := range []string{"", "localhost", ":6334", "localhost:http", "localhost:70000"} {
		if _, err := qdrant.New(qdrant.Config{Addr: addr}); !errors.Is(err, kb.ErrInvalid) {
			t.Errorf("address %q: %v, want ErrInvalid", addr, err)
		}
	}
	if _, err := qdrant.New(qdrant.Config{Addr: "localhost:6334", Timeout: -time.Second}); !errors.Is(err, kb.ErrInvalid) {
		t.Errorf("negative timeout: %v", err)
	}
}

// A server that is down fails every call with ErrUnavailable (or
// ErrTimeout), quickly, and the index falls back to BM25.
func TestServerDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s, err := qdrant.New(qdrant.Config{Addr: addr, Timeout: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	down := func(err error) bool { return errors.Is(err, kb.ErrUnavailable) || errors.Is(err, kb.ErrTimeout) }
	start := time.Now()
	if err := s.EnsureCollection(ctx, "c", 8); !down(err) {
		t.Fatalf("EnsureCollection: %v", err)
	}
	if _, err := s.Search(ctx, "c", make([]float32, 8), 3, kb.Filter{Bot: "b"}); !down(err) {
		t.Fatalf("Search: %v", err)
	}
	if _, err := s.Ping(ctx); !down(err) {
		t.Fatalf("Ping: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("took %v", d)
	}
	// Bad arguments are refused before any request.
	if _, err := s.Search(ctx, "c", make([]float32, 8), 3, kb.Filter{}); !errors.Is(err, kb.ErrInvalid) {
		t.Fatalf("search without bot: %v", err)
	}
}
