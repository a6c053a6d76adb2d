package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/switchboard-voice/switchboard/prompts"
	"gopkg.in/yaml.v3"
)

// errLint: problems were printed; exit status 1 without another message.
var errLint = errors.New("lint problems")

func init() {
	register(&command{name: "flows", summary: "lint bot definitions, import intent examples", run: runFlows})
}

func runFlows(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "flows", "lint DIR... | import-csv --bot DIR --csv FILE", `
Work with bot definitions (folders of YAML, see bots/README.md).

  lint DIR...                      validate bots; problems are printed as
                                   file:line: message, exit status 1
  import-csv --bot DIR --csv FILE  add a text,category CSV to the bot's
                                   intent examples (intent_csv) and declare
                                   its categories as intents`)
	if err := parse(e, fs, args); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) == 0 {
		fs.Usage()
		return errUsage
	}
	switch rest[0] {
	case "lint":
		return flowsLint(ctx, e, rest[1:])
	case "import-csv":
		return flowsImport(ctx, e, rest[1:])
	}
	fmt.Fprintf(e.stderr, "switchboard flows: unknown subcommand %q (lint, import-csv)\n", rest[0])
	return errUsage
}

func flowsLint(_ context.Context, e *env, args []string) error {
	fs := flags(e, "flows lint", "DIR...", "Validate bot folders. Each problem is printed as file:line: message.")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	bad := false
	for _, dir := range fs.Args() {
		b, err := prompts.Load(dir)
		var ps prompts.Problems
		if errors.As(err, &ps) {
			bad = true
			for _, p := range ps {
				fmt.Fprintln(e.stdout, p.String())
			}
			continue
		}
		if err != nil {
			bad = true
			fmt.Fprintf(e.stdout, "%s: %v\n", dir, err)
			continue
		}
		if ps := prompts.Lint(b); len(ps) > 0 {
			bad = true
			for _, p := range ps {
				fmt.Fprintln(e.stdout, p.String())
			}
			continue
		}
		n := 0
		for _, in := range b.Intents {
			n += len(in.Examples)
		}
		fmt.Fprintf(e.stderr, "%s: ok (bot %s: %d intents, %d examples, %d flows, %d articles)\n",
			dir, b.Name, len(b.Intents), n, len(b.Flows), len(b.Knowledge))
	}
	if bad {
		return errLint
	}
	return nil
}

func flowsImport(_ context.Context, e *env, args []string) error {
	fs := flags(e, "flows import-csv", "", `
Add a CSV of intent examples (columns text,category, with a header) to a bot.
The CSV is referenced from the bot (intent_csv in intents/imported.yaml), not
copied, and every category the bot does not declare yet is declared as an
intent that hands off to the bot's default queue until someone writes its
answer or flow.`)
	botDir := fs.String("bot", "", "bot folder")
	csvPath := fs.String("csv", "", "CSV file of text,category rows")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	if *botDir == "" || *csvPath == "" {
		fs.Usage()
		return errUsage
	}
	rows, err := prompts.ReadExamplesCSV(*csvPath)
	if err != nil {
		return fmt.Errorf("%s: %w", *csvPath, err)
	}
	absBot, err := filepath.Abs(*botDir)
	if err != nil {
		return err
	}
	absCSV, err := filepath.Abs(*csvPath)
	if err != nil {
		return err
	}
	rel, err := filepath.Rel(absBot, absCSV)
	if err != nil {
		rel = absCSV
	}
	// Read the bot's YAML without the CSVs to see what is declared.
	declared := map[string]bool{}
	queue := "general"
	var csvs []string
	err = filepath.WalkDir(*botDir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var part prompts.Bot
		if err := yaml.Unmarshal(data, &part); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		for _, in := range part.Intents {
			declared[in.Name] = true
		}
		csvs = append(csvs, part.IntentCSV...)
		if part.Handoff.Queue != "" {
			queue = part.Handoff.Queue
		}
		return nil
	})
	if err != nil {
		return err
	}
	counts := map[string]int{}
	for _, r := range rows {
		counts[r.Intent]++
	}
	var missing []string
	for c := range counts {
		if !declared[c] {
			missing = append(missing, c)
		}
	}
	sort.Strings(missing)
	out := filepath.Join(*botDir, "intents", "imported.yaml")
	var doc struct {
		IntentCSV []string         `yaml:"intent_csv,omitempty"`
		Intents   []prompts.Intent `yaml:"intents,omitempty"`
	}
	if data, err := os.ReadFile(out); err == nil {
		if err := yaml.Unmarshal(data, &doc); err != nil {
			return fmt.Errorf("%s: %w", out, err)
		}
	}
	already := false
	for _, c := range csvs {
		if c == rel {
			already = true
		}
	}
	if !already {
		doc.IntentCSV = append(doc.IntentCSV, rel)
	}
	for _, m := range missing {
		doc.Intents = append(doc.Intents, prompts.Intent{
			Name:        m,
			Description: "imported from " + filepath.Base(*csvPath) + "; hands off until an answer or flow is written",
			Handoff:     queue,
		})
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	data, err := yaml.Marshal(&doc)
	if err != nil {
		return err
	}
	header := "# Written by `switchboard flows import-csv`. The examples stay in the CSV.\n"
	if err := os.WriteFile(out, append([]byte(header), data...), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: %d examples in %d categories; %d categories were already intents, %d declared in %s; intent_csv %s\n",
		*csvPath, len(rows), len(counts), len(counts)-len(missing), len(missing), out, map[bool]string{true: "already listed", false: "added: " + rel}[already])
	return nil
}
