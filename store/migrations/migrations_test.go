package migrations

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestLoadEmbedded(t *testing.T) {
	for _, d := range []string{"sqlite", "postgres"} {
		ms, err := Load(d)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) == 0 || ms[0].Version != 1 || !strings.Contains(ms[0].SQL, "CREATE TABLE turns") {
			t.Errorf("%s: %+v", d, ms)
		}
		for i, m := range ms {
			if m.Version != i+1 {
				t.Errorf("%s: migration %d has version %d: versions must have no gaps", d, i, m.Version)
			}
		}
	}
	if _, err := Load("mysql"); err == nil {
		t.Error("Load(mysql) did not fail")
	}
}

func TestLoad(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files []string
		want  []int
		err   string
	}{
		{"ordered", []string{"d/0002_b.sql", "d/0010_c.sql", "d/0001_a.sql", "d/README"}, []int{1, 2, 10}, ""},
		{"no number", []string{"d/init.sql"}, nil, "NNNN_description"},
		{"zero", []string{"d/0000_x.sql"}, nil, "NNNN_description"},
		{"duplicate", []string{"d/0001_a.sql", "d/001_b.sql"}, nil, "version 1 used by"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for _, f := range tc.files {
				fsys[f] = &fstest.MapFile{Data: []byte("SELECT 1;")}
			}
			ms, err := load(fsys, "d")
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for _, m := range ms {
				got = append(got, m.Version)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("versions %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("versions %v, want %v", got, tc.want)
				}
			}
		})
	}
}
