"""Settings: declared once here with their default and help text, read from one TOML file.

The file is `taizhang.toml` in the working directory, or the path in $TAIZHANG_CONFIG.
Every setting lives in a TOML section named by its `section` metadata:

    [kpi]
    sla_days = 30

A missing file means all defaults. An unknown key or a value of the wrong type is a
`SettingsError` naming the file, the key and how to fix it (docs/config.md lists all).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import MISSING, dataclass, field, fields, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from taizhang.dates import parse_day

CONFIG_FILE = Path("taizhang.toml")
# Sections of the same file read elsewhere: [auth] holds the login's client secret, which
# must never sit in a hashable, printable Settings (dashboard/auth.py reads it).
OWN_SECTIONS = ("auth",)
ENV_CONFIG = "TAIZHANG_CONFIG"


class SettingsError(ValueError):
    """The settings file cannot be read or holds an unknown key or a bad value."""


def setting(default: Any, section: str, help: str, choices: tuple = ()) -> Any:
    """Declare one setting: its default, its TOML section and its help text."""
    return field(default=default, metadata={"section": section, "help": help, "choices": choices})


@dataclass(frozen=True)
class Settings:
    """Every tunable number of Taizhang. Frozen and hashable, so caches can key on it."""

    sla_days: int = setting(
        30, "kpi",
        "办理时限(天) / days a case may take when the ledger gives no deadline "
        "(due_on = received_on + sla_days).",
    )
    sla_calendar: str = setting(
        "calendar", "kpi",
        "时限口径 / how sla_days are counted: 'calendar' days, or 'workdays' on the Chinese "
        "calendar (statutory holidays and 调休 make-up days from the chinese-calendar package).",
        choices=("calendar", "workdays"),
    )
    stall_days: int = setting(
        14, "kpi",
        "停滞天数 / an open case with no progress (last_progress_on, else received_on) for more "
        "than this many days before as_of counts as stalled.",
    )
    basically_satisfied_weight: float = setting(
        1.0, "kpi",
        "基本满意权重 / weight w of 基本满意 in satisfaction_rate = (satisfied + w × "
        "basically_satisfied) / rated; some districts use 0.9 or 0.8.",
    )
    response_hours: float = setting(
        2.0, "kpi",
        "响应时限(小时) / a case counts as responded in time (响应率) when its 签收/响应时间 is "
        "at most this many hours after it was received; 24 for 'one day'.",
    )
    response_workdays: int = setting(
        0, "kpi",
        "响应时限(工作日) / when more than 0, a case is responded in time when its 签收/响应时间 "
        "falls on or before this many Chinese working days after the day it was received "
        "(instead of response_hours).",
    )
    feedback_hours: float = setting(
        0.0, "kpi",
        "反馈时限(小时) / feedback to the resident (反馈时间) is on time when at most this many "
        "hours after the case was received; 0: by the case's own deadline (due).",
    )
    preset: str = setting(
        "", "score",
        "评分方案 / '' scores with the weights below; '12345' with the 12345 hotline's 三率: "
        "响应率、解决率、满意率, one third each (the weights below are then not used).",
        choices=("", "12345"),
    )
    weight_resolution: float = setting(
        0.4, "score", "解决率权重 / weight of resolution_rate in the score.",
    )
    weight_on_time: float = setting(
        0.2, "score", "按期办结率权重 / weight of on_time_rate in the score.",
    )
    weight_satisfaction: float = setting(
        0.4, "score", "满意率权重 / weight of satisfaction_rate in the score.",
    )
    weight_response: float = setting(
        0.0, "score", "响应率权重 / weight of response_rate in the score (0: not scored).",
    )
    min_cases_ranked: int = setting(
        5, "score",
        "最少考核件数 / a slice with fewer cases judged than this gets no rank (its score is "
        "still shown); the cases judged (考核件数) are those the score judges: due or closed in "
        "the period with ranking_basis = 'due', else those received.",
    )
    ranking_basis: str = setting(
        "due", "ranking",
        "排名口径 / what the score's resolution, on-time and satisfaction rates judge: 'due' — "
        "the cases due or closed in the period (考核口径：本期到期或办结: resolved in it, or due in "
        "it and not resolved by its end, whenever received; a case not yet due is not held "
        "against anyone, as 12345 boards rank; satisfaction from the ratings of those closed "
        "in it), or 'received' — every case received in the period (resolution_rate, "
        "on_time_rate and satisfaction_rate as defined for the cards).",
        choices=("due", "received"),
    )
    min_due_cases: int = setting(
        3, "ranking",
        "到期比率最少件数 / fewer cases judged (due or closed in the period) than this: the "
        "due-based resolution and on-time rates are undefined (—), and with ranking_basis = "
        "'due' the area is not ranked.",
    )
    min_rated: int = setting(
        3, "ranking",
        "最少回访件数 / fewer rated cases than this (ranking_basis 'due': rated of the cases "
        "closed in the period): satisfaction does not enter the score (its weight goes to the "
        "other rates), so two ratings cannot move a score 50 points.",
    )
    target_resolution_rate: float = setting(
        0.9, "targets",
        "解决率目标 / drawn as a dashed line on the trend (0.9 = 90%); 0 draws none.",
    )
    target_score: float = setting(
        0.0, "targets",
        "综合得分目标 / drawn as a dashed line on the rankings (e.g. 80); 0 draws none.",
    )
    street_meetings_per_year: int = setting(
        2, "meetings",
        "街道年度议事次数 / the '2+4' rule: consultations a street must hold a year.",
    )
    community_meetings_per_year: int = setting(
        4, "meetings",
        "社区年度议事次数 / the '2+4' rule: consultations a community must hold a year.",
    )
    # [calendar]: a district's own working-day schedule per year (holidays, make-up workdays),
    # for years the chinese-calendar package lacks. Not a scalar: read by _read_calendar.
    calendar: tuple = field(default=(), metadata={"section": "calendar", "structured": True})
    bulk_same_day_min: int = setting(
        10, "quality",
        "批量当日办结阈值 / this many or more cases of one community received and resolved "
        "on the same day are flagged as suspicious bulk closures.",
    )
    max_unzipped_mb: int = setting(
        500, "import",
        "解压上限(MB) / a workbook (.xlsx .xlsm .ods: a zip archive) whose parts unpack to more "
        "than this many megabytes is refused before it is read.",
    )
    max_zip_ratio: int = setting(
        200, "import",
        "压缩比上限 / a part of a workbook larger than 8 MB unpacked that is more than this many "
        "times its packed size is refused (a real ledger packs 5–30 times; a decompression bomb "
        "thousands of times).",
    )
    max_cells: int = setting(
        2_000_000, "import",
        "单元格上限 / a workbook sheet with more cells (rows × columns) than this is refused: "
        "save a ledger this large as CSV.",
    )
    max_columns: int = setting(
        1000, "import",
        "列数上限 / a sheet wider than this many columns (blank columns at its right end not "
        "counted) is refused: no ledger has that many.",
    )
    earliest_year: int = setting(
        1990, "import",
        "最早年份 / a received, resolved, closed or progress date before 1 January of this year "
        "is rejected as a typing error.",
    )
    future_days: int = setting(
        1, "import",
        "未来天数 / a received, resolved, closed or progress date more than this many days after "
        "the day of the import is rejected.",
    )

    street_sees_district_ranking: bool = setting(
        True, "access",
        "街道用户可见全区排名 / a street user sees the district's street ranking (other "
        "streets' totals and scores, never their cases); false: their own street only.",
    )
    max_session_hours: float = setting(
        8.0, "access",
        "登录有效时长(小时) / hours a login lasts; after that the person is logged out and "
        "logs in again (the login cookie itself does not expire with the provider's token); "
        "0: no limit.",
    )

    escalation_days: tuple = setting(
        (30, 90, 365), "supervision",
        "督办升级档(超期天数) / escalation tiers of the 督办 list: an overdue case is in the tier "
        "of the greatest of these numbers its days overdue exceed (e.g. 超期>90天).",
    )

    def score_weights(self) -> dict[str, float]:
        """The score's weights by the rate they apply to."""
        if self.preset == "12345":  # 三率: 响应率、解决率、满意率
            third = 1 / 3
            return {"response_rate": third, "resolution_rate": third, "satisfaction_rate": third}
        weights = {
            "resolution_rate": self.weight_resolution,
            "on_time_rate": self.weight_on_time,
            "satisfaction_rate": self.weight_satisfaction,
        }
        if self.weight_response:
            weights["response_rate"] = self.weight_response
        return weights


