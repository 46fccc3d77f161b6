"""Staged text → `checked`: folded, masked, parsed and checked, a whole column at a time.

Every rule is set-based SQL: value phrases are mapping tables joined in, dates are parsed
by regular expressions, area names are matched to the registry once per distinct name.
A row that is a case but cannot be normalised gets `reject` = 'code:field'; etl/rejects.py
turns that into a message.

    staged SELECT ──fold, mask, null words, dates, phrase maps, checks──► checked  (one statement,
                                                                              one copy of the rows)
    checked ──registry match (distinct names)──► area_match ──► matched (view)
    matched ──repeats marked──► keyed (view)
"""

from __future__ import annotations

from datetime import date, timedelta

import duckdb

from taizhang import clock
from taizhang.etl.fold import (CONTROL_SQL, JSON_CONTROL_SQL, ROW_SPACES_SQL, ROW_WIDE_SQL, ROW_WORK_SQL, fold_sql,
                                mask_sql)
from taizhang.etl.profile import FIELDS, Profile
from taizhang.etl.stage import DirectRead, ReadAgain, Staged
from taizhang.timing import mark
from taizhang.safetext import MAYBE_NUMBER

# A mobile or ID-card number may be in the row (any form taizhang.safetext masks; a case id
# that is a long digit run is none).
DIGITS_SQL = MAYBE_NUMBER
DATE_FIELDS = ("received_on", "due_on", "resolved_on", "closed_on", "last_progress_on", "meeting_on",
               "responded_at", "feedback_at")
# Date fields whose time of day is kept too ({f}_time, TIMESTAMP; NULL when the text has no
# time): closure in hours, response and feedback against limits in hours (docs/kpi.md).
TIME_FIELDS = ("received_on", "resolved_on", "responded_at", "feedback_at")
TEXT_FIELDS = tuple(f for f in FIELDS if f not in DATE_FIELDS)
AREA_FIELDS = ("district", "street", "community")
# Date fields checked after status, in the order a reject names the first bad one.
OTHER_DATES = ("resolved_on", "due_on", "closed_on", "last_progress_on", "meeting_on",
               "responded_at", "feedback_at")
# Dates that say when something happened: none can be after the import's as-of day or
# before the earliest year (a deadline, due_on, may be in the future).
HAPPENED = ("received_on", "resolved_on", "closed_on", "last_progress_on", "meeting_on",
            "responded_at", "feedback_at")
# Texts `checked` does not keep (a rejected row keeps the one its reject names, as
# reject_value): dates are kept parsed, phrases mapped (status_final, satisfaction_final,
# matter_value), the number of participants as a number.
TEXT_ONLY_HERE = (*DATE_FIELDS, "status", "satisfaction", "matter_class", "participants")
# Parts of the phrase lookups that only the statement building `checked` reads.
PARSED_ONLY = ("status_value", "satisfaction_value", "satisfaction_known", "satisfaction_score")
# A date cell holding Excel's day 0 (or a bare time) reads as a time of day, no date.
_TIME_ONLY = r"^\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$"

_AREA_SUFFIX = "(社区居民委员会|村民委员会|居民委员会|街道办事处|社区居委会|办事处|居委会|村委会|街道|社区|镇|乡|村)"
_YMD = r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?(?:\s*[ T].*)?$"
_MD = r"^(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?$"
# 2023-01-08 14:05, 2023/1/8 14:05:00, 2023-01-08T14:05:00.5, 2023年1月8日 14时05分
_YMD_TIME = (r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?\s*[ T]?\s*"
             r"(\d{1,2})\s*[:：时点]\s*(\d{1,2})\s*(?:[:：分]\s*(\d{1,2})(?:\.\d+)?\s*秒?|分)?$")


def area_base_sql(expr: str) -> str:
    """An area name without its administrative suffix (桃源社区居委会 → 桃源), in SQL."""
    return f"regexp_replace({expr}, '^(.+?){_AREA_SUFFIX}$', '\\1')"


