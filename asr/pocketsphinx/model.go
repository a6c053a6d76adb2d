package pocketsphinx

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/switchboard-voice/switchboard/asr"
	"github.com/switchboard-voice/switchboard/prompts"
)

// DefaultModelDir holds the en-us acoustic model (en-us/), the CMU
// dictionary and the generic language model, as Debian's
// pocketsphinx-en-us package installs them.
const DefaultModelDir = "/usr/share/pocketsphinx/model/en-us"

// ErrModel is wrapped when a model cannot be built or loaded.
var ErrModel = errors.New("pocketsphinx: cannot build model")

// Model is what a decoder loads besides the acoustic model: a language
// model for free speech, the pronunciation dictionary of its words, and
// the slot grammars (digits, yes/no, number, date). A domain model is
// estimated from a bot's own sentences (BuildModel) or any corpus
// (NewModel); the generic model is pocketsphinx's en-us LM with the whole
// CMU dictionary (GenericModel). A Model is immutable and safe to share:
// build it once per bot version, cache it, and give it to New.
type Model struct {
	name     string
	modelDir string
	arpa     []byte              // domain LM; nil for the generic model
	dict     map[string][]string // domain dictionary; nil for the generic model
	stats    ModelStats
	sum      string
}

// ModelStats describes how a model was built.
type ModelStats struct {
	// Sentences in the corpus (bot sentences plus the generic corpus).
	Sentences int `json:"sentences"`
	// Vocabulary is the number of words in the dictionary.
	Vocabulary int `json:"vocabulary"`
	// NGrams counts the 1-, 2- and 3-grams of the language model.
	NGrams [3]int `json:"ngrams"`
	// Generated lists the words missing from the CMU dictionary whose
	// pronunciation came from espeak-ng.
	Generated []string `json:"generated,omitempty"`
	// Dropped lists the words without any pronunciation; sentences are
	// split where they occurred.
	Dropped []string `json:"dropped,omitempty"`
	// BuildTime is how long building took.
	BuildTime time.Duration `json:"build_time"`
}

// ModelOption tunes how a model is built.
type ModelOption func(*modelOptions)

type modelOptions struct {
	modelDir string
	espeak   string
	generic  bool
	extra    []string
}

// WithModelDir sets the folder with the acoustic model (en-us/), the
// dictionary (cmudict-en-us.dict) and the generic LM (en-us.lm.bin).
func WithModelDir(dir string) ModelOption { return func(o *modelOptions) { o.modelDir = dir } }

// WithEspeak sets the espeak-ng binary used to pronounce words missing
// from the CMU dictionary ("" disables it: such words are dropped). The
// default is "espeak-ng" when it is on PATH.
func WithEspeak(bin string) ModelOption { return func(o *modelOptions) { o.espeak = bin } }

// WithoutGenericCorpus leaves the built-in call-centre corpus out of a
// domain model.
func WithoutGenericCorpus() ModelOption { return func(o *modelOptions) { o.generic = false } }

// WithSentences adds sentences to a domain model's corpus.
func WithSentences(s ...string) ModelOption {
	return func(o *modelOptions) { o.extra = append(o.extra, s...) }
}

func buildOptions(opts []ModelOption) modelOptions {
	o := modelOptions{modelDir: DefaultModelDir, generic: true}
	if p, err := exec.LookPath("espeak-ng"); err == nil {
		o.espeak = p
	}
	for _, fn := range opts {
		fn(&o)
	}
	return o
}

// BuildModel builds the domain model of a bot version: a trigram language
// model estimated from BotSentences(bot) plus the generic call-centre
// corpus (GenericSentences), with the dictionary of its words. It takes
// about a second for a bot with ten thousand examples; call it once per
// bot version. A bot that serves no English gives an error wrapping
// asr.ErrUnsupported.
func BuildModel(bot *prompts.Bot, opts ...ModelOption) (*Model, error) {
	if bot == nil {
		return nil, fmt.Errorf("%w: no bot", ErrModel)
	}
	s := BotSentences(bot)
	if s == nil {
		return nil, fmt.Errorf("%w: bot %q serves %v, not English: %w", ErrModel, bot.Name, bot.Languages, asr.ErrUnsupported)
	}
	return NewModel(bot.Name, s, opts...)
}

