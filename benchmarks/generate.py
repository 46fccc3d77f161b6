"""A synthetic city hotline ledger (12345-style) of any size, generated column-wise.

One district, 12 streets, ~150 communities, 300 officials, 20 categories, three years of
cases: ~85% resolved, closure days lognormal, 1-5 callback scores. Headers are the
built-in profile's Chinese synonyms (SPEC §3), so the ordinary `taizhang load` reads it.

Every column is drawn with numpy as small integer codes, turned into text by Arrow
(`take` on a tiny vocabulary) and written by Arrow's CSV writer in chunks, so 10 million
rows take well under a minute and a few hundred MB. All names are invented.

    python benchmarks/generate.py --rows 1000000 --out benchmarks/work
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

SEED = 20240601
DISTRICT = "青溪区"
FIRST_DAY = dt.date(2022, 1, 1)
LAST_DAY = dt.date(2024, 12, 31)
CHUNK_ROWS = 1_000_000

STREETS = [
    "临江街道", "望湖街道", "杏林街道", "枫桥街道", "云栖街道", "石泉街道",
    "锦绣街道", "松岗街道", "柳塘镇", "白鹭镇", "桂溪乡", "金沙街道",
]
# Two syllables make a community name; a few of each street's are villages (村).
_SYLLABLES_A = "安宁和平康泰丰华兴盛明月春晖翠竹紫荆金桂清源新民长乐福寿永宁东升西苑南湖北苑"
_SYLLABLES_B = "园苑里坊湾岭塘桥庄湖山洲坪溪林港"
CATEGORIES = [
    "市容环境", "道路交通", "物业管理", "供水供电", "噪音扰民", "违章建筑", "房屋安全",
    "社会保障", "医疗卫生", "教育服务", "劳动就业", "消费维权", "邻里纠纷", "公共设施",
    "绿化养护", "停车管理", "燃气安全", "养老服务", "环境污染", "其他",
]
# Five issue phrasings per category keep titles varied without a text model.
_PHRASES = ["反映问题需处理", "多次投诉未解决", "请求尽快协调", "存在安全隐患", "影响居民生活"]
CHANNELS = ["12345热线", "幸福圆桌会", "小队会", "民生议事堂", "服务日"]
CHANNEL_P = [0.70, 0.10, 0.08, 0.07, 0.05]
# Deadline (days) a category is promised; 20% of rows leave 办理时限 blank (SLA applies).
CATEGORY_DUE_DAYS = [15, 15, 30, 5, 7, 30, 15, 30, 15, 30, 30, 15, 15, 30, 30, 15, 5, 30, 15, 30]
STATUS_TEXT = ["已办结", "办理中", "待处理", "暂缓"]  # resolved, in_progress, pending, deferred
UNITS = [
    "区城管局", "区住建局", "区交通运输局", "区市场监管局", "区生态环境局", "区人社局",
    "区卫健委", "区教育局", "区民政局", "区水务局", "供电公司", "燃气公司",
    "街道综合执法队", "街道社区服务中心", "街道城建办", "物业公司",
]
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
_GIVEN = "文华建明国平志红俊晓丽海燕军霞伟芳静敏强磊洋勇艳杰娟涛超秀兰英"

HEADERS = [
    "工单编号", "受理时间", "反映渠道", "区县", "街道", "社区", "诉求类型", "事项分类", "诉求内容",
    "办理时限", "办理状态", "办结时间", "进展更新时间", "挂点领导", "承办单位", "满意度",
]
MATTER_CLASSES = ["大事", "小事", "私事"]
MATTER_P = [0.05, 0.80, 0.15]
XLSX_ROWS = 100_000


@dataclass(frozen=True)
class Ledger:
    """Paths of one generated ledger and its registry."""

    csv: Path
    xlsx: Path | None
    areas: Path
    rows: int


def area_registry() -> list[tuple[str, str, str, str]]:
    """(district, street, community, kind) for ~150 invented communities in 12 streets."""
    rng = np.random.default_rng(SEED)
    rows, used = [], set()
    for street in STREETS:
        for i in range(int(rng.integers(11, 15))):
            while True:
                name = rng.choice(list(_SYLLABLES_A)) + rng.choice(list(_SYLLABLES_A))
                name += rng.choice(list(_SYLLABLES_B))
                if name not in used:
                    used.add(name)
                    break
            kind = "村" if street.endswith(("镇", "乡")) and i % 3 == 0 else "社区"
            rows.append((DISTRICT, street, name + kind, kind))
    return rows


def officials(street_count: int, per_street: int = 25) -> list[str]:
    """300 invented official names, `per_street` for each street in order."""
    rng = np.random.default_rng(SEED + 1)
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < street_count * per_street:
        name = rng.choice(list(_SURNAMES)) + "".join(rng.choice(list(_GIVEN), int(rng.integers(1, 3))))
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def _codes(rows: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Every column as small integer codes (days since FIRST_DAY, indexes into vocabularies)."""
    areas = area_registry()
    n_areas = len(areas)
    span = (LAST_DAY - FIRST_DAY).days + 1
    # Volume grows ~30% over the three years (density 1 + 0.3x, drawn by its inverse
    # CDF) and rows come sorted by day, like a hotline export.
    growth = 0.3
    u = rng.random(rows)
    share = (np.sqrt(1 + 2 * growth * u * (1 + growth / 2)) - 1) / growth
    received = np.sort((share * span).astype(np.int32))
    received = np.clip(received, 0, span - 1)
    # Bigger communities take more calls (Zipf-ish weights).
    weights = 1.0 / np.arange(1, n_areas + 1) ** 0.6
    community = rng.choice(n_areas, rows, p=weights / weights.sum()).astype(np.int16)
    street_of = np.array([STREETS.index(a[1]) for a in areas], dtype=np.int16)
    category = rng.integers(0, len(CATEGORIES), rows, dtype=np.int8)
    days = np.minimum(np.rint(rng.lognormal(2.0, 1.0, rows)), 365).astype(np.int32)
    resolved_on = received + days
    roll = rng.random(rows)
    # 0 resolved, 1 in_progress, 2 pending, 3 deferred; a case not resolved by the last day
    # of the ledger is still in progress.
    status = np.select([roll < 0.875, roll < 0.93, roll < 0.96], [0, 1, 2], 3).astype(np.int8)
    status[(status == 0) & (resolved_on >= span)] = 1
    due_days = np.asarray(CATEGORY_DUE_DAYS, dtype=np.int32)[category]
    due_given = rng.random(rows) < 0.8
    score_roll = rng.random(rows)
    score = np.select(
        [score_roll < 0.55, score_roll < 0.75, score_roll < 0.87, score_roll < 0.94],
        [5, 4, 3, 2], 1,
    ).astype(np.int8)
    rated = (status == 0) & (rng.random(rows) < 0.7)
    per_street = 25
    official = (street_of[community].astype(np.int32) * per_street
                 + rng.integers(0, per_street, rows)).astype(np.int16)
    return {
        "received": received,
        "community": community,
        "channel": rng.choice(len(CHANNELS), rows, p=CHANNEL_P).astype(np.int8),
        "category": category,
        "matter": rng.choice(len(MATTER_CLASSES), rows, p=MATTER_P).astype(np.int8),
        "progress": np.where((status == 1) & (rng.random(rows) < 0.6),
                             np.minimum(received + rng.integers(1, 60, rows), span - 1), -1),
        "phrase": rng.integers(0, len(_PHRASES), rows, dtype=np.int8),
        "due": np.where(due_given, received + due_days, -1),
        "status": status,
        "resolved": np.where(status == 0, resolved_on, -1),
        "official": official,
        "unit": rng.integers(0, len(UNITS), rows, dtype=np.int8),
        "score": np.where(rated, score, 0).astype(np.int8),
    }


