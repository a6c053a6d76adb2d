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

  Try it:
    curl -s http://$ADDR/v1/bots
    curl -s -X POST http://$ADDR/v1/sessions -d '{"bot":"banking"}'
    curl -s -X POST http://$ADDR/v1/sessions/SESSION_ID/messages -d '{"text":"I lost my card"}'
    bin/switchboard chat --bot bots/banking
    bin/switchboard chat --bot bots/logistics-zh

MSG
exec bin/switchboard serve --listen "$ADDR"
