"""Interpreter of the declarative feature spec (spec.py) over a table of transactions.

The table is a pandas DataFrame whose columns are the spec's field names (timestamp as int64 epoch milliseconds,
labels as float with NaN for unknown) in stream order: timestamps non-decreasing, ties in arrival order. The
result is a float64 matrix, one column per spec feature in spec order, NaN for missing values.

Windows are computed per entity with one stable sort and prefix sums, so 1.6M rows take seconds: a window
(t - delay - length, t - delay] becomes two binary searches over the entity's sorted timestamps. With no delay the
window ends at the current row (earlier rows with the same timestamp are in, later ones are not), which is what a
server sees when it scores transactions one by one, and what the handbook's pandas rolling windows compute.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .durations import duration_ms
from .errors import DataError, SpecError
from .spec import time_zone_offset_ms

_DAY_MS = 86_400_000
_HOUR_MS = 3_600_000


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
        else:
            ratio = feature["ratio"]
            out[:, j] = _ratio(
                out[:, column_of[ratio["numerator"]]], out[:, column_of[ratio["denominator"]]], ratio.get("empty")
            )
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
    """numerator / denominator; `empty` (missing by default) where the denominator is 0 or missing."""
    fill = np.nan if empty is None else float(empty)
    with np.errstate(divide="ignore", invalid="ignore"):
        result = numerator / denominator
    return np.where((denominator == 0) | np.isnan(denominator) | np.isnan(numerator), fill, result)


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

    def aggregate(self, window: dict[str, Any], table: pd.DataFrame, feature: str) -> np.ndarray:
        """One window aggregate for every row, returned in the table's row order."""
        length = duration_ms(window["length"], feature)
        delay = duration_ms(window.get("delay", "0d"), feature)
        span = self.span + length + delay  # keys of different entities never fall in one window
        if (int(self.codes.max(initial=0)) + 1) * span >= 2**62:
            raise DataError(f"too many entities or too long a time range for window feature {feature}")
        keys = self.codes * span + self.relative
        lo = np.searchsorted(keys, keys - delay - length, side="right")
        hi = np.arange(1, len(keys) + 1) if delay == 0 else np.searchsorted(keys, keys - delay, side="right")
        sorted_result = self._reduce(window, table, feature, lo, hi)
        result = np.empty_like(sorted_result)
        result[self.order] = sorted_result
        return result

    def _reduce(
        self, window: dict[str, Any], table: pd.DataFrame, feature: str, lo: np.ndarray, hi: np.ndarray
    ) -> np.ndarray:
        """count/sum/mean/std over rows [lo, hi) of the sorted order, via prefix sums in extended precision."""
        if window["aggregate"] == "count":
            return (hi - lo).astype(np.float64)
        values = _column(table, window["field"], feature).to_numpy(dtype=np.float64)[self.order]
        present = ~np.isnan(values)
        n = _window_sum(present.astype(np.int64), lo, hi)
        # Extended-precision prefix sums: sums of small integers (labels, counts) stay exact.
        total = _window_sum(np.where(present, values, 0.0).astype(np.longdouble), lo, hi)
        empty = window.get("empty")
        fill = np.nan if empty is None else float(empty)
        with np.errstate(divide="ignore", invalid="ignore"):
            if window["aggregate"] == "sum":
                return np.asarray(total, dtype=np.float64)
            mean = total / n
            if window["aggregate"] == "mean":
                result = np.asarray(mean, dtype=np.float64)
            else:  # population standard deviation, on values centred on the field's mean to keep precision
                centre = float(np.mean(values[present])) if present.any() else 0.0
                centred = np.where(present, values - centre, 0.0).astype(np.longdouble)
                mean_centred = _window_sum(centred, lo, hi) / n
                squares = _window_sum(centred * centred, lo, hi) / n
                result = np.sqrt(np.maximum(np.asarray(squares - mean_centred * mean_centred, dtype=np.float64), 0.0))
        return np.where(n == 0, fill, result)


def _window_sum(values: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Sum of values[lo:hi] per row from one prefix sum."""
    prefix = np.concatenate(([values.dtype.type(0)], np.cumsum(values)))
    return prefix[hi] - prefix[lo]
