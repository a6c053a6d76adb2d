package assist

import (
	"encoding/json"
	"time"
)

// The agent desktop's protocol. A desktop opens a websocket at
//
//	GET /v1/desk/ws?epoch=E&since=N      (agent: the session cookie names the agent)
//	GET /v1/supervisor/ws?epoch=E&since=N (supervisors)
//
// and receives a Hello, then a "resync" event (a DeskState or, for
// supervisors, a WallState) unless it resumed, then events. It sends
// Commands and gets a Reply for each (see hub.go).
//
// Events to an agent's desktop (Event.Type → Event.Data):
//
//	resync            DeskState
//	agent.state       AgentState
//	offer             OfferView         a call rings for this agent
//	offer.gone        OfferGone         taken back (rang out, caller hung up, accepted elsewhere)
//	call.connect      Connect           accepted: open the audio (WHIP to MediaURL)
//	call              CallView          a call started or changed (hold, mute, parties)
//	transcript        TranscriptEvent   a partial or final segment
//	suggestions       Suggestions       refreshed suggestions for a call
//	call.ended        CallEnded         the call ended: wrap-up
//	alert             json (qa/alert.Alert)
//	notice            {call_id, text}   something the agent should know (a consult not taken)
//	dtmf              {call_id, digit}  the caller pressed a key
//
// Commands from an agent's desktop (Command.Type → Command.Data → Reply.Data):
//
//	state      StateCommand     → AgentState
//	accept     OfferCommand     → Connect
//	reject     OfferCommand     → nothing
//	hold       ToggleCommand    → CallView
//	mute       ToggleCommand    → CallView
//	dtmf       DTMFCommand      → nothing
//	hangup     CallCommand      → nothing
//	transfer   TransferCommand  → CallView    blind, or warm: consult first
//	complete   CallCommand      → CallView    complete a warm transfer
//	cancel     CallCommand      → CallView    end the consultation, back to the caller
//	conference TransferCommand  → CallView    add a third party
//	feedback   FeedbackCommand  → nothing
//	wrapup     WrapupCommand    → AgentState
//
// Supervisors get "resync" (WallState), "wall" (WallState, at most once a
// second), "agent.state", "call" (LiveCall; State "ended" when the call
// is over: remove it), "transcript" (finals), "alert", and send listen,
// whisper, barge (MonitorCommand → Connect; the same call again changes
// the mode and returns the same media URL) and leave (CallCommand).
//
// Durations are nanoseconds in JSON, as Go encodes time.Duration.

// AgentState is an agent's state as a desktop shows it.
type AgentState struct {
	AgentID string    `json:"agent_id"`
	Name    string    `json:"name,omitempty"`
	State   string    `json:"state"`
	Reason  string    `json:"reason,omitempty"`
	Since   time.Time `json:"since"`
	// Calls the agent is on (call IDs).
	Calls []string `json:"calls,omitempty"`
}

// Handoff is what the bot learned before it handed the caller over.
type Handoff struct {
	SessionID string            `json:"session_id,omitempty"`
	Bot       string            `json:"bot,omitempty"`
	Queue     string            `json:"queue,omitempty"`
	Reason    string            `json:"reason,omitempty"`
	Summary   string            `json:"summary,omitempty"`
	Slots     map[string]string `json:"slots,omitempty"`
	Intents   []string          `json:"intents,omitempty"`
	// Transcript of the bot part of the call.
	Transcript []Line `json:"transcript,omitempty"`
}

// Line is one stored turn of a conversation.
type Line struct {
	Speaker string        `json:"speaker"`
	Text    string        `json:"text"`
	Offset  time.Duration `json:"offset,omitempty"`
}