def _base_or_blank(expr: str) -> str:
    return f"coalesce({area_base_sql(expr)}, '')"


def date_sql(x: str, year: str, formats: list[str]) -> str:
    """SQL parsing text `x` into a DATE: profile formats (bound as $date_formats), 2023-01-08 /
    2023/1/8 / 2023.1.8 / 2023年1月8日 (a time may follow), 20230108, Excel serials, 1月8日 with `year`."""
    custom = f"try_strptime({x}, $date_formats)::DATE, " if formats else ""
    # Most cells are 2023-01-08 already: a cast reads them without a regular expression
    # (not with profile formats, which come first and might read such a text otherwise).
    # coalesce() tries a later form only on the rows an earlier one left NULL.
    iso = "" if formats else (
        f"CASE WHEN strlen({x}) = 10 AND substr({x}, 5, 1) = '-' AND substr({x}, 8, 1) = '-' "
        f"THEN try_cast({x} AS DATE) END, "
    )
    return f"""CASE WHEN {x} IS NULL THEN NULL ELSE coalesce({iso}{custom}
        CASE WHEN regexp_matches({x}, '{_YMD}')
             THEN try_strptime(regexp_replace({x}, '{_YMD}', '\\1-\\2-\\3'), '%Y-%m-%d')::DATE END,
        CASE WHEN regexp_full_match({x}, '\\d{{8}}') THEN try_strptime({x}, '%Y%m%d')::DATE END,
        CASE WHEN regexp_full_match({x}, '\\d{{5}}(\\.\\d+)?') AND try_cast({x} AS DOUBLE) BETWEEN 20000 AND 80000
             THEN DATE '1899-12-30' + CAST(floor(try_cast({x} AS DOUBLE)) AS INTEGER) END,
        CASE WHEN regexp_matches({x}, '{_MD}') AND {year} IS NOT NULL
             THEN try_strptime({year}::VARCHAR || '-' || regexp_replace({x}, '{_MD}', '\\1-\\2'), '%Y-%m-%d')::DATE END
    ) END"""


def time_sql(x: str, formats: list[str]) -> str:
    """SQL parsing text `x` into a TIMESTAMP when it carries a time of day (NULL otherwise,
    and for exactly 00:00:00): the profile's formats with %H or %I (bound as $time_formats),
    then 2023-01-08 14:05[:00]."""
    custom = f"try_strptime({x}, $time_formats), " if time_formats(formats) else ""
    # Without seconds the text ends in ':' here; ':0' makes it one form for strptime.
    text = f"regexp_replace(regexp_replace({x}, '{_YMD_TIME}', '\\1-\\2-\\3 \\4:\\5:\\6'), ':$', ':0')"
    parsed = f"""coalesce({custom}
        CASE WHEN regexp_matches({x}, '{_YMD_TIME}') THEN try_strptime({text}, '%Y-%m-%d %H:%M:%S') END
    )"""
    # Exactly midnight is a date without a time: what an Excel date cell and a date-only
    # export write (2023-03-01T00:00:00), so a workbook and its CSV copy store the same case.
    # A text of ten characters or fewer holds no date and time of day (2023-1-19:05, the
    # shortest, has eleven): most cells are a bare 2023-01-08, spared the regexes here.
    short = "" if custom else f" OR strlen({x}) <= 10"
    return f"""CASE WHEN {x} IS NULL{short} THEN NULL
        ELSE nullif({parsed}, CAST(CAST({parsed} AS DATE) AS TIMESTAMP)) END"""


def time_formats(formats: list[str]) -> list[str]:
    """The profile's date formats that read a time of day."""
    return [f for f in formats if "%H" in f or "%I" in f]


def _date_problem(f: str) -> str:
    """'no_year' for 1月8日 without a year anywhere, 'time_only' for 00:00:00 (Excel's day 0
    in a date cell), else 'bad_date' (when the parse failed)."""
    return (f"CASE WHEN regexp_matches({f}, '{_MD}') THEN 'no_year:{f}' "
            f"WHEN regexp_matches({f}, '{_TIME_ONLY}') THEN 'time_only:{f}' ELSE 'bad_date:{f}' END")


