"""Who is asking, in the dashboard: login through Streamlit's `st.login`, the grant, the audit.

Without login (`taizhang serve` on 127.0.0.1 with no [auth]) every run is taizhang.access.LOCAL.
With login, a run goes on only for a logged-in person with a grant; anyone else sees the
login button or whom to ask, and nothing else. The person's scope is then enforced below
the pages, by dashboard.loaders on every query (kpi.scope).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import streamlit as st

from taizhang.dashboard.auth import ENV_MODE
from taizhang.access import LOCAL, Person, admins, person_for
from taizhang.db import DatabaseBusy, data_version, reading
from taizhang.i18n import t
from taizhang.settings import load_settings

LOGIN_SEEN_KEY = "access-login-seen"


class NoAccess(PermissionError):
    """A question asked with login on and nobody (with a grant) to ask it for."""


def login_on() -> bool:
    """Whether this server was started with login (taizhang serve sets $TAIZHANG_AUTH)."""
    return os.environ.get(ENV_MODE) == "oidc"


@st.cache_data(ttl=60, max_entries=256, show_spinner=False)
def _grant(path: str, version: tuple, subject: str | None, email: str | None):
    # `version` is part of the key: a new grant or a removed one counts at the next click.
    if not os.path.exists(path):
        return None, []
    with reading(path) as con:
        return person_for(con, subject, email), admins(con)


def _claim(name: str):
    try:
        return st.user.get(name)
    except Exception:  # noqa: BLE001 - a claim the provider did not send
        return None


def _session_expired() -> bool:
    """Whether the login is older than [access] max_session_hours (from the token's iat, else
    from when this browser session first saw it)."""
    max_age = load_settings().max_session_hours * 3600
    issued = _claim("iat")
    if not isinstance(issued, (int, float)):
        issued = st.session_state.setdefault(LOGIN_SEEN_KEY, time.time())
    return max_age > 0 and time.time() - float(issued) > max_age


def gate(path, lang: str) -> Person:
    """The person this run is for; draws the login or no-access page and stops otherwise."""
    if not login_on():
        return LOCAL
    if not st.user.is_logged_in:
        st.title(t("access.login_title", lang))
        st.info(t("access.login_text", lang), icon=":material/lock:")
        st.button(t("access.login_button", lang), type="primary", on_click=st.login)
        st.stop()
    if _session_expired():
        st.session_state.pop(LOGIN_SEEN_KEY, None)
        st.logout()
        st.stop()
    subject, email = _claim("sub"), _claim("email")
    try:
        person, admin_list = _grant(str(path), data_version(path), subject, email)
    except DatabaseBusy:
        st.warning(t("error.busy", lang), icon=":material/hourglass:")
        st.stop()
    if person is None:
        who = email or subject or "?"
        st.title(t("app.title", lang))
        st.warning(t("access.no_grant", lang, who=who,
                     admins="、".join(admin_list) or t("access.no_admins", lang)),
                   icon=":material/block:")
        st.button(t("access.logout", lang), on_click=st.logout)
        st.stop()
    return person


def identity(person: Person, lang: str) -> None:
    """Who is signed in, what they see, and the logout button (in the sidebar)."""
    if not login_on():
        st.caption(t("access.local", lang))
        return
    role = t(f"access.role.{person.role}", lang)
    st.caption(t("access.who", lang, who=person.who, role=role))
    if person.scoped:
        st.caption(t("access.scope", lang, streets="、".join(person.streets)))
    if person.pii:
        st.caption(t("access.names_shown", lang))
    st.button(t("access.logout", lang), on_click=st.logout, key="access-logout")


def audit(path, person: Person, action: str, what: str | None, detail: dict | None = None) -> None:
    """Write one audit entry, or raise: what is not logged is not done.

    The dashboard holds the file read-only, and DuckDB allows no writer beside that in
    one process, so a short child process writes it (taizhang.access.main).
    """
    entry = json.dumps({"who": person.who, "action": action, "what": what, "detail": detail},
                       ensure_ascii=False, default=str)
    done = subprocess.run([sys.executable, "-m", "taizhang.access", str(path)], input=entry,
                          text=True, capture_output=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(" / ".join(t("access.audit_failed", lg, error=done.stderr.strip()[-300:])
                                      for lg in ("zh", "en")))
