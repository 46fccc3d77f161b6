"""`taizhang areas | load | check`: summary lines, exit codes, and messages instead of tracebacks."""

from __future__ import annotations

import os
from datetime import date
import subprocess
import sys
from pathlib import Path

import duckdb
import openpyxl
import pytest

from commands import run
from ledgers import CASES, csv_gbk, write_registry
from taizhang.cli import main

TAIZHANG = Path(sys.executable).parent / "taizhang"


@pytest.fixture
def files(tmp_path):
    registry = write_registry(tmp_path / "areas.csv")
    folder = tmp_path / "ledgers"
    folder.mkdir()
    good = csv_gbk(folder)
    return tmp_path, registry, folder, good


def test_areas_then_load_a_folder(files, capsys):
    root, registry, folder, _ = files
    db = str(root / "t.duckdb")
    code, out, _ = run(["--db", db, "areas", str(registry)], capsys)
    assert (code, out.strip()) == (0, "区域名录已载入 4 行 / loaded 4 registry rows")
    code, out, err = run(["--db", db, "load", str(folder)], capsys)
    assert code == 0, err
    assert out.strip() == (
        "hotline_gbk.csv: 已导入 / imported — 新增 6、更新 0、未变 0、跳过 0、未导入 0 / new 6, updated 0, "
        "unchanged 0, skipped 0, rejected 0"
    )
    code, out, _ = run(["--db", db, "load", str(folder)], capsys)
    assert code == 0 and "无变化 / unchanged" in out
    with duckdb.connect(db, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM cases").fetchall() == [(len(CASES),)]


def test_check_writes_nothing(files, capsys):
    root, _, folder, _ = files
    db = root / "t.duckdb"
    code, out, _ = run(["--db", str(db), "check", str(folder)], capsys)
    assert code == 0
    assert "检查(未写入)/ checked (nothing written) — 新增 6" in out
    assert not db.exists()


def test_a_file_that_cannot_be_imported_exits_1_and_says_what_to_do(files, capsys):
    root, _, folder, good = files
    (folder / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    code, out, err = run(["--db", str(root / "t.duckdb"), "load", str(folder)], capsys)
    assert code == 1
    lines = out.strip().splitlines()
    assert lines[0].startswith("broken.xlsx: 导入失败,数据库未改动 / failed, database unchanged: broken.xlsx: 无法打开工作簿")
    assert lines[1].startswith("hotline_gbk.csv: 已导入 / imported — 新增 6")
    assert "1 个文件未能导入" in err and "fix them as the lines above say and load them again" in err


def test_rejects_out_workbook(files, capsys):
    root, _, folder, _ = files
    bad = folder / "bad.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["问题", "反映时间", "办理状态"])
    wb.active.append(["路灯不亮", "2023-01-08", "搞定了"])
    wb.save(bad)
    out_file = root / "未导入.xlsx"
    code, out, _ = run(["--db", str(root / "t.duckdb"), "load", str(bad), "--rejects-out", str(out_file)], capsys)
    assert code == 1  # its only row rejected: nothing imported, the rejected row written back all the same
    assert "nothing was imported: its one row was rejected" in out
    assert f"1 rejected rows written to {out_file}" in out
    rows = list(openpyxl.load_workbook(out_file).active.iter_rows(values_only=True))
    assert rows[0][0] == "bad"
    assert rows[1] == ("问题", "反映时间", "办理状态", "原因")
    assert rows[2][:3] == ("路灯不亮", "2023-01-08", "搞定了") and "搞定了" in rows[2][3]


def test_check_prints_each_reject_reason_up_to_the_limit(files, capsys):
    root, _, _, _ = files
    bad = root / "bad.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "南站社区"
    wb.active.append(["问题", "反映时间", "办理状态"])
    wb.active.append(["路灯不亮", "2023-01-08", "搞定了"])
    wb.active.append(["井盖缺失", "2023/13/45", "已解决"])
    wb.active.append(["停车难", "2023-01-09", "已解决"])
    wb.save(bad)
    code, out, _ = run(["--db", str(root / "t.duckdb"), "check", str(bad)], capsys)
    assert code == 1  # rows would be rejected
    reasons = [line for line in out.splitlines() if line.startswith("  - ")]
    assert len(reasons) == 2
    assert "南站社区" in reasons[0] and "办理状态" in reasons[0] and "搞定了" in reasons[0]
    assert "反映时间" in reasons[1] and "2023/13/45" in reasons[1]
    code, out, _ = run(["--db", str(root / "t.duckdb"), "check", str(bad), "--show-rejects", "1"], capsys)
    assert [line for line in out.splitlines() if line.startswith("  - ")] == reasons[:1]
    assert "… 另有 1 行" in out and "--rejects-out" in out


def test_bad_registry_and_unknown_profile_are_messages(files, capsys):
    root, _, folder, _ = files
    bad_registry = root / "bad_areas.csv"
    bad_registry.write_text("区,街道\n西湖区,南站街道\n", encoding="utf-8")
    code, _, err = run(["--db", str(root / "t.duckdb"), "areas", str(bad_registry)], capsys)
    assert code == 2
    # 区 and 街道 are read as district and street: only the two missing columns are named.
    assert err.strip() == (
        "taizhang: 区域名录 bad_areas.csv 缺少列 community,kind:第一行应为 区,街道,社区,类型(或 "
        "district,street,community,kind)/ the registry bad_areas.csv lacks column(s) community,kind: "
        "its first line must be district,street,community,kind (or 区,街道,社区,类型)"
    )
    code, _, err = run(["--db", str(root / "t.duckdb"), "load", str(folder), "--profile", "nope"], capsys)
    assert code == 2
    assert "no profile 'nope': give a .toml file or one of builtin, nyc311" in err


def test_no_traceback_reaches_the_user(files):
    """A real process, TAIZHANG_DB from the environment, garbage input, a missing path."""
    root, _, _, _ = files
    garbage = root / "garbage.csv"
    garbage.write_bytes(bytes(range(256)) * 50)
    env = {**os.environ, "TAIZHANG_DB": str(root / "env.duckdb")}
    proc = subprocess.run([str(TAIZHANG), "load", str(garbage), str(root / "missing.xlsx"), "--progress"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "missing.xlsx: 导入失败" in proc.stdout and "找不到文件" in proc.stdout
    assert "garbage.csv: 导入失败" in proc.stdout
    assert (root / "env.duckdb").exists()


def test_a_registry_in_a_folder_is_left_out_and_named_alone_is_explained(files, capsys):
    root, registry, folder, _ = files
    (folder / "areas.csv").write_bytes(registry.read_bytes())
    code, out, _ = run(["--db", str(root / "t.duckdb"), "load", str(folder)], capsys)
    assert code == 0 and out.count("\n") == 1 and out.startswith("hotline_gbk.csv")
    code, out, _ = run(["--db", str(root / "t.duckdb"), "load", str(folder / "areas.csv")], capsys)
    assert code == 1
    assert "areas.csv 是区域名录,请用 `taizhang areas areas.csv` 载入" in out


def test_check_speaks_of_a_check_not_of_a_failed_import(files, capsys):
    root, _, folder, _ = files
    db = root / "t.duckdb"
    code, out, err = run(["check", str(folder), "--db", str(db)], capsys)
    assert code == 0 and "check passed: every row would be imported (nothing was written)" in out
    assert "header: row 1; 识别 recognised: " in out  # the header row it took, and the names
    no_header = root / "说明.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["只有一行说明文字"])
    wb.save(no_header)
    code, out, err = run(["check", str(no_header), str(folder), "--db", str(db)], capsys)
    assert code == 1
    # Before: "导入失败,数据库未改动 / failed, database unchanged" and "could not be imported".
    assert "导入失败" not in out + err and "could not be imported" not in out + err
    assert out.startswith("说明.xlsx: 检查未通过,此文件不能导入 / check failed, this file cannot be imported")
    assert "check found problems: 1 file(s) cannot be imported as they are" in err and "nothing was written" in err
    assert not db.exists()


def test_global_options_after_the_subcommand(files, capsys, monkeypatch):
    root, registry, folder, _ = files
    monkeypatch.chdir(root)  # the default data/taizhang.duckdb would be made here
    db = root / "after.duckdb"
    assert run(["areas", str(registry), "--db", str(db)], capsys)[0] == 0
    code, out, _ = run(["load", str(folder), "--db", str(db)], capsys)
    assert code == 0 and "new 6" in out
    assert not (root / "data").exists()
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM cases").fetchall() == [(len(CASES),)]
        assert con.execute("SELECT count(*) FROM areas").fetchall() == [(4,)]


@pytest.mark.parametrize("header", ["区,街道,社区,类型", "区县,镇街,村社区,类型", "区,街道(镇),社区(村),类型"])
def test_a_registry_with_chinese_headers(files, capsys, header):
    root, registry, folder, _ = files
    rows = registry.read_text(encoding="utf-8").splitlines()[1:]
    chinese = folder / "区划.csv"
    chinese.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    db = str(root / "t.duckdb")
    code, out, err = run(["areas", str(chinese), "--db", db], capsys)
    assert (code, out.strip()) == (0, "区域名录已载入 4 行 / loaded 4 registry rows"), err
    with duckdb.connect(db, read_only=True) as con:
        assert sorted(con.execute("SELECT * FROM areas").fetchall()) == sorted(
            tuple(r.split(",")) for r in rows)
    # In a folder of ledgers it is recognised as the registry and left out of `load`.
    code, out, _ = run(["load", str(folder), "--db", db], capsys)
    assert code == 0 and out.startswith("hotline_gbk.csv") and "区划.csv" not in out


def test_help_of_every_command_is_chinese_first(capsys):
    import argparse
    import re

    from taizhang.cli import _commands, build_parser

    chinese_first = re.compile(r"[^A-Za-z]*[\u4e00-\u9fff]")
    commands = {parser.prog.removeprefix("taizhang "): parser for parser in _commands(build_parser())}
    assert set(commands) >= {"load", "check", "areas", "demo", "serve", "kpi", "report", "profile",
                             "profile suggest"}
    for name, parser in commands.items():
        assert chinese_first.match(parser.description), name
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                assert all(chinese_first.match(a.help) for a in action._choices_actions), name
            elif action.help != argparse.SUPPRESS:
                assert chinese_first.match(action.help) and "/ " in action.help, \
                    (name, action.dest, action.help)
        with pytest.raises(SystemExit) as exit_:
            main([*name.split(), "-h"])
        assert exit_.value.code == 0
        text = capsys.readouterr().out
        assert text.startswith("用法 usage:") and "显示本帮助并退出 / show this help and exit" in text
        # The global options are taken after the command's name too.
        assert "--db FILE.duckdb" in text and "--lang {zh,en}" in text


def test_as_of_in_chinese_and_a_bad_one_is_a_message(files, capsys):
    root, _, folder, _ = files
    db = root / "t.duckdb"
    code, out, err = run(["load", str(folder), "--as-of", "2023年2月28日", "--db", str(db)], capsys)
    assert code == 0, err
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT as_of FROM imports").fetchall() == [(date(2023, 2, 28),)]
    with pytest.raises(SystemExit) as exit_:
        main(["load", str(folder), "--as-of", "2023年2月30日", "--db", str(db)])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "2023年2月30日" in err and "expected a date like 2022-07-31" in err and "Traceback" not in err
