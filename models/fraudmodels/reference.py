"""reference.json: the training distribution that drift monitoring compares live traffic with.

Per feature: cut points at training quantiles (deduplicated, so flags and small counts get one bin per value) and
the share of non-missing training values in each bin, right-closed: bin 0 is (-inf, c0], bin i is (c(i-1), ci],
the last bin is (c(last), +inf); plus the share of missing values. The same for the ensemble's probability, and a
fixed 20-bin histogram of it on [0, 1] for charts.
"""

from __future__ import annotations

from typing import Any

import numpy as np

QUANTILES = np.linspace(0.1, 0.9, 9)


def distribution(values: np.ndarray) -> dict[str, Any]:
    present = values[~np.isnan(values)]
    if len(present) == 0:  # one empty bin, so the document stays well-formed (frequencies = cut points + 1)
        return {"cutPoints": [], "frequencies": [0.0], "missingShare": 1.0, "count": len(values)}
    cuts = np.unique(np.quantile(present, QUANTILES, method="linear"))
    bins = np.searchsorted(cuts, present, side="left")  # value <= cut goes to that cut's bin
    counts = np.bincount(bins, minlength=len(cuts) + 1)
    return {
        "cutPoints": [float(c) for c in cuts],
        "frequencies": [float(c) for c in counts / len(present)],
        "missingShare": float(1 - len(present) / len(values)),
        "count": len(values),
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
