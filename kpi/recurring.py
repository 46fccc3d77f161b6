"""Recurring problems: case titles that describe the same problem, grouped across communities.

    titles ──► TF-IDF over character 2–3-grams (Chinese needs no word splitting for this)
           ──► average-linkage clustering on cosine distance: groups join while their
               titles' average similarity is at least SIMILARITY
           ──► ranked by communities affected, then growth (recent months against the
               months before), then cases

A leader picks the month's theme (每月一题) from the top groups. Nothing is downloaded: the
vectoriser is scikit-learn's, fitted on the slice's own titles. Definitions and the
measured precision: docs/kpi.md ("Recurring problems").
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from taizhang.kpi import runner
from taizhang.store.facts import backend, case_facts, settings_or_default, slice_shape, slice_values
from taizhang.filters import Filters, shift_months
from taizhang.kpi.lists import case_number
from taizhang.store.slot import Slot
from taizhang.settings import Settings

SIMILARITY = 0.2     # cosine similarity of two titles' n-gram vectors that joins them
MIN_CASES = 3        # a group has at least this many cases
RECENT_MONTHS = 3    # growth: cases of the last 3 months against the 3 before
TOP = 10
# The clustering holds every pair's distance (n² numbers): a slice with more titles is
# grouped over its latest MAX_TITLES (5000: ~300 MB at the peak, a few seconds).
MAX_TITLES = 5000
# Characters that say nothing about the problem itself.
STOP_CHARS = "的了在和与及是有问题请求反映希望要求居民群众小区社区"


def _clean(title: str) -> str:
    text = "".join(ch for ch in str(title or "") if not ch.isspace())
    return "".join(ch for ch in text if ch not in STOP_CHARS) or text


def cluster_titles(titles: list[str], similarity: float = SIMILARITY) -> np.ndarray:
    """A group number for each title (-1: a title like no other): average-linkage groups of
    the titles' character 2–3-gram TF-IDF vectors, joined while their average cosine
    similarity is at least `similarity`."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform
    from sklearn.feature_extraction.text import TfidfVectorizer

    if len(titles) == 0:
        return np.array([], dtype=int)
    cleaned = [_clean(t) for t in titles]
    try:
        vectors = TfidfVectorizer(analyzer="char", ngram_range=(2, 3), sublinear_tf=True).fit_transform(cleaned)
    except ValueError:  # nothing but one-character titles: no 2-gram at all
        return np.full(len(titles), -1)
    if len(titles) == 1:
        return np.full(1, -1)
    # Average linkage: a title joins a group only when it is close to the group as a whole
    # (single links chained every title naming the same estate into one group).
    distance = np.clip(1.0 - (vectors @ vectors.T).toarray(), 0.0, None)
    np.fill_diagonal(distance, 0.0)
    tree = linkage(squareform(distance, checks=False), method="average")
    labels = fcluster(tree, t=1.0 - similarity, criterion="distance") - 1
    sizes = np.bincount(labels)
    return np.where(sizes[labels] > 1, labels, -1)


