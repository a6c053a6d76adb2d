// Package wallboard serves the supervisor wallboard at /supervisor:
// plain HTML, CSS and an ES module embedded with go:embed, no build step.
//
// After signing in (POST /v1/supervisor/login with JSON {login,
// password}, an HttpOnly cookie; GET /v1/supervisor/me; POST
// /v1/supervisor/logout) the page shows
//
//   - the queues: waiting, longest wait (ticking), service level against
//     the queue's threshold, abandon rate, average handle time, answered,
//     agents available of total;
//   - live calls: caller, queue, agent, state, duration, the caller's
//     sentiment as a bar from red to green, the alert count, and Listen,
//     Whisper, Barge and Leave;
//   - agents with their state and time in it;
//   - the alerts feed, newest first, coloured by severity.
//
// It keeps a websocket to /v1/supervisor/ws with the same resume logic
// as the agent desktop (web/internal/page's live.js): a resync, then
// "wall" events (the whole WallState), "agent.state", "call" (a LiveCall;
// state "ended" removes it) and "alert". Listen, whisper and barge are
// MonitorCommands whose reply is a Connect: the page opens a WebRTC call
// to its media_url with the microphone, muted while listening, so that
// going from listening to whispering on the same media_url needs no new
// call. One call is monitored at a time; Leave sends "leave" and hangs up.
//
// window.wall exposes the state for tests: conn, epoch, seq, queues,
// agents, calls, alerts, monitor, commands, counts, mediaState(callID).
// browser_test.go drives the page in headless Chromium against
// web/internal/deskfake and leaves a screenshot in /tmp/wallboard.png.
package wallboard
