-- Pre-aggregated case counts that let kpi/aggregated.py answer most KPI questions in a few
-- milliseconds instead of scanning every case (docs/performance.md).
--
-- A row belongs to one grain — district, street, community, category, channel or
-- matter_class — and holds that grain's key columns (district, plus street and community,
-- or plus the one other dimension) and the month of received_on; other keys are NULL.
-- Every statement is run by etl/aggregates.py; sections start with "-- name: <name>".
-- Whole closure days make the per-cell histograms exact for median and p90.

-- name: schema
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

-- name: delete_months
DELETE FROM {table} WHERE month IN (SELECT month FROM agg_dirty);

-- name: insert_counts
-- {source} is the cases of the dirty months with their facts (etl/aggregates.py);
-- {grouping_sets} lists each scanned grain's keys plus the statement's own keys; {grain}
-- names the grain of a result row from which keys were grouped (one scan, several grains).
INSERT INTO agg_counts
SELECT {grain}, district, street, community, channel, category, matter_class, month, status,
       resolved_month, due_key_open, stall_key_open,
       count(*),
       count(*) FILTER (WHERE satisfaction = 'satisfied'),
       count(*) FILTER (WHERE satisfaction = 'basically_satisfied'),
       count(*) FILTER (WHERE satisfaction = 'dissatisfied'),
       count(*) FILTER (WHERE on_time),
       count(*) FILTER (WHERE on_time_known),
       count(closure_days),
       coalesce(sum(closure_days), 0),
       response_month, feedback_month,
       count(*) FILTER (WHERE response_known),
       count(*) FILTER (WHERE response_on_time),
       count(*) FILTER (WHERE feedback_known),
       count(*) FILTER (WHERE feedback_on_time),
       count(*) FILTER (WHERE reopened)
FROM (SELECT *, CASE WHEN open_later THEN due_key END AS due_key_open,
             CASE WHEN open_later THEN stall_key END AS stall_key_open FROM {source})
GROUP BY GROUPING SETS ({grouping_sets});

-- name: insert_days
INSERT INTO agg_days
SELECT {grain}, district, street, community, channel, category, matter_class, month,
       resolved_month, closure_days, count(*)
FROM {source} WHERE closure_days IS NOT NULL AND resolved_month IS NOT NULL
GROUP BY GROUPING SETS ({grouping_sets});

-- name: insert_minutes
INSERT INTO agg_minutes
SELECT {grain}, district, street, community, channel, category, matter_class, month,
       resolved_month, closure_minutes, count(*)
FROM {source} WHERE closure_minutes IS NOT NULL AND resolved_month IS NOT NULL
GROUP BY GROUPING SETS ({grouping_sets});

-- name: insert_open_cases
INSERT INTO agg_open_cases
SELECT month, case_id, received_on, district, street, community, channel, category,
       matter_class, due, progress_on
FROM {source} WHERE open_now;

-- name: insert_open
-- {source} here is agg_open_cases of the dirty months (a tenth of the cases, not all).
INSERT INTO agg_open
SELECT {grain}, district, street, community, channel, category, matter_class, month,
       kind, day, count(*)
FROM (SELECT *, unnest(['due', 'progress']) AS kind FROM {source})
     , LATERAL (SELECT CASE WHEN kind = 'due' THEN due ELSE progress_on END AS day)
WHERE day IS NOT NULL
GROUP BY GROUPING SETS ({grouping_sets});

-- name: rollup_counts
-- Coarser area grains are sums of the community grain's rows of the same months.
INSERT INTO agg_counts
SELECT $grain, {keys}, month, status, resolved_month, due_key, stall_key,
       sum(n), sum(satisfied), sum(basically_satisfied), sum(dissatisfied), sum(on_time),
       sum(on_time_known), sum(days_n), sum(days_sum), response_month, feedback_month,
       sum(response_known), sum(response_on_time), sum(feedback_known), sum(feedback_on_time),
       sum(reopened)
FROM agg_counts WHERE grain = 'community' AND month IN (SELECT month FROM agg_dirty)
GROUP BY ALL;

-- name: rollup_days
INSERT INTO agg_days
SELECT $grain, {keys}, month, resolved_month, days, sum(n)
FROM agg_days WHERE grain = 'community' AND month IN (SELECT month FROM agg_dirty)
GROUP BY ALL;

-- name: rollup_minutes
INSERT INTO agg_minutes
SELECT $grain, {keys}, month, resolved_month, minutes, sum(n)
FROM agg_minutes WHERE grain = 'community' AND month IN (SELECT month FROM agg_dirty)
GROUP BY ALL;

-- name: rollup_open
INSERT INTO agg_open
SELECT $grain, {keys}, month, kind, day, sum(n)
FROM agg_open WHERE grain = 'community' AND month IN (SELECT month FROM agg_dirty)
GROUP BY ALL;
