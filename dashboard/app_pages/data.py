"""数据 Data: upload ledgers through the ETL, import history, rejected rows (downloadable)."""

import sys
from dataclasses import replace
import traceback

import pandas as pd
import streamlit as st

from taizhang.dashboard import loaders, ui, uploads
from taizhang.dashboard.state import table_selection
from taizhang.db import DatabaseBusy
from taizhang.i18n import t
from taizhang.formatting import format_number
from taizhang.workdays import assumed_note

HISTORY_COLUMNS = [
    "import_id", "file", "result", "error", "started_at", "rows_read", "rows_new", "rows_updated",
    "rows_unchanged", "rows_skipped", "rows_rejected",
]
UPLOAD_TYPES = ["xlsx", "xls", "ods", "csv"]
REJECT_COLUMNS = ["file", "sheet", "row", "column", "value", "reason"]
QUALITY_CASE_COLUMNS = ["case_no", "received_on", "street", "community", "title", "status",
                        "resolved_on", "satisfaction", "source_file", "source_sheet", "source_row"]

view = ui.current_view()
lang = view.lang
db_file = loaders.database_file()


def import_uploads(files) -> None:
    """Run the ordinary ETL on the uploaded files; show each file's summary line and rejects.

    A file whose bytes were imported before (by upload or `taizhang load`), or that came
    twice in this upload, is not imported again: the page says so. Each file is written
    privately for the ETL and deleted when its import ends (dashboard/uploads.py).
    """
    uploads.purge(db_file)
    seen: dict[str, str] = {}
    paths = []
    try:
        for upload in files:
            data = upload.getvalue()
            digest = uploads.sha256(data)
            earlier = loaders.imported_file(digest)
            if digest in seen:
                st.info(ui.say("data.same_upload", lang, file=upload.name, earlier=seen[digest]))
            elif earlier:
                st.info(ui.say("data.already_imported", lang, file=upload.name,
                               earlier=ui.file_name(earlier["file"]), id=earlier["import_id"],
                               date=str(earlier["started_at"])[:16]))
            else:
                seen[digest] = upload.name
                paths.append(uploads.write_private(db_file, upload.name, data))
        if not paths:
            return
        with st.spinner(t("data.importing", lang)):
            summaries = loaders.import_ledgers(db_file, paths)
    finally:
        for path in paths:
            uploads.discard(path)
    for summary in summaries:
        (st.error if summary.status == "failed" else st.success)(ui.plain(ui.masked(summary.line(lang))))
        if summary.rejects:
            ui.text_table(pd.DataFrame(summary.rejects), ["sheet", "row", "column", "value", "reason"],
                          lang)


st.header(t("data.title", lang))
if view.case:  # a case opened from the data-quality list
    st.button(f"‹ {t('areas.back', lang)}", on_click=ui.apply_view, args=(replace(view, case=None),))
    ui.case_panel(view.case, lang)
    ui.stop()
warehouse = loaders.warehouse()
if warehouse is not None:
    # A ClickHouse warehouse has one writer, `taizhang load --warehouse` (docs/scale-out.md).
    st.caption(ui.say("data.warehouse", lang, url=warehouse.display()))
    st.subheader(t("data.upload", lang))
    st.info(ui.say("data.upload_warehouse", lang, url=warehouse.display()), icon=":material/info:")
else:
    # The file's name only: where it lies on the server is nothing a visitor needs to know.
    st.caption(ui.say("data.db_path", lang, path=db_file.name))
    st.subheader(t("data.upload", lang))
    st.caption(t("data.upload_help", lang))
    # The drop zone's own words are Streamlit's, in English: in 中文 drawn over in Chinese.
    ui.uploader_words(lang, UPLOAD_TYPES)
chosen = None if warehouse is not None else st.file_uploader(
    t("data.uploader_label", lang, button=t("data.uploader_button", lang)), type=UPLOAD_TYPES,
    accept_multiple_files=True, help=t("data.uploader_help", lang, size=ui.upload_limit_mb()),
)
if warehouse is None and st.button(t("data.import_button", lang), type="primary", disabled=not chosen):
    try:
        import_uploads(chosen)
    except DatabaseBusy:
        st.warning(t("error.busy", lang))
    except Exception as exc:  # noqa: BLE001 - a bad upload is a message, never a traceback
        traceback.print_exc(file=sys.stderr)
        st.error(ui.say("data.import_failed", lang, error=ui.masked(str(exc))))

status, info = loaders.database_status()
if not info:  # no file, or a file without the schema yet: nothing imported so far
    st.info(ui.empty_text(status, lang))
    ui.stop()

assumed = loaders.assumed_calendar_years(info)
if assumed:
    st.info(assumed_note(assumed, lang))

st.subheader(t("data.fastpath", lang))
tables, last = loaders.fast_path()
if tables["status"] == "current":  # all is well: said quietly (the page's green is the imports')
    st.caption(ui.say("data.fastpath_current", lang, cases=format_number(tables["cases"]),
                      built=tables["built"] or "—"))
elif tables["status"] == "scoped":  # a street user's view: nothing to rebuild
    st.caption(t("data.fastpath_scoped", lang))
else:
    st.warning(ui.say(f"data.fastpath_{tables['status']}", lang,
                      reason=t(f"fastpath.{tables['reason']}", lang)))
st.caption(ui.say("data.fastpath_last", lang, at=last.at.isoformat(sep=" "), reason=last.text(lang))
           if last else t("data.fastpath_none", lang))

st.subheader(t("data.history", lang))
history = loaders.imports_history()
if history.empty:
    st.info(t("data.no_imports", lang))
else:
    history = history.assign(result=history["status"].map(lambda s: t(f"import.{s}", lang)),
                             file=history["file"].map(ui.file_name))
    ui.table(history, HISTORY_COLUMNS, lang, key="imports-table")

st.subheader(t("data.rejects", lang))
rejects = loaders.rejects_list()
if rejects.empty:
    st.success(t("data.no_rejects", lang))
else:
    rejects = rejects.assign(file=rejects["file"].map(ui.file_name))
    # Wrapped, so that each reason is read in full (a grid cuts it at the column's edge).
    ui.text_table(rejects, REJECT_COLUMNS, lang)
    ui.xlsx_download(rejects, REJECT_COLUMNS, lang, "data.rejects_download", "data.rejects",
                     "data.rejects_file")

st.subheader(t("data.quality", lang))
quality = loaders.data_quality()
if not quality.empty:
    quality = quality.assign(label=quality["label_en" if lang == "en" else "label_zh"])
    st.caption(t("data.quality_open", lang))
    ui.table(quality.assign(flag=quality["label"]), ["flag", "count"], lang,
             key="quality-table", select=True)
    flag = table_selection(ui.selected("quality-table"), quality, "flag")
    if flag:
        label = quality.loc[quality["flag"] == flag, "label"].iloc[0]
        st.markdown(f"**{ui.plain(label)}**")
        behind = loaders.data_quality_cases(flag)
        if flag == "resolved_before_received":
            # Rejected rows, not cases: they are listed above with their file, sheet and row.
            behind = behind.assign(file=behind["file"].map(ui.file_name))
            ui.text_table(behind, REJECT_COLUMNS, lang)
        else:
            ui.follow_selection("quality-cases", behind, "case_id", "case")
            st.caption(t("cases.open", lang))
            ui.table(behind, QUALITY_CASE_COLUMNS, lang, key="quality-cases", select=True,
                     download="data.quality")
