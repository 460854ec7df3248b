"""The analysts' feedback loop: when each label becomes known (the `labelKnownAt` input of `labels: "known"` windows).

The investigation process, with the handbook's assumptions (chapters 3.5 and 4.3):
- every day, the k cards with the highest score that day (k = 100, the Card Precision@100 budget; a card's score is
  the highest of its transactions that day) are investigated; cards already known to be compromised at the start of
  the day (a fraud of theirs from the last 14 days, the length of a card compromise in the handbook's simulator,
  whose label is known by then) are blocked and take no investigation slot;
- an investigated card's transactions of that day and of the 7 days before get their labels known at the start of
  the next day (00:00 UTC);
- every other label becomes known 7 days after its transaction (the delay the fixed-delay windows assume).

In training, the scores that drive the investigations come from the model a bank would have been running then: a
static-feature model (the spec's features that read no label as known at scoring time), refitted every week on the
week that ended 7 days earlier (its labels are all known by then), LightGBM with fixed settings. In the feedback
protocol (evaluate.py), the evaluated model's own scores drive the investigations of the test weeks, day by day.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from .progress import log
from .spec import known_at_field

DAY_MS = 86_400_000
LABEL_DELAY_DAYS = 7
INVESTIGATED_CARDS_PER_DAY = 100
REVIEWED_DAYS = 7  # an investigation reviews the card's transactions of the day and of the 7 days before
BLOCKED_DAYS = 14  # a card with a known fraud of the last 14 days is blocked (not investigated again)
# The stand-in for the model in production while the history was made: LightGBM on the static features, on one thread
# so that the label times (and every feature read from them) are the same whatever thread count training uses.
INVESTIGATION_MODEL = {
    "num_leaves": 15,
    "min_child_samples": 200,
    "num_boost_round": 200,
    "neg_bagging_fraction": 1.0,
    "num_threads": 1,
}
# Names the process in cache keys: change it whenever the process above changes.
PROCESS_VERSION = f"investigations-v2-k{INVESTIGATED_CARDS_PER_DAY}-d{LABEL_DELAY_DAYS}-r{REVIEWED_DAYS}"


def reads_known_labels(spec: dict[str, Any]) -> bool:
    """Whether any feature reads labels as known at scoring time (then the data needs known-at times)."""
    return any(f.get("window", {}).get("labels") == "known" for f in spec["features"])


def static_part(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec without the features that read labels as known at scoring time (nor what is computed from them)."""
    dropped: set[str] = set()
    kept = []
    for feature in spec["features"]:
        body = feature.get("ratio") or feature.get("difference") or {}
        if feature.get("window", {}).get("labels") == "known" or any(
            v in dropped for v in body.values() if isinstance(v, str)
        ):
            dropped.add(feature["name"])
        else:
            kept.append(feature)
    return {**copy.deepcopy(spec), "name": f"{spec.get('name')}-static", "features": copy.deepcopy(kept)}


def delayed_label_times(table: pd.DataFrame, delay_days: int = LABEL_DELAY_DAYS) -> np.ndarray:
    """Every label known `delay_days` after its transaction (epoch ms as float; NaN where the label is unknown)."""
    known = table["timestamp"].to_numpy(dtype=np.float64) + delay_days * DAY_MS
    return np.where(np.isnan(table["label"].to_numpy(dtype=np.float64)), np.nan, known)


def with_label_times(table: pd.DataFrame, known_at: np.ndarray) -> pd.DataFrame:
    return table.assign(**{known_at_field("label"): known_at})


def first_day_ms(table: pd.DataFrame) -> int:
    return int(table["timestamp"].iloc[0]) // DAY_MS * DAY_MS


