-- The canonical Taizhang schema: the only DDL in the project.
-- store/schema.py runs it (every statement is idempotent) and records schema_version.

CREATE TABLE IF NOT EXISTS meta (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);

-- Registry of every community, so a community with no cases shows as 0, not missing.
CREATE TABLE IF NOT EXISTS areas (
    district  VARCHAR NOT NULL,
    street    VARCHAR NOT NULL,
    community VARCHAR NOT NULL,
    kind      VARCHAR NOT NULL CHECK (kind IN ('社区', '村')),
    PRIMARY KEY (district, street, community)
);

-- The service group (服务团) of each community, from the registry's optional 服务团 column:
-- one group per community; a community without a row has none.
CREATE TABLE IF NOT EXISTS service_groups (
    district      VARCHAR NOT NULL,
    street        VARCHAR NOT NULL,
    community     VARCHAR NOT NULL,
    service_group VARCHAR NOT NULL,
    PRIMARY KEY (district, street, community)
);

CREATE TABLE IF NOT EXISTS imports (
    import_id      INTEGER PRIMARY KEY,
    file           VARCHAR NOT NULL,
    sha256         VARCHAR NOT NULL,
    profile        VARCHAR NOT NULL,
    as_of          DATE,
    started_at     TIMESTAMP NOT NULL,
    finished_at    TIMESTAMP,
    rows_read      INTEGER NOT NULL DEFAULT 0,
    rows_new       INTEGER NOT NULL DEFAULT 0,
    rows_updated   INTEGER NOT NULL DEFAULT 0,
    rows_unchanged INTEGER NOT NULL DEFAULT 0,
    rows_skipped   INTEGER NOT NULL DEFAULT 0,
    rows_rejected  INTEGER NOT NULL DEFAULT 0,
    status         VARCHAR NOT NULL CHECK (status IN ('running', 'ok', 'unchanged', 'failed')),
    error          VARCHAR
);
CREATE SEQUENCE IF NOT EXISTS import_id_seq START 1;

-- One row a ledger row that was a case but could not be normalised: kept whole.
CREATE TABLE IF NOT EXISTS rejects (
    import_id INTEGER NOT NULL,
    sheet     VARCHAR,
    "row"     INTEGER,            -- 1-based row number as the user sees it in Excel
    "column"  VARCHAR,            -- the ledger's own column header
    value     VARCHAR,
    reason    VARCHAR NOT NULL,   -- Chinese first, then English
    raw       JSON,               -- the whole row as read, header → cell text (masked)
    code      VARCHAR             -- the reason as 'rule:field' (store/rejects.py REASONS), e.g.
                                  -- 'before_received:resolved_on'; NULL for rejects of schema < 4
);

CREATE TABLE IF NOT EXISTS meetings (
    meeting_id   VARCHAR PRIMARY KEY,
    held_on      DATE NOT NULL,
    district     VARCHAR,
    street       VARCHAR,
    community    VARCHAR,
    channel      VARCHAR,
    topic        VARCHAR,
    participants INTEGER,
    import_id    INTEGER,
    source_file  VARCHAR,
    source_sheet VARCHAR,
    source_row   INTEGER,
    last_seen_on DATE,     -- as-of date of the latest import that carried the meeting
    given_district  VARCHAR,  -- the area as the ledger writes it (row, else sheet name, title, file
    given_street    VARCHAR,  -- name): what the registry resolves district/street/community from,
    given_community VARCHAR,  -- again whenever it changes (etl/areas.py)
    feedback     VARCHAR   -- the answer given to the meeting's proposal (反馈/答复); NULL: none
);