def setting_docs() -> list[dict]:
    """Every setting as {name, section, default, type, help, choices}, in declaration order."""
    return [
        {
            "name": f.name,
            "section": f.metadata["section"],
            "default": f.default,
            "type": type(f.default).__name__,
            "help": f.metadata["help"],
            "choices": f.metadata["choices"],
        }
        for f in fields(Settings)
        if f.default is not MISSING and not f.metadata.get("structured")
    ]


def config_path() -> Path | None:
    """The settings file in use: $TAIZHANG_CONFIG, else ./taizhang.toml if it exists."""
    env = os.environ.get(ENV_CONFIG)
    if env:
        return Path(env)
    return CONFIG_FILE if CONFIG_FILE.exists() else None


def _coerce(path: Path, section: str, name: str, value: Any, doc: dict) -> Any:
    expected = type(doc["default"])
    where = f"{path}: [{section}] {name} = {value!r}"
    if expected is tuple:
        return _ascending_days(where, value)
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, expected) or isinstance(value, bool) != (expected is bool):
        raise SettingsError(
            f"设置值类型错误 / {where}: expected type {expected.__name__} "
            f"(default {doc['default']!r}); see docs/config.md."
        )
    if doc["choices"] and value not in doc["choices"]:
        raise SettingsError(
            f"设置值无效 / {where}: must be one of {', '.join(doc['choices'])}."
        )
    if isinstance(value, (int, float)) and value < 0:
        raise SettingsError(f"设置值不能为负 / {where}: must be 0 or more.")
    return value


