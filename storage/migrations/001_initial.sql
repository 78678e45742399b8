-- The whole first schema. Times are Unix seconds (UTC) as REAL or INTEGER.

CREATE TABLE wards (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    province    TEXT NOT NULL DEFAULT '',
    served      INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE ward_aliases (
    ward_code   TEXT NOT NULL REFERENCES wards(code) ON DELETE CASCADE,
    alias       TEXT NOT NULL,
    former      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (ward_code, alias)
);

CREATE TABLE sources (
    name                 TEXT PRIMARY KEY,
    kind                 TEXT NOT NULL,
    url                  TEXT NOT NULL,
    etag                 TEXT,
    last_modified        TEXT,
    first_polled_at      REAL,
    last_polled_at       REAL,
    last_ok_at           REAL,
    last_error           TEXT,
    last_error_at        REAL,
    error_count          INTEGER NOT NULL DEFAULT 0,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    empty_polls          INTEGER NOT NULL DEFAULT 0,
    next_poll_at         REAL NOT NULL DEFAULT 0,
    items_total          INTEGER NOT NULL DEFAULT 0,
    last_new_items       INTEGER NOT NULL DEFAULT 0,
    alert                TEXT,
    stopped              INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE items (
    id            INTEGER PRIMARY KEY,
    source        TEXT NOT NULL REFERENCES sources(name),
    key           TEXT NOT NULL,
    url           TEXT NOT NULL UNIQUE,
    guid          TEXT,
    title         TEXT NOT NULL,
    title_key     TEXT NOT NULL,
    summary       TEXT NOT NULL DEFAULT '',
    body          TEXT NOT NULL DEFAULT '',
    author        TEXT,
    published_at  INTEGER NOT NULL,
    date_guessed  INTEGER NOT NULL DEFAULT 0,
    first_seen_at INTEGER NOT NULL,
    updated_at    INTEGER,
    content_hash  TEXT NOT NULL,
    UNIQUE (source, key)
);
CREATE INDEX items_guid ON items(guid) WHERE guid IS NOT NULL;
CREATE INDEX items_title_key ON items(title_key, published_at);
CREATE INDEX items_published ON items(published_at DESC, id DESC);

CREATE TABLE item_wards (
    item_id       INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    ward_code     TEXT NOT NULL REFERENCES wards(code),
    published_at  INTEGER NOT NULL,
    PRIMARY KEY (ward_code, published_at, item_id)
) WITHOUT ROWID;
CREATE INDEX item_wards_item ON item_wards(item_id);

-- Contentless: the folded title and text are indexed, the items table keeps
-- the originals. Folding (đ → d, marks dropped) happens in Python.
CREATE VIRTUAL TABLE items_fts USING fts5(
    title, body, content='', tokenize='unicode61 remove_diacritics 2'
);

CREATE TABLE chats (
    id                 INTEGER PRIMARY KEY,
    type               TEXT NOT NULL,
    title              TEXT,
    language           TEXT,
    active             INTEGER NOT NULL DEFAULT 1,
    created_at         REAL NOT NULL,
    updated_at         REAL NOT NULL,
    deactivated_reason TEXT
);

CREATE TABLE subscriptions (
    chat_id     INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE ON UPDATE CASCADE,
    ward_code   TEXT NOT NULL REFERENCES wards(code),
    created_at  REAL NOT NULL,
    PRIMARY KEY (chat_id, ward_code)
) WITHOUT ROWID;
CREATE INDEX subscriptions_ward ON subscriptions(ward_code, chat_id);

CREATE TABLE broadcasts (
    id                  INTEGER PRIMARY KEY,
    author_id           INTEGER NOT NULL,
    origin_chat_id      INTEGER NOT NULL,
    text                TEXT NOT NULL DEFAULT '',
    copy_chat_id        INTEGER,
    copy_message_id     INTEGER,
    wards               TEXT NOT NULL DEFAULT '[]',
    status              TEXT NOT NULL DEFAULT 'draft'
                        CHECK (status IN ('draft', 'sending', 'done', 'cancelled')),
    audience            INTEGER NOT NULL DEFAULT 0,
    progress_message_id INTEGER,
    created_at          REAL NOT NULL,
    confirmed_at        REAL,
    finished_at         REAL
);

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    chat_id         INTEGER NOT NULL REFERENCES chats(id) ON UPDATE CASCADE,
    item_id         INTEGER REFERENCES items(id) ON DELETE CASCADE,
    broadcast_id    INTEGER REFERENCES broadcasts(id),
    batch           INTEGER,
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'dropped')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    created_at      REAL NOT NULL,
    sent_at         REAL,
    message_id      INTEGER,
    error           TEXT,
    CHECK ((item_id IS NULL) <> (broadcast_id IS NULL)),
    UNIQUE (chat_id, item_id),
    UNIQUE (chat_id, broadcast_id)
);
CREATE INDEX outbox_due ON outbox(next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX outbox_sending ON outbox(id) WHERE status = 'sending';
CREATE INDEX outbox_broadcast ON outbox(broadcast_id, status) WHERE broadcast_id IS NOT NULL;
CREATE INDEX outbox_sent_at ON outbox(sent_at) WHERE status = 'sent';

CREATE TABLE audit (
    id       INTEGER PRIMARY KEY,
    at       REAL NOT NULL,
    user_id  INTEGER,
    chat_id  INTEGER,
    action   TEXT NOT NULL,
    detail   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_at ON audit(at);
