// Package page serves the embedded browser pages of the agent desktop
// (web/desk, /agent) and the supervisor wallboard (web/wallboard,
// /supervisor), and holds what both load:
//
//   - live.js, an ES module: DOM helpers, the sign-in Session, Live (the
//     websocket to assist.Hub with resume by epoch and seq, backoff, and
//     commands answered by replies) and MediaCall (a WHIP audio call to a
//     media URL, with or without the microphone);
//   - live.css, the shared look (sign-in form, top bar, banner, toasts,
//     tables, badges, the sentiment bar).
//
// Handler serves a page's files under its prefix with their content
// types, an ETag, Cache-Control: no-cache and a Content Security Policy
// that only lets scripts and styles come from the page's own origin.
package page
