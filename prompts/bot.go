package prompts

import "time"

// Bot is one bot definition: everything a dialogue manager needs to serve a
// conversation. A Bot is loaded from a folder of YAML files (see Load) or
// decoded from a published version stored as JSON.
type Bot struct {
	// Name identifies the bot (lower-case letters, digits, '-' and '_').
	Name string `yaml:"name" json:"name"`
	// Description is a one-line summary for operators.
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	// Languages the bot serves, BCP 47 primary tags ("en", "zh"). The first
	// one is the default.
	Languages []string `yaml:"languages" json:"languages"`
	// Persona is a short description of who the bot is ("Ava, the bank's
	// assistant"), used in prompts and summaries.
	Persona string `yaml:"persona,omitempty" json:"persona,omitempty"`
	// SystemPrompt is the LLM system prompt when LLM mode is on.
	SystemPrompt string `yaml:"system_prompt,omitempty" json:"system_prompt,omitempty"`
	// Greeting is said when a conversation starts.
	Greeting string `yaml:"greeting" json:"greeting"`
	// Fallback is said when the caller is not understood.
	Fallback string `yaml:"fallback" json:"fallback"`
	// Goodbye is said when the conversation ends normally.
	Goodbye string `yaml:"goodbye,omitempty" json:"goodbye,omitempty"`
	// NLU tunes the embedded intent classifier.
	NLU NLUSettings `yaml:"nlu,omitempty" json:"nlu,omitempty"`
	// LLM switches LLM mode on for this bot.
	LLM LLMSettings `yaml:"llm,omitempty" json:"llm,omitempty"`
	// Handoff says when the bot hands the caller to a human.
	Handoff HandoffRules `yaml:"handoff" json:"handoff"`
	// Intents the bot understands, with examples and what to do.
	Intents []Intent `yaml:"intents,omitempty" json:"intents,omitempty"`
	// IntentCSV names CSV files (text,category), relative to the bot folder,
	// whose rows are added as examples of the intents they name.
	IntentCSV []string `yaml:"intent_csv,omitempty" json:"intent_csv,omitempty"`
	// Entities are custom entity types (lists with synonyms, patterns).
	Entities []EntityType `yaml:"entities,omitempty" json:"entities,omitempty"`
	// Flows are the deterministic conversations the bot can run.
	Flows []Flow `yaml:"flows,omitempty" json:"flows,omitempty"`
	// Knowledge is the bot's knowledge base.
	Knowledge []Article `yaml:"knowledge,omitempty" json:"knowledge,omitempty"`

	// Dir is the folder the bot was loaded from ("" when decoded from JSON).
	Dir string `yaml:"-" json:"-"`
	// Source maps a definition path (see Pos) to where it was read.
	Source map[string]Pos `yaml:"-" json:"-"`
}

// Pos is a place in a bot definition file.
type Pos struct {
	File string `json:"file"`
	Line int    `json:"line"`
}

// NLUSettings tunes the embedded classifier for one bot.
type NLUSettings struct {
	// Threshold is the confidence below which an utterance is out of scope.
	// Zero means the classifier's tuned default.
	Threshold float64 `yaml:"threshold,omitempty" json:"threshold,omitempty"`
}

// LLMSettings switches LLM mode on for a bot. The endpoint, model and key
// come from the server configuration unless overridden here.
type LLMSettings struct {
	// Enabled turns LLM mode on.
	Enabled bool `yaml:"enabled" json:"enabled"`
	// Model overrides the configured chat model.
	Model string `yaml:"model,omitempty" json:"model,omitempty"`
	// Temperature for the chat model (0 to 2).
	Temperature float32 `yaml:"temperature,omitempty" json:"temperature,omitempty"`
}

// HandoffRules decide when the bot hands over to a human agent.
type HandoffRules struct {
	// Queue is the default queue for handoffs.
	Queue string `yaml:"queue" json:"queue"`
	// Phrases that mean "a human, please", in any language the bot serves
	// ("agent", "representative", "转人工"). Matched as whole words
	// (English) or substrings (Chinese), case-insensitively.
	Phrases []string `yaml:"phrases,omitempty" json:"phrases,omitempty"`
	// MaxNoMatch is how many consecutive not-understood or out-of-scope
	// turns lead to a handoff (default 3).
	MaxNoMatch int `yaml:"max_no_match,omitempty" json:"max_no_match,omitempty"`
	// Message is said to the caller when handing off.
	Message string `yaml:"message,omitempty" json:"message,omitempty"`
}

