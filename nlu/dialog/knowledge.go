package dialog

import (
	"strings"
	"unicode"

	"github.com/switchboard-voice/switchboard/internal/bm25"
	"github.com/switchboard-voice/switchboard/prompts"
)

// Knowledge is a small in-process BM25 index (internal/bm25) over a bot's
// articles, used to answer from the knowledge base and to ground LLM
// answers. Chinese text is indexed by character bigrams, so no word
// segmenter is needed.
type Knowledge struct {
	arts  []prompts.Article
	ix    *bm25.Index
	byTag map[string][]int
}

// NewKnowledge indexes articles.
func NewKnowledge(arts []prompts.Article) *Knowledge {
	k := &Knowledge{arts: arts, byTag: map[string][]int{}}
	docs := make([]map[string]float64, len(arts))
	for i, a := range arts {
		tf := map[string]float64{}
		// The title and tags count twice: they say what the article is about.
		for _, t := range tokens(a.Title + " " + strings.Join(a.Tags, " ")) {
			tf[t] += 2
		}
		for _, t := range tokens(a.Body) {
			tf[t]++
		}
		docs[i] = tf
		for _, tag := range a.Tags {
			k.byTag[tag] = append(k.byTag[tag], i)
		}
	}
	k.ix = bm25.New(docs, bm25.DefaultParams)
	return k
}

// Hit is a retrieved article with its score.
type Hit struct {
	Article prompts.Article
	Score   float64
}

// Search returns up to n articles for the query, best first, with scores
// above zero only.
func (k *Knowledge) Search(query string, n int) []Hit {
	if k == nil || len(k.arts) == 0 || n <= 0 {
		return nil
	}
	var hits []Hit
	for _, h := range k.ix.Search(tokens(query), n) {
		hits = append(hits, Hit{Article: k.arts[h.Doc], Score: h.Score})
	}
	return hits
}

// Tagged returns the best article with the tag for the query (the first
// tagged one when the query matches none).
func (k *Knowledge) Tagged(tag, query string) (prompts.Article, bool) {
	if k == nil {
		return prompts.Article{}, false
	}
	ids := k.byTag[tag]
	if len(ids) == 0 {
		return prompts.Article{}, false
	}
	for _, h := range k.Search(query, len(k.arts)) {
		for _, i := range ids {
			if k.arts[i].ID == h.Article.ID {
				return h.Article, true
			}
		}
	}
	return k.arts[ids[0]], true
}

// ByID returns an article by its id.
func (k *Knowledge) ByID(id string) (prompts.Article, bool) {
	if k == nil {
		return prompts.Article{}, false
	}
	for _, a := range k.arts {
		if a.ID == id {
			return a, true
		}
	}
	return prompts.Article{}, false
}

// FirstParagraph is what is read to a caller from an article.
func FirstParagraph(body string) string {
	body = strings.TrimSpace(body)
	if i := strings.Index(body, "\n\n"); i > 0 {
		body = body[:i]
	}
	return strings.Join(strings.Fields(body), " ")
}

var stop = map[string]bool{
	"a": true, "an": true, "the": true, "to": true, "of": true, "and": true, "or": true,
	"is": true, "are": true, "i": true, "my": true, "me": true, "you": true, "your": true,
	"it": true, "in": true, "on": true, "for": true, "do": true, "does": true, "can": true,
	"how": true, "what": true, "be": true, "with": true, "this": true, "that": true, "?": true,
	"我": true, "的": true, "了": true, "吗": true, "呢": true, "是": true,
}

// tokens splits text into lower-case words (Latin) and character unigrams
// and bigrams (CJK), without stop words and with a light plural folding.
func tokens(s string) []string {
	var out []string
	var word []rune
	var cjk []rune
	flushWord := func() {
		if len(word) > 0 {
			w := string(word)
			if len(w) > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") {
				w = w[:len(w)-1]
			}
			if !stop[w] {
				out = append(out, w)
			}
			word = word[:0]
		}
	}
	flushCJK := func() {
		for i, r := range cjk {
			if !stop[string(r)] {
				out = append(out, string(r))
			}
			if i+1 < len(cjk) {
				out = append(out, string(cjk[i:i+2]))
			}
		}
		cjk = cjk[:0]
	}
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Han, r):
			flushWord()
			cjk = append(cjk, r)
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			flushCJK()
			word = append(word, unicode.ToLower(r))
		default:
			flushWord()
			flushCJK()
		}
	}
	flushWord()
	flushCJK()
	return out
}

func uniq(ts []string) []string {
	seen := map[string]bool{}
	out := ts[:0:0]
	for _, t := range ts {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}
