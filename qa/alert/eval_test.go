package alert

import (
	"encoding/csv"
	"fmt"
	"hash/fnv"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/switchboard-voice/switchboard/internal/shareddata"
	"github.com/switchboard-voice/switchboard/qa"
)

// heldOut reports whether a text is in the half of a data set kept for
// reporting. The default phrase lists were tuned on the other half only.
func heldOut(text string) bool {
	h := fnv.New32a()
	h.Write([]byte(text))
	return h.Sum32()%2 == 1
}

func readCSV(t *testing.T, elem ...string) [][]string {
	f, err := os.Open(shareddata.Require(t, elem...))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows[1:]
}

// TestDefaultPhrasesOnCustomerQueries measures the default phrase rules on
// ordinary customer queries (Banking77, CLINC150; held-out half): how
// often they fire where no alert is due, and how many account-closing
// requests (Banking77 terminate_account) the cancellation rule catches.
func TestDefaultPhrasesOnCustomerQueries(t *testing.T) {
	rs, err := Compile(Config{})
	if err != nil {
		t.Fatal(err)
	}
	var report strings.Builder
	for _, set := range [][]string{{"banking77", "train.csv"}, {"clinc150", "train.csv"}, {"clinc150", "val.csv"}} {
		rows := readCSV(t, set...)
		n, other, false_, closing, caught := 0, 0, 0, 0, 0
		byRule := map[string]int{}
		for _, r := range rows {
			if !heldOut(r[0]) {
				continue
			}
			n++
			m := NewMonitor(rs, Call{})
			alerts := m.Turn(qa.Turn{Seq: 1, Speaker: qa.Caller, Text: r[0]})
			if r[1] == "terminate_account" {
				closing++
				for _, a := range alerts {
					if a.Rule == "cancellation" {
						caught++
					}
				}
				continue
			}
			other++
			if len(alerts) > 0 {
				false_++
				for _, a := range alerts {
					byRule[a.Rule]++
				}
				t.Logf("%s %s: %q fired %s (%s)", strings.Join(set, "/"), r[1], r[0], alerts[0].Rule, alerts[0].Evidence.Phrase)
			}
		}
		rate := float64(false_) / float64(other)
		rules := make([]string, 0, len(byRule))
		for k, v := range byRule {
			rules = append(rules, fmt.Sprintf("%s %d", k, v))
		}
		sort.Strings(rules)
		fmt.Fprintf(&report, "| %s | %d | %d (%.2f%%) | %s |", strings.Join(set, "/"), other, false_, 100*rate, strings.Join(rules, ", "))
		if closing > 0 {
			fmt.Fprintf(&report, " cancellation caught %d of %d terminate_account (%.0f%%)", caught, closing, 100*float64(caught)/float64(closing))
			if float64(caught) < 0.7*float64(closing) {
				t.Errorf("%s: cancellation caught %d of %d account-closing requests, want at least 70%%", set[0], caught, closing)
			}
		}
		report.WriteByte('\n')
		if rate > 0.005 {
			t.Errorf("%s: %.2f%% of ordinary queries fired an alert, want at most 0.5%%", strings.Join(set, "/"), 100*rate)
		}
	}
	t.Logf("held-out half, default phrase rules:\n| set | queries | fired | by rule |\n%s", report.String())
}
