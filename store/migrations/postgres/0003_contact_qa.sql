-- Switchboard store, PostgreSQL dialect, version 3: the contact centre
-- (agents, queues, agent states, wrap-ups, suggestion feedback, audit,
-- callbacks) and QA (scorecards, results, reviewer overrides, alerts,
-- sentiment). Durations are bigint microseconds.

-- Sessions: the agent who took the call after the handoff and the queue it
-- was answered from, when the call ended, and QA's summary (NULL until QA
-- has run). Existing rows get '' and NULL.
ALTER TABLE sessions
    ADD COLUMN agent_id      text        NOT NULL DEFAULT '',
    ADD COLUMN queue         text        NOT NULL DEFAULT '',
    ADD COLUMN call_ended_at timestamptz,
    ADD COLUMN sentiment     double precision CHECK (sentiment BETWEEN -1 AND 1),
    ADD COLUMN score         double precision CHECK (score BETWEEN 0 AND 100);

-- Indexes for the QA console's search (SearchSessions): each filter or
-- sort key, then the default order.
CREATE INDEX sessions_agent_started_at ON sessions (agent_id, started_at DESC, id DESC);
CREATE INDEX sessions_queue_started_at ON sessions (queue, started_at DESC, id DESC);
CREATE INDEX sessions_handoff_queue_started_at ON sessions (handoff_queue, started_at DESC, id DESC);
CREATE INDEX sessions_score ON sessions (score, id) WHERE score IS NOT NULL;
CREATE INDEX sessions_sentiment ON sessions (sentiment, id) WHERE sentiment IS NOT NULL;

-- Turns: the utterance's sentiment; '' and 0 when not scored.
ALTER TABLE turns
    ADD COLUMN sentiment       double precision NOT NULL DEFAULT 0 CHECK (sentiment BETWEEN -1 AND 1),
    ADD COLUMN sentiment_label text NOT NULL DEFAULT ''
        CHECK (sentiment_label IN ('', 'negative', 'neutral', 'positive'));

CREATE TABLE agents (
    id         text        NOT NULL PRIMARY KEY,
    definition jsonb       NOT NULL CHECK (jsonb_typeof(definition) = 'object'),
    updated_at timestamptz NOT NULL
);

CREATE TABLE queues (
    id         text        NOT NULL PRIMARY KEY,
    definition jsonb       NOT NULL CHECK (jsonb_typeof(definition) = 'object'),
    updated_at timestamptz NOT NULL
);

-- Agent events outlive their agent: no foreign key.
CREATE TABLE agent_events (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agent_id   text        NOT NULL,
    state      text        NOT NULL
        CHECK (state IN ('offline', 'available', 'on_call', 'wrap_up', 'away')),
    reason     text        NOT NULL DEFAULT '',
    session_id text        NOT NULL DEFAULT '',
    node       text        NOT NULL DEFAULT '',
    at         timestamptz NOT NULL
);

CREATE INDEX agent_events_agent_at ON agent_events (agent_id, at, id);
CREATE INDEX agent_events_at ON agent_events (at, id);

CREATE TABLE wrapups (
    session_id     text        NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    agent_id       text        NOT NULL,
    disposition    text        NOT NULL DEFAULT '',
    notes          text        NOT NULL DEFAULT '',
    summary        text        NOT NULL DEFAULT '',
    handle_time_us bigint      NOT NULL DEFAULT 0 CHECK (handle_time_us >= 0),
    at             timestamptz NOT NULL,
    PRIMARY KEY (session_id, agent_id)
);

CREATE TABLE feedback (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id text        NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    agent_id   text        NOT NULL,
    kind       text        NOT NULL CHECK (kind IN ('article', 'step', 'reply')),
    ref        text        NOT NULL,
    useful     boolean     NOT NULL,
    at         timestamptz NOT NULL
);

