package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/switchboard-voice/switchboard/nlu"
)

func init() {
	register(&command{name: "nlu", summary: "evaluate the embedded intent classifier", run: runNLU})
}

func runNLU(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "nlu", "eval --train FILE --test FILE [--json]", `
Work with the embedded intent classifier.

  eval --train FILE --test FILE [--json] [--threshold T]
      train on the first CSV (text,category), classify every row of the
      second and print accuracy, macro-F1 and, when the label oos is present,
      in-scope accuracy and out-of-scope recall and precision; plus training
      seconds and classification latency p50/p99.

  split --in FILE --holdout 0.1 --seed 1 --train OUT --test OUT
      split a CSV into a stratified training part and a held-out part, to
      measure on data the classifier was not tuned on.`)
	if err := parse(e, fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 && fs.Arg(0) == "split" {
		return nluSplit(e, fs.Args()[1:])
	}
	if fs.NArg() == 0 || fs.Arg(0) != "eval" {
		fs.Usage()
		return errUsage
	}
	ev := flags(e, "nlu eval", "", "Train on --train, evaluate on --test.")
	train := ev.String("train", "", "training CSV (text,category)")
	test := ev.String("test", "", "test CSV (text,category)")
	asJSON := ev.Bool("json", false, "print one JSON object")
	threshold := ev.Float64("threshold", 0, "out-of-scope confidence threshold (0: the tuned default)")
	if err := parse(e, ev, fs.Args()[1:]); err != nil {
		return err
	}
	if *train == "" || *test == "" {
		ev.Usage()
		return errUsage
	}
	tr, err := nlu.ReadCSV(*train)
	if err != nil {
		return err
	}
	te, err := nlu.ReadCSV(*test)
	if err != nil {
		return err
	}
	var opts []nlu.Option
	if *threshold > 0 {
		opts = append(opts, nlu.WithThreshold(*threshold))
	}
	rep, err := nlu.Evaluate(tr, te, opts...)
	if err != nil {
		return err
	}
	if *asJSON {
		out := map[string]any{
			"n": rep.N, "accuracy": rep.Accuracy, "macro_f1": rep.MacroF1,
			"train_seconds": rep.TrainSeconds, "p50_us": rep.P50Micros, "p99_us": rep.P99Micros,
		}
		if rep.HasOOS {
			out["in_scope_accuracy"] = rep.InScopeAccuracy
			out["oos_recall"] = rep.OOSRecall
			out["oos_precision"] = rep.OOSPrecision
		}
		enc := json.NewEncoder(e.stdout)
		return enc.Encode(out)
	}
	fmt.Fprintf(e.stdout, "examples:        train %d, test %d\n", len(tr), rep.N)
	fmt.Fprintf(e.stdout, "accuracy:        %.4f\n", rep.Accuracy)
	fmt.Fprintf(e.stdout, "macro-F1:        %.4f\n", rep.MacroF1)
	if rep.HasOOS {
		fmt.Fprintf(e.stdout, "in-scope acc:    %.4f\n", rep.InScopeAccuracy)
		fmt.Fprintf(e.stdout, "oos recall:      %.4f\n", rep.OOSRecall)
		fmt.Fprintf(e.stdout, "oos precision:   %.4f\n", rep.OOSPrecision)
	}
	fmt.Fprintf(e.stdout, "train seconds:   %.2f\n", rep.TrainSeconds)
	fmt.Fprintf(e.stdout, "latency p50/p99: %s / %s\n", micros(rep.P50Micros), micros(rep.P99Micros))
	return nil
}

func micros(us float64) time.Duration { return time.Duration(us * float64(time.Microsecond)) }

func nluSplit(e *env, args []string) error {
	fs := flags(e, "nlu split", "", "Split a text,category CSV into stratified train and held-out files.")
	in := fs.String("in", "", "input CSV (text,category)")
	frac := fs.Float64("holdout", 0.1, "fraction held out (0 < f < 1)")
	seed := fs.Int64("seed", 1, "random seed")
	trainOut := fs.String("train", "", "output CSV for the training part")
	testOut := fs.String("test", "", "output CSV for the held-out part")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	if *in == "" || *trainOut == "" || *testOut == "" || *frac <= 0 || *frac >= 1 {
		fs.Usage()
		return errUsage
	}
	ex, err := nlu.ReadCSV(*in)
	if err != nil {
		return err
	}
	tr, te := nlu.SplitHoldout(ex, *frac, *seed)
	for _, out := range []struct {
		path string
		ex   []nlu.Example
	}{{*trainOut, tr}, {*testOut, te}} {
		if err := writeExamples(out.path, out.ex); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.stdout, "%s: %d examples -> %s (%d), %s (%d)\n", *in, len(ex), *trainOut, len(tr), *testOut, len(te))
	return nil
}

func writeExamples(path string, ex []nlu.Example) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	_ = w.Write([]string{"text", "category"})
	for _, x := range ex {
		_ = w.Write([]string{x.Text, x.Intent})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
