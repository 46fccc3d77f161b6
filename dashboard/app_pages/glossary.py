"""口径 Glossary: every figure's name and definition, as the KPI layer applies it.

The rows come from kpi.definitions (one table, filled with the settings in use): this
page copies no definition of its own.
"""

import pandas as pd
import streamlit as st

from taizhang.dashboard import loaders, ui
from taizhang.i18n import t

view = ui.current_view()
lang = view.lang

st.header(t("glossary.title", lang))
st.caption(t("glossary.caption", lang))
rows = pd.DataFrame(loaders.definitions())
first, second = ("zh", "en") if lang == "zh" else ("en", "zh")
shown = pd.DataFrame({
    "term": rows[f"label_{first}"] + " / " + rows[f"label_{second}"],
    "definition": rows[first],
    "definition_other": rows[second],
    "computed_by": rows["computed_by"],
})
for r in shown.itertuples(index=False):
    st.markdown(f"**{ui.plain(r.term)}**  \n{ui.plain(r.definition)}  \n"
                f"{ui.plain(r.definition_other)}")
    st.caption(ui.say("glossary.computed_by", lang, where=r.computed_by))
