"""Profiles: TOML files that map a ledger format onto the canonical fields (SPEC §3).

A profile adds header synonyms, value phrases and fixed values to the built-in one
(etl/profiles/builtin.toml) unless it says `extends = ""`. Profiles are named (`builtin`,
`nyc311`: the files shipped in etl/profiles/) or given as a path to a .toml file.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from taizhang.etl.errors import ProfileError
from taizhang.etl.fold import fold_text, header_key
from taizhang.statuses import STATUSES

# Canonical fields a ledger column can map to; the order is the staging table's.
FIELDS = (
    "case_id", "district", "street", "community", "channel", "title", "category",
    "matter_class", "reporter", "received_on", "due_on", "resolved_on", "closed_on",
    "last_progress_on", "responded_at", "feedback_at", "status", "satisfaction", "note", "responsible_unit",
    "lead", "deputy", "handler", "supervisor",
    "meeting_on", "participants", "attendees", "topic", "feedback",
)
SATISFACTIONS = ("satisfied", "basically_satisfied", "dissatisfied")
MATTER_CLASSES = ("大事", "小事", "私事")
OFFICIAL_ROLES = ("lead", "deputy", "handler", "supervisor")


@dataclass
class Profile:
    """Header synonyms and value mappings for one ledger format."""

    name: str
    columns: dict[str, list[str]] = field(default_factory=dict)
    status: dict[str, str] = field(default_factory=dict)          # phrase → status
    satisfaction: dict[str, str | None] = field(default_factory=dict)  # phrase → value
    matter_class: dict[str, str] = field(default_factory=dict)
    null_values: list[str] = field(default_factory=list)
    date_formats: list[str] = field(default_factory=list)
    fixed: dict[str, str] = field(default_factory=dict)
    # The columns this profile itself names (not the built-in synonyms it extends): a file
    # read with the profile must have one of the names of each.
    required: dict[str, list[str]] = field(default_factory=dict)

    def header_index(self) -> dict[str, str]:
        """header_key(column name) → canonical field, for matching a sheet's header row."""
        index: dict[str, str] = {}
        for fld, names in self.columns.items():
            for name in names:
                index.setdefault(header_key(name), fld)
        return index


def _builtin_text(name: str) -> str | None:
    ref = resources.files("taizhang.etl").joinpath("profiles", f"{name}.toml")
    return ref.read_text(encoding="utf-8") if ref.is_file() else None


def builtin_names() -> list[str]:
    """Names of the profiles shipped with Taizhang."""
    folder = resources.files("taizhang.etl").joinpath("profiles")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def _parse(text: str, origin: str) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"配置文件 {origin} 格式有误 / the profile {origin} is not valid TOML: {exc}") from exc


def _merge(base: Profile, data: dict, origin: str) -> Profile:
    unknown = set(data.get("columns", {})) - set(FIELDS)
    if unknown:
        raise ProfileError(
            f"配置文件 {origin} 中有未知字段 {sorted(unknown)} / the profile {origin} names unknown "
            f"field(s) {sorted(unknown)}; known fields: {', '.join(FIELDS)}"
        )
    profile = Profile(
        name=data.get("name", origin),
        columns={k: list(v) for k, v in base.columns.items()},
        status=dict(base.status),
        satisfaction=dict(base.satisfaction),
        matter_class=dict(base.matter_class),
        null_values=list(base.null_values),
        date_formats=list(data.get("date_formats", [])) + base.date_formats,
        fixed={**base.fixed, **{k: str(v) for k, v in data.get("fixed", {}).items()}},
        required={} if origin == "builtin" else {
            fld: [str(n) for n in names] for fld, names in data.get("columns", {}).items() if names},
    )
    for fld, names in data.get("columns", {}).items():
        # The profile's own names come first: they win when a header matches two fields.
        profile.columns[fld] = list(names) + [n for n in profile.columns.get(fld, []) if n not in names]
    for value, phrases in data.get("status", {}).items():
        if value not in STATUSES:
            raise ProfileError(f"配置文件 {origin}: 状态 {value} 不存在 / unknown status {value!r}; use {STATUSES}")
        profile.status.update({fold_text(p): value for p in phrases})
    for value, phrases in data.get("satisfaction", {}).items():
        if value not in SATISFACTIONS + ("not_rated",):
            raise ProfileError(f"配置文件 {origin}: 满意度 {value} 不存在 / unknown satisfaction {value!r}")
        profile.satisfaction.update({fold_text(p): (None if value == "not_rated" else value) for p in phrases})
    for value, phrases in data.get("matter_class", {}).items():
        if value not in MATTER_CLASSES:
            raise ProfileError(f"配置文件 {origin}: 事项分类 {value} 不存在 / unknown matter class {value!r}")
        profile.matter_class.update({fold_text(p): value for p in phrases})
    profile.null_values += [fold_text(v) for v in data.get("null_values", [])]
    return profile


def load_profile(name_or_path: str | None = None) -> Profile:
    """The named built-in profile or a profile TOML file, merged over the built-in one."""
    builtin = _merge(Profile(name="builtin"), _parse(_builtin_text("builtin"), "builtin"), "builtin")
    if name_or_path in (None, "", "builtin"):
        return builtin
    text = _builtin_text(str(name_or_path))
    origin = str(name_or_path)
    if text is None:
        path = Path(name_or_path)
        if not path.is_file():
            raise ProfileError(
                f"找不到配置 {name_or_path} / no profile {name_or_path!r}: give a .toml file or one of "
                f"{', '.join(builtin_names())}"
            )
        text = path.read_text(encoding="utf-8")
        origin = path.name
    data = _parse(text, origin)
    base = builtin if data.get("extends", "builtin") == "builtin" else Profile(name="empty")
    return _merge(base, data, origin)
