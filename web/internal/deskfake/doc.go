// Package deskfake stands in for the agent service in the browser tests
// of the agent desktop (web/desk) and the supervisor wallboard
// (web/wallboard): the pages, sign-in with an HttpOnly session cookie
// (POST {api}/login, GET {api}/me, POST {api}/logout), the websocket
// {api}/ws served by a real assist.Hub, and WHIP calls answered by a real
// pion peer running the echo application, on the pages' origin (/whip/)
// and on a second origin with CORS (Server.MediaURL), as a media node
// would.
//
// A test publishes events (Publish), says what commands answer (Handle),
// waits for the commands a page sends (WaitCommand: their data decoded
// strictly into the assist protocol's types, so a misspelt field fails
// the test), and breaks things: Drop cuts the websockets from the server
// side, Refuse turns reconnection attempts away, Restart starts a new hub
// (a new epoch, so the page gets a resync), Expire ends the sessions.
//
// It is for tests only: it imports testing.
package deskfake
