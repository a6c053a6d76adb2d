package review

import (
	"cmp"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/switchboard-voice/switchboard/qa/scorecard"
	"github.com/switchboard-voice/switchboard/store"
)

// DashboardQuery selects the calls of a dashboard.
type DashboardQuery struct {
	// Since (inclusive) and Until (exclusive) bound the calls' start; both
	// are required.
	Since, Until time.Time
	// Bot, Queue and Agent narrow the calls ("" for all).
	Bot, Queue, Agent string
	// Location cuts the days of the daily figures (default UTC).
	Location *time.Location
}

// MaxDashboardDays bounds a dashboard's range.
const MaxDashboardDays = 366

// Dashboard holds the QA figures of the calls that started in a range.
// Every list is a table (see Tables and CSV); days are "2006-01-02" in the
// query's location, in order.
type Dashboard struct {
	Since    time.Time `json:"since"`
	Until    time.Time `json:"until"`
	Sessions int       `json:"sessions"`
	// Containment: bot sessions that ended resolved without a human (no
	// handoff, no agent) over all bot sessions that ended, abandoned ones
	// included.
	Containment      Rate   `json:"containment"`
	ContainmentDaily []Rate `json:"containment_daily"`
	// HandoffReasons counts the handed-off sessions by reason, most
	// frequent first.
	HandoffReasons []Count     `json:"handoff_reasons"`
	HandleTime     HandleTimes `json:"handle_time"`
	// Agents and Queues: the average session score (the primary card's)
	// per agent and per queue, overall and per day.
	Agents      []ScoreGroup `json:"agents"`
	AgentsDaily []ScoreGroup `json:"agents_daily"`
	Queues      []ScoreGroup `json:"queues"`
	QueuesDaily []ScoreGroup `json:"queues_daily"`
	// Scores is the average session score per day.
	Scores []ScoreGroup `json:"scores"`
	// Questions is the average share of its points each question earned
	// per day (answers that counted, overrides applied), of every card.
	Questions []QuestionDay `json:"questions"`
	// Sentiment is the average caller sentiment (-1..1) per day.
	Sentiment []ScoreGroup `json:"sentiment"`
	// Alerts counts the calls' alerts by kind.
	Alerts []Count `json:"alerts"`
	// Agreement: how often reviewers agreed with the automatic answers,
	// per card and question, over the calls' results.
	Agreement []scorecard.QuestionAgreement `json:"agreement"`
	// Elapsed is how long the figures took to compute.
	Elapsed time.Duration `json:"elapsed"`
}

// Rate is a containment rate, overall (Day "") or of one day.
type Rate struct {
	Day string `json:"day,omitempty"`
	// BotSessions ended; Contained of them resolved by the bot alone.
	BotSessions int     `json:"bot_sessions"`
	Contained   int     `json:"contained"`
	Rate        float64 `json:"rate"`
}

// Count is a key and how often it occurred.
type Count struct {
	Key   string `json:"key"`
	Count int    `json:"count"`
}

// HandleTimes are the average handle time of agent calls and the average
// length of all calls, in seconds.
type HandleTimes struct {
	// AgentCalls counts the ended calls an agent took; FromWrapups of them
	// have a handle time from the agents' wrap-ups (their sum when the
	// call was transferred); the others count with the call's length from
	// its start to its end (the bot's part and the queue included).
	AgentCalls  int     `json:"agent_calls"`
	FromWrapups int     `json:"from_wrapups"`
	Average     float64 `json:"average_seconds"`
	// Calls is how many calls ended; AverageCall their average length.
	Calls       int     `json:"calls"`
	AverageCall float64 `json:"average_call_seconds"`
}

// ScoreGroup is an average over the calls of a group: an agent, a queue,
// a day, or both.
type ScoreGroup struct {
	Key     string  `json:"key,omitempty"`
	Day     string  `json:"day,omitempty"`
	Calls   int     `json:"calls"`
	Average float64 `json:"average"`
}

// QuestionDay is one question's average on one day.
type QuestionDay struct {
	Day      string `json:"day"`
	Card     string `json:"card"`
	Question string `json:"question"`
	Text     string `json:"text,omitempty"`
	// Answers counted; Average share of the question's weight they
	// earned, in percent.
	Answers int     `json:"answers"`
	Average float64 `json:"average"`
}

// dashboardPage is how many sessions and results a dashboard reads at a
// time (the store's maximum page).
const (
	dashboardPage = 500
	resultsPage   = 10000
)

