package nlu

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
)

// OOS is the intent of out-of-scope utterances, and the label of explicit
// out-of-scope training examples.
const OOS = "oos"

// DefaultThreshold is the OOS confidence threshold used unless
// WithThreshold says otherwise; see the tuning note above.
const DefaultThreshold = 0.12

// topK is the length of Result.Ranked.
const topK = 5

// defaultTemperature is used when the training set is too small to hold a
// calibration fold out of it.
const defaultTemperature = 0.1

// Errors Train reports, wrapped with the offending example's position.
var (
	ErrNoExamples  = errors.New("nlu: no training examples")
	ErrEmptyText   = errors.New("nlu: example has empty text")
	ErrEmptyIntent = errors.New("nlu: example has empty intent")
	ErrOneIntent   = errors.New("nlu: need at least two intents")
)

// Example is one labelled training or test utterance.
type Example struct {
	Text, Intent string
}

// Prediction is one intent with its calibrated probability.
type Prediction struct {
	Intent     string  `json:"intent"`
	Confidence float64 `json:"confidence"`
}

// Result is what Classify says about an utterance.
type Result struct {
	Intent     string       // best intent, or OOS when out of scope
	Confidence float64      // calibrated probability of Intent (of the best in-scope intent when OOS)
	Ranked     []Prediction // top-5 in-scope intents, best first
	OOS        bool
}

type options struct {
	threshold float64
	seed      int64
	features  featureConfig
	linear    linearConfig
	noCalib   bool
}

// Option configures Train.
type Option func(*options)

// WithThreshold sets the OOS confidence threshold: an utterance whose best
// in-scope intent has a lower confidence is OOS. 0 means DefaultThreshold;
// a negative value turns the threshold off, so that only an explicit OOS
// class can make a result OOS.
func WithThreshold(t float64) Option { return func(o *options) { o.threshold = t } }

// WithSeed seeds the calibration split and the solver's example order;
// training is deterministic for a given seed.
func WithSeed(seed int64) Option { return func(o *options) { o.seed = seed } }

// Classifier is the embedded intent classifier. It is immutable and safe
// for concurrent use.
//
// A Classifier is trained in-process, in seconds, from labelled example
// utterances; it needs no network and no model file. The model is a
// linear one over sparse TF-IDF features:
//
//   - Text: lower-cased; full-width forms, typographic quotes and invalid
//     UTF-8 folded; punctuation dropped; English contractions expanded
//     ("can't" -> "can not", "whats" -> "what is"); every number becomes
//     the digit token "0". Only the first 2,000 characters are read.
//   - Features: word 1–2-grams and char_wb 2–5-grams (n-grams of each word
//     padded with spaces, which carry morphology and spelling errors).
//     Han, kana and hangul are not segmented: each character is a token,
//     and runs of them yield character 1–3-grams, so Chinese such as
//     "查快递" or "转人工" works without a word segmenter. Features are
//     hashed to 64 bits and kept in a dictionary built from the training
//     set (no collisions in practice).
//   - Weights: sublinear TF (1+ln tf) times smoothed IDF; the word and the
//     character block are each L2-normalised, then the whole vector.
//   - Model: one L2-regularised, L2-loss linear SVM per intent (one versus
//     rest), fitted by dual coordinate descent (LIBLINEAR's algorithm) with
//     one goroutine per core across intents.
//   - Confidence: softmax of the SVM scores at a temperature fitted, by
//     minimum negative log-likelihood, on a stratified 20% fold held out
//     from the training set (the model is then refitted on everything), so
//     that a confidence of 0.8 is right about 80% of the time.
//   - Out of scope: examples labelled OOS ("oos") train an ordinary class
//     which, when it wins, makes the result OOS; and any utterance whose
//     best in-scope intent has confidence below the threshold is OOS.
//
// The default threshold, DefaultThreshold, was tuned on CLINC150: train on
// clinc150/train.csv, sweep the threshold on clinc150/val.csv and keep the
// value with the best in-scope accuracy among those reaching an OOS recall
// of 60% (TestTuneThreshold in eval_test.go re-runs the sweep, and checks
// the choice on two halves of val).
type Classifier struct {
	classes   []string // all trained classes, sorted; may include OOS
	oosClass  int      // index of OOS in classes, or -1
	intents   []string // classes without OOS
	vocab     *vocabulary
	model     *linearModel
	temp      float64
	threshold float64
	pool      sync.Pool
}

