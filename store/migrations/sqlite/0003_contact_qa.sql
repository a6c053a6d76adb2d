-- Switchboard store, SQLite dialect, version 3: the contact centre (agents,
-- queues, agent states, wrap-ups, suggestion feedback, audit, callbacks)
-- and QA (scorecards, results, reviewer overrides, alerts, sentiment).
-- Conventions as in 0001: times are fixed-width UTC TEXT, JSON is TEXT
-- checked with json_valid; durations are INTEGER microseconds.

-- Sessions: the agent who took the call after the handoff and the queue it
-- was answered from, when the call ended, and QA's summary (NULL until QA
-- has run). Existing rows get '' and NULL.
ALTER TABLE sessions ADD COLUMN agent_id TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN queue TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN call_ended_at TEXT;
ALTER TABLE sessions ADD COLUMN sentiment REAL
    CHECK (sentiment IS NULL OR sentiment BETWEEN -1 AND 1);
ALTER TABLE sessions ADD COLUMN score REAL
    CHECK (score IS NULL OR score BETWEEN 0 AND 100);

-- Indexes for the QA console's search (SearchSessions): each filter or
-- sort key, then the default order.
CREATE INDEX sessions_agent_started_at ON sessions (agent_id, started_at DESC, id DESC);
CREATE INDEX sessions_queue_started_at ON sessions (queue, started_at DESC, id DESC);
CREATE INDEX sessions_handoff_queue_started_at ON sessions (handoff_queue, started_at DESC, id DESC);
CREATE INDEX sessions_score ON sessions (score, id) WHERE score IS NOT NULL;
CREATE INDEX sessions_sentiment ON sessions (sentiment, id) WHERE sentiment IS NOT NULL;

-- Turns: the utterance's sentiment; '' and 0 when not scored.
ALTER TABLE turns ADD COLUMN sentiment REAL NOT NULL DEFAULT 0
    CHECK (sentiment BETWEEN -1 AND 1);
ALTER TABLE turns ADD COLUMN sentiment_label TEXT NOT NULL DEFAULT ''
    CHECK (sentiment_label IN ('', 'negative', 'neutral', 'positive'));

CREATE TABLE agents (
    id         TEXT NOT NULL PRIMARY KEY,
    definition TEXT NOT NULL CHECK (json_valid(definition) AND json_type(definition) = 'object'),
    updated_at TEXT NOT NULL
);

CREATE TABLE queues (
    id         TEXT NOT NULL PRIMARY KEY,
    definition TEXT NOT NULL CHECK (json_valid(definition) AND json_type(definition) = 'object'),
    updated_at TEXT NOT NULL
);

-- Agent events outlive their agent: no foreign key. AUTOINCREMENT: IDs
-- only grow, even after the newest rows are deleted.
CREATE TABLE agent_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    agent_id   TEXT NOT NULL,
    state      TEXT NOT NULL
        CHECK (state IN ('offline', 'available', 'on_call', 'wrap_up', 'away')),
    reason     TEXT NOT NULL DEFAULT '',
    session_id TEXT NOT NULL DEFAULT '',
    node       TEXT NOT NULL DEFAULT '',
    at         TEXT NOT NULL
);

CREATE INDEX agent_events_agent_at ON agent_events (agent_id, at, id);
CREATE INDEX agent_events_at ON agent_events (at, id);

CREATE TABLE wrapups (
    session_id     TEXT    NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    agent_id       TEXT    NOT NULL,
    disposition    TEXT    NOT NULL DEFAULT '',
    notes          TEXT    NOT NULL DEFAULT '',
    summary        TEXT    NOT NULL DEFAULT '',
    handle_time_us INTEGER NOT NULL DEFAULT 0 CHECK (handle_time_us >= 0),
    at             TEXT    NOT NULL,
    PRIMARY KEY (session_id, agent_id)
) WITHOUT ROWID;

CREATE TABLE feedback (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT    NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    agent_id   TEXT    NOT NULL,
    kind       TEXT    NOT NULL CHECK (kind IN ('article', 'step', 'reply')),
    ref        TEXT    NOT NULL,
    useful     INTEGER NOT NULL CHECK (useful IN (0, 1)),
    at         TEXT    NOT NULL
);

