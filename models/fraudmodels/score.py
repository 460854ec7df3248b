"""`score`: a handbook-schema CSV scored with an existing bundle, its history taken from the same file and from
earlier files, written as a CSV of probabilities, risk tiers and (optionally) features and SHAP values.

The files are read, checked (ids unique across them), put in one time order (ties keep file order: history files
first), and the bundle's feature spec is computed over all of them, so every transaction of the scored file sees the
transactions before it, labels included, exactly as `train` and the server see them. Scores come from the bundle's
model.onnx (onnxruntime), the artefact the SDK and the edge run; SHAP values need the native models the bundle was
exported from (`--models`: train's output directory, or conformance/default/native for the default bundle), checked
against the bundle's trees.json first.

Labels' known-at times, for specs that read labels as known at scoring time, come from the files' TX_FRAUD_KNOWN_AT
column; where a file has none, a label is taken as known `label_delay_days` after its transaction (the handbook's
assumption, the same as the fixed-delay windows).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .bundle.verify import run_onnx
from .csvio import DATETIME_FORMAT, read_transactions
from .errors import DataError
from .export import read_manifest, risk_level
from .features import compute_features
from .feedback import DAY_MS, LABEL_DELAY_DAYS
from .progress import log
from .spec import feature_names, known_at_field, load_spec


def combined_table(
    data: Path, history: list[Path], label_delay_days: int = LABEL_DELAY_DAYS
) -> tuple[pd.DataFrame, np.ndarray]:
    """History files and the data file in one time order; the boolean mask of the data file's rows."""
    parts = []
    for order, path in enumerate([*history, data]):
        table = read_transactions(path, labels=False)
        missing_known_at = table[known_at_field("label")].isna() & table["label"].notna()
        if missing_known_at.any() and not table[known_at_field("label")].notna().any():
            table.loc[missing_known_at, known_at_field("label")] = table["timestamp"] + label_delay_days * DAY_MS
        parts.append(table.assign(file=order, path=str(path)))
    table = pd.concat(parts, ignore_index=True)
    duplicated = table["id"].duplicated(keep=False)
    if duplicated.any():
        first = table[duplicated].iloc[0]
        others = sorted(set(table.loc[table["id"] == first["id"], "path"]))
        raise DataError(
            f"transaction id {first['id']} appears in more than one file ({', '.join(others)}): give each "
            "transaction once (history files must not overlap the scored file)",
            file=first["path"],
            line=int(first["line"]),
            column="TRANSACTION_ID",
        )
    table = table.sort_values("timestamp", kind="stable", ignore_index=True)
    return table, (table["file"] == len(history)).to_numpy()


def score_file(
    bundle_dir: Path,
    data: Path,
    out: Path,
    history: list[Path] | None = None,
    models_dir: Path | None = None,
    shap: bool = False,
    with_features: bool = False,
    label_delay_days: int = LABEL_DELAY_DAYS,
) -> dict[str, Any]:
    started = time.perf_counter()
    manifest = read_manifest(bundle_dir)
    spec = load_spec(Path(bundle_dir) / manifest["featureSpec"]["file"])
    names = feature_names(spec)
    table, scored = combined_table(Path(data), [Path(h) for h in history or []], label_delay_days)
    log(f"computing {len(names)} features over {len(table):,} transactions ({int(scored.sum()):,} to score)")
    X = compute_features(spec, table)[scored]
    rows = table[scored]
    log("scoring with model.onnx")
    outputs = run_onnx((Path(bundle_dir) / "model.onnx").read_bytes(), X)
    probability = outputs["probability"].ravel().astype(np.float64)
    threshold = float(manifest["threshold"])
    stamps = pd.to_datetime(rows["timestamp"].to_numpy(), unit="ms").strftime(DATETIME_FORMAT)
    result = pd.DataFrame(
        {
            "TRANSACTION_ID": rows["id"].to_numpy(),
            "TX_DATETIME": stamps,
            "CUSTOMER_ID": rows["customerId"].to_numpy(),
            "TERMINAL_ID": rows["terminalId"].to_numpy(),
            "TX_AMOUNT": rows["amount"].to_numpy(),
            "PROBABILITY": probability,
            "RISK_LEVEL": [risk_level(float(p), manifest) for p in probability],
            "BLOCK": (probability >= threshold).astype(int),
        }
    )
    if with_features:
        for j, name in enumerate(names):
            result[name] = X[:, j]
    if shap:
        if models_dir is None:
            raise DataError(
                "SHAP values need the native models the bundle was exported from: pass --models DIR "
                "(train's output, or conformance/default/native for the default bundle)"
            )
        from .fixtures import _native_models, _native_shap

        trees_doc = json.loads((Path(bundle_dir) / "trees.json").read_bytes())
        contributions = _native_shap(_native_models(trees_doc, Path(models_dir)), X)
        weights = manifest["ensemble"]["weights"]
        ensemble = sum(weights[name] * contributions[name] for name in weights)
        result["SHAP_BASE"] = ensemble[:, -1]
        for j, name in enumerate(names):
            result[f"SHAP_{name}"] = ensemble[:, j]
    order = np.argsort(rows["line"].to_numpy(), kind="stable")  # the scored file's own row order
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(f".{out.name}.tmp")
    result.iloc[order].to_csv(temporary, index=False, float_format="%.10g")
    temporary.replace(out)
    return {
        "out": str(out),
        "scored": len(result),
        "history": int(len(table) - len(result)),
        "blocked": int(result["BLOCK"].sum()),
        "threshold": threshold,
        "model": f"{manifest['name']} {manifest['version']}",
        "shap": shap,
        "seconds": round(time.perf_counter() - started, 1),
    }