// Intent is one thing a caller may want.
type Intent struct {
	// Name of the intent, unique in the bot. "oos" names out-of-scope
	// examples.
	Name string `yaml:"name" json:"name"`
	// Description for operators and for the LLM tool schema.
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	// Examples are utterances that mean this intent.
	Examples []string `yaml:"examples,omitempty" json:"examples,omitempty"`
	// Answer is said when the intent matches (a template over slots); with
	// Flow empty, the intent is a simple FAQ and may digress from a flow.
	Answer string `yaml:"answer,omitempty" json:"answer,omitempty"`
	// Flow is started when the intent matches.
	Flow string `yaml:"flow,omitempty" json:"flow,omitempty"`
	// Knowledge answers from the knowledge base: the best article whose
	// tags include this value (or the best match for the utterance when
	// the value is "*").
	Knowledge string `yaml:"knowledge,omitempty" json:"knowledge,omitempty"`
	// Handoff hands over to this queue when the intent matches.
	Handoff string `yaml:"handoff,omitempty" json:"handoff,omitempty"`
}

// EntityType is a custom entity: a list of values with synonyms, or a
// regular expression.
type EntityType struct {
	// Name of the type, used as a slot type ("card_type").
	Name string `yaml:"name" json:"name"`
	// Values maps a canonical value to its synonyms.
	Values map[string][]string `yaml:"values,omitempty" json:"values,omitempty"`
	// Pattern is a regular expression a value must match.
	Pattern string `yaml:"pattern,omitempty" json:"pattern,omitempty"`
}

// Flow is a deterministic state machine of steps.
type Flow struct {
	// Name of the flow, unique in the bot.
	Name string `yaml:"name" json:"name"`
	// Description for operators and the LLM tool schema.
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	// Start is the first step's ID (default: the first step).
	Start string `yaml:"start,omitempty" json:"start,omitempty"`
	// Steps of the flow.
	Steps []Step `yaml:"steps" json:"steps"`
}

// StepKind names what a step does.
type StepKind string

// The kinds of flow steps.
const (
	StepSay     StepKind = "say"     // say a templated message, go to Next
	StepAsk     StepKind = "ask"     // ask for a slot until valid or out of attempts
	StepConfirm StepKind = "confirm" // ask a yes/no question, go to Yes or No
	StepBranch  StepKind = "branch"  // go to the first case whose condition holds
	StepWebhook StepKind = "webhook" // call an HTTP webhook with slots, save its reply
	StepAnswer  StepKind = "answer"  // answer from the knowledge base
	StepHandoff StepKind = "handoff" // hand off to a human queue
	StepEnd     StepKind = "end"     // end the conversation
)

