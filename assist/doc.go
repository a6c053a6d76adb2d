// Package assist helps human agents live. Its parts:
//
//   - Transcriber: one speaker's side of a call transcribed as it is
//     spoken (voice activity detection cuts utterances, partials then
//     finals, with their place in the call);
//   - Assistant: suggestions after each caller utterance — knowledge
//     articles (assist/kb: BM25 plus vector retrieval, in process or with
//     Qdrant), the next steps of the matching flow as a checklist, and
//     with a Replier (assist/openai) a reply to read out — and the
//     extractive after-call summary;
//   - Hub: the desktops' websockets (github.com/gorilla/websocket), per
//     agent or for the supervisors, with numbered events kept so a
//     desktop that reconnects resumes where it stopped;
//   - protocol.go: the events and commands the agent desktop and the
//     wallboard exchange with the server.
//
// The calls themselves (queues, bridging, controls) are package agent's.
package assist