CREATE INDEX feedback_session_at ON feedback (session_id, at, id);
CREATE INDEX feedback_at ON feedback (at, id);

CREATE TABLE audit (
    id     bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at     timestamptz NOT NULL,
    actor  text        NOT NULL,
    action text        NOT NULL,
    target text        NOT NULL DEFAULT '',
    detail jsonb
);

CREATE INDEX audit_at ON audit (at DESC, id DESC);

CREATE TABLE callbacks (
    id           text        NOT NULL PRIMARY KEY,
    queue        text        NOT NULL,
    caller_id    text        NOT NULL,
    session_id   text        NOT NULL DEFAULT '',
    status       text        NOT NULL CHECK (status IN ('pending', 'done', 'cancelled')),
    requested_at timestamptz NOT NULL,
    done_at      timestamptz,
    CHECK ((status = 'pending') = (done_at IS NULL))
);

CREATE INDEX callbacks_status_requested_at ON callbacks (status, requested_at, id);
CREATE INDEX callbacks_requested_at ON callbacks (requested_at, id);

-- Scorecards are versioned like bots (see bots and bot_versions in 0001).
CREATE TABLE scorecards (
    name           text        NOT NULL PRIMARY KEY,
    draft          jsonb       NOT NULL,
    active_version integer     NOT NULL DEFAULT 0,
    latest_version integer     NOT NULL DEFAULT 0,
    updated_at     timestamptz NOT NULL
);

CREATE TABLE scorecard_versions (
    scorecard    text        NOT NULL REFERENCES scorecards (name) ON DELETE CASCADE,
    version      integer     NOT NULL CHECK (version > 0),
    definition   jsonb       NOT NULL,
    note         text        NOT NULL DEFAULT '',
    published_at timestamptz NOT NULL,
    PRIMARY KEY (scorecard, version)
);

-- One result per session and scorecard: a rescore replaces it. The
-- scorecard is not a foreign key (as sessions.bot is not): results stay
-- readable whatever happens to the scorecard's record.
CREATE TABLE qa_results (
    session_id      text             NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    scorecard       text             NOT NULL,
    version         integer          NOT NULL CHECK (version > 0),
    score           double precision NOT NULL CHECK (score BETWEEN 0 AND 100),
    critical_failed boolean          NOT NULL,
    result          jsonb            NOT NULL,
    scored_at       timestamptz      NOT NULL,
    PRIMARY KEY (session_id, scorecard)
);

CREATE INDEX qa_results_scorecard_scored_at ON qa_results (scorecard, scored_at);
CREATE INDEX qa_results_scored_at ON qa_results (scored_at);

CREATE TABLE qa_overrides (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id  text        NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    scorecard   text        NOT NULL,
    question_id text        NOT NULL,
    answer      text        NOT NULL,
    auto        text        NOT NULL DEFAULT '',
    comment     text        NOT NULL DEFAULT '',
    reviewer    text        NOT NULL,
    at          timestamptz NOT NULL
);

CREATE INDEX qa_overrides_session ON qa_overrides (session_id, scorecard, at, id);
CREATE INDEX qa_overrides_at ON qa_overrides (at, id);

-- Alerts may be raised on a call without a session (session_id ''): no
-- foreign key.
CREATE TABLE alerts (
    id         text        NOT NULL PRIMARY KEY,
    session_id text        NOT NULL DEFAULT '',
    call_id    text        NOT NULL DEFAULT '',
    rule       text        NOT NULL DEFAULT '',
    kind       text        NOT NULL CHECK (kind <> '' AND kind <> 'any'),
    severity   text        NOT NULL DEFAULT '',
    at         timestamptz NOT NULL,
    payload    jsonb
);

CREATE INDEX alerts_session_kind ON alerts (session_id, kind);
CREATE INDEX alerts_kind_at ON alerts (kind, at DESC, id DESC);
CREATE INDEX alerts_at ON alerts (at DESC, id DESC);
