"""A transactions file with its features, cached on disk by file hash and spec hash (the features of the 1.6M-row
handbook file take seconds to compute but are reused by every step)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .csvio import file_sha256, read_transactions
from .features import compute_features
from .progress import log
from .spec import spec_hash

CACHE_DIR = Path(__file__).resolve().parent.parent / "work" / "cache"


@dataclass
class Dataset:
    path: str
    sha256: str
    table: pd.DataFrame
    X: np.ndarray

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
    log(f"reading {path}")
    digest = file_sha256(path)
    table = read_transactions(path)
    log(f"{len(table):,} transactions, {int(table['label'].sum()):,} frauds")
    cached = CACHE_DIR / f"features-{digest[:16]}-{spec_hash(spec)[:16]}.npy"
    if cache and cached.exists():
        X = np.load(cached)
    else:
        log("computing features")
        X = compute_features(spec, table)
        if cache:
            CACHE_DIR.mkdir(parents=True, exist_ok=True)
            temporary = cached.with_suffix(".tmp.npy")
            np.save(temporary, X)
            temporary.replace(cached)
    return Dataset(str(path), digest, table, X)
