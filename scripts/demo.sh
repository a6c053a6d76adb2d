#!/usr/bin/env bash
# make demo: install what is missing, build, and run the server on embedded
# defaults (SQLite under ./data, the sample bots, the demo backend).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_go
ensure_speech
say "building bin/switchboard with $(go version)"
go build -o bin/switchboard ./cmd/switchboard
ADDR=${SWITCHBOARD_HTTP_LISTEN:-127.0.0.1:8080}
cat >&2 <<MSG

  Switchboard is starting on http://$ADDR (Ctrl-C to stop).

  Talk to the banking bot: open http://$ADDR/phone?to=banking and press Call
  (try "I lost my card", "what is my balance", "I want to speak to an agent"),
  or from a SIP phone call sip:banking@127.0.0.1:5060. A scripted caller:
    bin/switchboard call --say "I lost my card" --say "four eight two one" --say "yes" banking@127.0.0.1:5060

  Answer as a human agent: open http://$ADDR/agent in another tab, sign in
  as ana / demo and choose "available", then ask the bot for an agent.
  Supervisor wallboard: http://$ADDR/supervisor (sam / demo).
  QA console (calls, recordings, scores, dashboards): http://$ADDR/qa

  Over the API and in text:
    curl -s http://$ADDR/v1/bots
    curl -s -X POST http://$ADDR/v1/sessions -d '{"bot":"banking"}'
    curl -s -X POST http://$ADDR/v1/sessions/SESSION_ID/messages -d '{"text":"I lost my card"}'
    bin/switchboard chat --bot bots/banking
    bin/switchboard chat --bot bots/logistics-zh

MSG
exec bin/switchboard serve --listen "$ADDR"
