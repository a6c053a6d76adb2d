package sentiment

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/switchboard-voice/switchboard/qa"
)

// Example is one labelled utterance of an evaluation set.
type Example struct {
	Text  string
	Label qa.Label
	// Lang from the file's lang column, "" when it has none.
	Lang string
	// Line in the file, for messages.
	Line int
}

// Rating is one utterance rated by people on a scale, as in the
// *_GroundTruth.txt files (id, mean rating -4..+4, text).
type Rating struct {
	ID    string
	Score float64
	Text  string
	Line  int
}

// Labels are the three classes in a fixed order (confusion matrices, per
// class reports).
var Labels = [3]qa.Label{qa.Negative, qa.Neutral, qa.Positive}

func labelIndex(l qa.Label) int {
	for i, x := range Labels {
		if x == l {
			return i
		}
	}
	return -1
}

// IsRatingsFile reports whether the file at path looks like a ratings file
// (first line id<TAB>number<TAB>text) rather than a labelled CSV.
func IsRatingsFile(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	line, err := bufio.NewReader(f).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return false, err
	}
	fields := strings.Split(strings.TrimRight(line, "\r\n"), "\t")
	if len(fields) < 3 {
		return false, nil
	}
	_, err = strconv.ParseFloat(strings.TrimSpace(fields[1]), 64)
	return err == nil, nil
}

// ReadExamples reads a labelled CSV: a header row naming a "text" and a
// "sentiment" (or "label") column, in any order, and optionally "lang";
// other columns are ignored. Labels are negative, neutral or positive. A
// malformed row, an empty text or an unknown label fails with ErrBadData
// naming the file and line.
func ReadExamples(path string) ([]Example, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%w: %s: empty file", ErrBadData, path)
		}
		return nil, fmt.Errorf("%w: %s: %w", ErrBadData, path, err)
	}
	ti, li, gi := -1, -1, -1
	for i, h := range header {
		switch strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))) {
		case "text":
			ti = i
		case "sentiment", "label":
			li = i
		case "lang", "language":
			gi = i
		}
	}
	if ti < 0 || li < 0 {
		var missing []string
		if ti < 0 {
			missing = append(missing, `"text"`)
		}
		if li < 0 {
			missing = append(missing, `"sentiment"`)
		}
		return nil, fmt.Errorf("%w: %s:1: header %q lacks the %s column", ErrBadData, path, strings.Join(header, ","), strings.Join(missing, " and "))
	}
	var out []Example
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil { // a *csv.ParseError, which names the line
			return nil, fmt.Errorf("%w: %s: %w", ErrBadData, path, err)
		}
		line, _ := r.FieldPos(0)
		if len(rec) <= max(ti, li, gi) {
			return nil, fmt.Errorf("%w: %s:%d: %d fields, want at least %d", ErrBadData, path, line, len(rec), max(ti, li, gi)+1)
		}
		ex := Example{Text: strings.TrimSpace(rec[ti]), Line: line}
		if ex.Text == "" {
			return nil, fmt.Errorf("%w: %s:%d: empty text", ErrBadData, path, line)
		}
		if ex.Label, err = ParseLabel(rec[li]); err != nil {
			return nil, fmt.Errorf("%w: %s:%d: %w", ErrBadData, path, line, err)
		}
		if gi >= 0 {
			ex.Lang = strings.TrimSpace(rec[gi])
		}
		out = append(out, ex)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: %s: no examples after the header", ErrBadData, path)
	}
	return out, nil
}

// ReadRatings reads a ratings file: one utterance a line as
// id<TAB>score<TAB>text, the score a mean human rating on -4..+4. A line
// with too few fields, a score that is not a number in range or an empty
// text fails with ErrBadData naming the file and line.
func ReadRatings(path string) ([]Rating, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var out []Rating
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(text) == "" {
			continue
		}
		fields := strings.SplitN(text, "\t", 3)
		if len(fields) < 3 {
			return nil, fmt.Errorf("%w: %s:%d: want id<TAB>score<TAB>text, got %d fields", ErrBadData, path, line, len(fields))
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(fields[1]), 64)
		if err != nil || math.IsNaN(v) || math.Abs(v) > 4 {
			return nil, fmt.Errorf("%w: %s:%d: bad score %q (want a number in -4..4)", ErrBadData, path, line, fields[1])
		}
		r := Rating{ID: strings.TrimSpace(fields[0]), Score: v, Text: strings.TrimSpace(fields[2]), Line: line}
		if r.Text == "" {
			return nil, fmt.Errorf("%w: %s:%d: empty text", ErrBadData, path, line)
		}
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %s:%d: %w", ErrBadData, path, line+1, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: %s: no ratings", ErrBadData, path)
	}
	return out, nil
}

// HeldOut reports whether a rated utterance belongs to the held-out part
// of a ratings file: one in five, chosen by the FNV-1a hash of its id, so
// that the split is the same on every machine. Tune on the rest.
func HeldOut(id string) bool {
	h := fnv.New32a()
	h.Write([]byte(id))
	return h.Sum32()%5 == 0
}

// ClassReport is the precision, recall and F1 of one label.
type ClassReport struct {
	Label                 qa.Label
	Precision, Recall, F1 float64
	// Support is how many examples have the label.
	Support int
}

// Report is the outcome of EvaluateLabels.
type Report struct {
	N        int
	Accuracy float64
	// MacroF1 is the mean F1 over the labels present in the examples.
	MacroF1 float64
	Classes []ClassReport
	// Confusion[i][j] counts examples of Labels[i] predicted Labels[j].
	Confusion [3][3]int
	// Errors counts examples the scorer failed on (counted as neutral).
	Errors int
}

