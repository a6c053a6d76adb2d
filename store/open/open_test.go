package open_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchboard-voice/switchboard/store"
	"github.com/switchboard-voice/switchboard/store/open"
)

func TestOpenUnknownDriver(t *testing.T) {
	_, err := open.Open(context.Background(), "mysql", "x")
	if !errors.Is(err, store.ErrInvalid) || !strings.Contains(err.Error(), `"mysql"`) {
		t.Fatalf("Open(mysql) = %v, want ErrInvalid naming the driver", err)
	}
}

func TestOpenSQLite(t *testing.T) {
	ctx := context.Background()
	st, err := open.Open(ctx, "sqlite", filepath.Join(t.TempDir(), "a", "b.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Ping(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestOpenPostgresUnreachable(t *testing.T) {
	// Port 1 on loopback: nothing listens, the connection is refused at once.
	_, err := open.Open(context.Background(), "postgres", "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2")
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("Open(postgres, unreachable) = %v, want ErrUnavailable", err)
	}
}
