package nlu

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

// ErrBadCSV: a data set file is not a "text,category" CSV.
var ErrBadCSV = errors.New("nlu: bad examples csv")

// ReadCSV reads labelled examples from a CSV file with a header row naming
// the columns "text" and "category" (in either order; other columns are
// ignored). A malformed row or an empty field fails with its line number.
func ReadCSV(path string) ([]Example, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%w: %s: empty file", ErrBadCSV, path)
		}
		return nil, fmt.Errorf("%w: %s: %w", ErrBadCSV, path, err)
	}
	ti, ci := -1, -1
	for i, h := range header {
		switch strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))) {
		case "text":
			ti = i
		case "category", "intent", "label":
			ci = i
		}
	}
	if ti < 0 || ci < 0 {
		return nil, fmt.Errorf("%w: %s:1: header %q lacks text and category columns", ErrBadCSV, path, header)
	}
	var out []Example
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil { // a *csv.ParseError, which names the line
			return nil, fmt.Errorf("%w: %s: %w", ErrBadCSV, path, err)
		}
		line, _ := r.FieldPos(0)
		if len(rec) <= max(ti, ci) {
			return nil, fmt.Errorf("%w: %s:%d: %d fields, want at least %d", ErrBadCSV, path, line, len(rec), max(ti, ci)+1)
		}
		ex := Example{Text: strings.TrimSpace(rec[ti]), Intent: strings.TrimSpace(rec[ci])}
		if ex.Text == "" || ex.Intent == "" {
			return nil, fmt.Errorf("%w: %s:%d: empty text or category", ErrBadCSV, path, line)
		}
		out = append(out, ex)
	}
}

// Report is the outcome of Evaluate. Rates are fractions in [0,1].
type Report struct {
	N               int     // test examples
	Accuracy        float64 // OOS counts as one more class when the test set has it
	MacroF1         float64 // mean F1 over the classes of the test set
	HasOOS          bool    // the test set has OOS examples
	InScopeAccuracy float64 // accuracy on in-scope test examples (predicting OOS is an error)
	OOSRecall       float64 // share of OOS test examples predicted OOS
	OOSPrecision    float64 // share of OOS predictions that are OOS examples
	TrainSeconds    float64 // wall time of Train
	P50Micros       float64 // median Classify latency, µs
	P99Micros       float64 // 99th percentile Classify latency, µs
}

// String formats r on one line.
func (r Report) String() string {
	s := fmt.Sprintf("n=%d acc=%.4f macroF1=%.4f", r.N, r.Accuracy, r.MacroF1)
	if r.HasOOS {
		s += fmt.Sprintf(" inScopeAcc=%.4f oosRecall=%.4f oosPrecision=%.4f", r.InScopeAccuracy, r.OOSRecall, r.OOSPrecision)
	} else {
		s += fmt.Sprintf(" inScopeAcc=%.4f", r.InScopeAccuracy)
	}
	return s + fmt.Sprintf(" train=%.2fs p50=%.0fµs p99=%.0fµs", r.TrainSeconds, r.P50Micros, r.P99Micros)
}

// Evaluate trains on train with opts, classifies every test example
// (timing each call) and scores the predictions.
func Evaluate(train, test []Example, opts ...Option) (Report, error) {
	start := time.Now()
	c, err := Train(train, opts...)
	if err != nil {
		return Report{}, err
	}
	rep := Report{TrainSeconds: time.Since(start).Seconds()}
	runtime.GC() // time Classify in steady state, not amid training's garbage
	pred := make([]string, len(test))
	lat := make([]float64, len(test))
	for i, ex := range test {
		t0 := time.Now()
		pred[i] = c.Classify(ex.Text).Intent
		lat[i] = float64(time.Since(t0).Nanoseconds()) / 1e3
	}
	rep.score(test, pred)
	slices.Sort(lat)
	rep.P50Micros, rep.P99Micros = percentile(lat, 0.50), percentile(lat, 0.99)
	return rep, nil
}

// score fills the accuracy figures of r from gold test and predictions.
func (r *Report) score(test []Example, pred []string) {
	r.N = len(test)
	if r.N == 0 {
		return
	}
	type counts struct{ tp, fp, fn int }
	per := map[string]*counts{}
	get := func(l string) *counts {
		if per[l] == nil {
			per[l] = &counts{}
		}
		return per[l]
	}
	var correct, inScope, inCorrect, oos, oosHit, oosPred int
	for i, ex := range test {
		gold, p := ex.Intent, pred[i]
		get(gold)
		if p == gold {
			correct++
			get(gold).tp++
		} else {
			get(gold).fn++
			get(p).fp++
		}
		if gold == OOS {
			oos++
			if p == OOS {
				oosHit++
			}
		} else {
			inScope++
			if p == gold {
				inCorrect++
			}
		}
		if p == OOS {
			oosPred++
		}
	}
	r.Accuracy = float64(correct) / float64(r.N)
	r.HasOOS = oos > 0
	r.InScopeAccuracy = ratio(inCorrect, inScope)
	r.OOSRecall = ratio(oosHit, oos)
	r.OOSPrecision = ratio(oosHit, oosPred)
	f1, n := 0.0, 0
	for _, ex := range test { // classes of the test set
		c := per[ex.Intent]
		if c == nil {
			continue
		}
		if d := 2*c.tp + c.fp + c.fn; d > 0 {
			f1 += float64(2*c.tp) / float64(d)
		}
		n++
		per[ex.Intent] = nil
	}
	r.MacroF1 = f1 / float64(n)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// percentile of sorted xs, nearest rank.
func percentile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(xs)))) - 1
	return xs[min(max(i, 0), len(xs)-1)]
}

// SplitHoldout splits ex into train and holdout, putting a fraction frac of
// each intent's examples (rounded, in a seeded random order) in holdout.
// Intents with a single example stay in train. The order of ex is kept.
func SplitHoldout(ex []Example, frac float64, seed int64) (train, holdout []Example) {
	byIntent := map[string][]int{}
	var order []string
	for i, e := range ex {
		if _, ok := byIntent[e.Intent]; !ok {
			order = append(order, e.Intent)
		}
		byIntent[e.Intent] = append(byIntent[e.Intent], i)
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5b117))
	held := make([]bool, len(ex))
	for _, intent := range order {
		idx := byIntent[intent]
		rng.Shuffle(len(idx), func(a, b int) { idx[a], idx[b] = idx[b], idx[a] })
		n := int(math.Round(frac * float64(len(idx))))
		n = min(max(n, 0), len(idx)-1)
		for _, i := range idx[:n] {
			held[i] = true
		}
	}
	for i, e := range ex {
		if held[i] {
			holdout = append(holdout, e)
		} else {
			train = append(train, e)
		}
	}
	return train, holdout
}
