"""`stage` (text) → `norm`: folded, masked, parsed and checked, a whole column at a time.

Every rule is set-based SQL: value phrases are mapping tables joined in, dates are parsed
by regular expressions, area names are matched to the registry once per distinct name.
A row that is a case but cannot be normalised gets `reject` = 'code:field'; etl/rejects.py
turns that into a message.

    stage ──fold, mask, null words──► cleaned ──registry match (distinct names)──► area_match
    cleaned + area_match ──dates, phrase maps, checks──► checked ──repeats marked──► keyed (view)
"""

from __future__ import annotations

import duckdb

from etl.fold import ROW_SPACES_SQL, ROW_WIDE_SQL, fold_sql, mask_sql
from etl.profile import FIELDS, Profile

DIGITS_SQL = "1[3-9][0-9]{9}|[0-9]{17}"  # a mobile or ID-card number may be in the row
DATE_FIELDS = ("received_on", "due_on", "resolved_on", "closed_on", "last_progress_on", "meeting_on")
TEXT_FIELDS = tuple(f for f in FIELDS if f not in DATE_FIELDS)
# Date fields checked after status, in the order a reject names the first bad one.
OTHER_DATES = ("resolved_on", "due_on", "closed_on", "last_progress_on", "meeting_on")

_AREA_SUFFIX = "(社区居民委员会|村民委员会|居民委员会|街道办事处|社区居委会|办事处|居委会|村委会|街道|社区|镇|乡|村)"
_YMD = r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?(?:\s*[ T].*)?$"
_MD = r"^(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?$"


def sql_string(value: str) -> str:
    """A SQL string literal for a value we control (profile date formats); data is bound."""
    return "'" + value.replace("'", "''") + "'"


def area_base_sql(expr: str) -> str:
    """SQL twin of etl.layout.area_base: the name without its administrative suffix."""
    return f"regexp_replace({expr}, '^(.+?){_AREA_SUFFIX}$', '\\1')"


def date_sql(x: str, year: str, formats: list[str]) -> str:
    """SQL parsing text `x` into a DATE: profile formats, 2023-01-08 / 2023/1/8 / 2023.1.8 /
    2023年1月8日 (a time may follow), 20230108, Excel serials, 1月8日 with `year`."""
    custom = f"try_strptime({x}, [{', '.join(sql_string(f) for f in formats)}])::DATE, " if formats else ""
    # Most cells are 2023-01-08 already: a cast reads them without a regular expression
    # (not with profile formats, which come first and might read such a text otherwise).
    iso = "" if formats else (
        f"WHEN strlen({x}) = 10 AND substr({x}, 5, 1) = '-' AND substr({x}, 8, 1) = '-' "
        f"AND try_cast({x} AS DATE) IS NOT NULL THEN try_cast({x} AS DATE) "
    )
    return f"""CASE WHEN {x} IS NULL THEN NULL {iso}ELSE coalesce({custom}
        CASE WHEN regexp_matches({x}, '{_YMD}')
             THEN try_strptime(regexp_replace({x}, '{_YMD}', '\\1-\\2-\\3'), '%Y-%m-%d')::DATE END,
        CASE WHEN regexp_full_match({x}, '\\d{{8}}') THEN try_strptime({x}, '%Y%m%d')::DATE END,
        CASE WHEN regexp_full_match({x}, '\\d{{5}}(\\.\\d+)?') AND try_cast({x} AS DOUBLE) BETWEEN 20000 AND 80000
             THEN DATE '1899-12-30' + CAST(floor(try_cast({x} AS DOUBLE)) AS INTEGER) END,
        CASE WHEN regexp_matches({x}, '{_MD}') AND {year} IS NOT NULL
             THEN try_strptime({year}::VARCHAR || '-' || regexp_replace({x}, '{_MD}', '\\1-\\2'), '%Y-%m-%d')::DATE END
    ) END"""


def _date_problem(f: str) -> str:
    """'no_year' for 1月8日 without a year anywhere, else 'bad_date' (when the parse failed)."""
    return f"CASE WHEN regexp_matches({f}, '{_MD}') THEN 'no_year:{f}' ELSE 'bad_date:{f}' END"


