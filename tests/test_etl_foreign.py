"""Foreign exports (LA 311, Boston 311, a 问政 message board): the header is found and shown,
`taizhang profile suggest` writes a profile that loads them, a profile that does not fit
the file refuses it, and the figures equal those counted in pandas from the file."""

from __future__ import annotations

import csv
import random
import tomllib
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest

from taizhang.etl.fold import header_key

from commands import kpi_json, run

LA_COLUMNS = [
    "SRNumber", "CreatedDate", "UpdatedDate", "ActionTaken", "Owner", "RequestType", "Status",
    "RequestSource", "CreatedByUserOrganization", "MobileOS", "Anonymous", "AssignTo",
    "ServiceDate", "ClosedDate", "AddressVerified", "ApproximateAddress", "Address",
    "HouseNumber", "Direction", "StreetName", "Suffix", "ZipCode", "Latitude", "Longitude",
    "Location", "TBMPage", "TBMColumn", "TBMRow", "APC", "CD", "CDMember", "NC", "NCName",
    "PolicePrecinct",
]
LA_STATUSES = ["Closed"] * 5 + ["Open", "Pending", "Cancelled", "Referred Out", "Forward"]
BOSTON_COLUMNS = [
    "case_enquiry_id", "open_dt", "sla_target_dt", "closed_dt", "on_time", "case_status",
    "closure_reason", "case_title", "subject", "reason", "type", "queue", "department",
    "location", "neighborhood", "ward", "latitude", "longitude", "source",
]
BOARD_COLUMNS = ["留言编号", "留言用户", "留言标题", "留言时间", "留言内容", "留言对象", "状态", "答复时间", "答复内容"]


