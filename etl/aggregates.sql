-- Pre-aggregated case counts that let kpi/aggregated.py answer most KPI questions in a few
-- milliseconds instead of scanning every case (docs/performance.md).
--
-- A cell is (district, street, community, month of received_on) at one grain: 'area', or
-- 'area' plus one of category / channel / matter_class (the other dimension columns NULL).
-- Every statement is run by etl/aggregates.py; sections start with "-- name: <name>".
-- Whole closure days make the per-cell histograms exact for median and p90.

-- name: schema
CREATE TABLE IF NOT EXISTS agg_counts (
    grain        VARCHAR NOT NULL,   -- area | category | channel | matter_class
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
    days_sum     BIGINT NOT NULL
);
-- Closure days of resolved cases: one row a cell, resolved month and whole number of days.
CREATE TABLE IF NOT EXISTS agg_days (
    grain VARCHAR NOT NULL,
    district VARCHAR, street VARCHAR, community VARCHAR,
    channel VARCHAR, category VARCHAR, matter_class VARCHAR,
    month VARCHAR NOT NULL, resolved_month VARCHAR NOT NULL,
    days BIGINT NOT NULL, n BIGINT NOT NULL
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

-- name: delete_dirty
-- Drops the aggregate rows of every dirty cell, at every grain.
DELETE FROM {table} AS a WHERE EXISTS (
    SELECT 1 FROM agg_dirty d
    WHERE d.month = a.month AND d.district IS NOT DISTINCT FROM a.district
      AND d.street IS NOT DISTINCT FROM a.street AND d.community IS NOT DISTINCT FROM a.community
);

-- name: insert_counts
INSERT INTO agg_counts
SELECT $grain, district, street, community, {extra_columns}, month, status, resolved_month,
       CASE WHEN open_later THEN due_key END, CASE WHEN open_later THEN stall_key END,
       count(*),
       count(*) FILTER (WHERE satisfaction = 'satisfied'),
       count(*) FILTER (WHERE satisfaction = 'basically_satisfied'),
       count(*) FILTER (WHERE satisfaction = 'dissatisfied'),
       count(*) FILTER (WHERE on_time),
       count(*) FILTER (WHERE on_time_known),
       count(closure_days),
       coalesce(sum(closure_days), 0)
FROM agg_src
GROUP BY ALL;

-- name: insert_days
INSERT INTO agg_days
SELECT $grain, district, street, community, {extra_columns}, month, resolved_month,
       closure_days, count(*)
FROM agg_src WHERE closure_days IS NOT NULL AND resolved_month IS NOT NULL
GROUP BY ALL;

-- name: insert_open
INSERT INTO agg_open
SELECT $grain, district, street, community, {extra_columns}, month, 'due', due, count(*)
FROM agg_src WHERE status IN ('pending', 'in_progress') AND due IS NOT NULL
GROUP BY ALL
UNION ALL
SELECT $grain, district, street, community, {extra_columns}, month, 'progress', progress_on, count(*)
FROM agg_src WHERE status IN ('pending', 'in_progress')
GROUP BY ALL;
