-- Switchboard store, PostgreSQL dialect, version 1.
-- Tables are created unqualified, in the first schema of search_path.

CREATE TABLE bots (
    name           text        NOT NULL PRIMARY KEY,
    draft          jsonb       NOT NULL,
    active_version integer     NOT NULL DEFAULT 0,
    -- latest_version is the highest published version; Publish increments
    -- it under the row lock, so concurrent publishers get 1..N without gaps.
    latest_version integer     NOT NULL DEFAULT 0,
    updated_at     timestamptz NOT NULL
);

CREATE TABLE bot_versions (
    bot          text        NOT NULL REFERENCES bots (name) ON DELETE CASCADE,
    version      integer     NOT NULL CHECK (version > 0),
    definition   jsonb       NOT NULL,
    note         text        NOT NULL DEFAULT '',
    published_at timestamptz NOT NULL,
    PRIMARY KEY (bot, version)
);

CREATE TABLE sessions (
    id             text        NOT NULL PRIMARY KEY,
    bot            text        NOT NULL,
    bot_version    integer     NOT NULL DEFAULT 0,
    channel        text        NOT NULL DEFAULT '',
    caller_id      text        NOT NULL DEFAULT '',
    language       text        NOT NULL DEFAULT '',
    started_at     timestamptz NOT NULL,
    ended_at       timestamptz,
    outcome        text        NOT NULL DEFAULT ''
        CHECK (outcome IN ('', 'resolved', 'handed_off', 'abandoned')),
    handoff_queue  text        NOT NULL DEFAULT '',
    handoff_reason text        NOT NULL DEFAULT '',
    -- last_seq is the highest turn seq; AppendTurns increments it under
    -- the row lock, which serialises appenders to one session.
    last_seq       integer     NOT NULL DEFAULT 0
);

CREATE INDEX sessions_started_at ON sessions (started_at DESC, id DESC);
CREATE INDEX sessions_bot_started_at ON sessions (bot, started_at DESC, id DESC);

CREATE TABLE turns (
    session_id text             NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    seq        integer          NOT NULL CHECK (seq > 0),
    speaker    text             NOT NULL,
    text       text             NOT NULL DEFAULT '',
    intent     text             NOT NULL DEFAULT '',
    confidence double precision NOT NULL DEFAULT 0,
    entities   jsonb,
    action     text             NOT NULL DEFAULT '',
    flow       text             NOT NULL DEFAULT '',
    step       text             NOT NULL DEFAULT '',
    timings    jsonb,
    at         timestamptz      NOT NULL,
    PRIMARY KEY (session_id, seq)
);
