"""The text catalogue's entries for login, grants and the audit log (merged into
taizhang.i18n.TEXT; kept apart so the access feature's words stay together)."""

from __future__ import annotations

ACCESS_TEXT: dict[str, tuple[str, str]] = {
    "access.login_title": ("请登录", "Please log in"),
    "access.login_text": ("台账看板只对已授权的人员开放,请用单位账号登录。",
                          "The dashboard is open to people with access only: log in with your "
                          "organisation's account."),
    "access.login_button": ("登录", "Log in"),
    "access.logout": ("退出登录", "Log out"),
    "access.no_grant": ("您({who})已登录,但尚未获得看板的使用授权,看不到任何数据。请联系管理员开通:{admins}。",
                        "You ({who}) are logged in but have no access to the dashboard, so no "
                        "data is shown. Ask an administrator for access: {admins}."),
    "access.no_admins": ("尚未设置管理员,请联系区数据科", "no administrator is set yet: ask the "
                         "district's data office"),
    "access.who": ("当前用户:{who}({role})", "Signed in: {who} ({role})"),
    "access.local": ("本机模式:仅本机可访问,无需登录", "Local mode: this machine only, no login"),
    "access.scope": ("可见范围:{streets}", "You see: {streets}"),
    "access.names_shown": ("可见居民姓名(查看记入审计日志)", "Residents' names shown (views are logged)"),
    "access.names_shown_case": ("已显示反映人姓名;本次查看已记入审计日志。",
                                "The resident's name is shown; this view is in the audit log."),
    "access.role.leader": ("区领导", "District leader"),
    "access.role.street": ("街道", "Street"),
    "access.role.supervisor": ("督办", "Supervisor"),
    "access.role.data": ("数据科", "Data office"),
    "access.role.admin": ("管理员", "Administrator"),
    "access.upload_denied": (
        "您的角色({role})不能上传台账。可以上传的是数据科、管理员,以及只含本街道案件的街道用户。",
        "Your role ({role}) may not upload ledgers. Uploads are for the data office, "
        "administrators, and street users for files wholly within their street."),
    "access.audit_failed": ("审计日志写入失败,操作已取消:{error}",
                            "The audit log could not be written, so this was not done: {error}"),
}