def _date_text(day_numbers: np.ndarray) -> pa.Array:
    """Days since FIRST_DAY (-1 = blank) → '2023-01-08' strings, nulls for blanks."""
    epoch = (FIRST_DAY - dt.date(1970, 1, 1)).days
    mask = day_numbers < 0
    dates = pa.array((day_numbers + epoch).astype(np.int32), type=pa.int32(), mask=mask)
    return pc.cast(dates.cast(pa.date32()), pa.string())


def _table(codes: dict[str, np.ndarray], start: int, stop: int) -> pa.Table:
    """Rows [start, stop) of the ledger as an Arrow table of text columns under HEADERS."""
    c = {k: v[start:stop] for k, v in codes.items()}
    areas = area_registry()
    streets = pa.array([a[1] for a in areas])
    communities = pa.array([a[2] for a in areas])
    community = pa.array(c["community"])
    category_text = pa.array(CATEGORIES).take(pa.array(c["category"]))
    community_text = communities.take(community)
    title = pc.binary_join_element_wise(
        community_text, category_text, pa.array(_PHRASES).take(pa.array(c["phrase"])), ""
    )
    ids = pc.utf8_lpad(pc.cast(pa.array(np.arange(start + 1, stop + 1)), pa.string()), 9, "0")
    names = pa.array(officials(len(STREETS)))
    scores = pa.array(c["score"], mask=c["score"] == 0)
    columns = [
        pc.binary_join_element_wise("RX", ids, ""),
        _date_text(c["received"]),
        pa.array(CHANNELS).take(pa.array(c["channel"])),
        pa.array([DISTRICT]).take(pa.array(np.zeros(len(community), dtype=np.int8))),
        streets.take(community),
        community_text,
        category_text,
        pa.array(MATTER_CLASSES).take(pa.array(c["matter"])),
        title,
        _date_text(c["due"]),
        pa.array(STATUS_TEXT).take(pa.array(c["status"])),
        _date_text(c["resolved"]),
        _date_text(c["progress"]),
        names.take(pa.array(c["official"])),
        pa.array(UNITS).take(pa.array(c["unit"])),
        pc.cast(scores, pa.string()),
    ]
    return pa.table(columns, names=HEADERS)


