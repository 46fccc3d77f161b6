"""数据 Data: upload ledgers through the ETL, import history, rejected rows (downloadable)."""

import sys
import traceback
from datetime import datetime
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import loaders, ui
from taizhang.db import DatabaseBusy
from taizhang.i18n import t
from taizhang.workdays import assumed_note

HISTORY_COLUMNS = [
    "import_id", "file", "result", "error", "started_at", "rows_read", "rows_new", "rows_updated",
    "rows_unchanged", "rows_skipped", "rows_rejected",
]
REJECT_COLUMNS = ["file", "sheet", "row", "column", "value", "reason"]

view = ui.current_view()
lang = view.lang
db_file = loaders.database_file()


def import_uploads(files) -> None:
    """Run the ordinary ETL on the uploaded files; show each file's summary line and rejects.

    The files are kept next to the database (uploads/<time>/<name>) so that a case's
    source file still exists after the import.
    """
    folder = db_file.parent / "uploads" / datetime.now().strftime("%Y%m%d-%H%M%S")
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for upload in files:
        path = folder / Path(upload.name).name
        path.write_bytes(upload.getvalue())
        paths.append(path)
    with st.spinner(t("data.importing", lang)):
        summaries = loaders.import_ledgers(db_file, paths)
    for summary in summaries:
        (st.error if summary.status == "failed" else st.success)(summary.line())
        if summary.rejects:
            rejects = pd.DataFrame(summary.rejects)
            st.table(ui.display_frame(rejects, ["sheet", "row", "column", "value", "reason"], lang))


st.header(t("data.title", lang))
st.caption(t("data.db_path", lang, path=db_file))

st.subheader(t("data.upload", lang))
st.caption(t("data.upload_help", lang))
uploads = st.file_uploader(
    t("data.upload", lang), type=["xlsx", "xls", "ods", "csv"], accept_multiple_files=True,
    label_visibility="collapsed",
)
if st.button(t("data.import_button", lang), type="primary", disabled=not uploads):
    try:
        import_uploads(uploads)
    except DatabaseBusy:
        st.warning(t("error.busy", lang))
    except Exception as exc:  # noqa: BLE001 - a bad upload is a message, never a traceback
        traceback.print_exc(file=sys.stderr)
        st.error(t("data.import_failed", lang, error=exc))

status, info = loaders.database_status()
if not info:  # no file, or a file without the schema yet: nothing imported so far
    st.info(t("empty.no_file" if status == "missing" else "empty.db", lang, path=db_file))
    ui.stop()

assumed = loaders.assumed_calendar_years(info)
if assumed:
    st.info(assumed_note(assumed, lang))

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
    ui.table(rejects, REJECT_COLUMNS, lang, key="rejects-table")
    ui.xlsx_download(rejects, REJECT_COLUMNS, lang, "data.rejects_download", "data.rejects",
                     "data.rejects_file")

st.subheader(t("data.quality", lang))
quality = loaders.data_quality()
if not quality.empty:
    quality = quality.assign(flag=quality["label_en" if lang == "en" else "label_zh"])
    ui.table(quality, ["flag", "count"], lang, key="quality-table")
