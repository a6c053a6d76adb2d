package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/switchboard-voice/switchboard/qa/review"
	"github.com/switchboard-voice/switchboard/qa/scorecard"
	scorecardopenai "github.com/switchboard-voice/switchboard/qa/scorecard/openai"
)

// errBelowMin: the measured agreement is under --min.
var errBelowMin = errors.New("agreement below --min")

// evalFlags are qa agreement's flags for a labelled set.
type evalFlags struct {
	dir           *string
	min           *float64
	disagreements *bool
}

func addEvalFlags(fs *flag.FlagSet) evalFlags {
	return evalFlags{
		dir:           fs.String("eval", "", "measure on the labelled calls of this folder instead of the store's overrides"),
		min:           fs.Float64("min", 0, "with --eval: fail when the overall agreement rate is below this (0 to 1)"),
		disagreements: fs.Bool("disagreements", false, "with --eval: list every answer the rules and the reviewer disagree on"),
	}
}

// set reports whether an --eval-only flag was given.
func (f evalFlags) set() bool { return *f.min != 0 || *f.disagreements }

// qaAgreementEval is "qa agreement --eval DIR".
func qaAgreementEval(ctx context.Context, e *env, qf qaFlags, ef evalFlags, only string, asJSON bool) error {
	if *ef.min < 0 || *ef.min > 1 {
		return agreementUsage(e, "--min %v: want a rate from 0 to 1", *ef.min)
	}
	cfg, err := loadConfig(*qf.config)
	if err != nil {
		return err
	}
	cardsDir := *qf.cards
	if cardsDir == "" {
		cardsDir = "scorecards"
	}
	cards, err := scorecard.LoadDir(cardsDir)
	if err != nil {
		return err
	}
	set, err := review.LoadAgreementSet(*ef.dir)
	if err != nil {
		return err
	}
	if only != "" {
		i := slices.IndexFunc(cards, func(c *scorecard.Card) bool { return c.Name == only })
		if i < 0 {
			return agreementUsage(e, "--scorecard %s: not found in %s", only, cardsDir)
		}
		if cards, set, err = onlyCard(cards[i], set); err != nil {
			return err
		}
	}
	ac := review.AgreementConfig{Cards: cards}
	if ac.Sentiment, err = newSentiment(cfg); err != nil {
		return err
	}
	if cfg.QA.Redaction.On() {
		if ac.Redactor, err = cfg.QA.Redaction.New(); err != nil {
			return err
		}
	}
	if *qf.llm {
		if cfg.LLM.Model == "" {
			return agreementUsage(e, "--llm needs llm.model (or SWITCHBOARD_LLM_MODEL) in the configuration")
		}
		ans, err := scorecardopenai.New(scorecardopenai.Config{BaseURL: cfg.LLM.BaseURL, APIKey: cfg.LLM.APIKey, Model: cfg.LLM.Model, Timeout: cfg.LLM.Timeout})
		if err != nil {
			return err
		}
		ac.Evaluator = scorecard.NewEvaluator(scorecard.WithAnswerer(ans))
	}
	rep, err := review.MeasureAgreement(ctx, set, ac)
	if err != nil {
		return err
	}
	if asJSON {
		if err := json.NewEncoder(e.stdout).Encode(rep); err != nil {
			return err
		}
	} else {
		printEval(e.stdout, *ef.dir, cardsDir, *qf.llm, cards, rep, *ef.disagreements)
	}
	if rep.Overall.Rate < *ef.min {
		return fmt.Errorf("%w: %.3f < %.3f", errBelowMin, rep.Overall.Rate, *ef.min)
	}
	return nil
}

// agreementUsage prints a bad command line's problem (run prints nothing
// for errUsage) and returns errUsage.
func agreementUsage(e *env, format string, args ...any) error {
	fmt.Fprintf(e.stderr, "switchboard qa agreement: "+format+"\n", args...)
	return errUsage
}

// onlyCard keeps one card, and the calls answered for it (with those
// answers only).
func onlyCard(card *scorecard.Card, set []review.LabelledCall) ([]*scorecard.Card, []review.LabelledCall, error) {
	name := card.Name
	var out []review.LabelledCall
	for _, lc := range set {
		if a, ok := lc.Answers[name]; ok {
			lc.Answers = map[string]map[string]review.LabelledAnswer{name: a}
			out = append(out, lc)
		}
	}
	if len(out) == 0 {
		return nil, nil, fmt.Errorf("--scorecard %s: no call of the set is answered for it", name)
	}
	return []*scorecard.Card{card}, out, nil
}

