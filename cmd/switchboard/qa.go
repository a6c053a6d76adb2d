package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/switchboard-voice/switchboard/internal/config"
	"github.com/switchboard-voice/switchboard/qa/review"
	"github.com/switchboard-voice/switchboard/qa/scorecard"
	scorecardopenai "github.com/switchboard-voice/switchboard/qa/scorecard/openai"
	"github.com/switchboard-voice/switchboard/store"
)

func init() {
	register(&command{name: "qa", summary: "score calls, rescore past calls with the active scorecards, reviewer agreement", run: runQA})
}

func runQA(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "qa", "rescore|score|agreement ...", `
Quality assurance on the configured store (database in --config).

  rescore --since DATE [--until DATE] [--scorecard NAME] [--json]
      score the calls that started in [since, until) again with the active
      scorecard versions (or one card), applying the reviewers' overrides
      where they still fit; prints what changed and the overrides that no
      longer fit. DATE is YYYY-MM-DD (in --tz; until inclusive) or an RFC
      3339 time (until exclusive).

  score --session ID
      score one call now, as when it ends: sentiment, scorecards, session
      summary, redacted copy of its recording.

  agreement [--scorecard NAME] [--json]
      per question, how often reviewers' overrides agreed with the
      automatic answers.

  agreement --eval DIR [--scorecards DIR] [--min RATE] [--disagreements] [--json]
      no store: score the labelled calls of DIR (NAME.json, a qa.Call, and
      NAME.review.json, a reviewer's answers; see
      qa/review/testdata/agreement) with the scorecards of --scorecards
      (default ./scorecards), rules only unless --llm, and report per
      question, card, language and overall how often the automatic answers
      agree with the reviewer's, the confusion of yes/no and choice
      questions, and the effect on the calls' scores; fails below --min.

Common flags: --config FILE, --scorecards DIR (publish the folder's new or
changed cards first), --llm (answer the questions that ask for it with the
configured llm.model; rules only without it).`)
	if err := parse(e, fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	switch fs.Arg(0) {
	case "rescore":
		return qaRescore(ctx, e, fs.Args()[1:])
	case "score":
		return qaScore(ctx, e, fs.Args()[1:])
	case "agreement":
		return qaAgreement(ctx, e, fs.Args()[1:])
	}
	fs.Usage()
	return errUsage
}

// qaFlags are the flags every qa subcommand has.
type qaFlags struct {
	config, cards *string
	llm           *bool
}

func addQAFlags(fs *flag.FlagSet) qaFlags {
	return qaFlags{
		config: fs.String("config", "", "configuration file (default ./switchboard.yaml when present)"),
		cards:  fs.String("scorecards", "", "publish the new or changed scorecards of this folder first"),
		llm:    fs.Bool("llm", false, "answer llm questions with the configured llm.model"),
	}
}

// open opens the store and builds the review service.
func (f qaFlags) open(ctx context.Context, e *env) (*review.Service, store.Store, error) {
	cfg, err := loadConfig(*f.config)
	if err != nil {
		return nil, nil, err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	svc, err := newReview(cfg, st, *f.llm)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	if *f.cards != "" {
		loaded, err := svc.LoadDir(ctx, *f.cards)
		if err != nil {
			st.Close()
			return nil, nil, err
		}
		for _, l := range loaded {
			if l.Published {
				fmt.Fprintf(e.stderr, "scorecard %s: published version %d\n", l.Name, l.Version)
			}
		}
	}
	return svc, st, nil
}

// newReview builds the QA review service of a configuration: redaction on
// with its defaults, recordings where serve writes them, rules only unless
// withLLM (then llm.model answers the questions that ask for it).
func newReview(cfg config.Config, st store.Store, withLLM bool) (*review.Service, error) {
	red, err := cfg.QA.Redaction.New()
	if err != nil {
		return nil, err
	}
	senti, err := newSentiment(cfg)
	if err != nil {
		return nil, err
	}
	rc := review.Config{Store: st, Redactor: red, Sentiment: senti, RecordingDir: recordingDir(cfg)}
	if !cfg.QA.Redaction.On() {
		rc.Redactor = nil
	}
	if withLLM {
		if cfg.LLM.Model == "" {
			return nil, fmt.Errorf("%w: --llm needs llm.model (or SWITCHBOARD_LLM_MODEL) in the configuration", errUsage)
		}
		ans, err := scorecardopenai.New(scorecardopenai.Config{BaseURL: cfg.LLM.BaseURL, APIKey: cfg.LLM.APIKey, Model: cfg.LLM.Model, Timeout: cfg.LLM.Timeout})
		if err != nil {
			return nil, err
		}
		rc.Evaluator = scorecard.NewEvaluator(scorecard.WithAnswerer(ans))
	}
	return review.New(rc)
}

// parseDay reads a date (YYYY-MM-DD in loc; with end, the end of that
// day) or an RFC 3339 time.
func parseDay(s string, loc *time.Location, end bool) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	d, err := time.ParseInLocation(time.DateOnly, s, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither a date (2026-03-02) nor an RFC 3339 time", s)
	}
	if end {
		d = d.AddDate(0, 0, 1)
	}
	return d, nil
}

