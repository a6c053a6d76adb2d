package prompts

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadGood(t *testing.T) {
	b, err := Load("testdata/good")
	if err != nil {
		t.Fatal(err)
	}
	if ps := Lint(b); len(ps) > 0 {
		t.Fatalf("lint: %v", ps)
	}
	if b.Name != "tiny" || len(b.Intents) != 2 || len(b.Flows) != 1 {
		t.Fatalf("loaded %+v", b)
	}
	if got := b.Flows[0].Steps[1].Webhook.Timeout.D().String(); got != "2s" {
		t.Errorf("timeout = %s", got)
	}
	// Round trip through JSON (a published version).
	j, err := b.JSON()
	if err != nil {
		t.Fatal(err)
	}
	b2, err := FromJSON(j)
	if err != nil {
		t.Fatal(err)
	}
	if ps := Lint(b2); len(ps) > 0 {
		t.Fatalf("lint after JSON round trip: %v", ps)
	}
	if b2.Flows[0].Steps[1].Webhook.Timeout != b.Flows[0].Steps[1].Webhook.Timeout {
		t.Error("timeout lost in JSON")
	}
}

func TestLoadContradictory(t *testing.T) {
	_, err := Load("testdata/bad")
	var ps Problems
	if !errors.As(err, &ps) || !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v, want Problems", err)
	}
	want := "testdata/bad/dup.yaml:1: greeting is already set at testdata/bad/bot.yaml:3"
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v\nwant %q", err, want)
	}
}

func TestLint(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"bot.yaml", "flows.yaml"} {
		data, err := os.ReadFile(filepath.Join("testdata/bad", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := Lint(b).Error()
	for _, want := range []string{
		"bot.yaml:11: intent \"empty\" has no examples",
		"bot.yaml:13: duplicate intent \"balance\"",
		"bot.yaml:16: intent \"ghost\" starts unknown flow \"nowhere\"",
		"flows.yaml:7: flow \"balance\" step \"start\": next goes to unknown step \"missing_step\"",
		"flows.yaml:8: flow \"balance\": step \"orphan\" is unreachable from \"start\"",
		"cycle without an ask: orphan -> loop_b -> orphan",
		"flows.yaml:4: flow \"balance\" step \"start\" uses slot \"balance\" before it is set",
		"flows.yaml:20: flow \"balance\" step \"ask\": unknown slot type \"colour\"",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("lint output lacks %q\n%s", want, got)
		}
	}
	// Every line is file:line: message.
	for _, line := range strings.Split(got, "\n") {
		if !strings.Contains(line, ".yaml:") {
			t.Errorf("line without file:line: %q", line)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	for name, tc := range map[string]struct{ yaml, want string }{
		"unknown key":  {"name: x\ngreting: hi\n", "bot.yaml:2: field greting not found"},
		"bad yaml":     {"name: [x\n", "bot.yaml:"},
		"wrong type":   {"intents: hello\n", "bot.yaml:1:"},
		"bad duration": {"flows:\n - name: f\n   steps:\n    - id: a\n      kind: webhook\n      webhook: {url: /x, timeout: soon}\n", "invalid duration \"soon\""},
		"not mapping":  {"- a\n- b\n", "expected a mapping"},
		"invalid utf8": {"name: \xff\xfe\n", "not valid UTF-8"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "bot.yaml"), []byte(tc.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Load(dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestIntentCSV(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "bot.yaml"), []byte("name: c\nlanguages: [en]\ngreeting: hi\nfallback: what\nhandoff: {queue: q}\nintent_csv: [ex.csv]\nintents:\n - name: a\n   answer: A\n - name: b\n   answer: B\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "ex.csv"), []byte("text,category\nfirst a,a\n\"b, quoted\",b\n"), 0o644)
	b, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Intents[0].Examples) != 1 || b.Intents[1].Examples[0] != "b, quoted" {
		t.Fatalf("examples: %+v", b.Intents)
	}
	os.WriteFile(filepath.Join(dir, "ex.csv"), []byte("text,category\nz,zzz\n"), 0o644)
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "bot.yaml:6: intent_csv ex.csv: categories not declared as intents: zzz") {
		t.Fatalf("err = %v", err)
	}
	os.Remove(filepath.Join(dir, "ex.csv"))
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "intent_csv ex.csv") {
		t.Fatalf("err = %v", err)
	}
}

func TestCondition(t *testing.T) {
	vars := map[string]string{"status": "completed", "amount": "350.00 CNY", "empty": ""}
	for cond, want := range map[string]bool{
		"status == 'completed'":            true,
		"status != 'completed'":            false,
		"amount > 300":                     true,
		"amount <= 300":                    false,
		"status && amount >= 350":          true,
		"!empty":                           true,
		"empty || status == \"pending\"":   false,
		"missing || status == 'COMPLETED'": true,
	} {
		c, err := ParseCondition(cond)
		if err != nil {
			t.Fatalf("%s: %v", cond, err)
		}
		if got := c.Eval(vars); got != want {
			t.Errorf("%s = %v, want %v", cond, got, want)
		}
	}
	for _, bad := range []string{"", "a ==", "a == b c", "!a == 'x'", "1abc"} {
		if _, err := ParseCondition(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestRender(t *testing.T) {
	got := Render("Card ending {{ last4 }} blocked, ref {{ref}}{{missing}}.", map[string]string{"last4": "4561", "ref": "R1"})
	if got != "Card ending 4561 blocked, ref R1." {
		t.Fatal(got)
	}
}

func FuzzLoad(f *testing.F) {
	for _, s := range []string{"name: x\n", "intents: [{name: a, examples: [b]}]\n", "flows: [{name: f, steps: [{id: a, kind: say, say: hi}]}]\n", "{{{"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := Parse("fuzz.yaml", data)
		if err != nil {
			return
		}
		_ = Lint(b)
	})
}