def create_value_maps(con: duckdb.DuckDBPyConnection, profile: Profile) -> None:
    """Mapping tables for status, satisfaction and matter-class phrases (keys: lower, no spaces);
    the profile's null words go into the SQL as a constant list (normalise)."""
    for table, mapping in (
        ("status_map", profile.status),
        ("satisfaction_map", profile.satisfaction),
        ("matter_map", profile.matter_class),
    ):
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} (phrase VARCHAR PRIMARY KEY, value VARCHAR)")
        rows = {k.replace(" ", "").lower(): v for k, v in mapping.items()}
        if rows:
            con.executemany(f"INSERT INTO {table} VALUES (?, ?)", list(rows.items()))


def normalise(con: duckdb.DuckDBPyConnection, profile: Profile) -> None:
    """Build temp table `keyed` (every staged row that is not skipped, with key or reject)."""
    # Only the fields some sheet of this file has are worked on; the rest stay NULL.
    present = {row[0] for row in con.execute("SELECT DISTINCT field FROM sheet_headers").fetchall()}
    folded = []
    for f in FIELDS:
        expr = fold_sql(f"{f}_txt", "has_wide", "has_spaces") if f in present else "NULL::VARCHAR"
        if f in TEXT_FIELDS and f in present:
            expr = f"CASE WHEN has_digits THEN {mask_sql(expr)} ELSE {expr} END"
        folded.append(f"{expr} AS {f}")
    # Null words are short: longer values skip the lookup (a CASE branch runs only on the
    # rows that reach it; AND would evaluate both sides). The words are the profile's.
    longest = max((len(v.replace(" ", "").encode()) for v in profile.null_values), default=0)
    words = sorted({v.replace(" ", "").lower() for v in profile.null_values})
    word_list = ", ".join(sql_string(w) for w in words)
    null_words = ", ".join(
        f"CASE WHEN strlen({f}) > {longest} THEN {f} "
        f"WHEN replace(lower({f}), ' ', '') IN ({word_list}) THEN NULL ELSE {f} END AS {f}"
        for f in FIELDS if f in present
    ) if words else ""
    replace_nulls = f"REPLACE ({null_words})" if null_words else ""
    dates = ", ".join(
        f"{date_sql(f, 'ctx_year', profile.date_formats) if f in present else 'NULL::DATE'} AS {f}_date"
        for f in DATE_FIELDS
    )
    # Folding and masking are materialised first: the date parsers below refer to each
    # column many times, and DuckDB would otherwise inline the whole folding expression
    # into every reference.
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE cleaned AS
        WITH flagged AS (
            -- One pass of one expression over the row finds rows needing any work at all
            -- (most need none); only those are tested for each kind of work.
            SELECT *, regexp_matches(raw, '{DIGITS_SQL}|{ROW_WIDE_SQL}|{ROW_SPACES_SQL}') AS needs_work
            FROM stage WHERE skip IS NULL
        ),
        masked AS (
            SELECT * EXCLUDE (needs_work),
                   CASE WHEN needs_work THEN regexp_matches(raw, '{DIGITS_SQL}') ELSE false END AS has_digits,
                   CASE WHEN needs_work THEN regexp_matches(raw, '{ROW_WIDE_SQL}') ELSE false END AS has_wide,
                   CASE WHEN needs_work THEN regexp_matches(raw, '{ROW_SPACES_SQL}') ELSE false END AS has_spaces
            FROM flagged
        ),
        folded AS (
            SELECT sheet_no, sheet, row_no, kind, ctx_district, ctx_street, ctx_community, ctx_year,
                   CASE WHEN has_digits THEN {mask_sql('raw::VARCHAR')}::JSON ELSE raw END AS raw,
                   {", ".join(folded)}
            FROM masked
        )
        SELECT * {replace_nulls},
               coalesce(district, ctx_district, ?) AS district_in,
               coalesce(street, ctx_street, ?) AS street_in,
               coalesce(community, ctx_community, ?) AS community_in
        FROM folded
    """, [profile.fixed.get("district"), profile.fixed.get("street"), profile.fixed.get("community")])
    # Each step's input is dropped once read: a 10-million-row file must not be held 4 times.
    con.execute("DROP TABLE IF EXISTS csv_rows")
    con.execute("DROP TABLE stage")
    _match_areas(con)
    _check_and_key(con, dates)
    con.execute("DROP TABLE cleaned")


def _match_areas(con: duckdb.DuckDBPyConnection) -> None:
    """Registry names for each distinct (district, street, community) as written.

    A community matches by name with or without its suffix; when several registry entries
    share the name, the one in the row's street wins; a name that stays ambiguous (no
    street, or two matches) is kept as written rather than guessed, and a match that
    contradicts the street is taken only when it is the only candidate. A street alone
    matches likewise.
    """
    base = area_base_sql
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE area_match AS
        WITH names AS (
            SELECT DISTINCT district_in, street_in, community_in FROM cleaned
        ),
        scored AS (
            SELECT n.district_in, n.street_in, n.community_in, a.district, a.street, a.community,
                   (n.street_in IS NULL OR {base('a.street')} = {base('n.street_in')})::INTEGER * 2
                     + (a.community = n.community_in)::INTEGER AS score
            FROM names n JOIN areas a ON {base('a.community')} = {base('n.community_in')}
        ),
        community_hits AS (
            SELECT *,
                   count(*) OVER w AS candidates,
                   count(*) FILTER (score = max_score) OVER w AS best
            FROM (SELECT *, max(score) OVER (PARTITION BY district_in, street_in, community_in) AS max_score
                  FROM scored)
            WINDOW w AS (PARTITION BY district_in, street_in, community_in)
            QUALIFY row_number() OVER (PARTITION BY district_in, street_in, community_in
                                       ORDER BY score DESC, street, community) = 1
        ),
        street_hits AS (
            SELECT DISTINCT n.district_in, n.street_in, n.community_in, a.district, a.street
            FROM names n JOIN (SELECT DISTINCT district, street FROM areas) a
                 ON {base('a.street')} = {base('n.street_in')}
            QUALIFY row_number() OVER (PARTITION BY n.district_in, n.street_in, n.community_in
                                       ORDER BY (a.street = n.street_in) DESC, a.street) = 1
        )
        SELECT n.district_in, n.street_in, n.community_in,
               CASE WHEN (ch.score >= 2 AND ch.best = 1) OR ch.candidates = 1 THEN ch.district
                    ELSE coalesce(sh.district, n.district_in) END AS district,
               CASE WHEN (ch.score >= 2 AND ch.best = 1) OR ch.candidates = 1 THEN ch.street
                    ELSE coalesce(sh.street, n.street_in) END AS street,
               CASE WHEN (ch.score >= 2 AND ch.best = 1) OR ch.candidates = 1 THEN ch.community
                    ELSE n.community_in END AS community
        FROM names n
        LEFT JOIN community_hits ch
               ON ch.district_in IS NOT DISTINCT FROM n.district_in
              AND ch.street_in IS NOT DISTINCT FROM n.street_in
              AND ch.community_in IS NOT DISTINCT FROM n.community_in
        LEFT JOIN street_hits sh
               ON sh.district_in IS NOT DISTINCT FROM n.district_in
              AND sh.street_in IS NOT DISTINCT FROM n.street_in
              AND sh.community_in IS NOT DISTINCT FROM n.community_in
    """)