// PastConversation is one of the caller's earlier conversations.
type PastConversation struct {
	SessionID string    `json:"session_id"`
	Bot       string    `json:"bot,omitempty"`
	StartedAt time.Time `json:"started_at"`
	Outcome   string    `json:"outcome,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	AgentID   string    `json:"agent_id,omitempty"`
	Sentiment *float64  `json:"sentiment,omitempty"`
	// Summary from the agent's wrap-up, or the handoff summary.
	Summary     string `json:"summary,omitempty"`
	Disposition string `json:"disposition,omitempty"`
}

// Customer is the caller's record as far as Switchboard knows it.
type Customer struct {
	CallerID   string             `json:"caller_id"`
	Attributes map[string]string  `json:"attributes,omitempty"`
	Past       []PastConversation `json:"past,omitempty"`
	// Callbacks still pending for this number.
	Callbacks int `json:"callbacks,omitempty"`
	// Tickets open in the customer system (from the caller lookup).
	Tickets []Ticket `json:"tickets,omitempty"`
}

// Ticket is a customer's open case (工单) in the customer system.
type Ticket struct {
	ID       string    `json:"id"`
	Title    string    `json:"title"`
	Status   string    `json:"status,omitempty"`
	OpenedAt time.Time `json:"opened_at,omitzero"`
}

// OfferView is a call offered to the agent.
type OfferView struct {
	OfferID   string        `json:"offer_id"`
	CallID    string        `json:"call_id"`
	Queue     string        `json:"queue"`
	Waited    time.Duration `json:"waited"`
	ExpiresAt time.Time     `json:"expires_at"`
	Handoff   Handoff       `json:"handoff"`
	Customer  Customer      `json:"customer"`
}

// OfferGone says an offer is no longer open.
type OfferGone struct {
	OfferID string `json:"offer_id"`
	Reason  string `json:"reason"`
}

// Connect tells a desktop to open (or a phone to expect) the audio of an
// accepted call: a WHIP offer to MediaURL (which may be on another node).
type Connect struct {
	CallID   string `json:"call_id"`
	MediaURL string `json:"media_url"`
	// Phone is true when the agent's SIP phone rings instead.
	Phone bool `json:"phone,omitempty"`
}

// Party is one leg in a call.
type Party struct {
	ID   string `json:"id"`
	Role string `json:"role"` // caller, agent, consult, conference, supervisor
	Name string `json:"name,omitempty"`
	// Mode for supervisors: listen, whisper, barge.
	Mode   string `json:"mode,omitempty"`
	Muted  bool   `json:"muted,omitempty"`
	OnHold bool   `json:"on_hold,omitempty"`
}

// CallView is a live call as the agent's desktop shows it.
type CallView struct {
	CallID    string    `json:"call_id"`
	SessionID string    `json:"session_id"`
	Queue     string    `json:"queue"`
	AgentID   string    `json:"agent_id"`
	CallerID  string    `json:"caller_id"`
	StartedAt time.Time `json:"started_at"`
	// AnsweredAt is when the agent took it.
	AnsweredAt time.Time `json:"answered_at"`
	Hold       bool      `json:"hold"`
	Muted      bool      `json:"muted"`
	// Consulting is set during a warm transfer: the party being consulted.
	Consulting string   `json:"consulting,omitempty"`
	Parties    []Party  `json:"parties"`
	Handoff    Handoff  `json:"handoff"`
	Customer   Customer `json:"customer"`
	// Transcript so far (finals), for a desktop that joins late.
	Transcript  []Segment    `json:"transcript,omitempty"`
	Suggestions *Suggestions `json:"suggestions,omitempty"`
	// MediaURL, in a resync, is where this agent's page sends its audio
	// again (a reloaded desktop mid-call): the new leg replaces the old.
	MediaURL string `json:"media_url,omitempty"`
	// Sentiment of the caller so far in [-1, 1].
	Sentiment *float64 `json:"sentiment,omitempty"`
}

// TranscriptEvent is a segment of a call's live transcript.
type TranscriptEvent struct {
	CallID string `json:"call_id"`
	Segment
	// Sentiment of a final segment.
	Sentiment *float64 `json:"sentiment,omitempty"`
}

// Article is a knowledge-base article suggested to the agent.
type Article struct {
	ID      string  `json:"id"`
	Title   string  `json:"title"`
	Snippet string  `json:"snippet"`
	Body    string  `json:"body,omitempty"`
	Score   float64 `json:"score"`
}

// Step is one item of the next-steps checklist from the matching flow.
type Step struct {
	ID   string `json:"id"`
	Text string `json:"text"`
	Done bool   `json:"done"`
}

// Suggestions for the agent, refreshed as the conversation moves.
type Suggestions struct {
	// ID names this set of suggestions (feedback on its reply refers to
	// it).
	ID     string `json:"id"`
	CallID string `json:"call_id"`
	// For is the caller's utterance they answer.
	For      string    `json:"for,omitempty"`
	Articles []Article `json:"articles,omitempty"`
	// Flow is the flow whose steps are shown.
	Flow  string `json:"flow,omitempty"`
	Steps []Step `json:"steps,omitempty"`
	// Reply is a suggested answer the agent can read out (LLM), grounded
	// in Articles.
	Reply string `json:"reply,omitempty"`
	// Latency from the caller's final transcript to these suggestions.
	Latency time.Duration `json:"latency"`
}

// CallEnded tells the desktop the call is over and wrap-up starts.
type CallEnded struct {
	CallID    string    `json:"call_id"`
	SessionID string    `json:"session_id"`
	CallerID  string    `json:"caller_id,omitempty"`
	EndedAt   time.Time `json:"ended_at"`
	By        string    `json:"by"` // caller, agent, transfer
	// Summary generated for the wrap-up, to edit.
	Summary      string   `json:"summary"`
	Dispositions []string `json:"dispositions"`
	// WrapUp is the time allowed for wrap-up before the agent is
	// available again (0: no limit; the agent saves to end it).
	WrapUp time.Duration `json:"wrap_up"`
}

// DeskState is a desktop's full state (the "resync" event).
type DeskState struct {
	Agent  AgentState  `json:"agent"`
	Offers []OfferView `json:"offers"`
	Calls  []CallView  `json:"calls"`
	// Wrapping is the call awaiting wrap-up, if any.
	Wrapping *CallEnded `json:"wrapping,omitempty"`
	// Queues the agent may transfer to; Agents available for transfer.
	Queues []string     `json:"queues"`
	Agents []AgentState `json:"agents"`
}

// Commands' data.
type (
	// StateCommand changes the agent's state.
	StateCommand struct {
		State  string `json:"state"`
		Reason string `json:"reason,omitempty"`
	}
	// OfferCommand accepts or rejects an offer.
	OfferCommand struct {
		OfferID string `json:"offer_id"`
	}
	// CallCommand names a call.
	CallCommand struct {
		CallID string `json:"call_id"`
	}
	// ToggleCommand turns hold or mute on or off.
	ToggleCommand struct {
		CallID string `json:"call_id"`
		On     bool   `json:"on"`
	}
	// DTMFCommand sends digits to the caller.
	DTMFCommand struct {
		CallID string `json:"call_id"`
		Digits string `json:"digits"`
	}
	// TransferCommand moves (or conferences) the call to a target: an
	// agent ID, a queue, or an external number.
	TransferCommand struct {
		CallID string `json:"call_id"`
		// Kind: "agent", "queue", "number".
		Kind   string `json:"kind"`
		Target string `json:"target"`
		// Warm: consult the target first (agents and numbers).
		Warm bool `json:"warm,omitempty"`
	}
	// FeedbackCommand marks a suggestion useful or not.
	FeedbackCommand struct {
		CallID string `json:"call_id"`
		Kind   string `json:"kind"` // article, step, reply
		Ref    string `json:"ref"`
		Useful bool   `json:"useful"`
	}
	// WrapupCommand saves the wrap-up.
	WrapupCommand struct {
		CallID      string `json:"call_id"`
		Disposition string `json:"disposition"`
		Notes       string `json:"notes,omitempty"`
		Summary     string `json:"summary,omitempty"`
	}
	// MonitorCommand starts a supervisor's listen, whisper or barge.
	MonitorCommand struct {
		CallID string `json:"call_id"`
		Mode   string `json:"mode"` // listen, whisper, barge
	}
)

// QueueView is a queue on the wallboard.
type QueueView struct {
	ID      string        `json:"id"`
	Name    string        `json:"name"`
	Waiting int           `json:"waiting"`
	Longest time.Duration `json:"longest"`
	// ServiceLevel is the share answered within the queue's threshold
	// (-1 when no call was answered or abandoned in the window).
	ServiceLevel float64       `json:"service_level"`
	Threshold    time.Duration `json:"threshold"`
	AbandonRate  float64       `json:"abandon_rate"`
	AHT          time.Duration `json:"aht"`
	Answered     int           `json:"answered"`
	Abandoned    int           `json:"abandoned"`
	Agents       int           `json:"agents"`
	Available    int           `json:"available"`
}

// LiveCall is a call on the wallboard.
type LiveCall struct {
	CallID    string    `json:"call_id"`
	SessionID string    `json:"session_id"`
	Queue     string    `json:"queue"`
	AgentID   string    `json:"agent_id"`
	CallerID  string    `json:"caller_id"`
	StartedAt time.Time `json:"started_at"`
	// State: waiting, ringing, talking, hold, consulting.
	State     string   `json:"state"`
	Sentiment *float64 `json:"sentiment,omitempty"`
	Alerts    int      `json:"alerts"`
	// Monitored by these supervisors.
	Monitors []string `json:"monitors,omitempty"`
}

// WallState is the supervisor wallboard.
type WallState struct {
	Queues []QueueView       `json:"queues"`
	Agents []AgentState      `json:"agents"`
	Calls  []LiveCall        `json:"calls"`
	Alerts []json.RawMessage `json:"alerts,omitempty"`
	At     time.Time         `json:"at"`
}
