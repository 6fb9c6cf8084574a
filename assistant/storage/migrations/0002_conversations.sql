-- Conversations: sessions, turns (with their tool calls and citations), feedback and handoff requests.
-- Times are ISO 8601 UTC text so that any SQL backend sorts them the same way.
CREATE TABLE IF NOT EXISTS chat_sessions (
    id TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    customer_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS chat_turns (
    id INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES chat_sessions(id) ON DELETE CASCADE,
    turn_key TEXT,
    message TEXT NOT NULL,
    reply TEXT NOT NULL,
    action TEXT NOT NULL,
    intent TEXT NOT NULL DEFAULT '',
    first_token_ms REAL,
    total_ms REAL,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_chat_turns_session ON chat_turns (session_id, id);
-- A retried request with the same key stores its turn once.
CREATE UNIQUE INDEX IF NOT EXISTS ux_chat_turns_key ON chat_turns (session_id, turn_key);
CREATE TABLE IF NOT EXISTS chat_tool_calls (
    id INTEGER PRIMARY KEY,
    turn_id INTEGER NOT NULL REFERENCES chat_turns(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    arguments TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    ok INTEGER NOT NULL,
    result TEXT
);
CREATE INDEX IF NOT EXISTS ix_chat_tool_calls_turn ON chat_tool_calls (turn_id);
CREATE TABLE IF NOT EXISTS chat_citations (
    id INTEGER PRIMARY KEY,
    turn_id INTEGER NOT NULL REFERENCES chat_turns(id) ON DELETE CASCADE,
    n INTEGER NOT NULL,
    source TEXT NOT NULL,
    title TEXT NOT NULL,
    anchor TEXT NOT NULL DEFAULT '',
    url TEXT,
    snippet TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS ix_chat_citations_turn ON chat_citations (turn_id);
CREATE TABLE IF NOT EXISTS chat_feedback (
    id INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES chat_sessions(id) ON DELETE CASCADE,
    turn_id INTEGER NOT NULL REFERENCES chat_turns(id) ON DELETE CASCADE,
    rating INTEGER NOT NULL,
    comment TEXT,
    created_at TEXT NOT NULL
);
-- One vote per turn: a second vote replaces the first.
CREATE UNIQUE INDEX IF NOT EXISTS ux_chat_feedback_turn ON chat_feedback (turn_id);
CREATE TABLE IF NOT EXISTS chat_handoffs (
    id INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES chat_sessions(id) ON DELETE CASCADE,
    turn_id INTEGER,
    contact TEXT,
    reason TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open',
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_chat_handoffs_status ON chat_handoffs (status, id);
