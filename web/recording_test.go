package web

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/switchboard-voice/switchboard/conversation"
	"github.com/switchboard-voice/switchboard/store"
	"github.com/switchboard-voice/switchboard/store/sqlite"
)

// TestRecordingPrefersRedacted checks /v1/sessions/{id}/recording serves
// the original until QA has written the redacted copy, then the copy.
func TestRecordingPrefersRedacted(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "sb.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.CreateSession(ctx, store.Session{ID: "s1", Bot: "b", Channel: "sip", CallID: "c1"}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	orig := filepath.Join(dir, "20260302T090000Z-c1.wav")
	if err := os.WriteFile(orig, []byte("original"), 0o644); err != nil {
		t.Fatal(err)
	}
	reg := conversation.NewRegistry(st, nil)
	srv := httptest.NewServer(New(Config{Registry: reg, Sessions: conversation.New(reg, st, nil), Store: st, RecordingDir: dir}))
	defer srv.Close()
	get := func() string {
		res, err := http.Get(srv.URL + "/v1/sessions/s1/recording")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("status %d: %s", res.StatusCode, b)
		}
		return string(b)
	}
	if got := get(); got != "original" {
		t.Errorf("before redaction: %q", got)
	}
	if err := os.WriteFile(filepath.Join(dir, "20260302T090000Z-c1.redacted.wav"), []byte("redacted"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := get(); got != "redacted" {
		t.Errorf("after redaction: %q", got)
	}
}