def _out_of_range(p: str, fields) -> str:
    """CASE branches: the first of `fields` dated after $latest or before $earliest."""
    return "\n".join(
        f"WHEN {p}{f}_date > $latest THEN 'future_date:{f}' WHEN {p}{f}_date < $earliest THEN 'too_early:{f}'"
        for f in fields
    )


# The profile's status, satisfaction and matter-class phrases (keys: lower, no spaces) are
# bound to the statement as MAPs, looked up per row: as tables LEFT JOINed, DuckDB built its
# hash table from the file's wide rows (a RIGHT join) instead of the few phrases.
VALUE_MAPS = {"status": "status_map", "satisfaction": "satisfaction_map", "matter_class": "matter_map"}


def value_map_params(profile: Profile) -> dict[str, list]:
    """$<map>_keys and $<map>_values of each phrase map of the profile (see VALUE_MAPS)."""
    params = {}
    for field, name in VALUE_MAPS.items():
        rows = {k.replace(" ", "").lower(): v for k, v in getattr(profile, field).items()}
        params[f"{name}_keys"], params[f"{name}_values"] = list(rows), list(rows.values())
    return params


def _lookup(name: str, key: str, how: str = "map_extract_value") -> str:
    """SQL: `how` (map_extract_value or map_contains) of phrase map `name` for text `key`."""
    return f"{how}(map(${name}_keys::VARCHAR[], ${name}_values::VARCHAR[]), replace(lower({key}), ' ', ''))"


def normalise(con: duckdb.DuckDBPyConnection, profile: Profile, staged: Staged,
              date_range: tuple[date, date] | None = None) -> tuple[int, int]:
    """Build temp table `checked` and view `keyed` (every staged row that is not skipped, with
    key or reject) from the file's staged SELECT; returns (rows read, rows skipped).
    `date_range`: the earliest and latest plausible date (etl/load.py); a received,
    resolved, closed, progress or meeting date outside it is a reject."""
    earliest, latest = date_range or (date(1990, 1, 1), clock.today() + timedelta(days=1))
    # Only the fields some sheet of this file has are worked on; the rest stay NULL.
    present = {row[0] for row in con.execute("SELECT DISTINCT field FROM sheet_headers").fetchall()}
    params = {
        **staged.params,
        "fixed_district": profile.fixed.get("district"), "fixed_street": profile.fixed.get("street"),
        "fixed_community": profile.fixed.get("community"),
        "earliest": earliest, "latest": latest,
        **value_map_params(profile),
        "status_sheets": [row[0] for row in con.execute(
            "SELECT DISTINCT sheet_no FROM sheet_headers WHERE field = 'status'").fetchall()],
    }
    if profile.date_formats and present & set(DATE_FIELDS):
        params["date_formats"] = list(profile.date_formats)
    if time_formats(profile.date_formats) and present & set(TIME_FIELDS):
        params["time_formats"] = time_formats(profile.date_formats)
    words = sorted({v.replace(" ", "").lower() for v in profile.null_values})
    if words and present:
        # One text \x1fword\x1f…\x1f searched with contains(): an IN list or list_contains()
        # is planned as one join per column here, each costing more than the test itself.
        params["null_words"] = "\x1f" + "\x1f".join(words) + "\x1f"
    rows_read, skipped = _build_checked(con, _checked_sql(staged.sql, present, profile), params, staged.direct)
    mark("normalise")
    con.execute("DROP TABLE IF EXISTS csv_line_nos")  # (a CSV's cells: dropped after the transaction)
    for name in staged.registered:
        con.unregister(name)
    staged.registered.clear()
    _match_areas(con)
    mark("match_areas")
    _key(con, present)
    mark("repeats")
    return rows_read, skipped


