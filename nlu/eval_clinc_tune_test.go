package nlu

import (
	"fmt"
	"testing"

	"github.com/switchboard-voice/switchboard/internal/shareddata"
)

func TestTuneCLINC(t *testing.T) {
	if testing.Short() {
		t.Skip("full data")
	}
	train, err := ReadCSV(shareddata.Require(t, "clinc150", "train.csv"))
	if err != nil {
		t.Fatal(err)
	}
	val, err := ReadCSV(shareddata.Require(t, "clinc150", "val.csv"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := Train(train)
	if err != nil {
		t.Fatal(err)
	}
	t.Log("temp", c.Temperature(), "ECE", CalibrationError(c, val))
	top, n := 0, 0
	for _, ex := range val {
		if ex.Intent != OOS {
			n++
			if c.Classify(ex.Text).Ranked[0].Intent == ex.Intent {
				top++
			}
		}
	}
	t.Log("top in-scope acc", float64(top)/float64(n))
	for _, th := range []float64{0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6} {
		c.threshold = th
		pred := make([]string, len(val))
		for i, ex := range val {
			pred[i] = c.Classify(ex.Text).Intent
		}
		var r Report
		r.score(val, pred)
		t.Log(fmt.Sprintf("th=%.2f", th), r)
	}
}
