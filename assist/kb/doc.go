// Package kb finds the knowledge-base articles that answer what a caller
// just said, for the agent desktop: hybrid retrieval (BM25 and vector
// similarity) over a bot's articles, in English and Chinese, robust to
// spoken, indirect and misrecognised queries, in well under a millisecond
// per search for a bot's few dozen articles.
//
//	ix, err := kb.NewIndex()                 // embedded defaults, no model download
//	err = ix.Load(ctx, bot, version)         // bot.Knowledge; again on every new version
//	hits, err := ix.Search(ctx, "uh my card got eaten by the cash machine", 3)
//	// hits[0].ArticleID, .Title, .Snippet (the best chunk), .Score
//
// # Building an index
//
// Load cuts each article into chunks (Chunker: paragraphs, then sentences,
// at most 400 runes with an 80-rune overlap; Chinese needs no spaces), and
// indexes every chunk twice:
//
//   - lexically: BM25 (internal/bm25, shared with nlu/dialog) over the
//     chunk's terms plus its article's title and tags, counted twice;
//   - as a vector: the Embedder's embedding of title, tags and chunk,
//     written to the VectorStore with the payload {bot, build, article id,
//     chunk, text}.
//
// Text is analysed the same way on both sides: lower-cased, full-width
// forms folded, spoken numbers, amounts and times written as digits with
// nlu/entity ("six hundred dollars" and "$600" are both "600 usd",
// "四十八小时" is "48小时"), spelled-out letters joined ("a t m" → "atm"),
// English stop words and fillers dropped, light stemming, Chinese as
// characters and character bigrams, and spoken-form classes added
// ("hole in the wall" and "ATM" both carry the term ~atm, "多少钱" and
// "运费" both ~运费; see synonyms.go).
//
// # Embedders and stores
//
// The default Embedder, HashEmbedder, needs no model: hashed word,
// word-pair, character 3-5-gram and CJK 1-3-gram features, signed feature
// hashing into 1,024 dimensions, sub-linear term frequency, IDF fitted on
// each build's chunks, L2-normalised. Package assist/kb/openai embeds with
// any OpenAI-compatible /embeddings endpoint instead; its vectors carry
// meaning the hashed features cannot ("power bank" ≈ "lithium battery").
//
// The default VectorStore, MemoryStore, searches exactly in process
// (10,000 chunks of 1,024 dimensions in a few milliseconds, split between
// CPUs); package assist/kb/qdrant keeps the vectors in Qdrant. Both pass
// the conformance suite in assist/kb/kbtest.
//
// # Fusion
//
// A search takes the best chunks of each ranking (50 by default), ranks
// the articles in each by their best chunk, and fuses the two article
// rankings. The default, reciprocal-rank fusion with K = 60
// (score = Σ 1/(60 + rank)), needs no calibration between BM25 scores and
// cosines, which live on different scales; the normalised blend
// (Alpha·cosine + (1−Alpha)·BM25/best BM25) is the alternative. Both were
// tuned on the development queries in testdata/ (K from 1 to 60 and Alpha
// from 0.2 to 0.8; K ≥ 10 and Alpha ≤ 0.6 tie on them, RRF a little
// ahead); docs/benchmarks.md has the figures on the held-out test
// queries. The hit's snippet is its article's chunk with the best evenly
// blended score. A hybrid search whose embedder or store fails answers
// from BM25 alone and logs a warning.
//
// # Versions and concurrency
//
// An Index is safe for concurrent use. Load builds the new version beside
// the current one and swaps it in atomically; searches that started
// earlier finish on the build they started with. A version whose articles
// did not change costs nothing; with an embedder that is not fitted per
// build, unchanged chunks keep their vectors, so a new version costs one
// embedding per changed chunk. The previous build's vectors stay in the
// store until the next Load (other nodes sharing a Qdrant collection may
// still be on it); older builds are deleted once no search runs on them.
//
// # Evaluation
//
// ReadQueries reads query,expected_article_id CSV files and Evaluate
// measures recall@1, recall@3, MRR and latency; `switchboard kb eval`
// prints them. testdata/ holds caller-style query sets for the sample
// bots, split into dev (tune) and test (report).
package kb