def _build_checked(con: duckdb.DuckDBPyConnection, sql: str, params: dict,
                   direct: DirectRead | None) -> tuple[int, int]:
    """Run the statement that builds table `checked_rows`, and make view `checked` over it,
    which numbers the rows of a CSV read directly (DirectRead: by their place in the table,
    written in file order); returns (rows read, rows skipped), counted in one pass. Raises
    ReadAgain when such a CSV must be read again first."""
    if direct is None:
        con.execute(sql, params)
        con.execute("CREATE OR REPLACE TEMP VIEW checked AS SELECT * FROM checked_rows")
        return con.execute("SELECT count(*), count(skip) FROM checked_rows").fetchall()[0]
    try:
        con.execute(sql, params)
    except duckdb.Error:
        raise ReadAgain() from None  # read again with the default reader: its message, if any
    records, skipped, first = con.execute(
        "SELECT count(*), count(skip), min(rowid) FROM checked_rows").fetchall()[0]
    direct.check(records)
    # rowid counts from `first` (inside a transaction, a new table's rows are numbered from
    # a high offset until it commits)
    con.execute(
        "CREATE OR REPLACE TEMP VIEW checked AS SELECT * REPLACE "
        f"(coalesce(row_no, (rowid - {int(first or 0)} + {int(direct.start)})::INTEGER) AS row_no) FROM checked_rows"
    )
    return records, skipped


def _cleaned_sql(stage_sql: str, present: set[str], profile: Profile) -> str:
    """SELECT of the staged rows folded, masked and with null words as NULL (text still)."""
    folded = []
    for f in FIELDS:
        # control characters out first (rare: only the rows holding one)
        cell = f"CASE WHEN has_control THEN nullif(trim(regexp_replace({f}_txt, '{CONTROL_SQL}', '', 'g')), '') ELSE {f}_txt END"
        expr = fold_sql(f"({cell})", "has_wide", "has_spaces", trimmed=True) if f in present else "NULL::VARCHAR"
        if f in TEXT_FIELDS and f in present:
            # a control character dropped may join two digit runs the row test saw apart
            expr = f"CASE WHEN has_digits OR has_control THEN {mask_sql(expr)} ELSE {expr} END"
        if f in present:
            # a row needing no work (most) takes its trimmed cells as they are: one CASE
            # a cell instead of the four levels above
            expr = f"CASE WHEN needs_work THEN {expr} ELSE {f}_txt END"
        folded.append(f"{expr} AS {f}")
    # Null words are short: longer values skip the lookup (a CASE branch runs only on the
    # rows that reach it; AND would evaluate both sides). The words are the profile's, bound
    # ($null_words: see normalise).
    longest = max((len(v.replace(" ", "").encode()) for v in profile.null_values), default=0)
    null_words = ", ".join(
        f"CASE WHEN strlen({f}) > {longest} THEN {f} "
        f"WHEN contains($null_words, chr(31) || replace(lower({f}), ' ', '') || chr(31)) THEN NULL ELSE {f} END AS {f}"
        for f in FIELDS if f in present
    ) if profile.null_values else ""
    replace_nulls = f"REPLACE ({null_words})" if null_words else ""
    # One pass of one expression over the row finds rows needing any work at all (most
    # need none, and the staged `fast` rows are known to need none without it); only those
    # are tested for each kind of work. Each level is a subquery, so a folded value is
    # computed once and then referenced, not re-derived per use.
    return f"""
        SELECT * {replace_nulls},
               coalesce(district, ctx_district, $fixed_district) AS district_in,
               coalesce(street, ctx_street, $fixed_street) AS street_in,
               coalesce(community, ctx_community, $fixed_community) AS community_in
        FROM (
            SELECT sheet_no, sheet, row_no, kind, ctx_district, ctx_street, ctx_community, ctx_year, skip,
                   CASE WHEN has_digits OR has_control THEN {mask_sql(_no_control_json('raw::VARCHAR'))}::JSON
                        ELSE raw END AS raw, raw_layout,
                   {", ".join(folded)}
            FROM (
                SELECT * EXCLUDE (row_text),
                       CASE WHEN needs_work THEN regexp_matches(row_text, '{DIGITS_SQL}') ELSE false END AS has_digits,
                       CASE WHEN needs_work THEN regexp_matches(row_text, '{ROW_WIDE_SQL}') ELSE false END AS has_wide,
                       CASE WHEN needs_work THEN regexp_matches(row_text, '{ROW_SPACES_SQL}') ELSE false END AS has_spaces,
                       CASE WHEN needs_work THEN regexp_matches(row_text, '{CONTROL_SQL}') ELSE false END AS has_control
                FROM (
                    SELECT * EXCLUDE (fast),
                           CASE WHEN fast THEN false
                                ELSE skip IS NULL AND regexp_matches(row_text, '{ROW_WORK_SQL}') END AS needs_work
                    FROM ({stage_sql})
                )
            )
        )
    """