def _ascending_days(where: str, value: Any) -> tuple:
    """A list of day counts (escalation tiers) as a tuple: whole numbers above 0, ascending."""
    if not isinstance(value, list) or not value or not all(
            isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value):
        raise SettingsError(
            f"设置值类型错误 / {where}: expected a list of whole numbers of days above 0, "
            "e.g. [30, 90, 365]; see docs/config.md.")
    if list(value) != sorted(set(value)):
        raise SettingsError(f"设置值无效 / {where}: list the days ascending, each once, "
                            "e.g. [30, 90, 365].")
    return tuple(value)


def load_settings(path: str | os.PathLike | None = None) -> Settings:
    """Read the settings file (argument, else $TAIZHANG_CONFIG, else ./taizhang.toml)."""
    path = Path(path) if path is not None else config_path()
    if path is None:
        return Settings()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SettingsError(f"找不到设置文件 / settings file not found: {path}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(
            f"设置文件格式错误 / {path} is not valid TOML: {exc}. "
            "Compare it with taizhang.example.toml."
        ) from exc
    docs = {(d["section"], d["name"]): d for d in setting_docs()}
    values: dict[str, Any] = {}
    for section, table in data.items():
        if section in OWN_SECTIONS:
            continue  # read by the module that owns it
        if not isinstance(table, dict):
            raise SettingsError(
                f"未知设置 / {path}: '{section}' must be a [section]; see docs/config.md."
            )
        if section == "calendar":
            values["calendar"] = _read_calendar(path, table)
            continue
        for name, value in table.items():
            doc = docs.get((section, name))
            if doc is None:
                raise SettingsError(
                    f"未知设置 / {path}: unknown setting [{section}] {name}; "
                    "docs/config.md lists every setting."
                )
            values[name] = _coerce(path, section, name, value, doc)
    return replace(Settings(), **values)


def settings_or_default(settings: Settings | None) -> Settings:
    """The given settings, else those of the settings file (taizhang.toml)."""
    return settings if settings is not None else load_settings()


def _read_calendar(path: Path, table: dict) -> tuple:
    """[calendar]: `file = "…toml"` (tables [2027] …, relative to the settings file) and/or
    inline [calendar.2027] tables of `holidays` and `workdays` (dates, or ranges
    "2027-02-06..2027-02-12"); as ((year, holidays, workdays), …) sorted by year."""
    years: dict[int, tuple] = {}
    tables = {k: v for k, v in table.items() if k != "file"}
    if "file" in table:
        source = Path(str(table["file"]))
        source = source if source.is_absolute() else path.parent / source
        try:
            loaded = tomllib.loads(source.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise SettingsError(f"找不到日历文件 / {path}: [calendar] file {source} not found.") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SettingsError(f"日历文件格式错误 / {source} is not valid TOML: {exc}") from None
        for key, entry in loaded.get("calendar", loaded).items():
            year = _year_of(source, key)
            years[year] = _year_schedule(source, key, entry)
    for key, entry in tables.items():
        year = _year_of(path, key)
        years[year] = _year_schedule(path, key, entry)
    return tuple((year, *years[year]) for year in sorted(years))


def _year_of(path: Path, key: str) -> int:
    if not str(key).isdigit() or not 1900 < int(key) < 2200:
        raise SettingsError(
            f"未知设置 / {path}: [calendar] {key}: write a year's schedule as [calendar.2027] with "
            "holidays = [...] and workdays = [...] (or file = \"calendar.toml\"); see docs/config.md."
        )
    return int(key)


def _year_schedule(path: Path, year: str, entry) -> tuple[tuple, tuple]:
    """(holidays, workdays) of one year's table, every date checked to lie in that year."""
    where = f"{path}: [calendar.{year}]"
    if not isinstance(entry, dict) or set(entry) - {"holidays", "workdays"}:
        raise SettingsError(
            f"日历设置错误 / {where} may hold only holidays = [...] and workdays = [...]."
        )
    lists = []
    for name in ("holidays", "workdays"):
        days: set = set()
        for item in entry.get(name, []):
            for day in _days(where, name, item):
                if day.year != int(year):
                    raise SettingsError(f"日期不在该年 / {where} {name}: {day} is not in {year}.")
                days.add(day)
        lists.append(tuple(sorted(days)))
    both = set(lists[0]) & set(lists[1])
    if both:
        raise SettingsError(
            f"日期重复 / {where}: {', '.join(map(str, sorted(both)))} is both a holiday and a workday."
        )
    return lists[0], lists[1]


def _days(where: str, name: str, item) -> list:
    if isinstance(item, date):
        return [item]
    first, _, last = str(item).partition("..")
    start, end = parse_day(first), parse_day(last) if last else parse_day(first)
    if start is None or end is None or end < start:
        raise SettingsError(
            f"日期格式错误 / {where} {name}: {item!r} is not a date (2027-01-01) or a range "
            "(2027-02-06..2027-02-12)."
        )
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]
