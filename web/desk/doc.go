// Package desk serves the agent desktop at /agent: the page a human agent
// keeps open to take the calls the voicebot hands over. Plain HTML, CSS
// and ES modules embedded with go:embed, no build step and nothing from
// the network.
//
// # What the agent sees
//
// A sign-in form (POST /v1/desk/login with JSON {login, password}: 200
// sets an HttpOnly session cookie and answers the AgentState, 401 {error}
// otherwise; GET /v1/desk/me says whether the cookie is still good; POST
// /v1/desk/logout). Then a top bar with the agent's name, a status
// selector (available; away for a break, lunch or training; offline: the
// "state" command) and the time in the current state, and three columns:
//
//   - offers, each a card with the caller ID, queue, time waited, a
//     countdown to expiry, the bot's summary, why it handed over, the
//     slots it collected and the customer record (past conversations
//     with outcome and sentiment, pending callbacks), with Accept and
//     Reject; then the active call: caller, queue, timer, parties, audio
//     state, Hold, Mute, Keypad, Transfer… and Conference… (a dialog: an
//     agent, a queue or a number; blind or warm), Complete and Cancel
//     during a warm transfer, Hang up; then the wrap-up form (the
//     generated summary to edit, a disposition, notes, a timer);
//   - the live transcript: the bot part of the conversation greyed, then
//     both speakers labelled Caller and You with mm:ss from the start of
//     the call, partials in grey italics until their final replaces them,
//     following the conversation unless the agent scrolled up;
//   - suggestions: a reply to read out, the next-steps checklist of the
//     matching flow, knowledge articles (the title expands the body),
//     each with 👍/👎 (the "feedback" command), and their latency.
//
// Alerts are toasts. Every command's error is shown next to what sent it.
//
// # The wire
//
// The page keeps a websocket to /v1/desk/ws (assist.Hub: a hello, a
// resync unless resumed, events; commands answered by replies, see
// assist/protocol.go). A lost connection shows a "Reconnecting…" banner
// and comes back after 0.5 s, doubling to 10 s, resuming with
// ?epoch=E&since=N; events seen before are dropped, and transcript
// segments are kept by call, speaker and utterance, so nothing shows
// twice or goes missing, across a resume or a resync. A connection that
// fails before its hello asks /v1/desk/me: a 401 brings back the sign-in
// form. The page pings every 20 s and redials when no reply comes.
//
// Accepting a call gets a Connect (in the reply and in a "call.connect"
// event; the second is ignored): the page POSTs a WebRTC offer with the
// microphone to its media_url (relative, or absolute on another origin:
// list it with WithMediaOrigins, and the media node must answer CORS and
// expose Location), and DELETEs the Location to hang up.
//
// window.desk exposes the state for tests and the console: conn, epoch,
// seq, agent, offers, calls, transcripts, suggestions, wrapping, media,
// commands (the last sent), counts (events, duplicates, malformed,
// failed, reconnects), unknown, mediaState(callID), mediaStats(callID),
// debug.receive(text).
//
// browser_test.go and reconnect_test.go drive the page in headless
// Chromium against web/internal/deskfake (a real assist.Hub and a real
// pion peer running the echo application); they skip without Chromium
// unless SWITCHBOARD_REQUIRE_BROWSER=1, and leave a screenshot in
// /tmp/desk.png.
package desk