// ratePct prints a rate as a percentage, "-" for none.
func ratePct(n int, rate float64) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*rate)
}

func printEval(w io.Writer, dir, cardsDir string, llm bool, cards []*scorecard.Card, rep review.AgreementReport, list bool) {
	how := "rules only"
	if llm {
		how = "rules and the LLM"
	}
	fmt.Fprintf(w, "%d calls from %s scored with %s (%s); an answer agrees when it is the reviewer's,\n", rep.Calls, dir, cardsDir, how)
	fmt.Fprintln(w, "numbers when they earn the same points (the same band; EXACT: within 0.5%)")
	for _, card := range cards {
		ca := rep.Cards[card.Name]
		if ca == nil {
			continue
		}
		fmt.Fprintf(w, "\n%s: %d calls\n", card.Name, ca.Calls)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "QUESTION\tTYPE\tN\tAGREED\tRATE\tEXACT")
		for _, id := range ca.Order {
			q := ca.Questions[id]
			if !q.Measured {
				fmt.Fprintf(tw, "%s\t%s\t%d\t-\tnot measured (text)\t\n", id, q.Type, q.N)
				continue
			}
			exact := ""
			if q.Type == scorecard.Number {
				exact = fmt.Sprintf("%d (%s)", q.ExactAgreed, ratePct(q.N, q.ExactRate))
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\n", id, q.Type, q.N, q.Agreed, ratePct(q.N, q.Rate), exact)
		}
		fmt.Fprintf(tw, "all questions\t\t%d\t%d\t%s\t%d (%s)\n", ca.N, ca.Agreed, ratePct(ca.N, ca.Rate), ca.ExactAgreed, ratePct(ca.N, ca.ExactRate))
		tw.Flush()
		fmt.Fprintf(w, "pass/fail the same on %d of %d calls; critical failure the same on %d; scores differ by %.1f points on average\n",
			ca.PassAgreed, ca.Calls, ca.CriticalAgreed, ca.ScoreDiff)
		printConfusion(w, card, ca)
	}
	fmt.Fprintf(w, "\noverall: %d of %d answers agree (%s); numbers exact: %d (%s)\n",
		rep.Overall.Agreed, rep.Overall.N, ratePct(rep.Overall.N, rep.Overall.Rate), rep.Overall.ExactAgreed, ratePct(rep.Overall.N, rep.Overall.ExactRate))
	for _, l := range slices.Sorted(maps.Keys(rep.Languages)) {
		t := rep.Languages[l]
		fmt.Fprintf(w, "  %s: %d of %d (%s)\n", l, t.Agreed, t.N, ratePct(t.N, t.Rate))
	}
	if list && len(rep.Disagreements) > 0 {
		fmt.Fprintln(w, "\ndisagreements (call, question: rules → reviewer):")
		for _, d := range rep.Disagreements {
			band := ""
			if d.SameBand {
				band = " (same band)"
			}
			fmt.Fprintf(w, "  %s %s/%s: %s → %s%s\n", d.Call, d.Card, d.Question, d.Auto, d.Reviewer, band)
			if d.Note != "" {
				fmt.Fprintf(w, "      rules: %s\n", d.Note)
			}
			if d.Comment != "" {
				fmt.Fprintf(w, "      reviewer: %s\n", d.Comment)
			}
		}
	}
}

// printConfusion prints, per yes/no and choice question of card, the
// automatic answers (rows) against the reviewer's (columns).
func printConfusion(w io.Writer, card *scorecard.Card, ca *review.CardAgreement) {
	first := true
	for _, s := range card.Sections {
		for _, q := range s.Questions {
			f := ca.Questions[q.ID]
			if f == nil || f.N == 0 || (q.Type != scorecard.YesNo && q.Type != scorecard.Choice) {
				continue
			}
			if first {
				fmt.Fprintln(w, "confusion (rows: rules, columns: reviewer)")
				first = false
			}
			labels := []string{scorecard.Yes, scorecard.No}
			if q.Type == scorecard.Choice {
				labels = labels[:0]
				for _, o := range q.Options {
					labels = append(labels, o.ID)
				}
			}
			labels = append(labels, "na")
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintf(tw, "  %s\t%s\n", q.ID, strings.Join(labels, "\t"))
			for _, row := range labels {
				cells := make([]string, len(labels))
				total := 0
				for i, col := range labels {
					n := f.Confusion[row][col]
					total += n
					cells[i] = fmt.Sprint(n)
				}
				if total == 0 && row == "na" {
					continue
				}
				fmt.Fprintf(tw, "    %s\t%s\n", row, strings.Join(cells, "\t"))
			}
			tw.Flush()
		}
	}
}