def recurring_problems(con, filters: Filters, settings: Settings | None = None,
                       top: int = TOP, similarity: float = SIMILARITY) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(groups, cases) of the slice's recurring problems, best first.

    groups: group (1 = the top group), label (its most frequent title; ties: the earliest), cases,
    communities (distinct communities affected), streets, recent (cases received in the
    RECENT_MONTHS months up to as_of), earlier (the RECENT_MONTHS months before those),
    growth (recent − earlier), open (not resolved as of as_of). Only groups of at least
    MIN_CASES cases that reach two communities; the first `top`.
    cases: group, case_id, received_on, street, community, title, status — the cases of
    the groups listed.
    """
    ib = backend(con)
    settings = settings_or_default(settings)
    ctx = runner.data_context(ib, filters)
    filters = replace(filters, as_of=ctx.as_of)
    span = (ctx.first_received, ctx.last_received)
    slot = Slot()

    def build():
        facts = case_facts(ib, filters, settings, ctx.as_of,
                           columns=("title", "street", "community", "given_street"),
                           span=span, slot=slot, facts=("status_asof",))
        # `due` rides along: the SQL binds the SLA values that compute it.
        return facts.filter(facts.title.notnull()).select(
            "case_id", "received_on", "street", "community", "title", "due", status=facts.status_asof,
            case_no=case_number(facts))

    values = slice_values(filters, settings, ctx.as_of, span)
    cases = runner.run(ib, ("recurring", slice_shape(filters), ctx.schema), build, values).drop(columns="due")
    return rank_groups(cases, ctx.as_of, top, similarity)


def rank_groups(cases: pd.DataFrame, as_of, top: int = TOP,
                similarity: float = SIMILARITY) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Group and rank a frame of cases (case_id, received_on, street, community, title,
    status) as recurring_problems() describes."""
    columns = ["group", "label", "cases", "communities", "streets", "recent", "earlier", "growth", "open"]
    cases = cases.sort_values(["received_on", "case_id"], kind="stable").tail(MAX_TITLES).reset_index(drop=True)
    cases["cluster"] = cluster_titles(cases["title"].astype(str).tolist(), similarity)
    grouped = cases[cases["cluster"] >= 0].copy()
    if grouped.empty:
        return pd.DataFrame(columns=columns), pd.DataFrame(columns=["group", *cases.columns[:-1]])
    received = pd.to_datetime(grouped["received_on"]).dt.date
    recent_from = shift_months(as_of, -RECENT_MONTHS)
    earlier_from = shift_months(as_of, -2 * RECENT_MONTHS)
    grouped["recent"] = (received > recent_from) & (received <= as_of)
    grouped["earlier"] = (received > earlier_from) & (received <= recent_from)
    grouped["open"] = grouped["status"] != "resolved"
    groups = grouped.groupby("cluster").agg(
        label=("title", lambda s: s.value_counts(sort=False).idxmax()),
        cases=("case_id", "size"),
        communities=("community", "nunique"),
        streets=("street", "nunique"),
        recent=("recent", "sum"),
        earlier=("earlier", "sum"),
        open=("open", "sum"),
    ).reset_index()
    groups["growth"] = groups["recent"] - groups["earlier"]
    groups = groups[(groups["cases"] >= MIN_CASES) & (groups["communities"] >= 2)]
    groups = groups.sort_values(["communities", "growth", "cases", "label"],
                                ascending=[False, False, False, True], kind="stable").head(top)
    groups["group"] = range(1, len(groups) + 1)
    number = dict(zip(groups["cluster"], groups["group"]))
    listed = grouped[grouped["cluster"].isin(number)].copy()
    listed["group"] = listed["cluster"].map(number)
    listed = listed.sort_values(["group", "received_on", "case_id"], kind="stable")
    listed = listed[["group", "case_id", *(["case_no"] if "case_no" in listed else []),
                     "received_on", "street", "community", "title", "status"]]
    for column in ("cases", "communities", "streets", "recent", "earlier", "growth", "open"):
        groups[column] = groups[column].astype("int64")
    return groups[columns].reset_index(drop=True), listed.reset_index(drop=True)


def group_precision(titles: list[str], labels: list[str], top: int = TOP,
                    similarity: float = SIMILARITY) -> tuple[float, list[tuple[str, int, float]]]:
    """Precision of the `top` largest groups found in `titles` against the true `labels`:
    (titles sharing their group's majority label / titles in those groups, and per group
    (majority label, size, its own precision)). Measures cluster_titles on a labelled set."""
    found = cluster_titles(titles, similarity)
    frame = pd.DataFrame({"found": found, "label": labels})
    frame = frame[frame["found"] >= 0]
    sizes = frame["found"].value_counts()
    chosen = [g for g in sizes.index if sizes[g] >= MIN_CASES][:top]
    per_group, right, total = [], 0, 0
    for g in chosen:
        members = frame[frame["found"] == g]["label"]
        majority = members.value_counts()
        right += int(majority.iloc[0])
        total += len(members)
        per_group.append((majority.index[0], len(members), majority.iloc[0] / len(members)))
    return (right / total if total else 0.0), per_group
