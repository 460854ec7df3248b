"""reference.json: the training distribution that drift monitoring compares live traffic with.

Per feature: cut points and the share of non-missing training values in each bin, right-closed: bin 0 is
(-inf, c0], bin i is (c(i-1), ci], the last bin is (c(last), +inf); plus the share of missing values. Every value
holding at least 5 % of the non-missing values (a point mass: exact zeros, flags, small counts) gets a bin of its own
(cut at the value and at the largest value below it); the other values are cut at their 1st, 5th, 10th..90th, 95th
and 99th percentiles, so a change among the non-zero values of a zero-heavy feature, or in a tail, moves shares
between bins. Also the quantiles at the 100 slice midpoints (i + 0.5) / 100 and the standard deviation, for the
normalised Wasserstein distance the edge computes beside PSI. The same for the ensemble's probability, and a fixed
20-bin histogram of it on [0, 1] for charts. The edge's baseline.ts builds the same document from live rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np

POINT_MASS_SHARE = 0.05
CUT_LEVELS = np.concatenate(([0.01, 0.05], np.linspace(0.1, 0.9, 9), [0.95, 0.99]))
DISTANCE_LEVELS = (np.arange(100) + 0.5) / 100


def cut_points(present: np.ndarray) -> np.ndarray:
    """Point masses isolated between themselves and the largest value below them, then the rest's quantiles."""
    values, first, counts = np.unique(present, return_index=True, return_counts=True)
    is_mass = counts / len(present) >= POINT_MASS_SHARE
    masses = values[is_mass]
    below = present[first[is_mass & (first > 0)] - 1]
    rest = present[~np.isin(present, masses)]
    quantiles = np.quantile(rest, CUT_LEVELS, method="linear") if len(rest) else np.array([])
    return np.unique(np.concatenate((masses, below, quantiles)))


def distribution(values: np.ndarray) -> dict[str, Any]:
    present = np.sort(values[~np.isnan(values)])
    if len(present) == 0:  # one empty bin, so the document stays well-formed (frequencies = cut points + 1)
        return {"cutPoints": [], "frequencies": [0.0], "missingShare": 1.0, "count": len(values)}
    cuts = cut_points(present)
    bins = np.searchsorted(cuts, present, side="left")  # value <= cut goes to that cut's bin
    counts = np.bincount(bins, minlength=len(cuts) + 1)
    return {
        "cutPoints": [float(c) for c in cuts],
        "frequencies": [float(c) for c in counts / len(present)],
        "missingShare": float(1 - len(present) / len(values)),
        "count": len(values),
        "quantiles": [float(q) for q in np.quantile(present, DISTANCE_LEVELS, method="linear")],
        "std": float(np.std(present)),
    }


def build_reference(
    feature_names: list[str], X: np.ndarray, probability: np.ndarray, window: dict[str, str]
) -> dict[str, Any]:
    histogram_edges = np.linspace(0.0, 1.0, 21)
    histogram, _ = np.histogram(probability, bins=histogram_edges)
    return {
        "format": "fraudscore-reference/1",
        "binning": "right-closed bins between cutPoints; frequencies are shares of non-missing values",
        "window": window,
        "features": {name: distribution(X[:, j]) for j, name in enumerate(feature_names)},
        "score": {
            **distribution(probability),
            "histogram": {
                "edges": [float(e) for e in histogram_edges],
                "frequencies": [float(c) for c in histogram / max(len(probability), 1)],
            },
        },
    }