// EvalOption configures EvaluateLabels and EvaluateRatings.
type EvalOption func(*evalOptions)

type evalOptions struct {
	workers int
	onError func(line int, err error)
}

// Workers scores n utterances at once (default 1). Use more for a remote
// scorer.
func Workers(n int) EvalOption {
	return func(o *evalOptions) { o.workers = max(1, n) }
}

// OnError is called for each utterance the scorer fails on (from several
// goroutines with Workers). Without it the first error stops the
// evaluation.
func OnError(f func(line int, err error)) EvalOption {
	return func(o *evalOptions) { o.onError = f }
}

// scoreAll scores texts[i] with langs[i] into out, with o.workers
// goroutines.
func scoreAll(ctx context.Context, s Scorer, texts, langs []string, lines []int, o evalOptions) ([]qa.Sentiment, int, error) {
	out := make([]qa.Sentiment, len(texts))
	var (
		mu       sync.Mutex
		firstErr error
		errs     int
		wg       sync.WaitGroup
	)
	next := make(chan int)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for range o.workers {
		wg.Go(func() {
			for i := range next {
				got, err := s.Score(ctx, texts[i], langs[i])
				if err != nil {
					mu.Lock()
					errs++
					if o.onError != nil && ctx.Err() == nil {
						o.onError(lines[i], err)
					} else if firstErr == nil {
						firstErr = fmt.Errorf("line %d: %w", lines[i], err)
						cancel()
					}
					mu.Unlock()
					got = qa.Sentiment{Label: qa.Neutral}
				}
				out[i] = got
			}
		})
	}
feed:
	for i := range texts {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if firstErr == nil && ctx.Err() != nil {
		firstErr = context.Cause(ctx)
	}
	return out, errs, firstErr
}

// EvaluateLabels scores every example with s and compares the labels.
func EvaluateLabels(ctx context.Context, s Scorer, ex []Example, opts ...EvalOption) (Report, error) {
	o := evalOptions{workers: 1}
	for _, opt := range opts {
		opt(&o)
	}
	texts, langs, lines := make([]string, len(ex)), make([]string, len(ex)), make([]int, len(ex))
	for i, e := range ex {
		texts[i], langs[i], lines[i] = e.Text, e.Lang, e.Line
	}
	got, errs, err := scoreAll(ctx, s, texts, langs, lines, o)
	if err != nil {
		return Report{}, err
	}
	rep := Report{N: len(ex), Errors: errs}
	correct := 0
	for i, e := range ex {
		w, p := labelIndex(e.Label), labelIndex(got[i].Label)
		if p < 0 {
			p = 1 // an unlabelled score counts as neutral
		}
		rep.Confusion[w][p]++
		if w == p {
			correct++
		}
	}
	if rep.N > 0 {
		rep.Accuracy = float64(correct) / float64(rep.N)
	}
	present := 0
	for i, l := range Labels {
		c := ClassReport{Label: l}
		tp, predicted := rep.Confusion[i][i], 0
		for j := range Labels {
			c.Support += rep.Confusion[i][j]
			predicted += rep.Confusion[j][i]
		}
		c.Precision = ratio(tp, predicted)
		c.Recall = ratio(tp, c.Support)
		if c.Precision+c.Recall > 0 {
			c.F1 = 2 * c.Precision * c.Recall / (c.Precision + c.Recall)
		}
		if c.Support > 0 {
			present++
			rep.MacroF1 += c.F1
		}
		rep.Classes = append(rep.Classes, c)
	}
	if present > 0 {
		rep.MacroF1 /= float64(present)
	}
	return rep, nil
}

// Correlation is the outcome of EvaluateRatings.
type Correlation struct {
	N int
	// Pearson correlation between the scores and the human ratings.
	Pearson float64
	Errors  int
}

// EvaluateRatings scores every rated utterance with s (language detected)
// and correlates the scores with the ratings.
func EvaluateRatings(ctx context.Context, s Scorer, rs []Rating, opts ...EvalOption) (Correlation, error) {
	o := evalOptions{workers: 1}
	for _, opt := range opts {
		opt(&o)
	}
	texts, langs, lines := make([]string, len(rs)), make([]string, len(rs)), make([]int, len(rs))
	for i, r := range rs {
		texts[i], lines[i] = r.Text, r.Line
	}
	got, errs, err := scoreAll(ctx, s, texts, langs, lines, o)
	if err != nil {
		return Correlation{}, err
	}
	x, y := make([]float64, len(rs)), make([]float64, len(rs))
	for i, r := range rs {
		x[i], y[i] = got[i].Score, r.Score
	}
	return Correlation{N: len(rs), Pearson: Pearson(x, y), Errors: errs}, nil
}

// Pearson returns the Pearson correlation of x and y (0 when either is
// constant or they differ in length).
func Pearson(x, y []float64) float64 {
	if len(x) != len(y) || len(x) < 2 {
		return 0
	}
	var mx, my float64
	for i := range x {
		mx += x[i]
		my += y[i]
	}
	n := float64(len(x))
	mx /= n
	my /= n
	var sxy, sxx, syy float64
	for i := range x {
		dx, dy := x[i]-mx, y[i]-my
		sxy += dx * dy
		sxx += dx * dx
		syy += dy * dy
	}
	if sxx == 0 || syy == 0 {
		return 0
	}
	return sxy / math.Sqrt(sxx*syy)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