// NewModel builds a domain model named name from a corpus of sentences
// (written text: numbers are spelled out, punctuation dropped), plus the
// generic call-centre corpus unless WithoutGenericCorpus.
func NewModel(name string, sentences []string, opts ...ModelOption) (*Model, error) {
	start := time.Now()
	o := buildOptions(opts)
	cmu, err := loadDict(filepath.Join(o.modelDir, "cmudict-en-us.dict"))
	if err != nil {
		return nil, err
	}
	corpus := append(append([]string(nil), sentences...), o.extra...)
	if o.generic {
		corpus = append(corpus, GenericSentences()...)
	}
	var toks [][]string
	vocab := map[string]bool{}
	for _, s := range corpus {
		var ws []string
		for _, w := range asr.SpokenWords(s) {
			if w = cleanWord(w); w != "" {
				ws = append(ws, w)
				vocab[w] = true
			}
		}
		if len(ws) > 0 {
			toks = append(toks, ws)
		}
	}
	if len(toks) == 0 {
		return nil, fmt.Errorf("%w: model %q: empty corpus", ErrModel, name)
	}
	for _, w := range grammarWords() {
		vocab[w] = true
	}
	m := &Model{name: name, modelDir: o.modelDir, dict: map[string][]string{}}
	var oov []string
	for w := range vocab {
		if p, ok := cmu[w]; ok {
			m.dict[w] = p
		} else {
			oov = append(oov, w)
		}
	}
	sort.Strings(oov)
	if len(oov) > 0 && o.espeak != "" {
		prons, err := espeakPronounce(o.espeak, oov)
		if err != nil {
			return nil, fmt.Errorf("%w: model %q: %w", ErrModel, name, err)
		}
		for _, w := range oov {
			if p, ok := prons[w]; ok {
				m.dict[w] = []string{p}
				m.stats.Generated = append(m.stats.Generated, w)
			} else {
				m.stats.Dropped = append(m.stats.Dropped, w)
			}
		}
	} else {
		m.stats.Dropped = oov
	}
	// Split sentences at words without a pronunciation.
	var sents [][]string
	for _, ws := range toks {
		from := 0
		for i := 0; i <= len(ws); i++ {
			if i == len(ws) || m.dict[ws[i]] == nil {
				if i > from {
					sents = append(sents, ws[from:i])
				}
				from = i + 1
			}
		}
	}
	arpa, lst, err := estimateARPA(sents)
	if err != nil {
		return nil, fmt.Errorf("model %q: %w", name, err)
	}
	m.arpa = arpa
	m.stats.Sentences = len(toks)
	m.stats.Vocabulary = len(m.dict)
	m.stats.NGrams = lst.NGrams
	m.stats.BuildTime = time.Since(start)
	m.sum = checksum(m.arpa, m.dictText())
	return m, nil
}

// GenericModel returns the generic model: pocketsphinx's en-us language
// model (en-us.lm.bin) with the whole CMU dictionary, plus the slot
// grammars. It is the fallback when a domain model cannot be built.
func GenericModel(opts ...ModelOption) (*Model, error) {
	o := buildOptions(opts)
	for _, f := range []string{"en-us.lm.bin", "cmudict-en-us.dict", "en-us/mdef"} {
		if _, err := os.Stat(filepath.Join(o.modelDir, f)); err != nil {
			return nil, fmt.Errorf("%w: generic model: %w", ErrModel, err)
		}
	}
	m := &Model{name: "generic", modelDir: o.modelDir}
	m.sum = checksum([]byte("generic:" + o.modelDir))
	return m, nil
}

// cleanWord keeps letters and inner apostrophes of a lower-case word.
func cleanWord(w string) string {
	w = strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || r == '\'' {
			return unicode.ToLower(r)
		}
		return -1
	}, w)
	return strings.Trim(w, "'")
}

func checksum(parts ...[]byte) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write(p)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// Name is the bot's name, the name given to NewModel, or "generic".
func (m *Model) Name() string { return m.name }

// Generic reports whether m is the generic model.
func (m *Model) Generic() bool { return m.arpa == nil }

// Stats describes how the model was built (zero for the generic model).
func (m *Model) Stats() ModelStats { return m.stats }

// Fingerprint identifies the model's content: two builds from the same
// sentences have the same fingerprint.
func (m *Model) Fingerprint() string { return m.sum }

// ARPA returns the domain language model in ARPA format (nil for the
// generic model).
func (m *Model) ARPA() []byte { return m.arpa }

// Pronunciations returns the dictionary's pronunciations of word (nil when
// the word is not in a domain model's dictionary; the generic model
// returns the CMU dictionary's).
func (m *Model) Pronunciations(word string) []string {
	if m.dict == nil {
		d, err := loadDict(filepath.Join(m.modelDir, "cmudict-en-us.dict"))
		if err != nil {
			return nil
		}
		return d[word]
	}
	return m.dict[word]
}

// dictText renders the domain dictionary in CMU format, sorted.
func (m *Model) dictText() []byte {
	words := make([]string, 0, len(m.dict))
	for w := range m.dict {
		words = append(words, w)
	}
	sort.Strings(words)
	var b strings.Builder
	for _, w := range words {
		for i, p := range m.dict[w] {
			if i == 0 {
				fmt.Fprintf(&b, "%s %s\n", w, p)
			} else {
				fmt.Fprintf(&b, "%s(%d) %s\n", w, i+1, p)
			}
		}
	}
	return []byte(b.String())
}

// WriteFiles writes the files decoders load into dir and returns their
// paths: the language model (lm.arpa, or the generic en-us.lm.bin), the
// dictionary (words.dict, or the whole CMU dictionary) and one JSGF file
// per grammar (for inspection; decoders compile the grammars from text).
func (m *Model) WriteFiles(dir string) (lm, dict string, err error) {
	if m.Generic() {
		return filepath.Join(m.modelDir, "en-us.lm.bin"), filepath.Join(m.modelDir, "cmudict-en-us.dict"), nil
	}
	lm, dict = filepath.Join(dir, "lm.arpa"), filepath.Join(dir, "words.dict")
	if err := os.WriteFile(lm, m.arpa, 0o644); err != nil {
		return "", "", err
	}
	if err := os.WriteFile(dict, m.dictText(), 0o644); err != nil {
		return "", "", err
	}
	for g, text := range grammars {
		if err := os.WriteFile(filepath.Join(dir, string(g)+".gram"), []byte(text), 0o644); err != nil {
			return "", "", err
		}
	}
	return lm, dict, nil
}
