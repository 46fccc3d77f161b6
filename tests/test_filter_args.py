"""The slice options of `taizhang kpi`, `report` and `supervise` are one definition
(taizhang.filter_args): the same arguments give the same Filters and settings file in all
three, with the same help and defaults; the report keeps --scope and takes one area."""

from __future__ import annotations

from datetime import date

import pytest

from taizhang.kpi import api as kpi
from taizhang.cli import UserError, build_parser, main
from taizhang.filter_args import filters_from_args

COMMANDS = ("kpi", "report", "supervise")
SHARED = ("--where", "--as-of", "--config")


def parse(command: str, *arguments: str):
    return build_parser().parse_args([command, *arguments])


def _option(command: str, flag: str):
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a.choices, dict) and command in a.choices)
    return next(a for a in sub.choices[command]._actions if flag in a.option_strings)


@pytest.mark.parametrize("arguments, want", [
    ((), kpi.Filters()),
    (("--where", "街道=南站街道", "--where", "社区=三店社区", "--as-of", "2022年6月"),
     kpi.Filters(as_of=date(2022, 6, 30), where=(("community", "三店社区"), ("street", "南站街道")))),
    (("--as-of", "2022/6/15", "--where", "street=南站街道"),
     kpi.Filters(as_of=date(2022, 6, 15), where=(("street", "南站街道"),))),
], ids=["defaults", "chinese", "english"])
def test_same_arguments_same_filters_in_all_three(arguments, want):
    for command in COMMANDS:
        args = parse(command, *arguments, "--config", "地区.toml")
        assert filters_from_args(args) == want, command
        assert args.config == "地区.toml", command


def test_the_period_is_the_same_where_there_is_one():
    """kpi and supervise take --from/--to alike; the report's period is --month."""
    arguments = ("--from", "2022年1月", "--to", "2022-03", "--where", "街道=南站街道")
    want = kpi.Filters.make("2022-01-01", "2022-03-31", None, {"street": "南站街道"})
    assert filters_from_args(parse("kpi", *arguments)) == want
    assert filters_from_args(parse("supervise", *arguments)) == want
    with pytest.raises(SystemExit):
        parse("report", *arguments)


@pytest.mark.parametrize("flag", SHARED)
def test_one_help_and_default_per_option(flag):
    actions = {c: _option(c, flag) for c in COMMANDS}
    helps = {c: a.help for c, a in actions.items() if not (c == "report" and flag == "--where")}
    assert len(set(helps.values())) == 1, helps
    assert len({repr(a.default) for a in actions.values()}) == 1
    assert all(a.dest == actions["kpi"].dest for a in actions.values())
    text = actions["kpi"].help
    chinese, english = text.split("/ ", 1)  # Chinese first, then English
    assert not chinese[0].isascii() and english[0].isascii()


def test_report_where_is_one_area_and_scope_still_works():
    from taizhang.report.commands import _scope

    old = filters_from_args(parse("report", "--scope", "街道=南站街道"))
    assert old == filters_from_args(parse("report", "--where", "street=南站街道"))
    assert _scope(old) == {"street": "南站街道"}
    for arguments in (("--where", "类别=环境卫生"), ("--where", "街道=南站街道", "--where", "街道=桃花镇")):
        with pytest.raises(UserError, match="一个区、街道或社区"):
            _scope(filters_from_args(parse("report", *arguments)))


def test_bad_values_are_user_errors_in_all_three(tmp_path):
    from taizhang.filter_args import settings_from_args

    bad = tmp_path / "bad.toml"
    bad.write_text("[score]\nweight_resolution = 'lots'\n", encoding="utf-8")
    for command in COMMANDS:
        with pytest.raises(UserError, match="街道=南站街道"):
            filters_from_args(parse(command, "--where", "南站街道"))
        with pytest.raises(UserError, match="维度"):
            filters_from_args(parse(command, "--where", "楼栋=3"))
        with pytest.raises(UserError):
            settings_from_args(parse(command, "--config", str(bad)))


@pytest.mark.parametrize("command", [["kpi"], ["supervise", "--format", "json", "--out", "-"],
                                     ["report", "--format", "pdf"]], ids=lambda c: c[0])
def test_a_missing_database_is_one_message_and_creates_nothing(command, tmp_path, capsys):
    """kpi, supervise and report read through one warehouse reader: a database that is not
    there is the same message (exit 2), how to load or try the demo, and no file appears."""
    from taizhang.warehouse import no_database

    db = tmp_path / "nowhere.duckdb"
    assert main(["--db", str(db), *command, *(["--out", str(tmp_path / "r")] if command[0] == "report" else [])]) == 2
    said = capsys.readouterr().err
    assert no_database(db) in said and "taizhang load" in said and "taizhang demo" in said
    assert not db.exists() and not (tmp_path / "r").exists()
