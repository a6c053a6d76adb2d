package pocketsphinx

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"sort"
	"strings"
)

// Sentence boundary tokens of the language model.
const (
	bos = "<s>"
	eos = "</s>"
)

// ngramOrder is the order of the domain language model.
const ngramOrder = 3

// lmStats describes an estimated language model.
type lmStats struct {
	// NGrams counts the 1-, 2- and 3-grams written.
	NGrams [ngramOrder]int
	// Discount is the Kneser-Ney discount per order.
	Discount [ngramOrder]float64
}

// estimateARPA estimates an interpolated Kneser-Ney trigram model from
// tokenised sentences and writes it in ARPA format.
//
// The highest order uses raw counts; lower orders use continuation counts
// (the number of distinct words seen before the n-gram), except n-grams
// that start with <s>, which keep raw counts. Each order has one absolute
// discount D = n1/(n1+2·n2) from its counts of counts. The unigram level
// is interpolated with the uniform distribution. Because the model is
// interpolated, the ARPA back-off weight of a context is exactly its
// interpolation weight γ(h) = D·N1+(h•)/c(h), and the probability written
// for a seen n-gram is the full interpolated probability.
func estimateARPA(sents [][]string) ([]byte, lmStats, error) {
	var st lmStats
	// counts[n-1] maps an n-gram joined by " " to its (raw or continuation) count.
	var counts [ngramOrder]map[string]float64
	for i := range counts {
		counts[i] = map[string]float64{}
	}
	raw := counts[ngramOrder-1]
	vocab := map[string]bool{eos: true}
	for _, s := range sents {
		if len(s) == 0 {
			continue
		}
		toks := make([]string, 0, len(s)+2)
		toks = append(toks, bos)
		toks = append(toks, s...)
		toks = append(toks, eos)
		for _, w := range s {
			vocab[w] = true
		}
		// Highest order: raw counts, with "<s> w" as a short n-gram too so
		// that sentence starts exist at every order.
		for i := 1; i < len(toks); i++ {
			lo := max(0, i-ngramOrder+1)
			raw[strings.Join(toks[lo:i+1], " ")]++
		}
	}
	if len(vocab) <= 1 {
		return nil, st, fmt.Errorf("%w: empty corpus", ErrModel)
	}
	// Split the raw counts by length: a short n-gram starting with <s> at
	// the highest-order map belongs to its own order with a raw count.
	for k, c := range raw {
		n := strings.Count(k, " ") + 1
		if n < ngramOrder {
			counts[n-1][k] += c
			delete(raw, k)
		}
	}
	// Continuation counts for lower orders from the order above.
	for n := ngramOrder; n >= 2; n-- {
		for k := range counts[n-1] {
			// Each distinct n-gram adds one to its suffix's count. Raw
			// "<s> w" bigrams are never a suffix, so they keep raw counts.
			_, suffix, _ := strings.Cut(k, " ")
			counts[n-2][suffix]++
		}
	}
	V := float64(len(vocab))
	// Discounts.
	for n := range ngramOrder {
		var n1, n2 float64
		for _, c := range counts[n] {
			switch c {
			case 1:
				n1++
			case 2:
				n2++
			}
		}
		d := 0.5
		if n1 > 0 && n2 > 0 {
			d = n1 / (n1 + 2*n2)
		}
		st.Discount[n] = math.Min(math.Max(d, 0.1), 0.9)
	}
	// Per-context totals and type counts.
	type ctxStat struct{ sum, types float64 }
	var ctx [ngramOrder]map[string]*ctxStat
	for n := range ngramOrder {
		ctx[n] = map[string]*ctxStat{}
		for k, c := range counts[n] {
			h := ""
			if i := strings.LastIndexByte(k, ' '); i >= 0 {
				h = k[:i]
			}
			cs := ctx[n][h]
			if cs == nil {
				cs = &ctxStat{}
				ctx[n][h] = cs
			}
			cs.sum += c
			cs.types++
		}
	}
	gamma := func(n int, h string) float64 { // n: 0-based order of the n-grams following h
		cs := ctx[n][h]
		if cs == nil {
			return 1
		}
		return st.Discount[n] * cs.types / cs.sum
	}
	// Interpolated probabilities, lowest order first.
	var prob [ngramOrder]map[string]float64
	for n := range ngramOrder {
		prob[n] = make(map[string]float64, len(counts[n]))
		for k, c := range counts[n] {
			h, w := "", k
			if i := strings.LastIndexByte(k, ' '); i >= 0 {
				h, w = k[:i], k[i+1:]
			}
			lower := 1 / V
			if n > 0 {
				lk := w
				if _, hs, ok := strings.Cut(h, " "); ok {
					lk = hs + " " + w
				}
				lower = prob[n-1][lk]
				if n == 1 {
					lower = prob[0][w]
				}
			}
			prob[n][k] = math.Max(c-st.Discount[n], 0)/ctx[n][h].sum + gamma(n, h)*lower
		}
	}
	// <s> is never predicted; it needs a unigram entry for its back-off.
	prob[0][bos] = 0
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	fmt.Fprintf(w, "\\data\\\n")
	for n := range ngramOrder {
		st.NGrams[n] = len(prob[n])
		fmt.Fprintf(w, "ngram %d=%d\n", n+1, len(prob[n]))
	}
	for n := range ngramOrder {
		fmt.Fprintf(w, "\n\\%d-grams:\n", n+1)
		keys := make([]string, 0, len(prob[n]))
		for k := range prob[n] {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			lp := -99.0
			if p := prob[n][k]; p > 0 {
				lp = math.Log10(p)
			}
			if n < ngramOrder-1 {
				if _, isCtx := ctx[n+1][k]; isCtx {
					fmt.Fprintf(w, "%.6f\t%s\t%.6f\n", lp, k, math.Log10(gamma(n+1, k)))
					continue
				}
			}
			fmt.Fprintf(w, "%.6f\t%s\n", lp, k)
		}
	}
	fmt.Fprintf(w, "\n\\end\\\n")
	if err := w.Flush(); err != nil {
		return nil, st, err
	}
	return b.Bytes(), st, nil
}