func qaRescore(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "qa rescore", "", "Score past calls again with the active scorecards.")
	qf := addQAFlags(fs)
	since := fs.String("since", "", "first day (YYYY-MM-DD) or time (RFC 3339) of the calls' start; required")
	until := fs.String("until", "", "last day, inclusive (or an RFC 3339 time, exclusive); default now")
	card := fs.String("scorecard", "", "rescore with this card only")
	tz := fs.String("tz", "UTC", "time zone of the dates")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	if *since == "" || fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	loc, err := time.LoadLocation(*tz)
	if err != nil {
		return fmt.Errorf("%w: --tz: %v", errUsage, err)
	}
	opts := review.RescoreOptions{Scorecard: *card}
	if opts.Since, err = parseDay(*since, loc, false); err != nil {
		return fmt.Errorf("%w: --since %v", errUsage, err)
	}
	if *until != "" {
		if opts.Until, err = parseDay(*until, loc, true); err != nil {
			return fmt.Errorf("%w: --until %v", errUsage, err)
		}
	}
	svc, st, err := qf.open(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
	bar := newProgress(e.stderr, "rescoring", isTerminal(e.stderr))
	rep, err := svc.Rescore(ctx, opts, bar.update)
	bar.done()
	if err != nil && ctx.Err() == nil {
		return err
	}
	if *asJSON {
		out := struct {
			review.RescoreReport
			ElapsedSeconds float64 `json:"elapsed_seconds"`
		}{rep, rep.Elapsed.Seconds()}
		if encErr := json.NewEncoder(e.stdout).Encode(out); encErr != nil {
			return encErr
		}
	} else {
		printRescore(e.stdout, rep)
	}
	return err
}

func printRescore(w io.Writer, rep review.RescoreReport) {
	fmt.Fprintf(w, "%d calls rescored in %s (%d still open, skipped); %d results saved, %d changed; %d calls no card applied to\n",
		rep.Sessions, rep.Elapsed.Round(time.Millisecond), rep.Skipped, rep.Results, rep.Changed, rep.NotApplicable)
	if len(rep.Cards) > 0 {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "\nSCORECARD\tVERSION\tRESULTS\tCHANGED\tMEAN BEFORE\tMEAN AFTER")
		for _, c := range rep.Cards {
			before := "-"
			if c.Before > 0 {
				before = fmt.Sprintf("%.2f (%d)", c.MeanBefore, c.Before)
			}
			fmt.Fprintf(tw, "%s\tv%d\t%d\t%d\t%s\t%.2f\n", c.Name, c.Version, c.Results, c.Changed, before, c.MeanAfter)
		}
		tw.Flush()
	}
	if len(rep.Stale) > 0 {
		fmt.Fprintf(w, "\n%d overrides no longer fit the card (kept, not applied):\n", len(rep.Stale))
		for _, s := range rep.Stale {
			fmt.Fprintf(w, "  session %s, %s/%s = %q by %s: %s\n", s.SessionID, s.Scorecard, s.Question, s.Answer, s.Reviewer, s.Reason)
		}
	}
	if len(rep.Failed) > 0 {
		fmt.Fprintf(w, "\n%d calls failed:\n", len(rep.Failed))
		for _, f := range rep.Failed {
			fmt.Fprintf(w, "  session %s: %s\n", f.SessionID, f.Error)
		}
	}
}