class Investigations:
    """The investigation process over a table, one day at a time: `known_at` is updated in place."""

    def __init__(self, table: pd.DataFrame, known_at: np.ndarray, cards_per_day: int = INVESTIGATED_CARDS_PER_DAY):
        self.table = table
        self.known_at = known_at
        self.k = cards_per_day
        self.day = table["day"].to_numpy()
        self.card = table["customerId"].to_numpy()
        self.label = table["label"].to_numpy()
        self.start_ms = first_day_ms(table)
        bounds = np.searchsorted(self.day, np.arange(int(self.day.max()) + 2))
        self.rows_of_day = {d: np.arange(bounds[d], bounds[d + 1]) for d in range(len(bounds) - 1)}
        self.fraud_rows = np.flatnonzero(self.label == 1)
        # rows of each card in time order, for the look-back of an investigation
        self.card_rows = pd.Series(np.arange(len(table))).groupby(self.card).apply(np.asarray).to_dict()

    def investigate(self, day: int, scores: np.ndarray, since_day: int | None = None) -> np.ndarray:
        """Investigates the day's top cards given the scores of the day's rows; returns the cards investigated. Cards
        with a known fraud since `since_day` (default: the last 14 days) are blocked and skipped."""
        rows = self.rows_of_day.get(day, np.array([], dtype=np.int64))
        if len(rows) == 0:
            return np.array([], dtype=object)
        day_start = self.start_ms + day * DAY_MS
        frame = pd.DataFrame({"card": self.card[rows], "score": scores})
        blocked = self.known_compromised(
            frame["card"].unique(), day, day - BLOCKED_DAYS if since_day is None else since_day
        )
        ranked = frame[~frame["card"].isin(blocked)].groupby("card", sort=False)["score"].max()
        cards = ranked.sort_values(ascending=False, kind="stable").index[: self.k].to_numpy()
        known_from = float(day_start + DAY_MS)
        for card in cards:
            reviewed = self.card_rows[card]
            reviewed = reviewed[(self.day[reviewed] >= day - REVIEWED_DAYS) & (self.day[reviewed] <= day)]
            labelled = reviewed[~np.isnan(self.label[reviewed])]
            self.known_at[labelled] = np.fmin(self.known_at[labelled], known_from)
        return cards

    def known_compromised(self, cards: np.ndarray, day: int, since_day: int) -> set:
        """The cards with a fraud made on or after since_day whose label is known at the start of `day`."""
        frauds = self.fraud_rows[
            (self.day[self.fraud_rows] >= since_day) & (self.known_at[self.fraud_rows] <= self.start_ms + day * DAY_MS)
        ]
        return set(self.card[frauds]) & set(cards)


