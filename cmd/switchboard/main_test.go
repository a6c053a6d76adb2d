package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/switchboard-voice/switchboard/internal/shareddata"
)

func runCmd(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), &env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb}, args)
	return code, out.String(), errb.String()
}

func TestHelpOnEveryCommand(t *testing.T) {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		code, out, _ := runCmd(t, "", n, "--help")
		if code != 0 || !strings.Contains(out, "Usage: switchboard "+n) {
			t.Errorf("%s --help: code %d, output %q", n, code, out)
		}
	}
	if code, out, _ := runCmd(t, ""); code != 0 || !strings.Contains(out, "serve") || !strings.Contains(out, "chat") {
		t.Errorf("help: %d %q", code, out)
	}
	if code, _, errOut := runCmd(t, "", "nonsense"); code != 2 || !strings.Contains(errOut, "unknown command") {
		t.Errorf("unknown command: %d %q", code, errOut)
	}
	if code, _, _ := runCmd(t, "", "chat"); code != 2 {
		t.Errorf("chat without --bot: %d", code)
	}
}

func TestLintSampleBotsAndBrokenBot(t *testing.T) {
	shareddata.Require(t, "banking77", "train.csv")
	code, out, errOut := runCmd(t, "", "flows", "lint", "../../bots/banking", "../../bots/logistics-zh")
	if code != 0 {
		t.Fatalf("sample bots do not lint: %d\n%s%s", code, out, errOut)
	}
	code, out, _ = runCmd(t, "", "flows", "lint", "../../prompts/testdata/bad")
	if code != 1 || !strings.Contains(out, "testdata/bad/dup.yaml:1: greeting is already set") {
		t.Fatalf("broken bot: %d %q", code, out)
	}
}

type turnJSON struct {
	User       string            `json:"user"`
	Intent     string            `json:"intent"`
	Confidence float64           `json:"confidence"`
	Entities   json.RawMessage   `json:"entities"`
	Reply      string            `json:"reply"`
	Action     string            `json:"action"`
	Flow       string            `json:"flow"`
	Slots      map[string]string `json:"slots"`
	Queue      string            `json:"queue"`
	Digression bool              `json:"digression"`
}

func chatJSON(t *testing.T, bot string, lines ...string) []turnJSON {
	t.Helper()
	code, out, errOut := runCmd(t, strings.Join(lines, "\n")+"\n", "chat", "--bot", bot, "--json")
	if code != 0 {
		t.Fatalf("chat exit %d: %s", code, errOut)
	}
	var turns []turnJSON
	dec := json.NewDecoder(strings.NewReader(out))
	for dec.More() {
		var tj turnJSON
		if err := dec.Decode(&tj); err != nil {
			t.Fatalf("bad JSON line: %v\n%s", err, out)
		}
		if tj.Entities == nil {
			t.Fatalf("turn without entities key: %s", out)
		}
		turns = append(turns, tj)
	}
	return turns
}

func TestChatBanking(t *testing.T) {
	shareddata.Require(t, "banking77", "train.csv")
	turns := chatJSON(t, "../../bots/banking",
		"I lost my card",
		"what are your fees for international transfers", // digression mid-flow
		"it ends in four five six one",
		"yes",
		"I want to talk to a human",
	)
	if len(turns) != 6 {
		t.Fatalf("%d turns: %+v", len(turns), turns)
	}
	if turns[1].Intent != "lost_or_stolen_card" || turns[1].Flow != "block_card" || !strings.Contains(turns[1].Reply, "last four digits") {
		t.Errorf("turn 1: %+v", turns[1])
	}
	if !turns[2].Digression || !strings.Contains(turns[2].Reply, "last four digits") {
		t.Errorf("turn 2 (digression): %+v", turns[2])
	}
	if turns[3].Slots["last4"] != "4561" || !strings.Contains(turns[3].Reply, "4561") {
		t.Errorf("turn 3: %+v", turns[3])
	}
	if !strings.Contains(turns[4].Reply, "BLK-") {
		t.Errorf("turn 4: %+v", turns[4])
	}
	if turns[5].Action != "handoff" || turns[5].Queue == "" {
		t.Errorf("turn 5: %+v", turns[5])
	}
}

func TestChatLogisticsZH(t *testing.T) {
	turns := chatJSON(t, "../../bots/logistics-zh",
		"你好，我想查一下我的快递",
		"运单号是SF1234567890",
		"运费怎么算",
		"我要投诉你们的快递员",
	)
	if len(turns) != 5 {
		t.Fatalf("%d turns: %+v", len(turns), turns)
	}
	if turns[1].Intent != "track_parcel" || turns[1].Flow != "track_parcel" {
		t.Errorf("turn 1: %+v", turns[1])
	}
	if turns[2].Slots["waybill"] != "SF1234567890" || !strings.Contains(turns[2].Reply, "运输中") {
		t.Errorf("turn 2: %+v", turns[2])
	}
	if turns[3].Intent != "shipping_fee" {
		t.Errorf("turn 3: %+v", turns[3])
	}
	if turns[4].Action != "handoff" || turns[4].Queue != "complaints" {
		t.Errorf("turn 4: %+v", turns[4])
	}
}

func TestNLUEvalCommand(t *testing.T) {
	dir := t.TempDir()
	train := filepath.Join(dir, "train.csv")
	test := filepath.Join(dir, "test.csv")
	os.WriteFile(train, []byte("text,category\nwhat is my balance,balance\nhow much money do i have,balance\ncheck my balance,balance\nblock my card,block\ni lost my card,block\nmy card was stolen,block\ntell me a joke,oos\nwhat is the weather,oos\n"), 0o644)
	os.WriteFile(test, []byte("text,category\nshow my balance,balance\nmy card is lost,block\nsing a song,oos\n"), 0o644)
	code, out, errOut := runCmd(t, "", "nlu", "eval", "--train", train, "--test", test, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var m map[string]float64
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	for _, k := range []string{"accuracy", "macro_f1", "in_scope_accuracy", "oos_recall", "oos_precision", "train_seconds", "p50_us", "p99_us"} {
		if _, ok := m[k]; !ok {
			t.Errorf("--json lacks %s: %s", k, out)
		}
	}
	if code, _, errOut := runCmd(t, "", "nlu", "eval", "--train", filepath.Join(dir, "missing.csv"), "--test", test); code != 1 || !strings.Contains(errOut, "missing.csv") {
		t.Errorf("missing file: %d %q", code, errOut)
	}
}