// Dashboard computes the QA figures of the calls that started in the
// query's range, from the store: sessions (SearchSessions, a page at a
// time), the wrap-ups of agent calls, the alerts of calls that have some,
// and the results scored since the range began.
func (s *Service) Dashboard(ctx context.Context, q DashboardQuery) (*Dashboard, error) {
	start := time.Now()
	if q.Since.IsZero() || q.Until.IsZero() || !q.Since.Before(q.Until) {
		return nil, fmt.Errorf("%w: a dashboard needs since before until", ErrInvalid)
	}
	if q.Until.Sub(q.Since) > MaxDashboardDays*24*time.Hour {
		return nil, fmt.Errorf("%w: a dashboard covers at most %d days", ErrInvalid, MaxDashboardDays)
	}
	loc := q.Location
	if loc == nil {
		loc = time.UTC
	}
	d := &Dashboard{Since: q.Since, Until: q.Until}
	day := func(t time.Time) string { return t.In(loc).Format(time.DateOnly) }

	contain := newRates()
	reasons := map[string]int{}
	alerts := map[string]int{}
	agents, agentsDaily := newAverages(), newAverages()
	queues, queuesDaily := newAverages(), newAverages()
	scores, sentiments := newAverages(), newAverages()
	inRange := map[string]string{} // session → day
	var handle, calls float64

	sq := store.SessionQuery{Since: q.Since, Until: q.Until, Bot: q.Bot, Queue: q.Queue, Agent: q.Agent, Sort: "started_at", Limit: dashboardPage}
	for {
		page, err := s.st.SearchSessions(ctx, sq)
		if err != nil {
			return nil, err
		}
		for _, r := range page.Rows {
			d.Sessions++
			dd := day(r.StartedAt)
			inRange[r.ID] = dd
			if r.Bot != "" && r.Outcome != "" {
				contained := r.Outcome == store.OutcomeResolved && r.AgentID == "" && r.HandoffQueue == ""
				contain.add(dd, contained)
			}
			if r.Outcome == store.OutcomeHandedOff {
				reasons[cmp.Or(r.HandoffReason, "(none given)")]++
			}
			queue := cmp.Or(r.Queue, r.HandoffQueue)
			if r.Score != nil {
				scores.add("", dd, *r.Score)
				if r.AgentID != "" {
					agents.add(r.AgentID, "", *r.Score)
					agentsDaily.add(r.AgentID, dd, *r.Score)
				}
				if queue != "" {
					queues.add(queue, "", *r.Score)
					queuesDaily.add(queue, dd, *r.Score)
				}
			}
			if r.Sentiment != nil {
				sentiments.add("", dd, *r.Sentiment)
			}
			if r.Alerts > 0 {
				as, err := s.st.Alerts(ctx, store.AlertFilter{SessionID: r.ID, Limit: 10000})
				if err != nil {
					return nil, err
				}
				for _, a := range as {
					alerts[a.Kind]++
				}
			}
			end := r.CallEndedAt
			if end.IsZero() {
				end = r.EndedAt
			}
			if end.IsZero() {
				continue
			}
			length := end.Sub(r.StartedAt).Seconds()
			d.HandleTime.Calls++
			calls += length
			if r.AgentID == "" {
				continue
			}
			d.HandleTime.AgentCalls++
			ws, err := s.st.Wrapups(ctx, r.ID)
			if err != nil {
				return nil, err
			}
			var wrapped time.Duration
			for _, w := range ws {
				wrapped += w.HandleTime
			}
			if wrapped > 0 {
				d.HandleTime.FromWrapups++
				handle += wrapped.Seconds()
			} else {
				handle += length
			}
		}
		if len(page.Rows) < sq.Limit {
			break
		}
		sq.Offset += len(page.Rows)
	}
	if d.HandleTime.AgentCalls > 0 {
		d.HandleTime.Average = round2(handle / float64(d.HandleTime.AgentCalls))
	}
	if d.HandleTime.Calls > 0 {
		d.HandleTime.AverageCall = round2(calls / float64(d.HandleTime.Calls))
	}
	d.Containment, d.ContainmentDaily = contain.list()
	d.HandoffReasons, d.Alerts = counts(reasons), counts(alerts)
	d.Agents, d.AgentsDaily = agents.list(), agentsDaily.list()
	d.Queues, d.QueuesDaily = queues.list(), queuesDaily.list()
	d.Scores, d.Sentiment = scores.list(), sentiments.list()

	var results []store.QAResult
	err := s.eachResult(ctx, "", q.Since, func(r store.QAResult) {
		if _, ok := inRange[r.SessionID]; ok {
			results = append(results, r)
		}
	})
	if err != nil {
		return nil, err
	}
	type qkey struct{ day, card, question string }
	questions := map[qkey]*QuestionDay{}
	var decoded []scorecard.Result
	cards := map[cardKey]*scorecard.Card{}
	for _, r := range results {
		var res scorecard.Result
		if err := json.Unmarshal(r.Result, &res); err != nil {
			s.log.Warn("stored result unreadable", "session_id", r.SessionID, "scorecard", r.Scorecard, "err", err)
			continue
		}
		decoded = append(decoded, res)
		ck := cardKey{r.Scorecard, r.Version}
		card, looked := cards[ck]
		if !looked {
			card, _ = s.card(ctx, r.Scorecard, r.Version) // nil when gone: no question texts
			cards[ck] = card
		}
		for _, a := range res.Answers {
			if !a.Counted || a.Weight <= 0 {
				continue
			}
			k := qkey{inRange[r.SessionID], r.Scorecard, a.Question}
			qd := questions[k]
			if qd == nil {
				qd = &QuestionDay{Day: k.day, Card: k.card, Question: k.question}
				if card != nil {
					if qq := findQuestion(card, a.Question); qq != nil {
						qd.Text = qq.Text
					}
				}
				questions[k] = qd
			}
			qd.Answers++
			qd.Average += 100 * a.Points / a.Weight // a sum until divided below
		}
	}
	for _, qd := range questions {
		qd.Average = round2(qd.Average / float64(qd.Answers))
		d.Questions = append(d.Questions, *qd)
	}
	slices.SortFunc(d.Questions, func(a, b QuestionDay) int {
		return cmp.Or(cmp.Compare(a.Card, b.Card), cmp.Compare(a.Question, b.Question), cmp.Compare(a.Day, b.Day))
	})
	d.Agreement = scorecard.Agreement(decoded)
	d.Elapsed = time.Since(start)
	return d, nil
}

