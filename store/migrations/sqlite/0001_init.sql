-- Switchboard store, SQLite dialect, version 1.
-- Times are TEXT in UTC, fixed width with microseconds
-- (2006-01-02T15:04:05.000000Z), so they sort as strings.
-- JSON columns are TEXT holding valid JSON (checked with json_valid).

CREATE TABLE bots (
    name           TEXT    NOT NULL PRIMARY KEY,
    draft          TEXT    NOT NULL CHECK (json_valid(draft)),
    active_version INTEGER NOT NULL DEFAULT 0,
    -- latest_version is the highest published version; Publish increments
    -- it under the row's write lock, so versions have no gaps.
    latest_version INTEGER NOT NULL DEFAULT 0,
    updated_at     TEXT    NOT NULL
);

CREATE TABLE bot_versions (
    bot          TEXT    NOT NULL REFERENCES bots (name) ON DELETE CASCADE,
    version      INTEGER NOT NULL CHECK (version > 0),
    definition   TEXT    NOT NULL CHECK (json_valid(definition)),
    note         TEXT    NOT NULL DEFAULT '',
    published_at TEXT    NOT NULL,
    PRIMARY KEY (bot, version)
);

CREATE TABLE sessions (
    id             TEXT    NOT NULL PRIMARY KEY,
    bot            TEXT    NOT NULL,
    bot_version    INTEGER NOT NULL DEFAULT 0,
    channel        TEXT    NOT NULL DEFAULT '',
    caller_id      TEXT    NOT NULL DEFAULT '',
    language       TEXT    NOT NULL DEFAULT '',
    started_at     TEXT    NOT NULL,
    ended_at       TEXT,
    outcome        TEXT    NOT NULL DEFAULT ''
        CHECK (outcome IN ('', 'resolved', 'handed_off', 'abandoned')),
    handoff_queue  TEXT    NOT NULL DEFAULT '',
    handoff_reason TEXT    NOT NULL DEFAULT '',
    -- last_seq is the highest turn Seq; AppendTurns increments it.
    last_seq       INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX sessions_started_at ON sessions (started_at DESC, id DESC);
CREATE INDEX sessions_bot_started_at ON sessions (bot, started_at DESC, id DESC);

CREATE TABLE turns (
    session_id TEXT    NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL CHECK (seq > 0),
    speaker    TEXT    NOT NULL,
    text       TEXT    NOT NULL DEFAULT '',
    intent     TEXT    NOT NULL DEFAULT '',
    confidence REAL    NOT NULL DEFAULT 0,
    entities   TEXT    CHECK (entities IS NULL OR json_valid(entities)),
    action     TEXT    NOT NULL DEFAULT '',
    flow       TEXT    NOT NULL DEFAULT '',
    step       TEXT    NOT NULL DEFAULT '',
    timings    TEXT    CHECK (timings IS NULL OR json_valid(timings)),
    at         TEXT    NOT NULL,
    PRIMARY KEY (session_id, seq)
) WITHOUT ROWID;