def _check_and_key(con: duckdb.DuckDBPyConnection, dates: str) -> None:
    """Dates, phrase maps, reject codes, final values and keys → temp table `checked`, and
    view `keyed` (checked with the duplicates of an id or a natural key marked)."""
    other_dates = "\n".join(
        f"WHEN p.{f} IS NOT NULL AND p.{f}_date IS NULL THEN {_date_problem(f)}" for f in OTHER_DATES
    )
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE checked AS
        WITH parsed AS (
            SELECT c.*, {dates},
                   sm.value AS status_value,
                   sa.value AS satisfaction_value, sa.phrase IS NOT NULL AS satisfaction_known,
                   try_cast(regexp_replace(c.satisfaction, '分$', '') AS DOUBLE) AS satisfaction_score,
                   mm.value AS matter_value,
                   try_cast(regexp_replace(c.participants, '人$', '') AS INTEGER) AS participants_n,
                   sh.has_status
            FROM cleaned c
            LEFT JOIN status_map sm ON sm.phrase = replace(lower(c.status), ' ', '')
            LEFT JOIN satisfaction_map sa ON sa.phrase = replace(lower(c.satisfaction), ' ', '')
            LEFT JOIN matter_map mm ON mm.phrase = replace(lower(c.matter_class), ' ', '')
            LEFT JOIN (SELECT sheet_no, bool_or(field = 'status') AS has_status FROM sheet_headers GROUP BY ALL) sh
                   USING (sheet_no)
        ),
        judged AS (
        SELECT p.* EXCLUDE (district, street, community),
               am.district, am.street, am.community,
               CASE WHEN p.status_value IS NOT NULL THEN p.status_value
                    WHEN p.status IS NOT NULL THEN NULL
                    WHEN p.resolved_on_date IS NOT NULL THEN 'resolved'
                    WHEN NOT coalesce(p.has_status, false) THEN
                         CASE WHEN p.note IS NOT NULL THEN 'in_progress' ELSE 'pending' END
               END AS status_final,
               CASE
                 WHEN p.kind = 'meeting' THEN CASE
                      WHEN p.meeting_on IS NULL THEN 'missing:meeting_on'
                      WHEN p.meeting_on_date IS NULL THEN {_date_problem('meeting_on')}
                 END
                 WHEN p.received_on IS NULL THEN 'missing:received_on'
                 WHEN p.received_on_date IS NULL THEN {_date_problem('received_on')}
                 WHEN p.status IS NOT NULL AND p.status_value IS NULL THEN 'unknown_status:status'
                 WHEN p.status IS NULL AND p.resolved_on_date IS NULL AND coalesce(p.has_status, false)
                      THEN 'missing:status'
                 {other_dates}
                 WHEN p.resolved_on_date < p.received_on_date THEN 'before_received:resolved_on'
                 WHEN p.closed_on_date < p.received_on_date THEN 'before_received:closed_on'
                 WHEN p.satisfaction IS NOT NULL AND NOT p.satisfaction_known
                      AND NOT coalesce(p.satisfaction_score BETWEEN 1 AND 5, false)
                      THEN 'unknown_satisfaction:satisfaction'
                 WHEN p.matter_class IS NOT NULL AND p.matter_value IS NULL THEN 'unknown_matter_class:matter_class'
               END AS reject
        FROM parsed p
        JOIN area_match am
          ON am.district_in IS NOT DISTINCT FROM p.district_in
         AND am.street_in IS NOT DISTINCT FROM p.street_in
         AND am.community_in IS NOT DISTINCT FROM p.community_in
        )
        SELECT *,
               concat_ws('|', coalesce(district, ''), coalesce(street, ''), coalesce(community, ''),
                         CASE WHEN kind = 'meeting' THEN meeting_on_date ELSE received_on_date END::VARCHAR,
                         lower(regexp_replace(coalesce(CASE WHEN kind = 'meeting' THEN channel ELSE title END, ''),
                                              '[\\s\\p{{P}}\\p{{S}}]', '', 'g'))) AS natural_key
        FROM judged
    """)
    # Repeats are rare: number them on a narrow projection, then mark them in a view.
    con.execute("""
        CREATE OR REPLACE TEMP TABLE repeats AS
        SELECT sheet_no, row_no, occurrence FROM (
            SELECT sheet_no, row_no,
                   row_number() OVER (PARTITION BY kind, CASE WHEN case_id IS NOT NULL AND kind = 'case'
                                                               THEN 'id:' || case_id ELSE natural_key END
                                      ORDER BY sheet_no, row_no) AS occurrence
            FROM checked WHERE reject IS NULL
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
        FROM checked b
        LEFT JOIN repeats r USING (sheet_no, row_no)
    """)
