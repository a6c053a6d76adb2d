#!/usr/bin/env bash
# make test: install what is missing, then go vet, go test -race on every
# package, with the PostgreSQL conformance suite against a real PostgreSQL 15
# started under a temporary folder on a loopback port and stopped at the end,
# and the media tests against real peers (sipp, baresip, headless Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_go
say "using $(go version)"
ensure_speech

unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go') 2>/dev/null || true)
[ -z "$unformatted" ] || die "gofmt would change: $unformatted"

# The real peers the tests call: sipp and baresip for SIP, Chromium for
# WebRTC and the web pages; Asterisk's recorded English prompts (with their
# transcripts) are real human speech for the ASR tests.
apt_install sip-tester baresip-core chromium asterisk-core-sounds-en-wav asterisk-core-sounds-en
export SWITCHBOARD_REQUIRE_BROWSER=1 SWITCHBOARD_REQUIRE_SIPP=1 SWITCHBOARD_REQUIRE_BARESIP=1 SWITCHBOARD_REQUIRE_SOUNDS=1

say "go vet ./..."
go vet ./...

say "starting PostgreSQL 15 for the conformance suite"
DSN=$(bash scripts/postgres.sh start)
trap 'bash scripts/postgres.sh stop >/dev/null 2>&1 || true' EXIT
export SWITCHBOARD_TEST_POSTGRES_DSN="$DSN" SWITCHBOARD_REQUIRE_POSTGRES=1

say "go test -race ./..."
go test -race -count=1 -timeout 30m ./... 2>&1 | tee /tmp/switchboard-test.log
status=${PIPESTATUS[0]}
pass=$(grep -c '^ok ' /tmp/switchboard-test.log || true)
fail=$(grep -c '^FAIL' /tmp/switchboard-test.log || true)
echo "packages: $pass passed, $fail failed"
exit "$status"
