"""Recurring problems (kpi.recurring): precision of the top groups on a labelled title set,
ranking by communities and growth counted by hand, and the demo's groups."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pandas as pd

from taizhang.kpi.recurring import cluster_titles, group_precision, rank_groups

LABELLED = Path(__file__).parent / "data" / "recurring_titles.csv"
# Measured: precision 1.0 of the 10 largest groups at the default similarity (docs/kpi.md).
PRECISION_FLOOR = 0.95


def test_top_groups_precision_on_labelled_titles():
    rows = list(csv.DictReader(LABELLED.open(encoding="utf-8")))
    assert len(rows) >= 150
    precision, groups = group_precision([r["title"] for r in rows], [r["label"] for r in rows])
    assert precision >= PRECISION_FLOOR
    assert len(groups) == 10 and all(size >= 3 for _, size, _ in groups)
    # The groups found are the labelled problems, not singletons.
    assert not any(label.startswith("single:") for label, _, _ in groups)


def test_unlike_titles_stay_alone():
    assert list(cluster_titles(["路灯不亮", "低保申请", "井盖缺失"])) == [-1, -1, -1]
    assert list(cluster_titles([])) == []


def test_rank_by_communities_then_growth():
    def row(i, title, community, received):
        return {"case_id": f"c{i}", "received_on": date.fromisoformat(received), "street": "S",
                "community": community, "title": title, "status": "resolved" if i % 2 else "in_progress"}

    cases = pd.DataFrame([
        # 路灯: 3 communities, 2 cases in the last 3 months to 2022-06-30, 1 in the 3 before
        row(1, "路灯不亮", "A", "2022-06-01"), row(2, "路灯坏了不亮", "B", "2022-05-01"),
        row(3, "巷子路灯不亮", "C", "2022-02-01"),
        # 噪音: 2 communities only
        row(4, "夜间施工噪音扰民", "A", "2022-06-01"), row(5, "工地施工噪音扰民", "B", "2022-06-02"),
        row(6, "夜间施工噪音扰民严重", "B", "2022-06-03"),
        # 漏水: one community: not a recurring problem across places
        row(7, "屋顶漏水", "A", "2022-01-01"), row(8, "屋顶漏水严重", "A", "2022-01-02"),
        row(9, "屋顶漏水", "A", "2022-01-03"),
        row(10, "低保申请", "D", "2022-06-01"),
    ])
    groups, listed = rank_groups(cases, date(2022, 6, 30))
    assert list(groups["label"]) == ["巷子路灯不亮", "夜间施工噪音扰民"]  # ties: the earliest title
    first = groups.iloc[0]
    assert (first["cases"], first["communities"], first["recent"], first["earlier"], first["growth"]) == (3, 3, 2, 1, 1)
    assert groups.iloc[1]["open"] == 2  # c4, c6 in progress
    assert sorted(listed[listed["group"] == 1]["case_id"]) == ["c1", "c2", "c3"]


def test_report_groups_computed_once_per_list_of_titles(tmp_path, monkeypatch):
    """Two reports on the same data cluster the titles once, a new process reads the groups
    kept on disk, and a load that changes the data clusters again; the kept groups equal
    a fresh computation's."""
    import duckdb

    from taizhang.etl.areas import load_areas
    from taizhang.etl.load import load_paths
    from taizhang.kpi import recurring
    from taizhang.report.build import report_view

    from benchmarks.generate import generate  # not installed: the checkout is on pytest's path

    monkeypatch.setenv(recurring.ENV_CACHE, str(tmp_path / "groups"))
    monkeypatch.setattr(recurring, "_kept", type(recurring._kept)())
    first = generate(6000, tmp_path / "first", xlsx_rows=0, progress=lambda _: None)
    db = tmp_path / "taizhang.duckdb"
    load_areas(db, first.areas)
    assert load_paths(db, [first.csv])[0].status == "ok"

    def report():
        con = duckdb.connect(str(db), read_only=True)
        try:
            return report_view(con, None).seeds_lines
        finally:
            con.close()

    before = recurring.cluster_count
    lines = report()
    assert any("多处反映" in line for line in lines), lines  # the generated ledger has some
    assert report() == lines
    assert recurring.cluster_count == before + 1
    recurring._kept.clear()  # as a new process: the groups come from disk
    assert report() == lines
    assert recurring.cluster_count == before + 1
    assert len(list((tmp_path / "groups").glob("*.npy"))) == 1

    # The same report with nothing kept gives the same lines.
    monkeypatch.setenv(recurring.ENV_CACHE, "off")
    recurring._kept.clear()
    assert report() == lines
    assert recurring.cluster_count == before + 2
    monkeypatch.setenv(recurring.ENV_CACHE, str(tmp_path / "groups"))

    second = generate(2000, tmp_path / "second", xlsx_rows=0, progress=lambda _: None)
    assert load_paths(db, [second.csv])[0].status == "ok"
    report()
    assert recurring.cluster_count == before + 3
    assert len(list((tmp_path / "groups").glob("*.npy"))) == 2


def test_kept_groups_hold_no_title(tmp_path, monkeypatch):
    """The file kept on disk holds group numbers alone, and equals the computed ones."""
    import numpy as np

    from taizhang.kpi import recurring

    monkeypatch.setenv(recurring.ENV_CACHE, str(tmp_path))
    monkeypatch.setattr(recurring, "_kept", type(recurring._kept)())
    titles = ["巷子路灯不亮", "巷子路灯不亮了", "低保申请怎么办"]
    labels = cluster_titles(titles)
    [kept] = tmp_path.glob("*.npy")
    assert "路灯".encode() not in kept.read_bytes()
    assert np.array_equal(np.load(kept, allow_pickle=False), labels)
    assert labels[0] == labels[1] >= 0 and labels[2] == -1