def _no_control_json(expr: str) -> str:
    """SQL: JSON text `expr` without control characters (their \\u00xx escapes)."""
    return f"CASE WHEN has_control THEN regexp_replace({expr}, '{JSON_CONTROL_SQL}', '', 'g') ELSE {expr} END"


def area_match_sql(names_sql: str) -> str:
    """SELECT resolving each distinct (district_in, street_in, community_in) of `names_sql`
    (the names as a ledger writes them) against the registry, all three levels together.

    A community matches by name with or without its suffix. Among registry entries of that
    name, those in the street the ledger names win, then those in the district it names,
    then the one spelt exactly as written; one entry left → taken. Several left (the name
    is in two streets and nothing says which) → kept as written, no street or district
    guessed, and `ambiguous` lists the candidates (the import says so). A match that
    contradicts the street is taken only when it is the only entry of that name. A street
    without a matched community resolves the same way (district named, then exact).
    """
    base = area_base_sql
    return f"""
        WITH names AS ({names_sql}),
        scored AS (
            SELECT n.district_in, n.street_in, n.community_in, a.district, a.street, a.community,
                   (n.street_in IS NULL OR {base('a.street')} = {base('n.street_in')}) AS street_ok,
                   (n.street_in IS NULL OR {base('a.street')} = {base('n.street_in')})::INTEGER * 4
                     + coalesce({base('a.district')} = {base('n.district_in')}, false)::INTEGER * 2
                     + (a.community = n.community_in)::INTEGER AS score
            FROM names n JOIN areas a ON {base('a.community')} = {base('n.community_in')}
        ),
        community_hits AS (
            SELECT *,
                   count(*) OVER w AS candidates,
                   count(*) FILTER (score = max_score) OVER w AS best,
                   string_agg(CASE WHEN score = max_score THEN district || street END, '、'
                              ORDER BY district, street) OVER w AS tied
            FROM (SELECT *, max(score) OVER (PARTITION BY district_in, street_in, community_in) AS max_score
                  FROM scored)
            WINDOW w AS (PARTITION BY district_in, street_in, community_in)
            QUALIFY row_number() OVER (PARTITION BY district_in, street_in, community_in
                                       ORDER BY score DESC, street, community) = 1
        ),
        street_hits AS (
            SELECT *, count(*) FILTER (score = max_score) OVER w AS best
            FROM (
                SELECT *, max(score) OVER w AS max_score
                FROM (
                    SELECT n.district_in, n.street_in, n.community_in, a.district, a.street,
                           coalesce({base('a.district')} = {base('n.district_in')}, false)::INTEGER * 2
                             + (a.street = n.street_in)::INTEGER AS score
                    FROM names n JOIN (SELECT DISTINCT district, street FROM areas) a
                         ON {base('a.street')} = {base('n.street_in')}
                )
                WINDOW w AS (PARTITION BY district_in, street_in, community_in)
            )
            WINDOW w AS (PARTITION BY district_in, street_in, community_in)
            QUALIFY row_number() OVER (PARTITION BY district_in, street_in, community_in
                                       ORDER BY score DESC, district, street) = 1
        ),
        decided AS (
            SELECT n.district_in, n.street_in, n.community_in, ch.district AS c_district,
                   ch.street AS c_street, ch.community AS c_community,
                   coalesce((ch.street_ok AND ch.best = 1) OR ch.candidates = 1, false) AS take_community,
                   CASE WHEN ch.street_ok AND ch.best > 1 THEN ch.tied END AS ambiguous,
                   sh.district AS s_district, sh.street AS s_street, coalesce(sh.best = 1, false) AS take_street
            FROM names n
            LEFT JOIN community_hits ch
                   ON ch.district_in IS NOT DISTINCT FROM n.district_in
                  AND ch.street_in IS NOT DISTINCT FROM n.street_in
                  AND ch.community_in IS NOT DISTINCT FROM n.community_in
            LEFT JOIN street_hits sh
                   ON sh.district_in IS NOT DISTINCT FROM n.district_in
                  AND sh.street_in IS NOT DISTINCT FROM n.street_in
                  AND sh.community_in IS NOT DISTINCT FROM n.community_in
        )
        SELECT district_in, street_in, community_in,
               CASE WHEN take_community THEN c_district WHEN take_street THEN s_district
                    ELSE district_in END AS district,
               CASE WHEN take_community THEN c_street WHEN take_street THEN s_street
                    ELSE street_in END AS street,
               CASE WHEN take_community THEN c_community ELSE community_in END AS community,
               ambiguous,
               -- the area part of a generated key: the names as written, suffixes aside
               -- (computed once a distinct name here, not once a row)
               concat_ws('|', {_base_or_blank('district_in')}, {_base_or_blank('street_in')},
                         {_base_or_blank('community_in')}) AS written_key
        FROM decided
    """


