"""Settings: every one documented (docs/config.md, taizhang.example.toml), loaded from one TOML file."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from taizhang.settings import Settings, SettingsError, load_settings, setting_docs

ROOT = Path(__file__).resolve().parent.parent


def test_every_setting_is_documented_in_config_md():
    text = (ROOT / "docs" / "config.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `(\w+)` \| `([^`]+)` \|", text, flags=re.M))
    def written(default):  # as the TOML file writes it
        if isinstance(default, str):
            return f'"{default}"'
        return repr(list(default)) if isinstance(default, tuple) else repr(default)

    declared = {(d["name"], written(d["default"])) for d in setting_docs()}
    assert declared - documented == set(), "settings missing from docs/config.md (name and default)"
    assert {n for n, _ in documented} - {n for n, _ in declared} == set(), "docs/config.md lists a setting that does not exist"
    for doc in setting_docs():
        assert f"## [{doc['section']}]" in text, doc["section"]
        assert doc["help"].strip(), doc["name"]


def test_example_file_holds_every_setting_with_its_default():
    path = ROOT / "taizhang.example.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    flat = {(section, key) for section, table in data.items() for key in table}
    assert flat == {(d["section"], d["name"]) for d in setting_docs()}
    assert load_settings(path) == Settings()


def test_file_from_env_and_working_dir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TAIZHANG_CONFIG", raising=False)
    assert load_settings() == Settings()
    (tmp_path / "taizhang.toml").write_text("[kpi]\nsla_days = 15\n", encoding="utf-8")
    assert load_settings().sla_days == 15
    other = tmp_path / "other.toml"
    other.write_text('[kpi]\nsla_calendar = "workdays"\nbasically_satisfied_weight = 1\n', encoding="utf-8")
    monkeypatch.setenv("TAIZHANG_CONFIG", str(other))
    settings = load_settings()
    assert (settings.sla_days, settings.sla_calendar, settings.basically_satisfied_weight) == (30, "workdays", 1.0)


@pytest.mark.parametrize("text, message", [
    ("[kpi]\nsla_dayz = 3\n", "unknown setting [kpi] sla_dayz"),
    ('[kpi]\nsla_days = "30"\n', "expected type int"),
    ('[kpi]\nsla_calendar = "lunar"\n', "must be one of calendar, workdays"),
    ("[score]\nweight_on_time = -0.2\n", "must be 0 or more"),
    ("[supervision]\nescalation_days = 30\n", "expected a list of whole numbers of days"),
    ("[supervision]\nescalation_days = [90, 30]\n", "list the days ascending"),
    ("[supervision]\nescalation_days = [0, 30]\n", "expected a list of whole numbers of days"),
    ("[kpi\n", "is not valid TOML"),
    ("sla_days = 3\n", "must be a [section]"),
])
def test_bad_settings_say_what_to_fix(tmp_path, text, message):
    path = tmp_path / "taizhang.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SettingsError) as info:
        load_settings(path)
    assert message in str(info.value) and str(path) in str(info.value)
