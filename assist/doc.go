// Package assist will help human agents live: the agent desktop's
// websocket feed (github.com/gorilla/websocket), the live transcript,
// knowledge-base suggestions (BM25 plus vector retrieval, in process or with
// Qdrant), next-step checklists from the matching flow and LLM-suggested
// replies, and the after-call summary.
//
// Nothing is implemented yet: the agent-assist issue builds it.
package assist