def _match_areas(con: duckdb.DuckDBPyConnection) -> None:
    """area_match: the registry names of each distinct area as the file writes it."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE area_match AS "
        + area_match_sql("SELECT DISTINCT district_in, street_in, community_in FROM checked WHERE skip IS NULL")
    )


def _checked_sql(stage_sql: str, present: set[str], profile: Profile) -> str:
    """The one statement from staged text to `checked`: dates, phrase maps and reject codes
    (area names are matched afterwards, on their distinct values: see _key)."""
    dates = ", ".join(
        f"{date_sql(f, 'ctx_year', profile.date_formats) if f in present else 'NULL::DATE'} AS {f}_date"
        for f in DATE_FIELDS
    )
    dates += "".join(f", {time_sql(f, profile.date_formats)} AS {f}_time" for f in TIME_FIELDS if f in present)
    other_dates = "\n".join(
        f"WHEN p.{f} IS NOT NULL AND p.{f}_date IS NULL THEN {_date_problem(f)}" for f in OTHER_DATES
    )
    # A rejected row's value, for its message (etl/rejects.py): the texts only this
    # statement reads are not kept, so that a 10-million-row `checked` holds less.
    texts = [f for f in TEXT_ONLY_HERE if f in present]
    reject_value = "".join(f"WHEN '{f}' THEN {f} " for f in texts if f != "participants")
    reject_value = (f"CASE WHEN reject IS NOT NULL THEN CASE split_part(reject, ':', 2) {reject_value}END END"
                    if reject_value else "NULL::VARCHAR")
    return f"""
        CREATE OR REPLACE TEMP TABLE checked_rows AS
        WITH parsed AS (
            SELECT c.*, {dates},
                   {_lookup("status_map", "c.status")} AS status_value,
                   {_lookup("satisfaction_map", "c.satisfaction")} AS satisfaction_value,
                   coalesce({_lookup("satisfaction_map", "c.satisfaction", "map_contains")}, false)
                       AS satisfaction_known,
                   try_cast(regexp_replace(c.satisfaction, '分$', '') AS DOUBLE) AS satisfaction_score,
                   {_lookup("matter_map", "c.matter_class")} AS matter_value,
                   try_cast(regexp_replace(c.participants, '人$', '') AS INTEGER) AS participants_n,
                   list_contains($status_sheets::INTEGER[], c.sheet_no) AS has_status
            FROM ({_cleaned_sql(stage_sql, present, profile)}) c
        ),
        judged AS (
        SELECT p.* EXCLUDE ({", ".join(_dropped(present))}),
               CASE WHEN p.status_value IS NOT NULL THEN p.status_value
                    WHEN p.status IS NOT NULL THEN NULL
                    WHEN p.resolved_on_date IS NOT NULL THEN 'resolved'
                    WHEN NOT coalesce(p.has_status, false) THEN
                         CASE WHEN p.note IS NOT NULL THEN 'in_progress' ELSE 'pending' END
               END AS status_final,
               CASE
                 WHEN p.skip IS NOT NULL THEN NULL
                 WHEN p.kind = 'meeting' THEN CASE
                      WHEN p.meeting_on IS NULL THEN 'missing:meeting_on'
                      WHEN p.meeting_on_date IS NULL THEN {_date_problem('meeting_on')}
                      {_out_of_range('p.', ['meeting_on'])}
                 END
                 WHEN p.received_on IS NULL THEN 'missing:received_on'
                 WHEN p.received_on_date IS NULL THEN {_date_problem('received_on')}
                 WHEN p.status IS NOT NULL AND p.status_value IS NULL THEN 'unknown_status:status'
                 WHEN p.status IS NULL AND p.resolved_on_date IS NULL AND coalesce(p.has_status, false)
                      THEN 'missing:status'
                 {other_dates}
                 {_out_of_range('p.', [f for f in HAPPENED if f in present and f != 'meeting_on'])}
                 WHEN p.resolved_on_date < p.received_on_date THEN 'before_received:resolved_on'
                 WHEN p.closed_on_date < p.received_on_date THEN 'before_received:closed_on'
                 -- a score is a whole number 1–5: 3.5 or NaN fits no grade and is rejected
                 WHEN p.satisfaction IS NOT NULL AND NOT p.satisfaction_known
                      AND NOT coalesce(p.satisfaction_score BETWEEN 1 AND 5
                                       AND p.satisfaction_score = floor(p.satisfaction_score), false)
                      THEN 'unknown_satisfaction:satisfaction'
                 WHEN p.matter_class IS NOT NULL AND p.matter_value IS NULL THEN 'unknown_matter_class:matter_class'
               END AS reject,
               CASE WHEN p.satisfaction_known THEN p.satisfaction_value
                    WHEN p.satisfaction_score >= 4 THEN 'satisfied'
                    WHEN p.satisfaction_score >= 3 THEN 'basically_satisfied'
                    WHEN p.satisfaction_score IS NOT NULL THEN 'dissatisfied'
               END AS satisfaction_final
        FROM parsed p
        )
        -- Only what later steps read: the file's rows are held here once, so every column
        -- of a 10-million-row file counts (fields the file lacks are NULL in `matched`).
        SELECT * EXCLUDE ({", ".join([*texts, *PARSED_ONLY])}), {reject_value} AS reject_value
        FROM judged
    """


def _dropped(present: set[str]) -> list[str]:
    """Columns of the parsed rows that `checked` does not keep: the context (in *_in now),
    the area names as written (matched afterwards), and the fields the file lacks."""
    absent = [f for f in FIELDS if f not in present and f not in AREA_FIELDS]
    absent += [f"{f}_date" for f in DATE_FIELDS if f not in present]
    return ["ctx_district", "ctx_street", "ctx_community", "ctx_year", *AREA_FIELDS, "has_status", *absent]


def _key(con: duckdb.DuckDBPyConnection, present: set[str]) -> None:
    """View `keyed`: the rows of `checked` that are not skipped, with registry area names,
    the duplicates of an id or a natural key marked, and each row's case or meeting key."""
    absent = [f"NULL::VARCHAR AS {f}" for f in FIELDS
              if f not in present and f not in AREA_FIELDS and f not in TEXT_ONLY_HERE]
    absent += [f"NULL::DATE AS {f}_date" for f in DATE_FIELDS if f not in present]
    absent += [f"NULL::TIMESTAMP AS {f}_time" for f in TIME_FIELDS if f not in present]
    rows = f"SELECT *, {', '.join(absent)} FROM checked" if absent else "SELECT * FROM checked"
    # The natural key is needed only by rows without a ledger id (and by meetings).
    con.execute(f"""
        CREATE OR REPLACE TEMP VIEW matched AS
        SELECT b.*, am.district, am.street, am.community,
               am.ambiguous,
               -- The area as the ledger writes it (suffixes aside), not as the registry resolves
               -- it: loading or changing the registry never gives a case a second key.
               CASE WHEN b.kind = 'meeting' OR b.case_id IS NULL THEN
                    concat_ws('|', am.written_key,
                              CASE WHEN b.kind = 'meeting' THEN b.meeting_on_date ELSE b.received_on_date END::VARCHAR,
                              lower(regexp_replace(coalesce(CASE WHEN b.kind = 'meeting' THEN b.channel ELSE b.title END, ''),
                                                   '[\\s\\p{{P}}\\p{{S}}]', '', 'g')))
               END AS natural_key
        FROM ({rows}) b
        -- every name of `checked` has its row in area_match (LEFT: a row is never dropped here)
        LEFT JOIN area_match am
               ON am.district_in IS NOT DISTINCT FROM b.district_in
              AND am.street_in IS NOT DISTINCT FROM b.street_in
              AND am.community_in IS NOT DISTINCT FROM b.community_in
        WHERE b.skip IS NULL
    """)
    # Repeats are rare: find the repeated keys by grouping first, number only their rows.
    # A ledger id needs no area names: those rows are keyed from `checked` itself, and only
    # the others go through the join of `matched` with area_match (written_key) for their
    # natural key.
    keys = """
            SELECT sheet_no, row_no, kind,
                   CASE WHEN case_id IS NOT NULL AND kind = 'case' THEN 'id:' || case_id ELSE natural_key END AS k
            FROM matched WHERE reject IS NULL"""
    if "case_id" in present:
        keys = """
            SELECT sheet_no, row_no, kind, 'id:' || case_id AS k
            FROM checked WHERE skip IS NULL AND reject IS NULL AND case_id IS NOT NULL AND kind = 'case'
            UNION ALL
            SELECT sheet_no, row_no, kind, natural_key AS k
            FROM matched WHERE reject IS NULL AND NOT (case_id IS NOT NULL AND kind = 'case')"""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE repeats AS
        WITH keys AS ({keys}
        ),
        repeated AS (SELECT kind, k FROM keys GROUP BY ALL HAVING count(*) > 1)
        SELECT sheet_no, row_no, occurrence FROM (
            SELECT sheet_no, row_no,
                   row_number() OVER (PARTITION BY kind, k ORDER BY sheet_no, row_no) AS occurrence
            FROM keys SEMI JOIN repeated USING (kind, k)
        ) WHERE occurrence > 1
    """)
    con.execute("""
        CREATE OR REPLACE TEMP VIEW keyed AS
        SELECT b.* EXCLUDE (reject),
               coalesce(b.reject, CASE WHEN r.occurrence > 1 AND b.case_id IS NOT NULL AND b.kind = 'case'
                                       THEN 'duplicate_id:case_id' END) AS reject,
               CASE WHEN b.kind = 'case' AND b.case_id IS NOT NULL THEN b.case_id
                    WHEN b.kind = 'case' THEN 'h' || substr(md5(b.natural_key
                         || CASE WHEN r.occurrence > 1 THEN '#' || r.occurrence ELSE '' END), 1, 16)
               END AS case_key,
               CASE WHEN b.kind = 'meeting' THEN 'm' || substr(md5(b.natural_key
                         || CASE WHEN r.occurrence > 1 THEN '#' || r.occurrence ELSE '' END), 1, 16)
               END AS meeting_key
        FROM matched b
        LEFT JOIN repeats r USING (sheet_no, row_no)
    """)