-- cases and case_officials carry no PRIMARY KEY: DuckDB keeps such an index (ART) in
-- memory whole, and at 10 million cases it no longer fit a load's memory limit (the commit
-- failed). Keys stay unique because the ETL makes them so: a file's repeated ids are
-- rejected (duplicate_id) and merge.py inserts only keys not yet stored (tests/test_etl_*).
CREATE TABLE IF NOT EXISTS cases (
    case_id          VARCHAR NOT NULL,
    district         VARCHAR,
    street           VARCHAR,
    community        VARCHAR,
    channel          VARCHAR,
    meeting_id       VARCHAR,
    meeting_on       DATE,        -- the ledger's 会议时间: links the case to that meeting
    title            VARCHAR,
    category         VARCHAR,
    matter_class     VARCHAR CHECK (matter_class IN ('大事', '小事', '私事')),
    responsible_unit VARCHAR,
    reporter         VARCHAR,     -- resident who raised it; masked on screen without `pii`
    note             VARCHAR,     -- latest 进展情况/办理情况 text
    received_on      DATE NOT NULL,
    due_on           DATE,        -- the ledger's own deadline; the KPI layer adds the SLA
    resolved_on      DATE,
    closed_on        DATE,        -- 销号
    -- Date and time where the ledger writes a time of day (12345/311 exports); NULL for a
    -- date-only ledger. received_at/resolved_at fall on received_on/resolved_on.
    received_at      TIMESTAMP,
    resolved_at      TIMESTAMP,
    responded_at     TIMESTAMP,   -- 签收/响应: when the unit accepted or first answered
    feedback_at      TIMESTAMP,   -- 反馈: when the resident was told the outcome
    status           VARCHAR NOT NULL
                     CHECK (status IN ('pending', 'in_progress', 'resolved', 'deferred',
                                       'cancelled', 'referred')),
    satisfaction     VARCHAR
                     CHECK (satisfaction IN ('satisfied', 'basically_satisfied', 'dissatisfied')),
    reopened_count   INTEGER NOT NULL DEFAULT 0,
    last_progress_on DATE,
    import_id        INTEGER,
    source_file      VARCHAR,
    source_sheet     VARCHAR,
    source_row       INTEGER,
    -- The ledger row as read: a JSON array of its cells in column order (an empty cell
    -- null), masked like every stored text. Its column headers are raw_layouts' keys of
    -- layout `raw_layout` (stored once for all the rows under the same header), so that
    -- header i names cell i. zstd: the default string compression costs more CPU than the
    -- rest of a large import's write together, for a column rarely read. NULL both for a
    -- case no ledger row gave.
    raw              JSON USING COMPRESSION 'zstd',
    raw_layout       INTEGER,
    last_seen_on     DATE,        -- as-of date of the latest import that carried the case
    -- The area as the ledger writes it (its row, else the sheet name, title rows or file
    -- name); district/street/community are these resolved against the registry, again
    -- whenever the registry is loaded (etl/areas.py). A key generated for a case without
    -- a ledger id hashes these, not the resolved names.
    given_district   VARCHAR,
    given_street     VARCHAR,
    given_community  VARCHAR
);

-- The headers of ledger rows (cases.raw), one row per distinct list of them: `keys` are
-- a sheet's column headers in column order, a repeated header numbered (备注, 备注_2),
-- personal numbers masked. A load adds the lists it has not seen (etl/stage.py), a meeting
-- ledger's too (its rejected rows' JSON is written from it); a list no stored case uses
-- (a meeting ledger's, a sheet whose rows were all rejected, or whose cases were updated
-- from a sheet with other headers) stays: it holds no case data.
CREATE TABLE IF NOT EXISTS raw_layouts (
    layout_id INTEGER PRIMARY KEY,
    keys      VARCHAR[] NOT NULL
);

