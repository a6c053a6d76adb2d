package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/switchboard-voice/switchboard/qa"
	"github.com/switchboard-voice/switchboard/qa/sentiment"
	sentimentopenai "github.com/switchboard-voice/switchboard/qa/sentiment/openai"
)

func init() {
	register(&command{name: "sentiment", summary: "score and evaluate utterance sentiment (English, Chinese)", run: runSentiment})
}

func runSentiment(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "sentiment", "eval|score ...", `
Score the sentiment of call-center utterances, or measure a scorer.

  eval --test FILE [--json] [--provider embedded|openai]
      FILE is either a CSV whose header names a "text" and a "sentiment"
      column (negative|neutral|positive; a "lang" column is used when
      present, other columns are ignored): prints accuracy and macro-F1,
      and in text mode per-class precision/recall/F1 and the confusion
      matrix; or a ratings file id<TAB>score<TAB>text (human ratings
      -4..+4, as in the *_GroundTruth.txt sets): prints the Pearson
      correlation of the scores with the ratings.

  score [--lang en|zh] TEXT...
      score each TEXT and show the lexicon entries that decided it.

The openai provider reads OPENAI_BASE_URL, OPENAI_API_KEY and
SWITCHBOARD_LLM_MODEL (or --base-url, --model); it falls back to the
embedded scorer on errors and counts them.`)
	if err := parse(e, fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	switch fs.Arg(0) {
	case "eval":
		return sentimentEval(ctx, e, fs.Args()[1:])
	case "score":
		return sentimentScore(e, fs.Args()[1:])
	}
	fs.Usage()
	return errUsage
}

// sentimentFlags are the scorer flags shared by eval and score.
type sentimentFlags struct {
	vader, lexicon *string
}

func addLexiconFlags(fs *flag.FlagSet) sentimentFlags {
	return sentimentFlags{
		vader:   fs.String("vader", "", "also read a VADER-format lexicon (e.g. ../shared/data/sentiment/vader_lexicon.txt); its entries fill what the embedded lexicon lacks"),
		lexicon: fs.String("lexicon", "", "also read a lexicon in Switchboard's format, overriding the embedded entries"),
	}
}

func (f sentimentFlags) build() (*sentiment.Lexicon, error) {
	var opts []sentiment.Option
	if *f.vader != "" {
		opts = append(opts, sentiment.WithVADER(*f.vader))
	}
	if *f.lexicon != "" {
		opts = append(opts, sentiment.WithLexicon(*f.lexicon))
	}
	return sentiment.New(opts...)
}

func sentimentEval(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "sentiment eval", "", "Score every utterance of --test and compare with its label or rating.")
	test := fs.String("test", "", "labelled CSV (text,sentiment[,lang]) or ratings file (id<TAB>score<TAB>text)")
	asJSON := fs.Bool("json", false, "print one JSON object (accuracy, macro_f1, pearson, n)")
	provider := fs.String("provider", "embedded", "embedded or openai")
	lang := fs.String("lang", "", "labelled CSV: keep only the rows of this language (en or zh; from the lang column, else detected)")
	part := fs.String("part", "all", "ratings file: all, holdout (the fifth held out by sentiment.HeldOut) or tune (the rest)")
	showErrors := fs.Int("errors", 0, "labelled CSV, text mode: list up to N misclassified rows")
	model := fs.String("model", envOr("SWITCHBOARD_LLM_MODEL", ""), "openai: chat model")
	baseURL := fs.String("base-url", envOr("OPENAI_BASE_URL", sentimentopenai.DefaultBaseURL), "openai: API base URL (env OPENAI_BASE_URL)")
	timeout := fs.Duration("timeout", sentimentopenai.DefaultTimeout, "openai: timeout per utterance")
	workers := fs.Int("workers", 4, "openai: utterances scored at once")
	lf := addLexiconFlags(fs)
	if err := parse(e, fs, args); err != nil {
		return err
	}
	if *test == "" || fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	if *part != "all" && *part != "holdout" && *part != "tune" {
		return badUsage(e, "--part %q: want all, holdout or tune", *part)
	}
	if *lang != "" && *lang != "en" && *lang != "zh" {
		return badUsage(e, "--lang %q: want en or zh", *lang)
	}
	lex, err := lf.build()
	if err != nil {
		return err
	}
	var (
		scorer    sentiment.Scorer = lex
		opts      []sentiment.EvalOption
		fallbacks atomic.Int64
	)
	switch *provider {
	case "embedded":
	case "openai":
		llm, err := sentimentopenai.New(sentimentopenai.Config{
			BaseURL: *baseURL, APIKey: os.Getenv("OPENAI_API_KEY"), Model: *model, Timeout: *timeout,
		})
		if err != nil {
			return err
		}
		var counted sentiment.ScorerFunc = func(ctx context.Context, text, lang string) (qa.Sentiment, error) {
			s, err := llm.Score(ctx, text, lang)
			if err != nil && ctx.Err() == nil {
				fallbacks.Add(1)
				fmt.Fprintf(e.stderr, "openai: %v (embedded scorer used)\n", err)
			}
			return s, err
		}
		scorer = sentiment.WithFallback(counted, lex)
		opts = append(opts, sentiment.Workers(*workers))
	default:
		return badUsage(e, "--provider %q: want embedded or openai", *provider)
	}
	ratings, err := sentiment.IsRatingsFile(*test)
	if err != nil {
		return err
	}
	start := time.Now()
	out := map[string]any{}
	if ratings && *lang != "" {
		return badUsage(e, "--lang applies to a labelled CSV, and %s is a ratings file", *test)
	}
	if !ratings && *part != "all" {
		return badUsage(e, "--part applies to a ratings file, and %s is a labelled CSV", *test)
	}
	if ratings {
		rs, err := sentiment.ReadRatings(*test)
		if err != nil {
			return err
		}
		if *part != "all" {
			keep := rs[:0]
			for _, r := range rs {
				if sentiment.HeldOut(r.ID) == (*part == "holdout") {
					keep = append(keep, r)
				}
			}
			rs = keep
		}
		c, err := sentiment.EvaluateRatings(ctx, scorer, rs, opts...)
		if err != nil {
			return err
		}
		out["n"], out["pearson"] = c.N, c.Pearson
		if !*asJSON {
			fmt.Fprintf(e.stdout, "ratings:   %d (%s, part %s)\n", c.N, *test, *part)
			fmt.Fprintf(e.stdout, "pearson:   %.4f\n", c.Pearson)
		}
	} else {
		ex, err := sentiment.ReadExamples(*test)
		if err != nil {
			return err
		}
		if *lang != "" {
			keep := ex[:0]
			for _, x := range ex {
				l := x.Lang
				if l == "" {
					l = sentiment.DetectLanguage(x.Text)
				}
				if got, err := sentiment.Language(l, x.Text); err == nil && got == *lang {
					keep = append(keep, x)
				}
			}
			ex = keep
			if len(ex) == 0 {
				return fmt.Errorf("%s: no rows in language %q", *test, *lang)
			}
		}
		rep, err := sentiment.EvaluateLabels(ctx, scorer, ex, opts...)
		if err != nil {
			return err
		}
		out["n"], out["accuracy"], out["macro_f1"] = rep.N, rep.Accuracy, rep.MacroF1
		if !*asJSON {
			printLabelReport(e, *test, rep)
			if *showErrors > 0 {
				printMisclassified(e, lex, ex, *showErrors)
			}
		}
	}
	if *provider == "openai" {
		out["fallbacks"] = fallbacks.Load()
	}
	if *asJSON {
		return json.NewEncoder(e.stdout).Encode(out)
	}
	if *provider == "openai" {
		fmt.Fprintf(e.stdout, "fallbacks: %d (utterances the embedded scorer answered)\n", fallbacks.Load())
	}
	fmt.Fprintf(e.stdout, "seconds:   %.2f\n", time.Since(start).Seconds())
	return nil
}

