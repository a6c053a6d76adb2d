package kb

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/switchboard-voice/switchboard/prompts"
)

// Query is one evaluation query: what a caller said and the article that
// answers it.
type Query struct {
	Text      string
	ArticleID string
	// File and Line say where the query was read, for error messages.
	File string
	Line int
}

func (q Query) pos() string { return fmt.Sprintf("%s:%d", q.File, q.Line) }

// ReadQueries reads a CSV file of query,expected_article_id rows. A header
// row with those names is skipped, as are lines starting with '#'. Errors
// name the file and line and wrap ErrInvalid.
func ReadQueries(path string) ([]Query, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("kb: queries: %w", err)
	}
	return ParseQueries(path, bytes.NewReader(data))
}

// ParseQueries reads queries from r as ReadQueries does; name is used in
// error messages.
func ParseQueries(name string, r io.Reader) ([]Query, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.Comment = '#'
	var out []Query
	for first := true; ; first = false {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("%s:%d: %w: %v", name, pe.Line, ErrInvalid, pe.Err)
			}
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		if first && len(rec) > 0 {
			rec[0] = strings.TrimPrefix(rec[0], "\ufeff")
		}
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		if first && len(rec) == 2 && strings.EqualFold(rec[0], "query") && strings.EqualFold(rec[1], "expected_article_id") {
			continue
		}
		switch {
		case len(rec) != 2:
			return nil, fmt.Errorf("%s:%d: %w: %d fields, want 2 (query,expected_article_id)", name, line, ErrInvalid, len(rec))
		case rec[0] == "":
			return nil, fmt.Errorf("%s:%d: %w: empty query", name, line, ErrInvalid)
		case rec[1] == "":
			return nil, fmt.Errorf("%s:%d: %w: no expected article id", name, line, ErrInvalid)
		}
		out = append(out, Query{Text: rec[0], ArticleID: rec[1], File: name, Line: line})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: %w: no queries", name, ErrInvalid)
	}
	return out, nil
}

// CheckQueries reports every query whose expected article is not among
// arts, one line each (file:line), wrapping ErrInvalid.
func CheckQueries(qs []Query, arts []prompts.Article) error {
	ids := make([]string, len(arts))
	for i, a := range arts {
		ids[i] = a.ID
	}
	var bad []string
	for _, q := range qs {
		if !slices.Contains(ids, q.ArticleID) {
			bad = append(bad, fmt.Sprintf("%s: unknown article id %q", q.pos(), q.ArticleID))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	if len(bad) > 10 {
		bad = append(bad[:10], fmt.Sprintf("... and %d more", len(bad)-10))
	}
	return fmt.Errorf("%w: %s\n(the bot's articles: %s)", ErrInvalid, strings.Join(bad, "\n"), strings.Join(ids, ", "))
}

// EvalDepth is how deep Evaluate looks for the expected article: a query
// whose article is not in the top EvalDepth adds 0 to the MRR.
const EvalDepth = 10

// Report is the outcome of Evaluate.
type Report struct {
	// N is the number of queries.
	N int `json:"n"`
	// RecallAt1 and RecallAt3 are the shares of queries whose expected
	// article is first, or in the first three.
	RecallAt1 float64 `json:"recall_at_1"`
	RecallAt3 float64 `json:"recall_at_3"`
	// MRR is the mean reciprocal rank of the expected article (0 beyond
	// EvalDepth).
	MRR float64 `json:"mrr"`
	// P50 and P95 are the search latency percentiles.
	P50 time.Duration `json:"-"`
	P95 time.Duration `json:"-"`
	// Misses are the queries whose expected article was not first.
	Misses []Miss `json:"-"`
}

// Miss is a query whose expected article was not ranked first.
type Miss struct {
	Query Query
	// Rank of the expected article, 0 when not in the top EvalDepth.
	Rank int
	// Got are the ids of the top three hits.
	Got []string
}

// Evaluate searches every query once (after one warm-up search) and
// measures recall@1, recall@3, MRR and latency.
func Evaluate(ctx context.Context, ix *Index, qs []Query) (Report, error) {
	var rep Report
	if len(qs) == 0 {
		return rep, fmt.Errorf("kb: evaluate: %w: no queries", ErrInvalid)
	}
	if _, err := ix.Search(ctx, qs[0].Text, EvalDepth); err != nil {
		return rep, err
	}
	lat := make([]time.Duration, 0, len(qs))
	var r1, r3, rr float64
	for _, q := range qs {
		t0 := time.Now()
		hits, err := ix.Search(ctx, q.Text, EvalDepth)
		lat = append(lat, time.Since(t0))
		if err != nil {
			return rep, fmt.Errorf("%s: %w", q.pos(), err)
		}
		rank := 0
		var got []string
		for i, h := range hits {
			if h.ArticleID == q.ArticleID && rank == 0 {
				rank = i + 1
			}
			if i < 3 {
				got = append(got, h.ArticleID)
			}
		}
		if rank == 1 {
			r1++
		}
		if rank >= 1 && rank <= 3 {
			r3++
		}
		if rank > 0 {
			rr += 1 / float64(rank)
		}
		if rank != 1 {
			rep.Misses = append(rep.Misses, Miss{Query: q, Rank: rank, Got: got})
		}
	}
	n := float64(len(qs))
	rep.N = len(qs)
	rep.RecallAt1, rep.RecallAt3, rep.MRR = r1/n, r3/n, rr/n
	rep.P50, rep.P95 = percentile(lat, 0.50), percentile(lat, 0.95)
	return rep, nil
}

// percentile returns the p-quantile (0..1) of ds by the nearest-rank
// method; ds is sorted in place. It returns 0 for no values.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	i := int(p*float64(len(ds))+0.999999) - 1
	return ds[min(max(i, 0), len(ds)-1)]
}