// eachResult calls fn with every stored result of a card ("" for all)
// scored since then, once each, reading a page at a time.
func (s *Service) eachResult(ctx context.Context, card string, since time.Time, fn func(store.QAResult)) error {
	type key struct{ session, card string }
	seen := map[key]bool{}
	for {
		page, err := s.st.ScorecardResults(ctx, card, since, resultsPage)
		if err != nil {
			return err
		}
		for _, r := range page {
			k := key{r.SessionID, r.Scorecard}
			if !seen[k] {
				seen[k] = true
				fn(r)
			}
		}
		if len(page) < resultsPage {
			return nil
		}
		next := page[len(page)-1].ScoredAt
		if !next.After(since) {
			return fmt.Errorf("review: more than %d results scored at %s", resultsPage, since)
		}
		since = next
	}
}

// rates accumulates containment.
type rates struct {
	all  Rate
	days map[string]*Rate
}

func newRates() *rates { return &rates{days: map[string]*Rate{}} }

func (r *rates) add(day string, contained bool) {
	d := r.days[day]
	if d == nil {
		d = &Rate{Day: day}
		r.days[day] = d
	}
	for _, x := range []*Rate{&r.all, d} {
		x.BotSessions++
		if contained {
			x.Contained++
		}
	}
}

func (r *rates) list() (Rate, []Rate) {
	fix := func(x *Rate) {
		if x.BotSessions > 0 {
			x.Rate = round4(float64(x.Contained) / float64(x.BotSessions))
		}
	}
	fix(&r.all)
	out := []Rate{}
	for _, k := range sortedKeys(r.days) {
		fix(r.days[k])
		out = append(out, *r.days[k])
	}
	return r.all, out
}

// averages accumulates means per (key, day).
type averages map[[2]string]*ScoreGroup

func newAverages() averages { return averages{} }

func (a averages) add(key, day string, v float64) {
	k := [2]string{key, day}
	g := a[k]
	if g == nil {
		g = &ScoreGroup{Key: key, Day: day}
		a[k] = g
	}
	g.Calls++
	g.Average += v
}

// list returns the means by key, then day.
func (a averages) list() []ScoreGroup {
	out := make([]ScoreGroup, 0, len(a))
	for _, g := range a {
		x := *g
		x.Average = round4(x.Average / float64(x.Calls))
		out = append(out, x)
	}
	slices.SortFunc(out, func(x, y ScoreGroup) int {
		return cmp.Or(cmp.Compare(x.Key, y.Key), cmp.Compare(x.Day, y.Day))
	})
	return out
}