// badUsage prints a bad command line's problem (run prints nothing for
// errUsage) and returns errUsage.
func badUsage(e *env, format string, args ...any) error {
	fmt.Fprintf(e.stderr, "switchboard sentiment eval: "+format+"\n", args...)
	return errUsage
}

func printLabelReport(e *env, path string, rep sentiment.Report) {
	fmt.Fprintf(e.stdout, "examples:  %d (%s)\n", rep.N, path)
	fmt.Fprintf(e.stdout, "accuracy:  %.4f\n", rep.Accuracy)
	fmt.Fprintf(e.stdout, "macro-F1:  %.4f\n\n", rep.MacroF1)
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "class\tprecision\trecall\tF1\tsupport\t")
	for _, c := range rep.Classes {
		fmt.Fprintf(tw, "%s\t%.3f\t%.3f\t%.3f\t%d\t\n", c.Label, c.Precision, c.Recall, c.F1, c.Support)
	}
	tw.Flush()
	fmt.Fprintln(e.stdout, "\nconfusion (rows: label, columns: predicted)")
	tw = tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\tnegative\tneutral\tpositive\t")
	for i, l := range sentiment.Labels {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t\n", l, rep.Confusion[i][0], rep.Confusion[i][1], rep.Confusion[i][2])
	}
	tw.Flush()
	fmt.Fprintln(e.stdout)
}

func printMisclassified(e *env, lex *sentiment.Lexicon, ex []sentiment.Example, n int) {
	fmt.Fprintln(e.stdout, "misclassified (line, label, predicted, score, text, evidence):")
	for _, x := range ex {
		if n == 0 {
			break
		}
		a, err := lex.Analyze(x.Text, x.Lang)
		if err != nil || a.Label == x.Label {
			continue
		}
		n--
		fmt.Fprintf(e.stdout, "  %d\t%s\t%s\t%+.2f\t%s\t%s\n", x.Line, x.Label, a.Label, a.Score, x.Text, evidence(a))
	}
	fmt.Fprintln(e.stdout)
}

func evidence(a sentiment.Analysis) string {
	var parts []string
	for _, h := range a.Hits {
		s := fmt.Sprintf("%s %+.2f", h.Text, h.Final)
		if h.Negated {
			s += " (negated)"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

func sentimentScore(e *env, args []string) error {
	fs := flags(e, "sentiment score", "TEXT...", "Score each TEXT with the embedded scorer and show its evidence.")
	lang := fs.String("lang", "", "en or zh (default: detected from the text)")
	lf := addLexiconFlags(fs)
	if err := parse(e, fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	lex, err := lf.build()
	if err != nil {
		return err
	}
	for _, text := range fs.Args() {
		a, err := lex.Analyze(text, *lang)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%+.3f\t%s\t%s\t%s\n", a.Score, a.Label, text, evidence(a))
	}
	return nil
}
