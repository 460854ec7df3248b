"""Interpreter of the declarative feature spec (spec.py) over a table of transactions.

The table is a pandas DataFrame whose columns are the spec's field names (timestamp as int64 epoch milliseconds,
labels as float with NaN for unknown, and for `labels: "known"` windows the label's known-at time in epoch ms, NaN
when it is not known) in stream order: timestamps non-decreasing, ties in arrival order. The result is a float64
matrix, one column per spec feature in spec order, NaN for missing values.

Windows are computed per entity after one stable sort: a window (t - delay - length, t - delay] becomes two binary
searches over the entity's sorted timestamps. With no delay the window ends at the current row (earlier rows with
the same timestamp are in, later ones are not), which is what a server sees when it scores transactions one by one,
and what the handbook's pandas rolling windows compute.

Sums are portable and depend on the window's own values only. Integer-valued fields (labels, counts) are summed
exactly with integer prefix sums. Any other field is summed window by window in time order with Neumaier's
compensated summation, the same operations in the same order as the TypeScript interpreter (sdk/src/features/
compute.ts), so both give the same double bit for bit on every platform: no extended precision (whose width differs
between platforms) and no prefix sum over the other rows of the file (whose rounding would make a transaction's
features depend on unrelated history). An exact sum in integer cents would be faster but is wrong for amounts that
are arbitrary doubles; a per-window exactly rounded sum would be order-free but would need an arbitrary-precision
accumulator in both languages. The cost is the sum of the window sizes, which is also what scoring one transaction
costs the SDK.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .durations import duration_ms
from .errors import DataError, SpecError
from .spec import known_at_field, time_zone_offset_ms

_DAY_MS = 86_400_000
_HOUR_MS = 3_600_000
_EXACT_INTEGER = 2.0**53


def compute_features(spec: dict[str, Any], table: pd.DataFrame) -> np.ndarray:
    """Evaluates every feature of the (validated) spec over the table; returns float64 [rows, features]."""
    timestamps = _timestamps(table)
    out = np.empty((len(table), len(spec["features"])), dtype=np.float64)
    column_of: dict[str, int] = {}
    entity_index: dict[str, _EntityIndex] = {}
    for j, feature in enumerate(spec["features"]):
        if "source" in feature:
            out[:, j] = _source(feature, table)
        elif "calendar" in feature:
            out[:, j] = _calendar(feature["calendar"], timestamps, time_zone_offset_ms(spec))
        elif "window" in feature:
            window = feature["window"]
            entity = window["entity"]
            if entity not in entity_index:
                entity_index[entity] = _EntityIndex(_column(table, entity, feature["name"]), timestamps)
            out[:, j] = entity_index[entity].aggregate(window, table, feature["name"])
        elif "ratio" in feature:
            ratio = feature["ratio"]
            out[:, j] = _ratio(
                out[:, column_of[ratio["numerator"]]], out[:, column_of[ratio["denominator"]]], ratio.get("empty")
            )
        else:
            difference = feature["difference"]
            out[:, j] = out[:, column_of[difference["minuend"]]] - out[:, column_of[difference["subtrahend"]]]
        column_of[feature["name"]] = j
    return out


def _timestamps(table: pd.DataFrame) -> np.ndarray:
    timestamps = _column(table, "timestamp", None).to_numpy(dtype=np.int64)
    if len(timestamps) > 1 and np.any(np.diff(timestamps) < 0):
        row = int(np.argmax(np.diff(timestamps) < 0)) + 1
        raise DataError(
            "transactions must be in time order (features read each entity's past)", line=row + 2, column="timestamp"
        )
    return timestamps


def _column(table: pd.DataFrame, field: str, feature: str | None) -> pd.Series:
    if field not in table.columns:
        raise SpecError(f"needs input field {field!r}, which the data does not have", feature)
    return table[field]


def _source(feature: dict[str, Any], table: pd.DataFrame) -> np.ndarray:
    """A raw field, or its code in the declared category list (unknown values are missing)."""
    source = feature["source"]
    values = _column(table, source["field"], feature["name"])
    categories = source.get("categories")
    if categories is None:
        return values.to_numpy(dtype=np.float64)
    codes = {str(c): float(i) for i, c in enumerate(categories)}
    return values.map(lambda v: codes.get(str(v), np.nan)).to_numpy(dtype=np.float64)


def _calendar(calendar: dict[str, Any], timestamps: np.ndarray, offset_ms: int) -> np.ndarray:
    """1.0 where the local hour or ISO weekday (Monday = 1) is in the set, else 0.0."""
    local = timestamps + offset_ms
    if calendar["part"] == "hour":
        part = (local // _HOUR_MS) % 24
    else:  # isoWeekday; 1970-01-01 was a Thursday (4)
        part = (local // _DAY_MS + 3) % 7 + 1
    return np.isin(part, calendar["in"]).astype(np.float64)


def _ratio(numerator: np.ndarray, denominator: np.ndarray, empty: float | None) -> np.ndarray:
    """numerator / denominator; `empty` (missing by default) where the quotient is not finite: the denominator is 0
    or missing, the numerator missing, or the quotient beyond the doubles (a tiny denominator)."""
    fill = np.nan if empty is None else float(empty)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        result = numerator / denominator
    return np.where(np.isfinite(result), result, fill)


class _EntityIndex:
    """Rows sorted by (entity, time, arrival) with combined search keys, shared by every window on one entity."""

    def __init__(self, entities: pd.Series, timestamps: np.ndarray):
        if entities.isna().any():
            row = int(np.argmax(entities.isna().to_numpy())) + 2
            raise DataError("entity id is missing", line=row, column=str(entities.name))
        codes, _ = pd.factorize(entities, sort=False)
        self.order = np.argsort(codes, kind="stable")  # rows are already in time order
        relative = timestamps - (timestamps.min() if len(timestamps) else 0)
        self.span = int(relative.max(initial=0)) + 1
        self.codes = codes[self.order].astype(np.int64)
        self.relative = relative[self.order]
        self.times = timestamps[self.order]
        self.position = np.arange(len(self.order))
        self._sums: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}

    def aggregate(self, window: dict[str, Any], table: pd.DataFrame, feature: str) -> np.ndarray:
        """One window aggregate for every row, returned in the table's row order."""
        length = duration_ms(window["length"], feature)
        delay = duration_ms(window.get("delay", "0d"), feature)
        span = self.span + length + delay  # keys of different entities never fall in one window
        if (int(self.codes.max(initial=0)) + 1) * span >= 2**62:
            raise DataError(f"too many entities or too long a time range for window feature {feature}")
        keys = self.codes * span + self.relative
        lo = np.searchsorted(keys, keys - delay - length, side="right")
        hi = self.position + 1 if delay == 0 else np.searchsorted(keys, keys - delay, side="right")
        sorted_result = self._reduce(window, table, feature, lo, hi, (length, delay))
        result = np.empty_like(sorted_result)
        result[self.order] = sorted_result
        return result

    def _reduce(
        self,
        window: dict[str, Any],
        table: pd.DataFrame,
        feature: str,
        lo: np.ndarray,
        hi: np.ndarray,
        extent: tuple[int, int],
    ) -> np.ndarray:
        """The aggregate over rows [lo, hi) of the sorted order for each row; extent = (length, delay) in ms."""
        aggregate = window["aggregate"]
        empty = window.get("empty")
        fill = np.nan if empty is None else float(empty)
        if aggregate == "count" and "field" not in window:
            return (hi - lo).astype(np.float64)
        if aggregate == "count" and window.get("labels", "stored") == "stored":
            present = ~_column(table, window["field"], feature).isna().to_numpy()[self.order]
            return _window_sum(present.astype(np.int64), lo, hi).astype(np.float64)
        if aggregate == "sinceLatest":
            # The latest earlier transaction: the row before the current one, or the window's last row with a delay.
            latest = hi - 2 if extent[1] == 0 else hi - 1
            has = latest >= lo
            hours = (self.times - self.times[np.where(has, latest, 0)]) / _HOUR_MS
            return np.where(has, hours, fill)
        if aggregate == "distinct":
            return self._distinct(_column(table, window["field"], feature), lo, hi)
        values = _column(table, window["field"], feature).to_numpy(dtype=np.float64)[self.order]
        known_at = None
        if window.get("labels") == "known":
            known_at = _column(table, known_at_field(window["field"]), feature).to_numpy(dtype=np.float64)[self.order]
        key = (window["field"], window.get("labels", "stored"), *extent)
        if key not in self._sums:
            self._sums[key] = self._sum(values, known_at, lo, hi)
        total, n = self._sums[key]
        if aggregate == "count":
            return n.astype(np.float64)
        if aggregate == "sum":
            return total
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = total / n
        if aggregate == "mean":
            return np.where(n == 0, fill, mean)
        # Population standard deviation from the deviations around the window's own mean (no cancellation).
        squares, _ = _ordered_sum(values, known_at, self.times, lo, hi, centre=np.where(n == 0, 0.0, mean))
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(n == 0, fill, np.sqrt(squares / n))

    def _sum(
        self, values: np.ndarray, known_at: np.ndarray | None, lo: np.ndarray, hi: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(sum, number of present values) per row. Integer values whose sums stay exact in a double use integer
        prefix sums; the result is the same double the compensated sum gives, just faster."""
        present = ~np.isnan(values)
        integral = (
            present.any()
            and np.all(values[present] == np.round(values[present]))
            and float(np.abs(values[present]).sum()) < _EXACT_INTEGER
        )
        if known_at is None and (integral or not present.any()):
            count = _window_sum(present.astype(np.int64), lo, hi)
            total = _window_sum(np.where(present, values, 0).astype(np.int64), lo, hi).astype(np.float64)
            return total, count
        return _ordered_sum(values, known_at, self.times, lo, hi)

    def _distinct(self, column: pd.Series, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """Distinct present values per window: rows whose previous occurrence (same entity and value) is before lo."""
        missing = column.isna().to_numpy()[self.order]
        values, _ = pd.factorize(column.to_numpy()[self.order], sort=False)
        pair = self.codes * (int(values.max(initial=0)) + 2) + values
        by_pair = np.argsort(pair, kind="stable")
        previous = np.full(len(pair), -1, dtype=np.int64)
        same = pair[by_pair[1:]] == pair[by_pair[:-1]]
        previous[by_pair[1:][same]] = by_pair[:-1][same]
        first_in_window = lambda p, rows: ~missing[p] & (previous[p] < lo[rows])
        return _window_loop(lo, hi, first_in_window).astype(np.float64)


def _window_sum(values: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Sum of integer values[lo:hi] per row from one prefix sum (exact)."""
    prefix = np.concatenate(([0], np.cumsum(values)))
    return prefix[hi] - prefix[lo]


def _window_loop(lo: np.ndarray, hi: np.ndarray, counts) -> np.ndarray:
    """For each row, how many positions p in [lo, hi) satisfy counts(p, rows) — one pass per offset in the window."""
    result = np.zeros(len(lo), dtype=np.int64)
    rows = np.flatnonzero(hi > lo)
    position = lo[rows]
    while rows.size:
        result[rows] += counts(position, rows)
        position = position + 1
        keep = position < hi[rows]
        rows, position = rows[keep], position[keep]
    return result


def _ordered_sum(
    values: np.ndarray,
    known_at: np.ndarray | None,
    times: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    centre: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Neumaier-compensated sum of (x - centre), or of its square when a centre is given, over each window in time
    order, skipping missing values (and, with known_at, labels not known at the row's time); and how many were summed.

    Exactly the operations of sumOf in sdk/src/features/compute.ts, vectorised across rows: step k adds the k-th
    value of every window that is at least k + 1 long."""
    total = np.zeros(len(lo))
    compensation = np.zeros(len(lo))
    count = np.zeros(len(lo), dtype=np.int64)
    rows = np.flatnonzero(hi > lo)
    position = lo[rows]
    while rows.size:
        x = values[position]
        ok = ~np.isnan(x)
        if known_at is not None:
            ok &= known_at[position] <= times[rows]
        d = x if centre is None else (x - centre[rows]) * (x - centre[rows])
        s = total[rows]
        following = s + d
        correction = np.where(np.abs(s) >= np.abs(d), (s - following) + d, (d - following) + s)
        total[rows] = np.where(ok, following, s)
        compensation[rows] = np.where(ok, compensation[rows] + correction, compensation[rows])
        count[rows] += ok
        position = position + 1
        keep = position < hi[rows]
        rows, position = rows[keep], position[keep]
    return total + compensation, count
