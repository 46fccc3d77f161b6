"""Recurring problems: case titles that describe the same problem, grouped across communities.

    titles ──► TF-IDF over character 2–3-grams (Chinese needs no word splitting for this)
           ──► average-linkage clustering on cosine distance: groups join while their
               titles' average similarity is at least SIMILARITY
           ──► ranked by communities affected, then growth (recent months against the
               months before), then cases

A leader picks the month's theme (每月一题) from the top groups. Nothing is downloaded: the
vectoriser is scikit-learn's, fitted on the slice's own titles. Definitions and the
measured precision: docs/kpi.md ("Recurring problems").

The clustering is the costly part (seconds, and scikit-learn's import), and its answer
depends only on the list of titles: it is kept per list, in memory and on disk for the
next process (a second report on unchanged data reuses it). A file is named by a hash of
the titles in order, the similarity and this code, and holds the group numbers alone,
never a title. Folder: $TAIZHANG_GROUPS_CACHE, else ~/.cache/taizhang/groups;
TAIZHANG_GROUPS_CACHE=off turns it off. Any error reading or writing is ignored: the
titles are then clustered as if the file were not there.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections import OrderedDict
from dataclasses import replace
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import ibis
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
# grouped over its latest MAX_TITLES (5000: ~210 MB at the peak, about 2 s of CPU).
MAX_TITLES = 5000
# Characters that say nothing about the problem itself.
STOP_CHARS = "的了在和与及是有问题请求反映希望要求居民群众小区社区"
ENV_CACHE = "TAIZHANG_GROUPS_CACHE"
KEPT_IN_MEMORY = 32   # lists of titles whose groups this process keeps
KEPT_ON_DISK = 256    # files kept in the folder (a few KB each); the oldest go first
_kept: OrderedDict[str, np.ndarray] = OrderedDict()
_lock = threading.Lock()
# How many times this process clustered titles (tests check that a second report reuses).
cluster_count = 0


def _clean(title: str) -> str:
    text = "".join(ch for ch in str(title or "") if not ch.isspace())
    return "".join(ch for ch in text if ch not in STOP_CHARS) or text


def cluster_titles(titles: list[str], similarity: float = SIMILARITY) -> np.ndarray:
    """A group number for each title (-1: a title like no other): average-linkage groups of
    the titles' character 2–3-gram TF-IDF vectors, joined while their average cosine
    similarity is at least `similarity`. Kept per list of titles (module docstring)."""
    if len(titles) == 0:
        return np.array([], dtype=int)
    cleaned = [_clean(t) for t in titles]
    key = _key(cleaned, similarity)
    labels = _recall(key, len(cleaned))
    if labels is None:
        labels = _cluster(cleaned, similarity)
        _keep(key, labels)
    return labels.copy()


def _cluster(cleaned: list[str], similarity: float) -> np.ndarray:
    global cluster_count
    from scipy.cluster.hierarchy import fcluster, linkage
    from sklearn.feature_extraction.text import TfidfVectorizer

    with _lock:
        cluster_count += 1
    try:
        vectors = TfidfVectorizer(analyzer="char", ngram_range=(2, 3), sublinear_tf=True).fit_transform(cleaned)
    except ValueError:  # nothing but one-character titles: no 2-gram at all
        return np.full(len(cleaned), -1)
    if len(cleaned) == 1:
        return np.full(1, -1)
    # Average linkage: a title joins a group only when it is close to the group as a whole
    # (single links chained every title naming the same estate into one group).
    tree = linkage(_condensed_distance(vectors), method="average")
    labels = fcluster(tree, t=1.0 - similarity, criterion="distance") - 1
    sizes = np.bincount(labels)
    return np.where(sizes[labels] > 1, labels, -1)


def _condensed_distance(vectors, block: int = 512) -> np.ndarray:
    """1 − cosine similarity (at least 0) of every pair i < j of the L2-normalised rows, in
    scipy's condensed order (squareform's). Made `block` rows at a time from the sparse
    product: neither the dense n × n matrix (200 MB for 5000 titles) nor the whole sparse
    product is ever held."""
    n = vectors.shape[0]
    distance = np.empty(n * (n - 1) // 2)
    transposed = vectors.T.tocsr()  # converted once, not at every block
    start = 0
    for first in range(0, n - 1, block):
        rows = np.clip(1.0 - (vectors[first:first + block] @ transposed).toarray(), 0.0, None)
        for i, row in enumerate(rows, start=first):
            distance[start:start + n - i - 1] = row[i + 1:]
            start += n - i - 1
    return distance


@lru_cache(maxsize=1)
def _code_version() -> str:
    """This file and the versions of the libraries that cluster: a new one forgets old groups."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    for package in ("scikit-learn", "scipy", "numpy"):
        try:
            digest.update(f" {package} {metadata.version(package)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f" {package} ?".encode())
    return digest.hexdigest()[:16]


def _key(cleaned: list[str], similarity: float) -> str:
    digest = hashlib.sha256(f"{_code_version()} {similarity!r}".encode())
    digest.update("\x1f".join(cleaned).encode("utf-8"))
    return digest.hexdigest()[:32]


def _folder() -> Path | None:
    setting = os.environ.get(ENV_CACHE, "").strip()
    if setting.lower() == "off":
        return None
    return Path(setting) if setting else Path.home() / ".cache" / "taizhang" / "groups"


def _recall(key: str, n: int) -> np.ndarray | None:
    """The group numbers kept for key (in memory, else on disk), or None."""
    with _lock:
        labels = _kept.get(key)
        if labels is not None:
            _kept.move_to_end(key)
            return labels
    folder = _folder()
    if folder is None:
        return None
    try:
        labels = np.load(folder / f"{key}.npy", allow_pickle=False)
    except (OSError, ValueError):
        return None
    if labels.shape != (n,) or labels.dtype.kind != "i":
        return None
    _remember(key, labels)
    return labels


def _remember(key: str, labels: np.ndarray) -> None:
    with _lock:
        _kept[key] = labels
        while len(_kept) > KEPT_IN_MEMORY:
            _kept.popitem(last=False)


def _keep(key: str, labels: np.ndarray) -> None:
    """Keep the group numbers for key, in memory and on disk (written whole or not at all)."""
    labels = labels.astype(np.int64)
    _remember(key, labels)
    folder = _folder()
    if folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, delete=False, suffix=".tmp") as out:
            np.save(out, labels, allow_pickle=False)
        os.replace(out.name, folder / f"{key}.npy")
        files = sorted(folder.glob("*.npy"), key=lambda f: f.stat().st_mtime)
        for old in files[:-KEPT_ON_DISK]:
            old.unlink(missing_ok=True)
    except OSError:
        pass


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
        # `due` rides along: the SQL binds the SLA values that compute it. Only the latest
        # MAX_TITLES titles are grouped (rank_groups): the others are not read.
        return facts.filter(facts.title.notnull()).select(
            "case_id", "received_on", "street", "community", "title", "due", status=facts.status_asof,
            case_no=case_number(facts)).order_by(
            [ibis.desc("received_on"), ibis.desc("case_id")]).limit(MAX_TITLES)

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
