"""A transactions file with its features, cached on disk by file hash and spec hash (the features of the 1.6M-row
handbook file take seconds to compute but are reused by every step).

The cache lives outside the source tree: $FRAUDMODELS_CACHE, else $XDG_CACHE_HOME/fraudmodels, else
~/.cache/fraudmodels (the CLI's --cache-dir overrides it)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import feedback
from .csvio import file_sha256, read_transactions
from .features import compute_features
from .progress import log
from .spec import known_at_field, spec_hash


def default_cache_dir() -> Path:
    configured = os.environ.get("FRAUDMODELS_CACHE")
    if configured:
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "fraudmodels"


CACHE_DIR = default_cache_dir()


def set_cache_dir(directory: Path) -> None:
    global CACHE_DIR
    CACHE_DIR = Path(directory)


@dataclass
class Dataset:
    path: str
    sha256: str
    table: pd.DataFrame
    X: np.ndarray
    # Where the labels' known-at times came from, when the spec reads labels as known at scoring time: "file" (the
    # CSV's TX_FRAUD_KNOWN_AT) or "investigations" (feedback.history_label_times); None otherwise.
    label_times: str | None = None

    @property
    def y(self) -> np.ndarray:
        return self.table["label"].to_numpy()

    def day_of(self, date: str) -> int:
        """Day index (from the data's first day) of an ISO date."""
        first = pd.Timestamp(int(self.table["timestamp"].iloc[0]), unit="ms").normalize()
        return int((pd.Timestamp(date) - first).days)

    def date_of(self, day: int) -> str:
        first = pd.Timestamp(int(self.table["timestamp"].iloc[0]), unit="ms").normalize()
        return (first + pd.Timedelta(days=day)).strftime("%Y-%m-%d")


def load_dataset(path: str | Path, spec: dict[str, Any], cache: bool = True) -> Dataset:
    """Reads the file and computes the spec's features. When the spec reads labels as known at scoring time, the
    labels' known-at times come from the file (TX_FRAUD_KNOWN_AT) or else from the simulated investigation process
    (feedback.py), which needs the static features and a model per week: both are cached too."""
    log(f"reading {path}")
    digest = file_sha256(path)
    table = read_transactions(path)
    log(f"{len(table):,} transactions, {int(table['label'].sum()):,} frauds")
    label_times = None
    key = spec_hash(spec)[:16]
    if feedback.reads_known_labels(spec):
        if table[known_at_field("label")].notna().any():
            label_times = "file"
        else:
            label_times = "investigations"
            static = feedback.static_part(spec)
            X_static = _features(static, table, f"{digest[:16]}-{spec_hash(static)[:16]}", cache)
            process_key = f"{digest[:16]}-{spec_hash(static)[:16]}-{feedback.PROCESS_VERSION}"
            table[known_at_field("label")] = _cached(
                f"label-times-{process_key}", cache, lambda: _history_times(table, X_static)
            )
            key = f"{key}-{feedback.PROCESS_VERSION}"
    X = _features(spec, table, f"{digest[:16]}-{key}", cache)
    return Dataset(str(path), digest, table, X, label_times)


def _history_times(table: pd.DataFrame, X_static: np.ndarray) -> np.ndarray:
    from .train import fit_lightgbm, margin_lightgbm

    log("simulating the investigation process (a static model per week drives which labels are known early)")
    return feedback.history_label_times(table, X_static, fit_lightgbm, margin_lightgbm)


def _features(spec: dict[str, Any], table: pd.DataFrame, key: str, cache: bool) -> np.ndarray:
    def compute() -> np.ndarray:
        log(f"computing features ({spec.get('name')})")
        return compute_features(spec, table)

    return _cached(f"features-{key}", cache, compute)


def _cached(name: str, cache: bool, compute) -> np.ndarray:
    path = CACHE_DIR / f"{name}.npy"
    if cache and path.exists():
        return np.load(path)
    value = compute()
    if cache:
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp.npy")
        np.save(temporary, value)
        temporary.replace(path)
    return value