def xlsx_name(rows: int, xlsx_rows: int, out_dir: Path) -> Path:
    """The workbook of a ledger's first rows (named after the ledger: its data differ by size)."""
    return out_dir / f"hotline_{rows}_first{min(xlsx_rows, rows)}.xlsx"


def write_areas(path: Path) -> Path:
    """The registry CSV (district,street,community,kind) for `taizhang areas`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["district", "street", "community", "kind"])
        writer.writerows(area_registry())
    return path


def write_xlsx(table: pa.Table, path: Path) -> Path:
    """One sheet under a title row, as an office would export it (xlsxwriter, streamed)."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("工单台账")
    sheet.write_row(0, 0, [f"{DISTRICT}12345热线工单台账"])
    sheet.write_row(1, 0, HEADERS)
    columns = [col.to_pylist() for col in table.columns]
    for i, row in enumerate(zip(*columns), start=2):
        sheet.write_row(i, 0, ["" if v is None else v for v in row])
    workbook.close()
    return path


def generate(rows: int, out_dir: Path, xlsx_rows: int = XLSX_ROWS, progress=print) -> Ledger:
    """Write hotline.csv (`rows` cases), hotline.xlsx (its first `xlsx_rows`) and areas.csv."""
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    codes = _codes(rows, np.random.default_rng(SEED + rows))
    csv_path = out_dir / f"hotline_{rows}.csv"
    options = pacsv.WriteOptions(include_header=True, quoting_style="needed")
    with pacsv.CSVWriter(csv_path, _table(codes, 0, 0).schema, write_options=options) as writer:
        for start in range(0, rows, CHUNK_ROWS):
            writer.write_table(_table(codes, start, min(start + CHUNK_ROWS, rows)))
            progress(f"  generated {min(start + CHUNK_ROWS, rows):,}/{rows:,} rows "
                     f"({time.perf_counter() - started:.1f} s)")
    xlsx_path = None
    if xlsx_rows:
        xlsx_path = write_xlsx(_table(codes, 0, min(xlsx_rows, rows)),
                               xlsx_name(rows, xlsx_rows, out_dir))
        progress(f"  wrote {xlsx_path.name} ({time.perf_counter() - started:.1f} s)")
    return Ledger(csv_path, xlsx_path, write_areas(out_dir / "areas.csv"), rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "work")
    parser.add_argument("--xlsx-rows", type=int, default=XLSX_ROWS)
    args = parser.parse_args(argv)
    ledger = generate(args.rows, args.out, args.xlsx_rows)
    print(ledger)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