// counts lists a tally, most frequent first (then by key).
func counts(m map[string]int) []Count {
	out := make([]Count, 0, len(m))
	for k, n := range m {
		out = append(out, Count{k, n})
	}
	slices.SortFunc(out, func(a, b Count) int { return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Key, b.Key)) })
	return out
}

func round4(x float64) float64 { return math.Round(x*10000) / 10000 }

// Tables names the dashboard's tables, for CSV.
func Tables() []string {
	return []string{"containment", "handoff_reasons", "handle_time", "agents", "agents_daily", "queues",
		"queues_daily", "scores", "questions", "sentiment", "alerts", "agreement"}
}

// CSV writes one of the dashboard's tables (see Tables) as CSV with a
// header row. An unknown table is ErrInvalid.
func (d *Dashboard) CSV(w io.Writer, table string) error {
	var rows [][]string
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	n := strconv.Itoa
	groups := func(gs []ScoreGroup, cols ...string) {
		rows = append(rows, cols)
		for _, g := range gs {
			row := []string{}
			for _, c := range cols {
				switch c {
				case "day":
					row = append(row, g.Day)
				case "calls":
					row = append(row, n(g.Calls))
				case "average", "average_score", "average_sentiment":
					row = append(row, f(g.Average))
				default:
					row = append(row, g.Key)
				}
			}
			rows = append(rows, row)
		}
	}
	switch table {
	case "containment":
		rows = append(rows, []string{"day", "bot_sessions", "contained", "rate"})
		for _, r := range append(d.ContainmentDaily, Rate{Day: "all", BotSessions: d.Containment.BotSessions, Contained: d.Containment.Contained, Rate: d.Containment.Rate}) {
			rows = append(rows, []string{r.Day, n(r.BotSessions), n(r.Contained), f(r.Rate)})
		}
	case "handoff_reasons", "alerts":
		cs, col := d.HandoffReasons, "reason"
		if table == "alerts" {
			cs, col = d.Alerts, "kind"
		}
		rows = append(rows, []string{col, "count"})
		for _, c := range cs {
			rows = append(rows, []string{c.Key, n(c.Count)})
		}
	case "handle_time":
		h := d.HandleTime
		rows = append(rows, []string{"agent_calls", "from_wrapups", "average_handle_seconds", "calls", "average_call_seconds"},
			[]string{n(h.AgentCalls), n(h.FromWrapups), f(h.Average), n(h.Calls), f(h.AverageCall)})
	case "agents":
		groups(d.Agents, "agent", "calls", "average_score")
	case "agents_daily":
		groups(d.AgentsDaily, "day", "agent", "calls", "average_score")
	case "queues":
		groups(d.Queues, "queue", "calls", "average_score")
	case "queues_daily":
		groups(d.QueuesDaily, "day", "queue", "calls", "average_score")
	case "scores":
		groups(d.Scores, "day", "calls", "average_score")
	case "sentiment":
		groups(d.Sentiment, "day", "calls", "average_sentiment")
	case "questions":
		rows = append(rows, []string{"day", "card", "question", "text", "answers", "average_percent"})
		for _, q := range d.Questions {
			rows = append(rows, []string{q.Day, q.Card, q.Question, q.Text, n(q.Answers), f(q.Average)})
		}
	case "agreement":
		rows = append(rows, []string{"card", "question", "reviewed", "agreed", "unanswered", "rate"})
		for _, a := range d.Agreement {
			rows = append(rows, []string{a.Card, a.Question, n(a.Reviewed), n(a.Agreed), n(a.Unanswered), f(round4(a.Rate))})
		}
	default:
		return fmt.Errorf("%w: no dashboard table %q (want one of %v)", ErrInvalid, table, Tables())
	}
	cw := csv.NewWriter(w)
	if err := cw.WriteAll(rows); err != nil {
		return err
	}
	return cw.Error()
}

// Agreement returns, per question, how often reviewers agreed with the
// automatic answers, over every stored result of a card ("" for all cards).
func (s *Service) Agreement(ctx context.Context, card string) ([]scorecard.QuestionAgreement, error) {
	var results []scorecard.Result
	err := s.eachResult(ctx, card, time.Time{}, func(r store.QAResult) {
		var res scorecard.Result
		if err := json.Unmarshal(r.Result, &res); err != nil {
			s.log.Warn("stored result unreadable", "session_id", r.SessionID, "scorecard", r.Scorecard, "err", err)
			return
		}
		results = append(results, res)
	})
	if err != nil {
		return nil, err
	}
	return scorecard.Agreement(results), nil
}
