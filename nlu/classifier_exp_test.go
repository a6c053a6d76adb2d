package nlu

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// withOpts is an experiment hook: it edits the internal options.
func withOpts(f func(*options)) Option { return func(o *options) { f(o) } }

func expConfigs() map[string]Option {
	return map[string]Option{
		"base": withOpts(func(o *options) {}),
		"pw2":  withOpts(func(o *options) { o.linear.posW = 2 }),
		"pw5":  withOpts(func(o *options) { o.linear.posW = 5 }),
		"eps01":  withOpts(func(o *options) { o.linear.eps = 0.01 }),
		"x35":  withOpts(func(o *options) { o.features.xMinN, o.features.xMaxN = 3, 5 }),
		"x36":  withOpts(func(o *options) { o.features.xMinN, o.features.xMaxN = 3, 6 }),
	}
}

func TestExp(t *testing.T) {
	names := os.Getenv("NLU_EXP")
	if names == "" {
		t.Skip("NLU_EXP not set")
	}
	sets := os.Getenv("NLU_SETS")
	if sets == "" {
		sets = "b1,b2,b3,clinc"
	}
	cfgs := expConfigs()
	all := readShared(t, "banking77", "train.csv")
	ctrain := readShared(t, "clinc150", "train.csv")
	cval := readShared(t, "clinc150", "val.csv")
	for _, name := range strings.Split(names, ",") {
		opt := cfgs[name]
		if opt == nil {
			t.Fatalf("no config %q", name)
		}
		var line strings.Builder
		sumAcc := 0.0
		nb := 0
		for _, set := range strings.Split(sets, ",") {
			switch set {
			case "b1", "b2", "b3":
				seed := int64(set[1] - '0')
				tr, te := SplitHoldout(all, 0.1, seed)
				rep, err := Evaluate(tr, te, WithThreshold(-1), opt)
				if err != nil {
					t.Fatal(err)
				}
				sumAcc += rep.Accuracy
				nb++
				line.WriteString(" " + set + ":" + f4(rep.Accuracy) + "/" + f4(rep.MacroF1) + " t=" + f2(rep.TrainSeconds) + " p99=" + f0(rep.P99Micros))
			case "clinc":
				rep, err := Evaluate(ctrain, cval, opt)
				if err != nil {
					t.Fatal(err)
				}
				line.WriteString(" clinc:in=" + f4(rep.InScopeAccuracy) + " rec=" + f4(rep.OOSRecall) + " prec=" + f4(rep.OOSPrecision) + " t=" + f2(rep.TrainSeconds) + " p99=" + f0(rep.P99Micros))
				// best in-scope at recall >= 0.6 (oracle on val, for comparison only)
				c, _ := Train(ctrain, opt)
				c.threshold = 0
				rs := make([]Result, len(cval))
				for i, ex := range cval {
					rs[i] = c.Classify(ex.Text)
				}
				bestIn, bestTh := 0.0, 0.0
				for th := 0.0; th < 0.9; th += 0.005 {
					pred := make([]string, len(cval))
					for i, r := range rs {
						pred[i] = r.Intent
						if r.Confidence < th {
							pred[i] = OOS
						}
					}
					var rp Report
					rp.score(cval, pred)
					if rp.OOSRecall >= 0.6 && rp.InScopeAccuracy > bestIn {
						bestIn, bestTh = rp.InScopeAccuracy, th
					}
				}
				line.WriteString(" oracle@.6=" + f4(bestIn) + "@" + f2(bestTh) + " T=" + f4(c.temp))
			}
		}
		if nb > 0 {
			line.WriteString(" bmean=" + f4(sumAcc/float64(nb)))
		}
		t.Logf("%-12s%s", name, line.String())
	}
}

func f4(x float64) string { return strconvF(x, 4) }
func f2(x float64) string { return strconvF(x, 2) }
func f0(x float64) string { return strconvF(x, 0) }

func strconvF(x float64, p int) string { return strconv.FormatFloat(x, 'f', p, 64) }
