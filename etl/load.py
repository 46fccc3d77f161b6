"""Import ledger files into the database: one transaction a file, a summary a file.

    read (pure) → layout (header, context) → stage → normalise → rejects → merge

A file that fails at any step leaves the database as it was and is recorded in `imports`
as failed; a dry run (`taizhang check`) does all the work and rolls it back.
"""

from __future__ import annotations

import hashlib
import re
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Callable

import duckdb

from taizhang.etl.areas import ambiguous_text
from taizhang.etl.errors import Interrupted, LedgerError, forget_signals, interruption
from taizhang.etl.layout import check_profile_columns, describe_layout, find_layout, no_header_text, sheet_context
from taizhang.etl.merge import MergeCounts, link_cases_to_meetings, merge_cases, merge_meetings
from taizhang.etl.normalize import normalise
from taizhang.etl.scope import check_streets
from taizhang.etl.profile import Profile, load_profile
from taizhang.etl.read import LEDGER_SUFFIXES, PrivateTemp, is_registry, ledger_files, read_ledger
from taizhang.etl.rejects import collect_rejects, top_reasons
from taizhang.etl.rekey import adopt_legacy_keys
from taizhang.store.remask import remask_once
from taizhang.store.schema import SCHEMA_VERSION, ensure_schema, stored_version
from taizhang.etl.stage import (DirectRead, ReadAgain, Staged, create_stage, drop_csv_rows, read_csv_rows,
                                 stage_sheet)
from taizhang import clock
from taizhang.timing import mark, timed_run
from taizhang.db import LOAD_MEMORY_LIMIT, connect
from taizhang.i18n import LANGS
from taizhang.safetext import mask_text
from taizhang.settings import Settings, SettingsError, load_settings
from taizhang.workdays import assumed_note, assumed_years

TEMP_TABLES = (
    "sheet_headers", "csv_line_nos", "repeats", "area_match", "checked_rows", "incoming_officials", "case_diff",
    "incoming_meetings", "incoming_attendance", "meeting_diff", "rekey",
)
TEMP_VIEWS = ("incoming", "keyed", "matched", "checked")
STEPS = ("read", "stage", "normalise", "write")
PAUSE_ENV = "TAIZHANG_TEST_PAUSE"


@dataclass
class ImportSummary:
    """What happened to one file."""

    file: str
    status: str  # 'ok' | 'unchanged' | 'failed' | 'checked' (dry run)
    rows_read: int = 0
    rows_new: int = 0
    rows_updated: int = 0
    rows_unchanged: int = 0
    rows_skipped: int = 0
    rows_rejected: int = 0
    import_id: int | None = None
    error: str | None = None
    rejects: list[dict] = field(default_factory=list)  # sheet,row,column,value,reason,raw
    notes: list[str] = field(default_factory=list)     # e.g. sheets without a ledger table
    headers: list[str] = field(default_factory=list)   # the header row found in each sheet
    as_of: date | None = None
    dry_run: bool = False
    received_span: tuple[date, date] | None = None     # first and last received_on read
    out_of_scope: int = 0  # rows refused because they are not of the uploader's streets
    sha256: str = ""       # of the file's bytes, as recorded in `imports` ('' when it could not be read)

    def line(self, lang: str | None = None) -> str:
        """The one-line summary of this file: both languages (中文 / English, as the CLI
        prints it), or with `lang` ('zh' | 'en') that language only (the dashboard)."""
        name = Path(self.file).name
        error = one_language(self.error, lang) if self.error else self.error
        if self.status == "failed" and self.dry_run:
            head = "检查未通过,此文件不能导入 / check failed, this file cannot be imported"
            return f"{name}: {one_language(head, lang)}: {error}"
        if self.status == "failed":
            return f"{name}: {one_language('导入失败,数据库未改动 / failed, database unchanged', lang)}: {error}"
        head = {
            "ok": "已导入 / imported",
            "unchanged": "无变化 / unchanged",
            "checked": "检查(未写入)/ checked (nothing written)",
        }[self.status]
        zh = (f"新增 {self.rows_new}、更新 {self.rows_updated}、未变 {self.rows_unchanged}、"
              f"跳过 {self.rows_skipped}、未导入 {self.rows_rejected}")
        en = (f"new {self.rows_new}, updated {self.rows_updated}, unchanged {self.rows_unchanged}, "
              f"skipped {self.rows_skipped}, rejected {self.rows_rejected}")
        counts = {"zh": zh, "en": en}.get(lang, f"{zh} / {en}")
        text = f"{name}: {one_language(head, lang)} — {counts}"
        for note in self.notes:
            text += f"\n  {one_language(note, lang)}"
        return text