CREATE INDEX feedback_session_at ON feedback (session_id, at, id);
CREATE INDEX feedback_at ON feedback (at, id);

CREATE TABLE audit (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    at     TEXT NOT NULL,
    actor  TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL DEFAULT '',
    detail TEXT CHECK (detail IS NULL OR json_valid(detail))
);

CREATE INDEX audit_at ON audit (at DESC, id DESC);

CREATE TABLE callbacks (
    id           TEXT NOT NULL PRIMARY KEY,
    queue        TEXT NOT NULL,
    caller_id    TEXT NOT NULL,
    session_id   TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL CHECK (status IN ('pending', 'done', 'cancelled')),
    requested_at TEXT NOT NULL,
    done_at      TEXT,
    CHECK ((status = 'pending') = (done_at IS NULL))
);

CREATE INDEX callbacks_status_requested_at ON callbacks (status, requested_at, id);
CREATE INDEX callbacks_requested_at ON callbacks (requested_at, id);

-- Scorecards are versioned like bots (see bots and bot_versions in 0001).
CREATE TABLE scorecards (
    name           TEXT    NOT NULL PRIMARY KEY,
    draft          TEXT    NOT NULL CHECK (json_valid(draft)),
    active_version INTEGER NOT NULL DEFAULT 0,
    latest_version INTEGER NOT NULL DEFAULT 0,
    updated_at     TEXT    NOT NULL
);

CREATE TABLE scorecard_versions (
    scorecard    TEXT    NOT NULL REFERENCES scorecards (name) ON DELETE CASCADE,
    version      INTEGER NOT NULL CHECK (version > 0),
    definition   TEXT    NOT NULL CHECK (json_valid(definition)),
    note         TEXT    NOT NULL DEFAULT '',
    published_at TEXT    NOT NULL,
    PRIMARY KEY (scorecard, version)
);

-- One result per session and scorecard: a rescore replaces it. The
-- scorecard is not a foreign key (as sessions.bot is not): results stay
-- readable whatever happens to the scorecard's record.
CREATE TABLE qa_results (
    session_id      TEXT    NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    scorecard       TEXT    NOT NULL,
    version         INTEGER NOT NULL CHECK (version > 0),
    score           REAL    NOT NULL CHECK (score BETWEEN 0 AND 100),
    critical_failed INTEGER NOT NULL CHECK (critical_failed IN (0, 1)),
    result          TEXT    NOT NULL CHECK (json_valid(result)),
    scored_at       TEXT    NOT NULL,
    PRIMARY KEY (session_id, scorecard)
) WITHOUT ROWID;

CREATE INDEX qa_results_scorecard_scored_at ON qa_results (scorecard, scored_at);
CREATE INDEX qa_results_scored_at ON qa_results (scored_at);

CREATE TABLE qa_overrides (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id  TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    scorecard   TEXT NOT NULL,
    question_id TEXT NOT NULL,
    answer      TEXT NOT NULL,
    auto        TEXT NOT NULL DEFAULT '',
    comment     TEXT NOT NULL DEFAULT '',
    reviewer    TEXT NOT NULL,
    at          TEXT NOT NULL
);

CREATE INDEX qa_overrides_session ON qa_overrides (session_id, scorecard, at, id);
CREATE INDEX qa_overrides_at ON qa_overrides (at, id);

-- Alerts may be raised on a call without a session (session_id ''): no
-- foreign key.
CREATE TABLE alerts (
    id         TEXT NOT NULL PRIMARY KEY,
    session_id TEXT NOT NULL DEFAULT '',
    call_id    TEXT NOT NULL DEFAULT '',
    rule       TEXT NOT NULL DEFAULT '',
    kind       TEXT NOT NULL CHECK (kind <> '' AND kind <> 'any'),
    severity   TEXT NOT NULL DEFAULT '',
    at         TEXT NOT NULL,
    payload    TEXT CHECK (payload IS NULL OR json_valid(payload))
);

CREATE INDEX alerts_session_kind ON alerts (session_id, kind);
CREATE INDEX alerts_kind_at ON alerts (kind, at DESC, id DESC);
CREATE INDEX alerts_at ON alerts (at DESC, id DESC);
