// Package page serves the embedded browser pages of the agent desktop
// (web/desk, /agent) and the supervisor wallboard (web/wallboard,
// /supervisor), and holds what both load:
//
//   - live.js, an ES module: DOM helpers (el, syncList for keyed updates
//     in place, setText), time formatting and ticking clocks, the
//     sign-in Session, Live (the websocket to assist.Hub: resume by epoch
//     and seq, duplicates dropped, malformed messages counted and skipped,
//     backoff from 0.5 s to 10 s, a ping every 20 s, commands answered by
//     replies as Promises), Page (sign-in and out, the connection pill
//     and reconnecting banner, event dispatch, the window.desk/window.wall
//     test hooks) and MediaCall (a WHIP audio call to a media URL, with
//     the microphone or receive-only);
//   - live.css, the shared look (sign-in form, top bar, banner, toasts,
//     tables, badges, the sentiment bar).
//
// Handler serves a page's files under its prefix with their content
// types, an ETag, Cache-Control: no-cache and a Content Security Policy
// that only lets scripts and styles come from the page's own origin, and
// WHIP requests go to the page's origin and the media origins configured
// (any https origin when none is).
package page