def one_language(text: str, lang: str | None) -> str:
    """One side of a '中文 / English' text: the Chinese (lang='zh') or the English ('en').

    A text with no ' / ' or with several (a path, a list) is returned whole; so is any
    text when lang is None. '检查(未写入)/ checked' counts as one separator too.
    """
    if lang not in ("zh", "en"):
        return text
    parts = re.split(r"\s?/ ", text)
    if len(parts) != 2:
        return text
    return parts[0].strip() if lang == "zh" else parts[1].strip()


def file_facts(path: Path) -> tuple[str, int, bool]:
    """sha256 of a file's bytes, its number of lines and whether every line is shorter than
    1 MB (each aligned 512 KB of the file holds a line break: a line of 1 MB covers one such
    block whole), from one read of the file."""
    digest = hashlib.sha256()
    breaks, last, short = 0, b"", True
    half = 1 << 19
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
            breaks += chunk.count(b"\n")
            last = chunk[-1:]
            short = short and all(chunk.find(b"\n", at, at + half) >= 0
                                  for at in (0, half) if len(chunk) >= at + half)
    return digest.hexdigest(), breaks + (1 if last not in (b"", b"\n") else 0), short


def load_paths(
    db_path: str | os.PathLike,
    paths: list[str | os.PathLike] | str | os.PathLike,
    *,
    profile: str | Profile | None = None,
    as_of: date | str | None = None,
    dry_run: bool = False,
    progress: bool = False,
    settings: Settings | None = None,
    streets: tuple[str, ...] | None = None,
    publish: Callable | None = None,
) -> list[ImportSummary]:
    """Import ledger files and folders (one transaction a file); a dry run writes nothing.

    `settings` (default: the settings file's) say how deadlines count, for the note on
    years whose working days are assumed, and which dates are implausible. `streets`: the
    uploader's streets (None: any); a file with a case or meeting of another street, or
    touching a stored case of another street, is refused whole (etl.scope). `publish`:
    called with the connection before each file's COMMIT (etl.publish, a ClickHouse
    warehouse); when it fails, the file fails and is rolled back.

    Raises Interrupted (with the summaries of the files done before) when a signal stops it.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    forget_signals()
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    if settings is None:
        try:
            settings = load_settings()
        except SettingsError as exc:
            raise LedgerError(str(exc)) from None
    if isinstance(as_of, str):
        try:
            as_of = date.fromisoformat(as_of)
        except ValueError:
            raise LedgerError(f"--as-of 应为 YYYY-MM-DD / --as-of must be a date like 2022-07-31, got {as_of!r}")
    summaries: list[ImportSummary] = []
    files: list[Path] = []
    for raw in paths:
        found = ledger_files([raw])
        if not found:
            summaries.append(ImportSummary(str(raw), "failed", error=(
                f"{raw} 中没有台账文件(.xlsx .xls .ods .csv) / no ledger files "
                f"({', '.join(sorted(LEDGER_SUFFIXES))}) in {raw}")))
        files += found
    with timed_run():
        _load_all(db_path, files, summaries, prof, as_of, dry_run, progress, settings, streets, publish)
    return summaries


def _load_all(db_path, files: list[Path], summaries: list[ImportSummary], prof: Profile, as_of, dry_run: bool,
              progress: bool, settings: Settings, streets: tuple[str, ...] | None,
              publish: Callable | None = None) -> None:
    con = _connect_for(Path(db_path), dry_run)
    bar = _progress_bar(len(files), progress)
    # A transcoded CSV copy goes into a private folder beside the database (made when first
    # needed), removed when the run ends, fails or is interrupted.
    temp_dir = PrivateTemp(Path(db_path).parent)
    try:
        # What DuckDB spills to disk while a large file is imported are its cells as read,
        # before masking: into the private folder too, not the database's shared one (<db>.tmp).
        con.execute("SET temp_directory = ?", [str(temp_dir.path())])
        if not dry_run:
            ensure_schema(con)
            remask_once(con)  # texts an older masking rule left, masked with today's
        mark("connect")
        for path in files:
            summary = _load_file(con, path, prof, as_of, dry_run, bar, settings, temp_dir, streets,
                                 publish)
            if summary.received_span:
                years = assumed_years(*summary.received_span, settings)
                if years:
                    summary.notes.append(" / ".join(assumed_note(years, lang) for lang in LANGS))
            summaries.append(summary)
    except Interrupted as exc:
        exc.done = summaries
        raise
    finally:
        if bar is not None:
            bar.close()
        con.close()
        temp_dir.remove()
        mark("close")


def _connect_for(db_path: Path, dry_run: bool) -> duckdb.DuckDBPyConnection:
    """The database to import into; a dry run never creates or migrates a file."""
    if dry_run and db_path.exists():
        con = connect(db_path, memory_limit=LOAD_MEMORY_LIMIT)
        if stored_version(con) == SCHEMA_VERSION:
            return con  # every file's work is rolled back
        con.close()
    if dry_run:
        con = duckdb.connect(":memory:")  # check against an empty database
        ensure_schema(con)
        return con
    return connect(db_path, memory_limit=LOAD_MEMORY_LIMIT)


def _progress_bar(files: int, enabled: bool):
    if not enabled or not files:
        return None
    from tqdm import tqdm

    return tqdm(total=files * len(STEPS), file=sys.stderr, unit="step", leave=False)


def _step(bar, path: Path, step: str) -> None:
    if bar is not None:
        bar.set_description(f"{path.name}: {step}")
        bar.update(1)


def _load_file(con, path: Path, profile: Profile, as_of: date | None, dry_run: bool, bar,
               settings: Settings, temp_dir: PrivateTemp,
               streets: tuple[str, ...] | None = None, publish: Callable | None = None) -> ImportSummary:
    def fresh_summary() -> ImportSummary:
        return ImportSummary(str(path), "checked" if dry_run else "ok", dry_run=dry_run)

    summary = fresh_summary()
    started = datetime.now()
    digest = None
    raw = None
    staged = Staged()

    def attempt(direct: bool) -> None:
        """The file's transaction: stage, normalise, merge, commit (or roll back). `direct`:
        a CSV is read by the statement that normalises it (etl/stage.py DirectRead)."""
        con.execute("BEGIN TRANSACTION")
        try:
            _import(con, raw, staged, summary, profile, as_of, digest.result, started, dry_run, bar,
                    settings, streets, direct)
            if publish is not None and not dry_run:
                publish(con)
            _pause("before_commit")
            con.execute("ROLLBACK" if dry_run else "COMMIT")
            mark("commit")
            _pause("after_commit")
        except BaseException:
            try:
                con.execute("ROLLBACK")
            except duckdb.TransactionException:
                pass  # DuckDB ended it already (a failed COMMIT): keep the error that did
            raise

    try:
        raw = read_ledger(path, settings, temp_dir)
        mark("read")
        # The file's sha256 and line count are read beside DuckDB (hashlib and DuckDB let go
        # of the GIL): the import asks for them once the file's rows are read.
        with ThreadPoolExecutor(1) as pool:
            digest = pool.submit(file_facts, path)
            csvs = [(sheet, layout) for sheet in raw.sheets if sheet.csv is not None
                    and (layout := find_layout(sheet.head(), profile)) is not None]
            _step(bar, path, "read")
            _pause("read")
            # A CSV is read by the statement that normalises it (etl/stage.py DirectRead),
            # unless that read turns out not to be the default reader's (ReadAgain): then the
            # transaction is undone, and the cells are read into a table first, as carefully
            # as the file needs.
            try:
                attempt(direct=True)
            except ReadAgain:
                for sheet, layout in csvs:
                    # reading only; outside the transaction
                    read_csv_rows(con, sheet, layout, temp_dir.path(), lambda: digest.result()[1:])
                mark("csv_read")
                summary, staged = fresh_summary(), Staged()
                attempt(direct=False)
    except BaseException as exc:  # noqa: BLE001 - one bad file must not stop the others
        signum = interruption(exc)
        if signum is not None:
            # Say what happened: which signal, and whether this file's rows are in (the
            # signal may come after its COMMIT, or stop the COMMIT itself): asked of the database.
            raise Interrupted(signum, str(path), _committed(con, summary.import_id)) from None
        sha = _file_sha(digest)
        if isinstance(exc, LedgerError):
            _failed(con, summary, str(exc), path, sha, profile, started, dry_run)
        elif isinstance(exc, Exception):
            # Not the user's fault as far as we know; still a message, never a traceback.
            _failed(con, summary, _internal_error_text(exc), path, sha, profile, started, dry_run)
        else:
            raise
    finally:
        if raw is not None:
            raw.cleanup()
        for view in TEMP_VIEWS:
            con.execute(f"DROP VIEW IF EXISTS {view}")
        for table in TEMP_TABLES:
            con.execute(f"DROP TABLE IF EXISTS {table}")
        for name in staged.registered:
            con.unregister(name)
        drop_csv_rows(con)
        mark("cleanup")
    return summary


def _file_sha(digest) -> str:
    """The file's sha256 for a failed import's record ('' when it was not read)."""
    if digest is None:
        return ""
    try:
        return digest.result()[0]
    except Exception:  # noqa: BLE001 - the file's own error is the one reported
        return ""


def _pause(point: str) -> None:
    """Tests only: with $TAIZHANG_TEST_PAUSE set to `point`, say so on stderr and wait there
    (for the signal the test sends); every other step is the real one."""
    if os.environ.get(PAUSE_ENV) == point:
        print(f"paused at {point}", file=sys.stderr, flush=True)
        time.sleep(60)


def _committed(con, import_id: int | None) -> bool:
    """Whether the import `import_id` is in the database (committed) after an interruption."""
    if import_id is None:
        return False
    try:
        return bool(con.execute(
            "SELECT count(*) FROM imports WHERE import_id = ? AND status IN ('ok', 'unchanged')", [import_id]
        ).fetchall()[0][0])
    except duckdb.Error:
        return False


def _failed(con, summary, error, path, sha, profile, started, dry_run) -> None:
    """Record a failed file in `imports` (its own transaction, after the rollback)."""
    summary.status, summary.error, summary.sha256 = "failed", error, sha
    summary.rows_new = summary.rows_updated = summary.rows_unchanged = 0
    if dry_run:
        return
    summary.import_id = con.execute("SELECT nextval('import_id_seq')").fetchall()[0][0]
    con.execute(
        "INSERT INTO imports (import_id, file, sha256, profile, started_at, finished_at, rows_read, "
        "rows_skipped, rows_rejected, status, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'failed', ?)",
        [summary.import_id, str(path), sha, profile.name, started, datetime.now(), summary.rows_read,
         summary.rows_skipped, summary.rows_rejected, error],
    )


def _import(con, raw, staged: Staged, summary: ImportSummary, profile: Profile, as_of,
            facts: Callable[[], tuple[str, int, bool]], started, dry_run, bar,
            settings: Settings, streets: tuple[str, ...] | None = None, direct: bool = False) -> None:
    """Import the file `raw` inside the open transaction. `facts`: the file's sha256, line
    count and whether its lines are short (etl/load.py file_facts), waited for when needed;
    `direct`: a CSV is read within the normalising statement (DirectRead), not from CSV_ROWS."""
    path = raw.path
    create_stage(con)
    sheets = 0
    titles: dict[int, str] = {}
    for sheet_no, sheet in enumerate(raw.sheets):
        layout = find_layout(sheet.head(), profile)
        if layout is None:
            if any(any(cell.strip() for cell in row) for row in sheet.head()):
                summary.notes.append(
                    f"工作表「{sheet.name}」前 20 行中没有表头,已忽略 / sheet {sheet.name}: no header row "
                    "in its first 20 rows, not imported"
                )
            continue
        check_profile_columns(profile, layout, path.name, sheet.name if sheet.csv is None else None)
        summary.headers.append(describe_layout(layout, sheet.name if sheet.csv is None else None))
        layout.context, layout.year = sheet_context(
            sheet.name if sheet.csv is None else "", layout.title, path.stem
        )
        if sheet.csv is not None and direct:
            staged.direct = DirectRead(sheet_no, layout.header_row + 1, lambda: facts()[1:])
        stage_sheet(con, staged, sheet_no, sheet, layout, profile.fixed)
        titles[sheet_no] = layout.title
        sheets += 1
    if not sheets and is_registry(path):
        raise LedgerError(
            f"{path.name} 是区域名录,请用 `taizhang areas {path.name}` 载入 / {path.name} is an area "
            f"registry: load it with `taizhang areas {path.name}`"
        )
    if not sheets:
        raise LedgerError(no_header_text(path, raw.sheets, profile))
    _step(bar, path, "stage")
    mark("stage")
    # Dates outside these are typing errors: before `earliest_year`, or after the day of the
    # import plus `future_days` of slack (not --as-of: an older version of a ledger is loaded
    # with its own earlier as-of date while it may carry later dates, docs/ledgers.md).
    date_range = (date(settings.earliest_year, 1, 1), clock.today() + timedelta(days=settings.future_days))
    summary.rows_read, summary.rows_skipped = normalise(con, profile, staged, date_range)
    _note_ambiguous_areas(con, summary)
    mark("ambiguous_areas")
    summary.rejects = collect_rejects(con, path.name, titles, date_range)
    summary.rows_rejected = len(summary.rejects)
    mark("rejects")
    _step(bar, path, "normalise")
    if summary.rows_read - summary.rows_skipped - summary.rows_rejected <= 0:
        raise LedgerError(_nothing_to_import(summary))
    if streets is not None:
        check_streets(con, path.name, titles, streets, summary)

    mark("scope")
    latest, *span = _file_dates(con)
    mark("file_dates")
    summary.as_of = as_of or latest or clock.today()
    summary.received_span = tuple(span) if None not in span else None
    sha = summary.sha256 = facts()[0]
    import_id = con.execute("SELECT nextval('import_id_seq')").fetchall()[0][0]
    summary.import_id = None if dry_run else import_id
    con.execute(
        "INSERT INTO imports (import_id, file, sha256, profile, as_of, started_at, status) "
        "VALUES (?, ?, ?, ?, ?, ?, 'running')",
        [import_id, str(path), sha, profile.name, summary.as_of, started],
    )
    adopt_legacy_keys(con)  # a database of schema 4: its generated keys become today's
    mark("legacy_keys")
    counts = merge_cases(con, import_id, summary.as_of, str(path))
    meetings = merge_meetings(con, import_id, summary.as_of, str(path))
    mark("meetings")
    if meetings.new or meetings.updated or counts.new or counts.updated:
        link_cases_to_meetings(con)
    mark("link_meetings")
    total = MergeCounts(counts.new + meetings.new, counts.updated + meetings.updated,
                        counts.unchanged + meetings.unchanged)
    summary.rows_new, summary.rows_updated, summary.rows_unchanged = total.new, total.updated, total.unchanged
    older = counts.older + meetings.older
    if older:
        summary.notes.append(
            f"{older} 行早于数据库中的版本(本文件截至 {summary.as_of},已导入过更新的版本),未覆盖 / "
            f"{older} rows are older than the database's version of those cases or meetings (this file is as of "
            f"{summary.as_of}, a later version was loaded already): left as they were"
        )
    seen_before = con.execute(
        "SELECT count(*) FROM imports WHERE sha256 = ? AND status IN ('ok', 'unchanged') AND import_id <> ?",
        [sha, import_id],
    ).fetchall()[0][0]
    if not dry_run:
        summary.status = "ok" if total.new or total.updated else "unchanged"
    if summary.rejects and not seen_before:
        # The same file imported again adds no second copy of its rejects.
        con.executemany(
            'INSERT INTO rejects (import_id, sheet, "row", "column", value, reason, raw, code) '
            'VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
            [[import_id, r["sheet"], r["row"], r["column"], r["value"], r["reason"], r["raw"], r["code"]]
             for r in summary.rejects],
        )
    con.execute(
        "UPDATE imports SET finished_at = ?, rows_read = ?, rows_new = ?, rows_updated = ?, rows_unchanged = ?, "
        "rows_skipped = ?, rows_rejected = ?, status = ? WHERE import_id = ?",
        [datetime.now(), summary.rows_read, summary.rows_new, summary.rows_updated, summary.rows_unchanged,
         summary.rows_skipped, summary.rows_rejected, "ok" if summary.status == "checked" else summary.status,
         import_id],
    )
    _step(bar, path, "write")
    mark("write_rejects")


def _note_ambiguous_areas(con, summary: ImportSummary) -> None:
    """A note per sheet whose community the registry has in several streets (the rows are
    read again only when area_match, one row a distinct name, has such a name at all)."""
    if not con.execute("SELECT count(*) FROM area_match WHERE ambiguous IS NOT NULL").fetchall()[0][0]:
        return
    for sheet, community, candidates, rows in con.execute("""
        SELECT sheet, community_in, ambiguous, count(*) FROM keyed
        WHERE ambiguous IS NOT NULL AND reject IS NULL GROUP BY ALL ORDER BY min(sheet_no), 2
    """).fetchall():
        summary.notes.append(ambiguous_text(community, candidates, rows, sheet))


def _nothing_to_import(summary: ImportSummary) -> str:
    """Why a file with a header but no row that could be imported changes nothing."""
    if not summary.rows_rejected:
        return ("表头下没有数据行,没有导入任何内容 / nothing was imported: there is no data row under "
                "the header")
    zh, en = top_reasons(summary.rejects)
    n = summary.rows_rejected
    return (f"全部 {n} 行都未通过检查,没有导入任何内容。主要原因:{zh}。请按下面各行的提示修改后重新导入 / "
            f"nothing was imported: {f'all {n} rows were' if n > 1 else 'its one row was'} rejected. "
            f"Top reasons: {en}. Fix the rows as "
            "listed below and load the file again")


def _file_dates(con) -> tuple[date | None, date | None, date | None]:
    """The latest date inside the file (received, resolved, closed, progress: its as-of date),
    and its first and last received date."""
    return con.execute("""
        SELECT max(greatest(received_on_date, resolved_on_date, closed_on_date, last_progress_on_date, meeting_on_date)),
               min(received_on_date), max(received_on_date)
        FROM keyed WHERE reject IS NULL
    """).fetchall()[0]


def _internal_error_text(exc: Exception) -> str:
    """The message for an error that is not the ledger's: out of memory says what to change.
    Masked: a library's error may quote a line of the file."""
    text = mask_text(f"{type(exc).__name__}: {exc}")
    if isinstance(exc, duckdb.OutOfMemoryException) or "failed to pin block" in str(exc):

        return (
            f"内存不足 / out of memory: 导入可用内存为 {LOAD_MEMORY_LIMIT},请设置更大的 "
            f"TAIZHANG_LOAD_MEMORY_LIMIT(如 4GB)或把文件拆小后重新导入 / an import may use "
            f"{LOAD_MEMORY_LIMIT}; set TAIZHANG_LOAD_MEMORY_LIMIT higher (e.g. 4GB) or split the "
            f"file, then load it again. ({text.splitlines()[0]})"
        )
    return f"内部错误 / internal error: {text}"
