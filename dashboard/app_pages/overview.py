"""总览 Overview: headline cards, trend, street ranking, categories; a street drilled in place.

A click on a street's bar puts the street in the URL and this page shows it where the
reader looks: the cards, trend and categories of that street, the bar highlighted, and
the street's communities as the same clickable ranking beside it. A click on a community
drills in place too (its cards, trend and categories, a link to its cases on the Areas
page): every click is one URL, one history entry, so the browser's Back walks exactly
the views shown (a page switch would first write the community into this page's URL, a
view never shown). Why in place and not on the Areas page: docs/dashboard.md, "the click".
"""

from dataclasses import replace

import streamlit as st

from taizhang import charts as figures
from taizhang.dashboard import charts, loaders, timing, ui
from taizhang.dashboard.state import comparison_step, drill_into, filters_for, params_from_view
from taizhang.i18n import t

view = ui.current_view()
lang = view.lang
filters = filters_for(view)


def open_street(street: str) -> None:
    """Callback of a street bar: drill into it here (its bar again: back to the district)."""
    current = ui.current_view()
    level = "district" if street == current.street else "street"
    charts.follow("street-ranking", ui.apply_view, drill_into(current, level, street))


def open_community(community: str) -> None:
    """Callback of a community bar: drill into it here (its bar again: back to the street)."""
    current = ui.current_view()
    target = (drill_into(current, "street", current.street) if community == current.community
              else drill_into(current, "community", community))
    charts.follow("community-ranking", ui.apply_view, target)


def draw_categories() -> None:
    """The slice's categories by status (drawn beside the street ranking, or under both)."""
    charts.show(loaders.chart(figures.category_figure, loaders.status_counts, (("category",), filters),
                              lang=lang),
                key="categories")


# Drilled in place, the heading names the street: the reader sees whose numbers these are.
place = " › ".join(name for name in (view.street, view.community) if name)
st.header(ui.plain(f"{place} · {t('overview.title', lang)}") if place else t("overview.title", lang))
step = comparison_step(view)
head = loaders.headline(filters, step=step)
if not head["metrics"]["received"]:
    st.info(t("empty.slice", lang), icon=":material/filter_alt_off:")
    ui.stop()

# A month or a quarter: 本年累计 beside it (the year to the period's end).
year = None
if view.period in ("month", "last_month", "quarter") and view.date_to:
    year = loaders.headline(filters_for(replace(view, period="year",
                                                date_from=view.date_to.replace(month=1, day=1))))
# All the data: the cards are running totals, their change what was added since last month.
shown_step = step if (view.date_from or view.date_to) else 0
ui.headline_cards(head, lang, scope=ui.scope_text(view, lang), year=year, step=shown_step)
timing.mark("cards")

# The lines drawn on the charts: targets from the settings, the district's own score.
targets = loaders.settings()
score_target = targets.target_score or None
district_score = loaders.headline(filters_for(view, areas=False))["metrics"]["score"]

# Places on screen first, then filled in the order the reader needs them.
# - At district level: the trend, the street ranking, the categories. The trend costs a few
#   milliseconds: as the first chart sent it has the browser fetch and parse plotly.js while
#   the rest is computed (a first visit after an import computes them all: 0.5–1 s at 1M).
# - Drilled into a street (a click on its bar): the street's communities, then its
#   categories, then the trend and the street ranking (the bar highlighted). What is new
#   comes first, and the 40–50 ms of the categories' question leave the browser to draw the
#   communities alone: sent with them, the trend and ranking were drawn in the same task,
#   and the click took ~310 ms instead of ~220 (10M, benchmarks/browser.py; docs/performance.md).
trend_slot = st.container()
left, right = st.columns([3, 2])
with right:
    if view.street:
        street_view = drill_into(view, "street", view.street)
        charts.show(
            loaders.chart(figures.ranking_figure, loaders.ranking, ("community", filters_for(street_view)),
                          area_column="community", lang=lang, selected=view.community,
                          title=t("overview.communities", lang, street=view.street),
                          average=loaders.headline(filters_for(street_view))["metrics"]["score"],
                          average_of=view.street, target=score_target),
            key=ui.selection_key("community-ranking"), on_click=open_community,
        )
        # Back up, and on to the full table, without moving what is above (no breadcrumb row).
        links = st.container(horizontal=True, vertical_alignment="center", gap="small")
        links.button(f"‹ {t('areas.district', lang)}", key="back-to-district", type="tertiary",
                     on_click=ui.apply_view, args=(drill_into(view, "district", None),))
        links.page_link("app_pages/areas.py", query_params=params_from_view(street_view),
                        label=ui.say("overview.communities_table", lang, street=view.street))
        if view.community:
            links.page_link("app_pages/areas.py", query_params=params_from_view(view),
                            label=ui.say("overview.community_cases", lang, community=view.community))
        timing.mark("communities")
    else:
        categories_slot = st.container()   # beside the street ranking
if view.street:
    # Drilled, the communities take the right column beside the streets: the categories go
    # under both, the page's full width (under the communities they left the space under
    # the street ranking empty on a desktop).
    with st.container():
        draw_categories()
with trend_slot:
    # Twelve months of context whatever the period: the trend ends with the period.
    charts.show(loaders.chart(figures.trend_figure, loaders.trend, (replace(filters, date_from=None),), lang=lang,
                              target=targets.target_resolution_rate or None), key="trend")
with left:
    charts.show(
        loaders.chart(figures.ranking_figure, loaders.ranking, ("street", filters_for(view, areas=False)),
                      area_column="street", lang=lang, selected=view.street,
                      average=district_score, target=score_target),
        key=ui.selection_key("street-ranking"), on_click=open_street,
    )
    st.caption(t("overview.ranking_hint", lang))
if not view.street:
    with categories_slot:
        draw_categories()
timing.mark("charts")

# What a click on a street's bar will ask for, computed while the reader looks at the page.
loaders.prefetch_streets(view)
