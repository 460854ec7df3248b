"""Reading and writing transactions in the handbook's CSV schema, with errors that name file, line and column.

Nothing is written by a command until its input has been read and checked completely, so a bad file leaves no
partial output behind.
"""

from __future__ import annotations

import difflib
import gzip
import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import DataError

COLUMNS = [
    "TRANSACTION_ID",
    "TX_DATETIME",
    "CUSTOMER_ID",
    "TERMINAL_ID",
    "TX_AMOUNT",
    "TX_TIME_SECONDS",
    "TX_TIME_DAYS",
    "TX_FRAUD",
    "TX_FRAUD_SCENARIO",
]
REQUIRED = ["TRANSACTION_ID", "TX_DATETIME", "CUSTOMER_ID", "TERMINAL_ID", "TX_AMOUNT", "TX_FRAUD"]
# Optional: when each label became known (an analyst's decision, a chargeback), same format as TX_DATETIME; empty
# when not known. Windows over labels as known at scoring time read it.
KNOWN_AT_COLUMN = "TX_FRAUD_KNOWN_AT"
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_transactions(path: str | Path, labels: bool = True) -> pd.DataFrame:
    """Loads a handbook-schema CSV (optionally .gz) into the spec's field names, checked and in time order.

    Columns of the result: id, customerId, terminalId, amount, timestamp (int64 epoch ms, the naive datetime read
    as UTC), label (0.0/1.0), labelKnownAt (epoch ms from TX_FRAUD_KNOWN_AT; NaN when the file has no such column or
    the cell is empty), day (days since the first day), scenario (-1 when the file has none), line (the row's line
    in the file). With labels=False the TX_FRAUD column may be missing (every label unknown, NaN): transactions to score.
    """
    name = str(path)
    raw = _read_strings(path)
    required = REQUIRED if labels else [c for c in REQUIRED if c != "TX_FRAUD"]
    missing = [c for c in required if c not in raw.columns]
    if missing:
        hints = [
            f"{c} (found {close[0]!r}?)" if (close := difflib.get_close_matches(c, list(raw.columns), 1, 0.6)) else c
            for c in missing
        ]
        raise DataError(f"missing column(s): {', '.join(hints)}; expected header {','.join(COLUMNS)}", file=name)
    if raw.empty:
        raise DataError("the file has a header but no transactions", file=name)
    ids = _integers(raw, "TRANSACTION_ID", name)
    if len(np.unique(ids)) != len(ids):
        first = int(np.argmax(pd.Series(ids).duplicated().to_numpy()))
        raise DataError(f"duplicate transaction id {ids[first]}", file=name, line=first + 2, column="TRANSACTION_ID")
    stamps = pd.to_datetime(raw["TX_DATETIME"], format=DATETIME_FORMAT, errors="coerce")
    _fail_on_nan(
        np.where(stamps.isna().to_numpy(), np.nan, 0.0),
        raw,
        "TX_DATETIME",
        name,
        f"not a datetime of the form {DATETIME_FORMAT}",
    )
    amounts = _numbers(raw, "TX_AMOUNT", name)
    _fail_on_nan(np.where(amounts < 0, np.nan, amounts), raw, "TX_AMOUNT", name, "negative amount")
    if "TX_FRAUD" in raw.columns:
        # Transactions to score (labels=False) may leave a label empty: not known.
        unknown = raw["TX_FRAUD"].str.strip().eq("").to_numpy() if not labels else np.zeros(len(raw), dtype=bool)
        label = _integers(raw.assign(TX_FRAUD=raw["TX_FRAUD"].where(~unknown, "0")), "TX_FRAUD", name)
        _fail_on_nan(np.where(np.isin(label, (0, 1)), 0.0, np.nan), raw, "TX_FRAUD", name, "label is not 0 or 1")
        label = np.where(unknown, np.nan, label.astype(np.float64))
    else:
        label = np.full(len(raw), np.nan)
    known_at = np.full(len(raw), np.nan)
    if KNOWN_AT_COLUMN in raw.columns:
        cells = raw[KNOWN_AT_COLUMN].str.strip()
        known = pd.to_datetime(cells, format=DATETIME_FORMAT, errors="coerce")
        _fail_on_nan(
            np.where(known.isna().to_numpy() & cells.ne("").to_numpy(), np.nan, 0.0),
            raw,
            KNOWN_AT_COLUMN,
            name,
            f"not a datetime of the form {DATETIME_FORMAT} (or empty: not known)",
        )
        known_at = np.where(
            known.isna(), np.nan, known.to_numpy(dtype="datetime64[ms]").astype(np.int64).astype(np.float64)
        )
    for column in ("CUSTOMER_ID", "TERMINAL_ID"):
        _fail_on_nan(np.where(raw[column].str.strip().eq("").to_numpy(), np.nan, 0.0), raw, column, name, "empty id")
    timestamps = stamps.to_numpy(dtype="datetime64[ms]").astype(np.int64)
    first_day = timestamps.min() // 86_400_000
    table = pd.DataFrame(
        {
            "id": ids,
            "customerId": raw["CUSTOMER_ID"].str.strip().to_numpy(),
            "terminalId": raw["TERMINAL_ID"].str.strip().to_numpy(),
            "amount": amounts,
            "timestamp": timestamps,
            "label": label,
            "labelKnownAt": np.where(np.isnan(label), np.nan, known_at),
            "day": (timestamps // 86_400_000 - first_day).astype(np.int64),
            "scenario": _integers(raw, "TX_FRAUD_SCENARIO", name) if "TX_FRAUD_SCENARIO" in raw.columns else -1,
            "line": np.arange(2, len(raw) + 2),
        }
    )
    # Stable: simultaneous transactions keep their file order.
    return table.sort_values("timestamp", kind="stable", ignore_index=True)


def write_transactions(table: pd.DataFrame, path: str | Path) -> None:
    """Writes a table from read_transactions back in the handbook schema (used for fixtures and tests)."""
    stamps = pd.to_datetime(table["timestamp"].to_numpy(), unit="ms")
    start = stamps.min().normalize()
    out = pd.DataFrame(
        {
            "TRANSACTION_ID": table["id"],
            "TX_DATETIME": stamps.strftime(DATETIME_FORMAT),
            "CUSTOMER_ID": table["customerId"],
            "TERMINAL_ID": table["terminalId"],
            "TX_AMOUNT": table["amount"],
            "TX_TIME_SECONDS": ((stamps - start).total_seconds()).astype(np.int64),
            "TX_TIME_DAYS": table["day"],
            "TX_FRAUD": table["label"].astype(np.int64),
            "TX_FRAUD_SCENARIO": table["scenario"],
        }
    )
    out.to_csv(path, index=False)


def _read_strings(path: str | Path) -> pd.DataFrame:
    name = str(path)
    try:
        opener = gzip.open if name.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8", newline="") as handle:
            return pd.read_csv(handle, dtype=str, keep_default_na=False, na_filter=False)
    except FileNotFoundError as error:
        raise DataError("no such file", file=name) from error
    except pd.errors.EmptyDataError as error:
        raise DataError("the file is empty (expected a header line)", file=name) from error
    except (pd.errors.ParserError, UnicodeDecodeError, OSError, EOFError) as error:
        raise DataError(f"not a readable CSV: {error}", file=name) from error


def _numbers(raw: pd.DataFrame, column: str, name: str) -> np.ndarray:
    values = pd.to_numeric(raw[column], errors="coerce").to_numpy(dtype=np.float64)
    _fail_on_nan(np.where(np.isfinite(values), values, np.nan), raw, column, name, "not a finite number")
    return values


def _integers(raw: pd.DataFrame, column: str, name: str) -> np.ndarray:
    values = _numbers(raw, column, name)
    _fail_on_nan(np.where(values == np.round(values), values, np.nan), raw, column, name, "not an integer")
    return values.astype(np.int64)


def _fail_on_nan(values: np.ndarray, raw: pd.DataFrame, column: str, name: str, what: str) -> None:
    bad = np.isnan(np.asarray(values, dtype=np.float64))
    if bad.any():
        row = int(np.argmax(bad))
        raise DataError(f"{what}: {raw[column].iloc[row]!r}", file=name, line=row + 2, column=column)
