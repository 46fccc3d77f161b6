"""TAIZHANG_TIMING=1: an import says where its time goes, one line a run (taizhang/timing.py),
for benchmarks/bench.py and the next engineer; nothing is printed without it."""

from __future__ import annotations

import csv
import json

from taizhang.etl.load import load_paths
from taizhang.timing import JSON_PREFIX


def _ledger(path):
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["工单编号", "受理时间", "社区", "诉求内容", "办理状态"])
        writer.writerows([[f"W-{i}", f"2023-01-{i:02d}", "桃源社区", "路灯不亮", "办理中"] for i in range(1, 6)])
    return path


def test_a_timed_import_reports_its_steps_once(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TAIZHANG_TIMING", "1")
    [summary] = load_paths(tmp_path / "t.duckdb", [_ledger(tmp_path / "台账.csv")])
    assert summary.status == "ok", summary.line()
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith(JSON_PREFIX)]
    assert len(lines) == 1
    figures = json.loads(lines[0][len(JSON_PREFIX):])
    for step in ("read", "normalise", "insert_cases", "aggregates:counts", "commit", "close"):
        assert step in figures["steps"] and step in figures["steps_cpu"], step
    # laps: the steps add up to the run, none is negative
    assert all(seconds >= 0 for seconds in figures["steps"].values())
    assert abs(sum(figures["steps"].values()) - figures["total"]) < 0.01


def test_an_untimed_import_prints_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("TAIZHANG_TIMING", raising=False)
    [summary] = load_paths(tmp_path / "t.duckdb", [_ledger(tmp_path / "台账.csv")])
    assert summary.status == "ok", summary.line()
    assert "timing" not in capsys.readouterr().err
