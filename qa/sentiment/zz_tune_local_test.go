package sentiment

import (
	"fmt"
	"math"
	"os"
	"sort"
	"testing"
)

func TestZZTune(t *testing.T) {
	path := os.Getenv("TUNE_FILE")
	if path == "" {
		t.Skip()
	}
	var opts []Option
	if v := os.Getenv("TUNE_VADER"); v != "" {
		opts = append(opts, WithVADER(v))
	}
	l, err := New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := ReadRatings(path)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		r Rating
		a Analysis
		d float64
	}
	var rows []row
	var x, y []float64
	for _, r := range rs {
		if HeldOut(r.ID) {
			continue
		}
		a, _ := l.Analyze(r.Text, "")
		rows = append(rows, row{r, a, a.Score - r.Score/4})
		x = append(x, a.Score)
		y = append(y, r.Score)
	}
	fmt.Println("pearson", Pearson(x, y))
	sort.Slice(rows, func(i, j int) bool { return math.Abs(rows[i].d) > math.Abs(rows[j].d) })
	for _, r := range rows[:60] {
		ev := ""
		for _, h := range r.a.Hits {
			ev += fmt.Sprintf("%s %+.1f; ", h.Text, h.Final)
		}
		fmt.Printf("%+.2f %+.2f %s || %s\n", r.r.Score/4, r.a.Score, r.r.Text, ev)
	}
}