-- Keys of cases and meetings without a ledger id that Taizhang before schema 5 generated
-- from the resolved area names. The next import of their ledger gives each its key of
-- today (etl/rekey.py) instead of a second copy. Empty in a database created since.
CREATE TABLE IF NOT EXISTS legacy_keys (
    id VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS officials (
    official_id VARCHAR PRIMARY KEY,
    name        VARCHAR NOT NULL,
    title       VARCHAR,
    unit        VARCHAR
);

CREATE TABLE IF NOT EXISTS case_officials (
    case_id     VARCHAR NOT NULL,
    official_id VARCHAR NOT NULL,
    role        VARCHAR NOT NULL CHECK (role IN ('lead', 'deputy', 'handler', 'supervisor'))
);

CREATE TABLE IF NOT EXISTS meeting_attendance (
    meeting_id  VARCHAR NOT NULL,
    official_id VARCHAR NOT NULL,
    PRIMARY KEY (meeting_id, official_id)
);

-- The timeline: first sight of a case and every status change seen on re-import.
CREATE TABLE IF NOT EXISTS case_events (
    case_id   VARCHAR NOT NULL,
    event_on  DATE NOT NULL,      -- SPEC calls it `on`, a SQL keyword; see docs/data-model.md
    status    VARCHAR NOT NULL,
    note      VARCHAR,
    import_id INTEGER
);

-- Who may see what (schema 6): one grant a person, by their login's subject or e-mail
-- (lower-case). No grant, no access: the dashboard shows only whom to ask.
CREATE TABLE IF NOT EXISTS grants (
    subject    VARCHAR PRIMARY KEY,
    role       VARCHAR NOT NULL
               CHECK (role IN ('leader', 'street', 'supervisor', 'data', 'admin')),
    streets    VARCHAR[],         -- the streets the person sees; NULL: every street
    pii        BOOLEAN NOT NULL DEFAULT false,   -- sees residents' names unmasked
    granted_by VARCHAR,
    granted_at TIMESTAMP NOT NULL
);

-- What was done with the data, by whom (schema 6): uploads, exports and downloads, cases
-- opened with names shown, refused uploads. Written, never updated.
CREATE SEQUENCE IF NOT EXISTS audit_id_seq START 1;
CREATE TABLE IF NOT EXISTS audit_log (
    audit_id  BIGINT PRIMARY KEY DEFAULT nextval('audit_id_seq'),
    logged_at TIMESTAMP NOT NULL,
    who       VARCHAR NOT NULL,
    action    VARCHAR NOT NULL,    -- upload | upload_refused | export | download | pii_view
    what      VARCHAR,             -- the file, list or report, or the case
    detail    VARCHAR              -- JSON: file hash and counts, filters, rows
);

-- The aggregate tables: pre-aggregated case counts that let the KPI layer
-- (kpi/aggregated.py) answer most questions in a few milliseconds instead of scanning every
-- case (docs/performance.md). Derived from the per-case facts (store/facts.py) and kept in
-- step with `cases` by store/aggregates.py, which records in `meta` the definitions and
-- settings they were built with. A row belongs to one grain — district, street, community,
-- category, channel or matter_class — and holds that grain's key columns (district, plus
-- street and community, or plus the one other dimension) and the month of received_on;
-- other keys are NULL. Whole closure days make the per-cell histograms exact for median and p90.
CREATE TABLE IF NOT EXISTS agg_counts (
    grain        VARCHAR NOT NULL,   -- district | street | community | category | channel | matter_class
    district     VARCHAR, street VARCHAR, community VARCHAR,
    channel      VARCHAR, category VARCHAR, matter_class VARCHAR,
    month        VARCHAR NOT NULL,   -- received_on, '2023-01'
    status       VARCHAR NOT NULL,   -- the case's status now
    resolved_month VARCHAR,          -- resolved cases with a resolved_on only
    -- For cases that can be open at the end of a later month (still open, or resolved in
    -- a later month): the first month at whose last day the case is overdue / stalled.
    due_key      VARCHAR,            -- month of (due + 1 day)
    stall_key    VARCHAR,            -- month of (last progress + stall_days + 1 day)
    n            BIGINT NOT NULL,
    satisfied    BIGINT NOT NULL,
    basically_satisfied BIGINT NOT NULL,
    dissatisfied BIGINT NOT NULL,
    on_time      BIGINT NOT NULL,
    on_time_known BIGINT NOT NULL,
    days_n       BIGINT NOT NULL,
    days_sum     BIGINT NOT NULL,
    -- 12345 measures: the month of the 签收/响应 and 反馈 times (a response is counted at an
    -- as_of on or after it), and counts of those in time, and of reopened cases.
    response_month VARCHAR,
    feedback_month VARCHAR,
    response_known BIGINT NOT NULL,
    response_on_time BIGINT NOT NULL,
    feedback_known BIGINT NOT NULL,
    feedback_on_time BIGINT NOT NULL,
    reopened     BIGINT NOT NULL
);
-- Closure days of resolved cases: one row a cell, resolved month and whole number of days.
CREATE TABLE IF NOT EXISTS agg_days (
    grain VARCHAR NOT NULL,
    district VARCHAR, street VARCHAR, community VARCHAR,
    channel VARCHAR, category VARCHAR, matter_class VARCHAR,
    month VARCHAR NOT NULL, resolved_month VARCHAR NOT NULL,
    days BIGINT NOT NULL, n BIGINT NOT NULL
);
-- Closure in whole minutes of resolved cases whose ledger gives both times of day, as
-- agg_days: exact median_hours and p90_hours from the summed histograms.
CREATE TABLE IF NOT EXISTS agg_minutes (
    grain VARCHAR NOT NULL,
    district VARCHAR, street VARCHAR, community VARCHAR,
    channel VARCHAR, category VARCHAR, matter_class VARCHAR,
    month VARCHAR NOT NULL, resolved_month VARCHAR NOT NULL,
    minutes BIGINT NOT NULL, n BIGINT NOT NULL
);
-- The ranking cohort (store.rules.judged: due or closed in a period): resolved and open
-- cases by the month they were resolved in and the month they fall due, so that for any
-- period of whole months a case is judged when resolved in it, or due in it and not
-- resolved by its end. month (received_on) only places a row for a refresh.
CREATE TABLE IF NOT EXISTS agg_cohort (
    grain VARCHAR NOT NULL,
    district VARCHAR, street VARCHAR, community VARCHAR,
    channel VARCHAR, category VARCHAR, matter_class VARCHAR,
    month VARCHAR NOT NULL,
    is_resolved BOOLEAN NOT NULL,    -- resolved now (else pending or in progress now)
    resolved_month VARCHAR,          -- resolved cases with a resolved_on only
    due_month VARCHAR,               -- month of the deadline (due)
    due_day DATE,                    -- the deadline, for cases open now or resolved undated:
                                     -- exact for a period ending on any day after the data
    on_time BOOLEAN NOT NULL,        -- resolved with resolved_on <= due
    n BIGINT NOT NULL,
    -- of the n, rated so (summed, not keys: the ratings of the cases closed in a period)
    satisfied BIGINT NOT NULL, basically_satisfied BIGINT NOT NULL, dissatisfied BIGINT NOT NULL
);
-- Cases open now (pending, in_progress), one row each: the 督办 list's candidates at the
-- latest date (kpi/supervision.py) without reading every case, and agg_open's source.
CREATE TABLE IF NOT EXISTS agg_open_cases (
    month VARCHAR NOT NULL, case_id VARCHAR NOT NULL, received_on DATE NOT NULL,
    district VARCHAR, street VARCHAR, community VARCHAR,
    channel VARCHAR, category VARCHAR, matter_class VARCHAR,
    due DATE, progress_on DATE
);
-- Cases open now (pending, in_progress): their deadline and last progress by day, so that
-- overdue and stalled are exact for an as_of on any day after the latest date in the data.
CREATE TABLE IF NOT EXISTS agg_open (
    grain VARCHAR NOT NULL,
    district VARCHAR, street VARCHAR, community VARCHAR,
    channel VARCHAR, category VARCHAR, matter_class VARCHAR,
    month VARCHAR NOT NULL,
    kind VARCHAR NOT NULL CHECK (kind IN ('due', 'progress')),
    day DATE NOT NULL, n BIGINT NOT NULL
);
