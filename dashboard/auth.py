"""Login settings for `taizhang serve`: [auth] of taizhang.toml (or $TAIZHANG_AUTH_*) →
Streamlit's own secrets file, and the rule that only a loopback server may run without it.

Streamlit's `st.login` reads its identity provider from `[auth]` in a secrets.toml. That
file is written here at each start, into a private directory (0700, the file 0600) outside
the repository, and removed when the server stops; Streamlit is pointed at it alone
(`--secrets.files`), so no other secrets.toml lying around is read.
"""

from __future__ import annotations

import ipaddress
import json
import os
import secrets
import shutil
import tempfile
import tomllib
from pathlib import Path

from taizhang.settings import SettingsError, config_path

# The settings of [auth], each also $TAIZHANG_AUTH_<NAME> (the environment wins).
AUTH_KEYS = ("server_metadata_url", "client_id", "client_secret", "redirect_uri", "cookie_secret")
REQUIRED = ("server_metadata_url", "client_id", "client_secret")
ENV_PREFIX = "TAIZHANG_AUTH_"
# Set by `taizhang serve` for the Streamlit process: "oidc" when login is on.
ENV_MODE = "TAIZHANG_AUTH"
HOW_TO = "docs/access.md"


def env_name(key: str) -> str:
    return ENV_PREFIX + key.upper()


def auth_config(path: str | os.PathLike | None = None) -> dict[str, str] | None:
    """The login settings, or None when none are given (file [auth] and environment).

    A partial configuration is a SettingsError naming what is missing: a server must not
    start half-configured and fall back to no login.
    """
    path = Path(path) if path is not None else config_path()
    found: dict[str, str] = {}
    if path is not None and path.exists():
        try:
            table = tomllib.loads(path.read_text(encoding="utf-8")).get("auth", {})
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"设置文件格式错误 / {path} is not valid TOML: {exc}") from exc
        unknown = set(table) - set(AUTH_KEYS)
        if unknown:
            raise SettingsError(
                f"未知登录设置 / {path}: unknown [auth] {', '.join(sorted(unknown))}; "
                f"use {', '.join(AUTH_KEYS)} ({HOW_TO}).")
        found.update({k: str(v) for k, v in table.items() if str(v).strip()})
    for key in AUTH_KEYS:
        if os.environ.get(env_name(key), "").strip():
            found[key] = os.environ[env_name(key)].strip()
    if not found:
        return None
    missing = [k for k in REQUIRED if k not in found]
    if missing:
        raise SettingsError(
            "登录设置不完整 / the login settings are incomplete: missing "
            + ", ".join(f"[auth] {k} (or ${env_name(k)})" for k in missing) + f"; see {HOW_TO}.")
    return found


def is_loopback(host: str) -> bool:
    """Whether `host` is reachable from this machine only (127.0.0.0/8, ::1, localhost)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False  # a name: it may resolve to anything


def refusal(host: str) -> str:
    """Why a server on `host` without login does not start, and what to do."""
    return (
        f"拒绝启动:未配置登录时看板只能监听本机地址(127.0.0.1),不能监听 {host}。"
        f"请在 taizhang.toml 的 [auth] 中填写身份提供方(OIDC)的 server_metadata_url、"
        f"client_id、client_secret 和 redirect_uri,并用 `taizhang users add` 授权用户,"
        f"详见 {HOW_TO}。 / Refusing to serve on {host} without login: without an [auth] "
        f"configuration the dashboard listens on 127.0.0.1 only. Configure your identity "
        f"provider (OIDC) in [auth] of taizhang.toml and grant people access with "
        f"`taizhang users add`; see {HOW_TO}."
    )


def redirect_uri(config: dict[str, str], host: str, port: int) -> str:
    """The callback address the provider sends people back to."""
    if config.get("redirect_uri"):
        return config["redirect_uri"]
    if is_loopback(host):
        return f"http://localhost:{port}/oauth2callback"
    raise SettingsError(
        f"缺少 redirect_uri / [auth] redirect_uri is required when serving on {host}: the "
        f"address people open, ending in /oauth2callback (e.g. https://taizhang.example.org/"
        f"oauth2callback); see {HOW_TO}.")


def write_secrets(config: dict[str, str], host: str, port: int) -> Path:
    """Streamlit's secrets.toml for this login, in a new private directory; → its path."""
    values = {
        "redirect_uri": redirect_uri(config, host, port),
        # Without a configured secret a new one each start: everyone logs in again.
        "cookie_secret": config.get("cookie_secret") or secrets.token_urlsafe(32),
        **{k: config[k] for k in REQUIRED},
    }
    folder = Path(tempfile.mkdtemp(prefix="taizhang-auth-"))  # 0700
    path = folder / "secrets.toml"
    # JSON strings are valid TOML basic strings (same escapes).
    text = "[auth]\n" + "".join(f"{k} = {json.dumps(v, ensure_ascii=False)}\n" for k, v in values.items())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    return path


def remove_secrets(path: Path) -> None:
    shutil.rmtree(path.parent, ignore_errors=True)
