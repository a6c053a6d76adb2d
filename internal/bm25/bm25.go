// Package bm25 ranks documents for a query with Okapi BM25. It is the one
// lexical scorer of the project: the dialogue manager's knowledge answers
// (nlu/dialog) and agent-assist retrieval (assist/kb) both use it, each with
// its own tokenizer.
//
// Documents are given as weighted term frequencies, so that a caller can
// count the words of a title twice, and a document's length is the sum of
// its weights. The index keeps posting lists, so a query costs time in the
// number of documents that contain its terms, not in the corpus size.
//
//	ix := bm25.New([]map[string]float64{
//		{"card": 2, "deliveri": 1},
//		{"pin": 2, "block": 1},
//	}, bm25.DefaultParams)
//	hits := ix.Search([]string{"pin"}, 5) // [{Doc:1 Score:...}]
//
// An Index is immutable and safe for concurrent use.
package bm25

import (
	"math"
	"slices"
)

// Params are BM25's two parameters.
type Params struct {
	// K1 saturates term frequency: 0 counts a term once however often it
	// occurs; larger values let repetitions count for longer.
	K1 float64
	// B normalises for document length: 0 ignores length, 1 fully
	// normalises.
	B float64
}

// DefaultParams are the textbook values, K1 1.2 and B 0.75.
var DefaultParams = Params{K1: 1.2, B: 0.75}

type posting struct {
	doc int32
	tf  float32
}

// Index is a BM25 index over a fixed set of documents.
type Index struct {
	p        Params
	postings map[string][]posting
	lens     []float64
	avg      float64
}

// Hit is a document and its score.
type Hit struct {
	// Doc is the document's position in the slice given to New.
	Doc int
	// Score is the document's BM25 score for the query, above zero.
	Score float64
}

// New indexes docs, each a map from term to its (weighted) frequency.
// Terms with a weight of zero or less are ignored.
func New(docs []map[string]float64, p Params) *Index {
	ix := &Index{p: p, postings: map[string][]posting{}, lens: make([]float64, len(docs))}
	var total float64
	for i, d := range docs {
		var n float64
		// Postings are appended in document order whatever the map order.
		for t, c := range d {
			if c <= 0 {
				continue
			}
			n += c
			ix.postings[t] = append(ix.postings[t], posting{doc: int32(i), tf: float32(c)})
		}
		ix.lens[i] = n
		total += n
	}
	if len(docs) > 0 {
		ix.avg = total / float64(len(docs))
	}
	if ix.avg == 0 {
		ix.avg = 1
	}
	return ix
}

// Len returns the number of documents.
func (ix *Index) Len() int { return len(ix.lens) }

// DocFreq returns the number of documents that contain term.
func (ix *Index) DocFreq(term string) int { return len(ix.postings[term]) }

// Scores returns every document's score for the query terms, in document
// order, reusing dst when it is large enough. A term repeated in the query
// counts once; terms no document contains are ignored.
func (ix *Index) Scores(query []string, dst []float64) []float64 {
	n := len(ix.lens)
	if cap(dst) >= n {
		dst = dst[:n]
		clear(dst)
	} else {
		dst = make([]float64, n)
	}
	N := float64(n)
	k1, b := ix.p.K1, ix.p.B
	var seen map[string]bool // for long queries; short ones are scanned
	if len(query) > 16 {
		seen = make(map[string]bool, len(query))
	}
	for i, t := range query {
		if seen != nil {
			if seen[t] {
				continue
			}
			seen[t] = true
		} else if slices.Contains(query[:i], t) {
			continue
		}
		ps := ix.postings[t]
		if len(ps) == 0 {
			continue
		}
		df := float64(len(ps))
		idf := math.Log(1 + (N-df+0.5)/(df+0.5))
		for _, p := range ps {
			tf := float64(p.tf)
			dst[p.doc] += idf * tf * (k1 + 1) / (tf + k1*(1-b+b*ix.lens[p.doc]/ix.avg))
		}
	}
	return dst
}

// Search returns up to n documents with a score above zero, best first;
// equal scores keep document order. n <= 0 returns them all.
func (ix *Index) Search(query []string, n int) []Hit {
	return Top(ix.Scores(query, nil), n, nil)
}

// Top returns up to n positions of scores with a value above zero, best
// first, equal values in position order, appended to dst[:0]. n <= 0
// returns them all. With n > 0 it keeps only the n best as it goes, so
// that a large corpus costs no allocation per matching document.
func Top(scores []float64, n int, dst []Hit) []Hit {
	hits := dst[:0]
	if n <= 0 {
		for i, s := range scores {
			if s > 0 {
				hits = append(hits, Hit{Doc: i, Score: s})
			}
		}
		slices.SortStableFunc(hits, cmpHits)
		return hits
	}
	// A min-heap of the n best: hits[0] is the worst kept.
	for i, s := range scores {
		if s <= 0 {
			continue
		}
		h := Hit{Doc: i, Score: s}
		if len(hits) < n {
			hits = append(hits, h)
			for j := len(hits) - 1; j > 0; {
				p := (j - 1) / 2
				if cmpHits(hits[j], hits[p]) <= 0 {
					break
				}
				hits[j], hits[p] = hits[p], hits[j]
				j = p
			}
			continue
		}
		if cmpHits(h, hits[0]) >= 0 {
			continue
		}
		hits[0] = h
		for j := 0; ; {
			l, r, m := 2*j+1, 2*j+2, j
			if l < len(hits) && cmpHits(hits[l], hits[m]) > 0 {
				m = l
			}
			if r < len(hits) && cmpHits(hits[r], hits[m]) > 0 {
				m = r
			}
			if m == j {
				break
			}
			hits[j], hits[m] = hits[m], hits[j]
			j = m
		}
	}
	slices.SortFunc(hits, cmpHits)
	return hits
}

// cmpHits orders hits best first: a higher score, then an earlier
// document.
func cmpHits(a, b Hit) int {
	switch {
	case a.Score > b.Score:
		return -1
	case a.Score < b.Score:
		return 1
	}
	return a.Doc - b.Doc
}
