-- How the aggregate tables (their DDL: store/schema.sql) are filled from the per-case facts
-- (store/facts.py). Every statement is run by store/aggregates.py; sections start with
-- "-- name: <name>". A hash of these statements as generated, the facts' SQL included, is
-- recorded with the tables: a changed definition makes stored aggregates stale by itself.
-- Written in DuckDB's SQL; a ClickHouse warehouse runs the same statements transpiled
-- (store/dialect.py), so keep to what both engines have (no LATERAL, for one).

-- name: delete_months
DELETE FROM {table} WHERE month IN (SELECT strftime(month, '%Y-%m') FROM agg_dirty);

-- name: insert_counts
-- {source} is the cases of the dirty months with their facts (store/aggregates.py), each
-- month as its first day: grouped so, and written 'YYYY-MM' only for the rows grouped;
-- {grouping_sets} lists each scanned grain's keys plus the statement's own keys; {grain}
-- names the grain of a result row from which keys were grouped (one scan, several grains).
INSERT INTO agg_counts
SELECT {grain}, district, street, community, channel, category, matter_class,
       strftime(month, '%Y-%m'), status, strftime(resolved_month, '%Y-%m'),
       strftime(due_key_open, '%Y-%m'), strftime(stall_key_open, '%Y-%m'),
       count(*),
       count(*) FILTER (WHERE satisfaction = 'satisfied'),
       count(*) FILTER (WHERE satisfaction = 'basically_satisfied'),
       count(*) FILTER (WHERE satisfaction = 'dissatisfied'),
       count(*) FILTER (WHERE on_time),
       count(*) FILTER (WHERE on_time_known),
       count(closure_days),
       coalesce(sum(closure_days), 0),
       strftime(response_month, '%Y-%m'), strftime(feedback_month, '%Y-%m'),
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
SELECT {grain}, district, street, community, channel, category, matter_class,
       strftime(month, '%Y-%m'), strftime(resolved_month, '%Y-%m'), closure_days, count(*)
FROM {source} WHERE closure_days IS NOT NULL AND resolved_month IS NOT NULL
GROUP BY GROUPING SETS ({grouping_sets});

-- name: insert_minutes
INSERT INTO agg_minutes
SELECT {grain}, district, street, community, channel, category, matter_class,
       strftime(month, '%Y-%m'), strftime(resolved_month, '%Y-%m'), closure_minutes, count(*)
FROM {source} WHERE closure_minutes IS NOT NULL AND resolved_month IS NOT NULL
GROUP BY GROUPING SETS ({grouping_sets});

-- name: insert_cohort
-- Resolved and open cases (deferred, cancelled, referred are never judged: store.rules.judged).
INSERT INTO agg_cohort
SELECT {grain}, district, street, community, channel, category, matter_class,
       strftime(month, '%Y-%m'), is_resolved, strftime(resolved_month, '%Y-%m'),
       strftime(due_month, '%Y-%m'), due_day, on_time, count(*),
       count(*) FILTER (WHERE satisfaction = 'satisfied'),
       count(*) FILTER (WHERE satisfaction = 'basically_satisfied'),
       count(*) FILTER (WHERE satisfaction = 'dissatisfied')
FROM (SELECT *, status = 'resolved' AS is_resolved,
             CASE WHEN open_now OR (status = 'resolved' AND resolved_month IS NULL) THEN due END
                 AS due_day
      FROM {source} WHERE status IN ('resolved', 'pending', 'in_progress'))
GROUP BY GROUPING SETS ({grouping_sets});

-- name: insert_open_cases
INSERT INTO agg_open_cases
SELECT strftime(month, '%Y-%m'), case_id, received_on, district, street, community, channel, category,
       matter_class, due, progress_on
FROM {source} WHERE open_now;

-- name: insert_open
-- {source} here is agg_open_cases of the dirty months (a tenth of the cases, not all).
INSERT INTO agg_open
SELECT {grain}, district, street, community, channel, category, matter_class, month,
       kind, day, count(*)
FROM (SELECT *, CASE WHEN kind = 'due' THEN due ELSE progress_on END AS day
      FROM (SELECT *, unnest(['due', 'progress']) AS kind FROM {source}))
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
FROM agg_counts WHERE grain = 'community' AND month IN (SELECT strftime(month, '%Y-%m') FROM agg_dirty)
GROUP BY ALL;

-- name: rollup_days
INSERT INTO agg_days
SELECT $grain, {keys}, month, resolved_month, days, sum(n)
FROM agg_days WHERE grain = 'community' AND month IN (SELECT strftime(month, '%Y-%m') FROM agg_dirty)
GROUP BY ALL;

-- name: rollup_minutes
INSERT INTO agg_minutes
SELECT $grain, {keys}, month, resolved_month, minutes, sum(n)
FROM agg_minutes WHERE grain = 'community' AND month IN (SELECT strftime(month, '%Y-%m') FROM agg_dirty)
GROUP BY ALL;

-- name: rollup_open
INSERT INTO agg_open
SELECT $grain, {keys}, month, kind, day, sum(n)
FROM agg_open WHERE grain = 'community' AND month IN (SELECT strftime(month, '%Y-%m') FROM agg_dirty)
GROUP BY ALL;

-- name: rollup_cohort
INSERT INTO agg_cohort
SELECT $grain, {keys}, month, is_resolved, resolved_month, due_month, due_day, on_time, sum(n),
       sum(satisfied), sum(basically_satisfied), sum(dissatisfied)
FROM agg_cohort WHERE grain = 'community' AND month IN (SELECT strftime(month, '%Y-%m') FROM agg_dirty)
GROUP BY ALL;