def write_csv(path, columns, rows):
    """A CSV export (csv module): `rows` are dicts of the filled cells, the rest empty."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_la(path, rows=60, seed=1):
    """An LA 311 (MyLA311) export as the portal writes it: month-first dates with AM/PM."""
    rng = random.Random(seed)

    def row(i):
        status = rng.choice(LA_STATUSES)
        month, day = rng.randint(1, 3), rng.randint(1, 28)
        created = f"{month:02d}/{day:02d}/2023 {rng.randint(1, 12):02d}:{rng.randint(0, 59):02d}:00 {rng.choice(['AM', 'PM'])}"
        return dict(SRNumber=f"1-{4000000 + i}", CreatedDate=created, UpdatedDate=created,
                    ActionTaken="SR Created", Owner="BOS", Status=status,
                    ClosedDate=f"{month + 1:02d}/{day:02d}/2023 10:00:00 AM" if status == "Closed" else "",
                    RequestType=rng.choice(["Bulky Items", "Graffiti Removal", "Illegal Dumping Pickup"]),
                    RequestSource=rng.choice(["Mobile App", "Call"]), Address=f"{100 + i} W MAIN ST",
                    APC=rng.choice(["Central APC", "South Valley APC"]),
                    NCName=rng.choice(["DOWNTOWN LOS ANGELES", "BOYLE HEIGHTS"]))

    return write_csv(path, LA_COLUMNS, [row(i) for i in range(rows)])


def write_boston(path, rows=30, seed=2):
    """A Boston 311 export: snake_case names, year-first timestamps."""
    rng = random.Random(seed)

    def row(i):
        status, day = rng.choice(["Closed", "Closed", "Open"]), rng.randint(1, 25)
        return dict(case_enquiry_id=str(101004000000 + i), open_dt=f"2023-03-{day:02d} 08:15:00",
                    sla_target_dt=f"2023-04-{day:02d} 08:30:00", case_status=status,
                    closed_dt=f"2023-03-{day + 2:02d} 09:00:00" if status == "Closed" else "",
                    case_title="Request for Pothole Repair", department="PWDx",
                    reason=rng.choice(["Highway Maintenance", "Street Lights"]),
                    neighborhood=rng.choice(["Dorchester", "Roxbury"]), ward="Ward 7",
                    source="Constituent Call")

    return write_csv(path, BOSTON_COLUMNS, [row(i) for i in range(rows)])


def write_board(path, rows=25, seed=3):
    """A Chinese 问政 message-board export (xlsx): 留言编号 / 留言时间 / 答复时间 / 状态."""
    rng = random.Random(seed)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "留言列表"
    ws.append(BOARD_COLUMNS)
    for i in range(rows):
        status = rng.choice(["已答复", "已答复", "未答复", "办理中", "已转办"])
        answered = f"2023/04/{rng.randint(1, 28):02d} 09:00" if status == "已答复" else None
        ws.append([f"LY{2023000 + i}", f"网友{i}", rng.choice(["小区路灯不亮", "噪音扰民", "道路积水"]),
                   f"2023/03/{rng.randint(1, 28):02d} 10:{i:02d}", "内容", rng.choice(["南站街道", "桃源街道"]),
                   status, answered, "已处理" if answered else None])
    wb.save(path)
    return path


@pytest.mark.parametrize("writer, first_names", [
    (write_la, "SRNumber, CreatedDate, UpdatedDate"),
    (write_boston, "case_enquiry_id, open_dt, sla_target_dt"),
    (write_board, "留言编号, 留言用户, 留言标题"),
])
def test_without_a_profile_check_names_the_header_it_saw_and_how_to_get_a_profile(
        tmp_path, capsys, writer, first_names):
    # Before: "no header row in the first 20 rows" and nothing else, although row 1 is the header.
    path = writer(tmp_path / ("export.xlsx" if writer is write_board else "export.csv"))
    code, out, err = run(["check", path, "--db", tmp_path / "t.duckdb"], capsys)
    assert code == 1
    assert f"the names in row 1: {first_names}" in out
    assert f"taizhang profile suggest {path.name} > my.toml" in out
    assert "nothing was written" in err and not (tmp_path / "t.duckdb").exists()


def test_la_export_end_to_end_through_a_suggested_profile(tmp_path, capsys):
    export = write_la(tmp_path / "la311.csv")
    db = tmp_path / "la.duckdb"
    code, suggestion, _ = run(["profile", "suggest", export], capsys)
    assert code == 0
    profile = tomllib.loads(suggestion)
    assert profile["columns"]["received_on"] == ["CreatedDate"]
    assert profile["columns"]["resolved_on"] == ["ClosedDate"]
    assert profile["columns"]["case_id"] == ["SRNumber"] and profile["columns"]["status"] == ["Status"]
    assert profile["date_formats"] == ["%m/%d/%Y %I:%M:%S %p"]
    assert profile["status"]["resolved"] == ["Closed"]
    assert set(profile["status"]["pending"]) == {"Open", "Pending"}
    # The phrases it cannot place are listed for the user, with their row counts.
    frame = pd.read_csv(export, dtype=str, keep_default_na=False)
    counts = frame["Status"].value_counts()
    assert f'#   "Forward"  ({counts["Forward"]})' in suggestion
    # Cancelled and Referred Out are built-in phrases of the two statuses that end a case
    # without resolving it.
    assert profile["status"]["cancelled"] == ["Cancelled"]
    assert profile["status"]["referred"] == ["Referred Out"]

    # check with the unedited profile: the header it took, and those phrases' rows rejected.
    (tmp_path / "la.toml").write_text(suggestion, encoding="utf-8")
    code, out, _ = run(["check", export, "--profile", tmp_path / "la.toml"], capsys)
    assert code == 1
    assert "header: row 1; 识别 recognised: SRNumber→case_id, CreatedDate→received_on" in out
    unplaced = int(counts["Forward"])
    assert f"rejected {unplaced}" in out and "is not a known status" in out

    # The user maps them, as a district would, and loads.
    edited = suggestion.replace('in_progress = []', 'in_progress = ["Forward"]')
    (tmp_path / "la.toml").write_text(edited, encoding="utf-8")
    code, out, err = run(["load", export, "--profile", tmp_path / "la.toml", "--db", db], capsys)
    assert code == 0, out + err
    assert f"new {len(frame)}, updated 0, unchanged 0, skipped 0, rejected 0" in out

    [total] = kpi_json(capsys, db)
    status = frame["Status"]
    assert total["received"] == len(frame)
    assert total["resolved"] == (status == "Closed").sum()
    assert total["pending"] == status.isin(["Open", "Pending"]).sum()
    assert total["in_progress"] == (status == "Forward").sum()
    assert total["deferred"] == 0
    assert total["cancelled"] == (status == "Cancelled").sum()
    assert total["referred"] == (status == "Referred Out").sum()
    ended = (status == "Cancelled").sum() + (status == "Referred Out").sum()
    assert total["resolution_rate"] == pytest.approx((status == "Closed").sum() / (len(frame) - ended))
    by_type = {r["category"]: r["received"] for r in kpi_json(capsys, db, "--by", "category")}
    assert by_type == frame["RequestType"].value_counts().to_dict()
    created = pd.to_datetime(frame["CreatedDate"], format="%m/%d/%Y %I:%M:%S %p")
    # Months up to the as-of date are listed, the empty ones with 0.
    by_month = {r["month"]: r["received"] for r in kpi_json(capsys, db, "--by", "month") if r["received"]}
    assert by_month == created.dt.strftime("%Y-%m").value_counts().to_dict()
    closed = frame[status == "Closed"]
    days = (pd.to_datetime(closed["ClosedDate"], format="%m/%d/%Y %I:%M:%S %p").dt.normalize()
            - pd.to_datetime(closed["CreatedDate"], format="%m/%d/%Y %I:%M:%S %p").dt.normalize()).dt.days
    assert total["median_days"] == pytest.approx(days.median())
    # The export stamps times of day (02:05:00 PM): closure in hours too, over whole minutes.
    seconds = (pd.to_datetime(closed["ClosedDate"], format="%m/%d/%Y %I:%M:%S %p")
               - pd.to_datetime(closed["CreatedDate"], format="%m/%d/%Y %I:%M:%S %p")).dt.total_seconds()
    minutes = (seconds // 60)[seconds >= 0]
    assert total["median_hours"] == pytest.approx(minutes.median() / 60)
    assert total["p90_hours"] == pytest.approx(minutes.quantile(0.9) / 60)
    with duckdb.connect(str(db), read_only=True) as con:
        ids = {r[0] for r in con.execute("SELECT case_id FROM cases").fetchall()}
    assert ids == set(frame["SRNumber"])


def test_boston_and_board_exports_load_through_their_suggestions(tmp_path, capsys):
    boston = write_boston(tmp_path / "boston311.csv")
    board = write_board(tmp_path / "问政.xlsx")
    for export in (boston, board):
        code, suggestion, _ = run(["profile", "suggest", export], capsys)
        assert code == 0
        # 已转办 (handed to another body) is a built-in phrase of `referred`.
        assert export.suffix == ".csv" or 'referred = ["已转办"]' in suggestion
        (tmp_path / f"{export.stem}.toml").write_text(suggestion, encoding="utf-8")
    board_profile = tomllib.loads((tmp_path / "问政.toml").read_text(encoding="utf-8"))
    assert board_profile["columns"]["received_on"] == ["留言时间"]
    assert board_profile["columns"]["resolved_on"] == ["答复时间"]
    assert board_profile["columns"]["case_id"] == ["留言编号"]
    assert board_profile["columns"]["title"] == ["留言标题"]
    assert board_profile["status"]["resolved"] == ["已答复"]

    for export in (boston, board):
        db = tmp_path / f"{export.stem}.duckdb"
        code, out, err = run(["load", export, "--db", db, "--profile", tmp_path / f"{export.stem}.toml"], capsys)
        assert code == 0 and "rejected 0" in out, out + err
        frame = (pd.read_csv(export, dtype=str, keep_default_na=False) if export.suffix == ".csv"
                 else pd.read_excel(export, dtype=str, engine="openpyxl").fillna(""))
        status = frame["case_status" if export.suffix == ".csv" else "状态"]
        [total] = kpi_json(capsys, db)
        assert total["received"] == len(frame)
        assert total["resolved"] == status.isin(["Closed", "已答复"]).sum()
        assert total["pending"] == status.isin(["Open", "未答复"]).sum()
        assert total["in_progress"] == status.isin(["办理中"]).sum()
        assert total["referred"] == status.isin(["已转办"]).sum()


def test_the_nyc_profile_refuses_an_la_file(tmp_path, capsys):
    # Before: loaded as "New York City" with invented ids and no category.
    export = write_la(tmp_path / "la311.csv")
    db = tmp_path / "t.duckdb"
    code, out, _ = run(["load", export, "--db", db, "--profile", "nyc311"], capsys)
    assert code == 1
    assert "the profile nyc311 names column(s) the file lacks" in out
    assert "case_id ← Unique Key" in out and "category ← Complaint Type" in out
    assert "The file's columns: SRNumber, CreatedDate" in out
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM cases").fetchall() == [(0,)]


def test_a_profile_naming_a_missing_column_is_an_error_not_an_empty_metric(tmp_path, capsys):
    export = write_boston(tmp_path / "boston311.csv")
    profile = tmp_path / "mine.toml"
    profile.write_text('name = "mine"\n[columns]\nreceived_on = ["open_dt"]\nstatus = ["case_status"]\n'
                       'satisfaction = ["Survey Result"]\n[status]\nresolved = ["Closed"]\npending = ["Open"]\n',
                       encoding="utf-8")
    code, out, _ = run(["load", export, "--db", tmp_path / "t.duckdb", "--profile", profile], capsys)
    assert code == 1
    assert "the profile mine names column(s) the file lacks: satisfaction ← Survey Result" in out
    assert "The file's columns: case_enquiry_id, open_dt" in out


def test_names_match_whatever_their_case_spaces_or_underscores(tmp_path, capsys):
    export = write_boston(tmp_path / "boston311.csv")
    profile = tmp_path / "shouting.toml"
    profile.write_text('name = "shouting"\n[columns]\ncase_id = ["CASE ENQUIRY ID"]\nreceived_on = [" Open DT "]\n'
                       'status = ["Case_Status"]\n[status]\nresolved = ["Closed"]\npending = ["Open"]\n',
                       encoding="utf-8")
    code, out, err = run(["load", export, "--db", tmp_path / "t.duckdb", "--profile", profile], capsys)
    assert code == 0 and "new 30" in out, out + err
    assert header_key(" Created_Date ") == header_key("createddate") == header_key("CREATED DATE")


def test_a_date_reject_names_the_profile_setting_that_fixes_it(tmp_path, capsys):
    export = write_la(tmp_path / "la311.csv", rows=5)
    code, suggestion, _ = run(["profile", "suggest", export], capsys)
    without_formats = suggestion.replace('date_formats = ["%m/%d/%Y %I:%M:%S %p"]', "date_formats = []")
    assert without_formats != suggestion
    (tmp_path / "la.toml").write_text(without_formats, encoding="utf-8")
    code, out, _ = run(["check", export, "--profile", tmp_path / "la.toml"], capsys)
    assert code == 1
    assert "column CreatedDate:" in out and 'date_formats = ["%m/%d/%Y"]' in out


REAL_NYC = Path("/work/shared/realdata/nyc311_sample.csv")


@pytest.mark.skipif(not REAL_NYC.exists(), reason="real data sample not present")
def test_a_suggested_profile_reads_the_real_nyc_export_as_the_shipped_one_does(tmp_path, capsys):
    code, suggestion, _ = run(["profile", "suggest", REAL_NYC], capsys)
    assert code == 0
    profile = tomllib.loads(suggestion)
    assert profile["date_formats"] == ["%m/%d/%Y %I:%M:%S %p"]
    assert '#   "Unspecified"  (1)' in suggestion  # the one phrase nobody can place
    (tmp_path / "nyc.toml").write_text(suggestion, encoding="utf-8")
    results = {}
    for name, option in (("suggested", tmp_path / "nyc.toml"), ("shipped", "nyc311")):
        db = tmp_path / f"{name}.duckdb"
        code, out, _ = run(["load", REAL_NYC, "--db", db, "--profile", option, "--show-rejects", "0"], capsys)
        assert code == 0
        results[name] = (out.splitlines()[0].split(" / ")[-1], kpi_json(capsys, db)[0]["resolved"])
    frame = pd.read_csv(REAL_NYC, dtype=str, keep_default_na=False)
    assert results["suggested"] == results["shipped"]
    assert results["suggested"][0] == (f"new {len(frame) - 3}, updated 0, unchanged 0, skipped 0, rejected 3")
    # Every Closed row is resolved (two of them rejected: their Closed Date is 01/01/1900).
    closed = frame[frame["Status"] == "Closed"]
    assert results["suggested"][1] == len(closed) - closed["Closed Date"].str.startswith("01/01/1900").sum()


def test_a_profile_adding_a_name_still_reads_ledgers_using_the_built_in_one(tmp_path, capsys):
    """A district profile that adds 群众诉求 for the problem must not refuse a ledger whose
    column is called 问题: the field is there, under another of its names."""
    profile = tmp_path / "my_office.toml"
    profile.write_text('name = "my_office"\n[columns]\ntitle = ["群众诉求"]\n', encoding="utf-8")
    ledgers = []
    for header in ("群众诉求", "问题"):
        wb = openpyxl.Workbook()
        wb.active.title = "桃源社区"
        wb.active.append([header, "反映时间", "办理状态"])
        wb.active.append([f"路灯不亮({header})", "2023-01-08", "已解决"])
        ledgers.append(tmp_path / f"{header}.xlsx")
        wb.save(ledgers[-1])
    code, out, err = run(["load", *ledgers, "--db", tmp_path / "t.duckdb", "--profile", profile], capsys)
    assert code == 0 and out.count("new 1,") == 2, out + err


def test_suggest_skips_title_rows_and_repeated_headers(tmp_path, capsys):
    path = tmp_path / "南站街道台账.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["南站街道幸福圆桌会问题台账(2023年)"])
    ws.merge_cells("A1:D1")
    header = ["序号", "问题", "反映时间", "办理进度"]
    ws.append(header)
    ws.append([1, "路灯不亮", "2023-01-08", "已办结"])
    ws.append(header)  # printed page by page: the header again
    ws.append([2, "井盖缺失", "2023-01-09", "研究中"])
    wb.save(path)
    code, suggestion, _ = run(["profile", "suggest", path], capsys)
    assert code == 0
    assert "header: row 2" in suggestion
    profile = tomllib.loads(suggestion)
    assert profile["columns"] == {"title": ["问题"], "received_on": ["反映时间"], "status": ["办理进度"]}
    assert profile["status"]["resolved"] == ["已办结"]
    assert '#   "研究中"  (1)' in suggestion and '"办理进度"  (' not in suggestion