// Train fits a classifier to examples. It fails when there are no
// examples, an example has empty text or intent, or there are fewer than
// two intents.
func Train(examples []Example, opts ...Option) (*Classifier, error) {
	o := options{seed: 1, features: defaultFeatures, linear: defaultLinear}
	for _, opt := range opts {
		opt(&o)
	}
	if len(examples) == 0 {
		return nil, ErrNoExamples
	}
	index := map[string]int{}
	for i, ex := range examples {
		if strings.TrimSpace(ex.Text) == "" {
			return nil, fmt.Errorf("%w: example %d (intent %q)", ErrEmptyText, i, ex.Intent)
		}
		if strings.TrimSpace(ex.Intent) == "" {
			return nil, fmt.Errorf("%w: example %d (%q)", ErrEmptyIntent, i, ex.Text)
		}
		index[ex.Intent] = 0
	}
	c := &Classifier{oosClass: -1, temp: defaultTemperature}
	for intent := range index {
		c.classes = append(c.classes, intent)
	}
	slices.Sort(c.classes)
	for k, intent := range c.classes {
		index[intent] = k
		if intent == OOS {
			c.oosClass = k
		} else {
			c.intents = append(c.intents, intent)
		}
	}
	if len(c.classes) < 2 || len(c.intents) == 0 {
		return nil, fmt.Errorf("%w: got only %q", ErrOneIntent, c.classes)
	}
	switch {
	case o.threshold == 0:
		c.threshold = DefaultThreshold
	case o.threshold < 0:
		c.threshold = 0
	default:
		c.threshold = o.threshold
	}

	docs := make([][]term, len(examples))
	labels := make([]int, len(examples))
	sc := &scratch{}
	for i, ex := range examples {
		docs[i] = slices.Clone(o.features.terms(sc, ex.Text))
		labels[i] = index[ex.Intent]
	}
	c.vocab = fitVocabulary(o.features, docs)
	xs := make([]sparse, len(docs))
	for i, d := range docs {
		xs[i] = c.vocab.vector(sparse{}, d)
	}
	docs = nil

	if !o.noCalib {
		if fit, held := calibrationSplit(labels, len(c.classes), o.seed); held != nil {
			m := trainLinear(pick(xs, fit), pick(labels, fit), len(c.classes), c.vocab.size(), o.linear, o.seed)
			scores := make([][]float64, len(held))
			for j, i := range held {
				scores[j] = make([]float64, len(c.classes))
				m.scores(scores[j], xs[i])
			}
			c.temp = fitTemperature(scores, pick(labels, held))
		}
	}
	c.model = trainLinear(xs, labels, len(c.classes), c.vocab.size(), o.linear, o.seed)
	return c, nil
}

// calibrationSplit holds out a stratified 20% of each class for fitting the
// temperature, or returns a nil holdout when the set is too small for that.
func calibrationSplit(labels []int, k int, seed int64) (fit, held []int) {
	byClass := make([][]int, k)
	for i, l := range labels {
		byClass[l] = append(byClass[l], i)
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0xca1b))
	for _, idx := range byClass {
		rng.Shuffle(len(idx), func(a, b int) { idx[a], idx[b] = idx[b], idx[a] })
		n := len(idx) / 5
		if len(idx) >= 3 && n == 0 {
			n = 1
		}
		held = append(held, idx[:n]...)
		fit = append(fit, idx[n:]...)
	}
	if len(held) < 100 {
		return nil, nil
	}
	return fit, held
}

func pick[T any](s []T, idx []int) []T {
	out := make([]T, len(idx))
	for j, i := range idx {
		out[j] = s[i]
	}
	return out
}

func (c *Classifier) getScratch() *scratch {
	if sc, ok := c.pool.Get().(*scratch); ok {
		return sc
	}
	return &scratch{
		scores: make([]float64, len(c.classes)),
		probs:  make([]float64, len(c.classes)),
	}
}

func (c *Classifier) putScratch(sc *scratch) { c.pool.Put(sc) }

// probabilities sets sc.probs to the calibrated class probabilities.
func (c *Classifier) probabilities(sc *scratch, text string) {
	sc.vec = c.vocab.vector(sc.vec, c.vocab.cfg.terms(sc, text))
	c.model.scores(sc.scores, sc.vec)
	softmax(sc.probs, sc.scores, c.temp)
}

// Classify returns the intent of text. It never fails: text that shares
// no feature with the training set (empty, punctuation, an unknown script)
// is OOS whatever the threshold.
func (c *Classifier) Classify(text string) Result {
	sc := c.getScratch()
	defer c.putScratch(sc)
	c.probabilities(sc, text)
	p := sc.probs

	ranked := make([]Prediction, 0, min(topK, len(c.intents)))
	for k, prob := range p {
		if k == c.oosClass {
			continue
		}
		if len(ranked) == cap(ranked) && prob <= ranked[len(ranked)-1].Confidence {
			continue
		}
		pos := len(ranked)
		for pos > 0 && ranked[pos-1].Confidence < prob {
			pos--
		}
		if len(ranked) < cap(ranked) {
			ranked = append(ranked, Prediction{})
		}
		copy(ranked[pos+1:], ranked[pos:len(ranked)-1])
		ranked[pos] = Prediction{Intent: c.classes[k], Confidence: prob}
	}
	best := ranked[0]
	r := Result{Intent: best.Intent, Confidence: best.Confidence, Ranked: ranked}
	if len(sc.vec.idx) == 0 || best.Confidence < c.threshold || (c.oosClass >= 0 && p[c.oosClass] > best.Confidence) {
		r.Intent, r.OOS = OOS, true
	}
	return r
}

// Intents returns the in-scope intents the classifier knows, sorted. An
// explicit OOS class is not among them.
func (c *Classifier) Intents() []string { return slices.Clone(c.intents) }

// Threshold returns the OOS confidence threshold in use (0 when off).
func (c *Classifier) Threshold() float64 { return c.threshold }

// Temperature returns the softmax temperature fitted for calibration.
func (c *Classifier) Temperature() float64 { return c.temp }