// Step is one state of a flow. Which fields apply depends on Kind.
type Step struct {
	// ID of the step, unique in its flow.
	ID string `yaml:"id" json:"id"`
	// Kind of the step.
	Kind StepKind `yaml:"kind" json:"kind"`
	// Say is the message (say, end, handoff) or the question (ask,
	// confirm), a template: "{{slot}}" is replaced by the slot's value.
	Say string `yaml:"say,omitempty" json:"say,omitempty"`
	// Next is the step that follows ("" ends the flow and returns to the
	// top level).
	Next string `yaml:"next,omitempty" json:"next,omitempty"`
	// Interruptible false marks a prompt that barge-in must not cut
	// (legal disclosures). Default true.
	Interruptible *bool `yaml:"interruptible,omitempty" json:"interruptible,omitempty"`

	// Slot is the slot an ask step fills.
	Slot string `yaml:"slot,omitempty" json:"slot,omitempty"`
	// Type of the slot: number, digits, money, date, time, phone, email,
	// yesno, text, id, or the name of a custom entity type.
	Type string `yaml:"type,omitempty" json:"type,omitempty"`
	// Validate constrains the slot value.
	Validate *Validation `yaml:"validate,omitempty" json:"validate,omitempty"`
	// Reprompt is said when the answer is not valid.
	Reprompt string `yaml:"reprompt,omitempty" json:"reprompt,omitempty"`
	// MaxAttempts before OnFail (default 3).
	MaxAttempts int `yaml:"max_attempts,omitempty" json:"max_attempts,omitempty"`
	// OnFail is the step taken when attempts run out (default: hand off).
	OnFail string `yaml:"on_fail,omitempty" json:"on_fail,omitempty"`

	// Yes and No are the confirm step's targets.
	Yes string `yaml:"yes,omitempty" json:"yes,omitempty"`
	No  string `yaml:"no,omitempty" json:"no,omitempty"`

	// Cases of a branch step, tried in order; Next is the default.
	Cases []Case `yaml:"cases,omitempty" json:"cases,omitempty"`

	// Webhook is the call a webhook step makes.
	Webhook *Webhook `yaml:"webhook,omitempty" json:"webhook,omitempty"`

	// Query of an answer step: a template searched in the knowledge base
	// ("" searches the caller's last utterance).
	Query string `yaml:"query,omitempty" json:"query,omitempty"`

	// Queue and Reason of a handoff step.
	Queue  string `yaml:"queue,omitempty" json:"queue,omitempty"`
	Reason string `yaml:"reason,omitempty" json:"reason,omitempty"`

	// Outcome of an end step: resolved (default) or abandoned.
	Outcome string `yaml:"outcome,omitempty" json:"outcome,omitempty"`
}

// Validation constrains a slot value.
type Validation struct {
	// Pattern is a regular expression the value must match in full.
	Pattern string `yaml:"pattern,omitempty" json:"pattern,omitempty"`
	// Min and Max bound numbers and money.
	Min *float64 `yaml:"min,omitempty" json:"min,omitempty"`
	Max *float64 `yaml:"max,omitempty" json:"max,omitempty"`
	// Length is the exact number of digits (digits slots).
	Length int `yaml:"length,omitempty" json:"length,omitempty"`
	// Values lists the allowed values.
	Values []string `yaml:"values,omitempty" json:"values,omitempty"`
}

// Case is one condition of a branch step.
type Case struct {
	// If is a condition over slots: "slot == 'value'", "slot != 'x'",
	// "slot > 100", "slot" (is set), "!slot" (is not set); joined with
	// "&&" or "||".
	If string `yaml:"if" json:"if"`
	// Next is the step taken when the condition holds.
	Next string `yaml:"next" json:"next"`
}

// Webhook is an HTTP call a flow makes.
type Webhook struct {
	// URL to call; a template over slots. A URL that starts with "/" is
	// resolved against the configured webhook base URL.
	URL string `yaml:"url" json:"url"`
	// Method is GET or POST (default POST, with the slots as a JSON body).
	Method string `yaml:"method,omitempty" json:"method,omitempty"`
	// Timeout for the call (default 3s).
	Timeout Duration `yaml:"timeout,omitempty" json:"timeout,omitempty"`
	// Save maps a slot name to a dotted path in the JSON reply
	// ("balance" -> "account.balance").
	Save map[string]string `yaml:"save,omitempty" json:"save,omitempty"`
	// OnError is the step taken when the call fails, times out or its
	// reply is not JSON (default: hand off).
	OnError string `yaml:"on_error,omitempty" json:"on_error,omitempty"`
}

// Article is one knowledge-base article.
type Article struct {
	// ID of the article, unique in the bot.
	ID string `yaml:"id" json:"id"`
	// Title of the article.
	Title string `yaml:"title" json:"title"`
	// Body of the article; its first paragraph is read to callers.
	Body string `yaml:"body" json:"body"`
	// Tags for lookup by intents and flows.
	Tags []string `yaml:"tags,omitempty" json:"tags,omitempty"`
	// Language of the article ("" means the bot's default).
	Language string `yaml:"language,omitempty" json:"language,omitempty"`
}

// Duration is a time.Duration written as "2s" in YAML and JSON.
type Duration time.Duration