func qaScore(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "qa score", "", "Score one call now.")
	qf := addQAFlags(fs)
	id := fs.String("session", "", "the session ID; required")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	if *id == "" || fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	svc, st, err := qf.open(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := svc.Score(ctx, *id); err != nil {
		return err
	}
	results, err := svc.Results(ctx, *id)
	if err != nil {
		return err
	}
	if len(results) == 0 {
		fmt.Fprintf(e.stdout, "session %s: no active scorecard applies\n", *id)
	}
	for _, r := range results {
		flag := ""
		if r.CriticalFailed {
			flag = "  critical: " + strings.Join(r.Critical, ", ")
		}
		if r.NeedsReview {
			flag += "  needs review"
		}
		fmt.Fprintf(e.stdout, "session %s: %s v%d score %.2f%s\n", *id, r.Card, r.CardVersion, r.Score, flag)
	}
	return nil
}

func qaAgreement(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "qa agreement", "", "Per question, how often reviewers agreed with the automatic answers.")
	qf := addQAFlags(fs)
	card := fs.String("scorecard", "", "one card (default all)")
	asJSON := fs.Bool("json", false, "print JSON")
	ef := addEvalFlags(fs)
	if err := parse(e, fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	if *ef.dir != "" {
		return qaAgreementEval(ctx, e, qf, ef, *card, *asJSON)
	}
	if ef.set() {
		return agreementUsage(e, "--min and --disagreements go with --eval")
	}
	svc, st, err := qf.open(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
	ag, err := svc.Agreement(ctx, *card)
	if err != nil {
		return err
	}
	if *asJSON {
		if ag == nil {
			ag = []scorecard.QuestionAgreement{}
		}
		return json.NewEncoder(e.stdout).Encode(ag)
	}
	if len(ag) == 0 {
		fmt.Fprintln(e.stdout, "no reviewed answers yet")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SCORECARD\tQUESTION\tREVIEWED\tAGREED\tRATE\tBY SOURCE")
	for _, a := range ag {
		rate := "-"
		if a.Reviewed > 0 {
			rate = fmt.Sprintf("%.0f%%", 100*a.Rate)
		}
		var src []string
		for s, x := range a.BySource {
			src = append(src, fmt.Sprintf("%s %d/%d", s, x.Agreed, x.Reviewed))
		}
		sort.Strings(src)
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\n", a.Card, a.Question, a.Reviewed, a.Agreed, rate, strings.Join(src, ", "))
	}
	return tw.Flush()
}

// progress draws a progress bar on a terminal, or prints a line at every
// tenth of the way otherwise.
type progress struct {
	w     io.Writer
	what  string
	tty   bool
	start time.Time
	last  time.Time
	tenth int
	drawn bool
	now   func() time.Time
	width int
}

func newProgress(w io.Writer, what string, tty bool) *progress {
	return &progress{w: w, what: what, tty: tty, start: time.Now(), now: time.Now, width: 30}
}

func (p *progress) update(done, total int) {
	now := p.now()
	if !p.tty {
		if total == 0 {
			return
		}
		if t := done * 10 / total; t > p.tenth || done == total {
			p.tenth = t
			fmt.Fprintf(p.w, "%s: %d/%d calls (%d%%)\n", p.what, done, total, 100*done/total)
		}
		return
	}
	if done < total && now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last = now
	filled := 0
	if total > 0 {
		filled = p.width * done / total
	}
	elapsed := now.Sub(p.start).Seconds()
	rate, eta := 0.0, "--:--"
	if elapsed > 0 && done > 0 {
		rate = float64(done) / elapsed
		left := time.Duration(float64(total-done) / rate * float64(time.Second))
		eta = fmt.Sprintf("%d:%02d", int(left.Minutes()), int(left.Seconds())%60)
	}
	pct := 0
	if total > 0 {
		pct = 100 * done / total
	}
	fmt.Fprintf(p.w, "\r%s [%s%s] %d/%d %3d%% %.1f calls/s ETA %s ", p.what,
		strings.Repeat("#", filled), strings.Repeat(".", p.width-filled), done, total, pct, rate, eta)
	p.drawn = true
}

// done ends the bar's line.
func (p *progress) done() {
	if p.tty && p.drawn {
		fmt.Fprintln(p.w)
	}
}