def history_label_times(
    table: pd.DataFrame,
    X_static: np.ndarray,
    fit: Callable,
    margin: Callable,
    cards_per_day: int = INVESTIGATED_CARDS_PER_DAY,
) -> np.ndarray:
    """Known-at times of every label under the investigation process driven by a weekly refitted static model.

    Week w (days 7w to 7w + 6 from the first day) is scored by a model fitted on week w - 2, whose labels are all
    known by the start of week w; the first two weeks have no model and only the fixed delay applies."""
    known_at = delayed_label_times(table)
    process = Investigations(table, known_at, cards_per_day)
    day = process.day
    y = table["label"].to_numpy()
    last_day = int(day.max())
    for week in range(2, last_day // 7 + 1):
        fit_rows = np.flatnonzero((day >= 7 * (week - 2)) & (day < 7 * (week - 1)))
        if y[fit_rows].sum() == 0:
            continue
        model = fit(X_static[fit_rows], y[fit_rows], INVESTIGATION_MODEL)
        for d in range(7 * week, min(7 * week + 7, last_day + 1)):
            rows = process.rows_of_day.get(d)
            if rows is not None and len(rows):
                process.investigate(d, margin(model, X_static[rows]))
        log(f"  investigation history: week {week} of {last_day // 7}")
    return known_at


def known_part(spec: dict[str, Any]) -> tuple[dict[str, Any], list[int]]:
    """The features whose values depend on labels as known at scoring time (with what they are computed from), as a
    spec of their own, and where each of them sits in the full spec: what a replay must recompute day by day."""
    by_name = {f["name"]: f for f in spec["features"]}
    depends: dict[str, bool] = {}
    for feature in spec["features"]:
        body = feature.get("ratio") or feature.get("difference") or {}
        operands = [v for v in body.values() if isinstance(v, str) and v in by_name]
        depends[feature["name"]] = feature.get("window", {}).get("labels") == "known" or any(
            depends[o] for o in operands
        )
    needed: set[str] = set()

    def need(name: str) -> None:
        if name in needed:
            return
        needed.add(name)
        body = by_name[name].get("ratio") or by_name[name].get("difference") or {}
        for value in body.values():
            if isinstance(value, str) and value in by_name:
                need(value)

    for name, dependent in depends.items():
        if dependent:
            need(name)
    features = [copy.deepcopy(f) for f in spec["features"] if f["name"] in needed]
    positions = [i for i, f in enumerate(spec["features"]) if depends[f["name"]]]
    return {**copy.deepcopy(spec), "features": features}, positions


def look_back_ms(spec: dict[str, Any]) -> int:
    """The longest window (length + delay) of a spec."""
    from .durations import duration_ms

    return max(
        (
            duration_ms(f["window"]["length"]) + duration_ms(f["window"].get("delay", "0d"))
            for f in spec["features"]
            if "window" in f
        ),
        default=0,
    )


class Replay:
    """The feedback protocol over some days: each day's known-label features are computed from the labels known at
    its start, the day is scored, and the investigations of its top cards make their labels known the next day.
    Cards with a fraud since `since_day` (the fold's first training day) known at a day's start are blocked.

    `known_at` holds the history's known-at times before the replayed days (the investigation process of the model
    in production then); for the replayed days every label starts with the fixed delay only."""

    def __init__(
        self,
        spec: dict[str, Any],
        table: pd.DataFrame,
        X: np.ndarray,
        known_at: np.ndarray,
        first_day: int,
        since_day: int,
        cards_per_day: int = INVESTIGATED_CARDS_PER_DAY,
    ):
        from .features import compute_features

        self._compute = compute_features
        self.spec_known, self.positions = known_part(spec)
        self.names = [f["name"] for f in spec["features"]]
        self.table = table
        self.X = X
        self.known_at = known_at.copy()
        replayed = table["day"].to_numpy() >= first_day
        self.known_at[replayed] = delayed_label_times(table)[replayed]
        self.process = Investigations(table, self.known_at, cards_per_day)
        self.look_back = look_back_ms(self.spec_known)
        self.since_day = since_day

    def features(self, day: int) -> tuple[np.ndarray, np.ndarray]:
        """The rows of the day and their feature rows with the known-label features as of the day's start."""
        rows = self.process.rows_of_day.get(day, np.array([], dtype=np.int64))
        out = self.X[rows].copy()
        if len(rows) and self.positions:
            timestamps = self.table["timestamp"].to_numpy()
            start = int(np.searchsorted(timestamps, timestamps[rows[0]] - self.look_back, side="left"))
            window = slice(start, int(rows[-1]) + 1)
            part = self.table.iloc[window].assign(**{known_at_field("label"): self.known_at[window]})
            values = self._compute(self.spec_known, part)[rows - start]
            names = [f["name"] for f in self.spec_known["features"]]
            for position in self.positions:
                out[:, position] = values[:, names.index(self.names[position])]
        return rows, out

    def investigate(self, day: int, scores: np.ndarray) -> np.ndarray:
        return self.process.investigate(day, scores, self.since_day)

    def blocked(self, day: int, rows: np.ndarray) -> np.ndarray:
        """Which of the rows belong to cards known to be compromised at the start of the day: the bank has blocked
        them, so they are neither investigated nor evaluated. This is the handbook's removal of known compromised
        cards (frauds since the fold's first training day, known through the delayed labels), with the frauds the
        investigations found as well."""
        cards = self.process.known_compromised(self.process.card[rows], day, self.since_day)
        return np.isin(self.process.card[rows], list(cards))
