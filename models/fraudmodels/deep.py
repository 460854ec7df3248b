"""A deep LightGBM + XGBoost pair, of the kind banks train, for the SDK's TreeSHAP benchmark and parity tests.

The default bundle's trees are shallow (LightGBM 15 leaves, XGBoost depth 3); explainers whose cost grows with depth
look fine on it and not on this pair: LightGBM with up to 255 leaves and depth 10, XGBoost with depth 10, both
trained on the simulator's data with missing values (a share of several features blanked, so every split learns a
default direction). Two sizes:

  full  LightGBM 1,000 trees, XGBoost 500 trees, 500 explained rows: what `pnpm --filter @fraudscore/sdk bench` times
        (about 30 MB of trees.json, a minute or two of training; git-ignored under models/work/deep-pair/full).
  test  the same settings with 40 + 30 trees and 120 rows: the SDK's parity test regenerates it on every run
        (a few seconds), so CI checks deep trees without committed large files.

The directory gets trees.json (the bundle's format), native/lightgbm.txt + native/xgboost.json (the libraries' own
files, for the native benchmark), shap.json (the rows, the native margins and the native SHAP values: LightGBM
pred_contrib in double, XGBoost pred_contribs in float32, with base values) and pair.json (settings, library versions
and tree statistics). Everything is deterministic from the settings; pair.json's `key` says which settings made the
directory, so a rerun with the same settings and library versions reuses it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import lightgbm
import numpy as np
import xgboost

from .bundle.trees import dumps, evaluate_trees, export_trees
from .bundle.verify import make_edge_rows
from .csvio import read_transactions
from .errors import ExportError
from .features import compute_features
from .progress import log
from .simulate import simulate
from .spec import feature_names, load_spec

FORMAT = "fraudscore-deep-pair/1"
# Features blanked (NaN) at these rates in training and in the explained rows: the amounts a device may not know.
MISSING = {
    "CUSTOMER_ID_AVG_AMOUNT_1DAY_WINDOW": 0.1,
    "CUSTOMER_ID_AVG_AMOUNT_7DAY_WINDOW": 0.1,
    "TERMINAL_ID_RISK_7DAY_WINDOW": 0.15,
    "TERMINAL_ID_RISK_30DAY_WINDOW": 0.15,
    "TX_AMOUNT": 0.02,
}
LIGHTGBM = {
    "objective": "binary",
    "verbose": -1,
    "seed": 0,
    "deterministic": True,
    "force_row_wise": True,
    "num_threads": 2,
    "num_leaves": 255,
    "max_depth": 10,
    "min_child_samples": 20,
    "learning_rate": 0.05,
    "feature_fraction": 0.9,
}
XGBOOST = {
    "objective": "binary:logistic",
    "tree_method": "hist",
    "nthread": 2,
    "seed": 0,
    "max_depth": 10,
    "eta": 0.05,
    "min_child_weight": 0.5,
    "base_score": 0.5,
    "subsample": 0.9,
}
SIZES: dict[str, dict[str, Any]] = {
    "full": {
        "simulation": {"seed": 21, "customers": 2000, "terminals": 4000, "days": 60},
        "lightgbmTrees": 1000,
        "xgboostTrees": 500,
        "rows": 500,
    },
    "test": {
        "simulation": {"seed": 21, "customers": 600, "terminals": 1500, "days": 40},
        "lightgbmTrees": 40,
        "xgboostTrees": 30,
        "rows": 120,
    },
}


def settings(size: str) -> dict[str, Any]:
    """Everything that determines the pair (with the library versions)."""
    if size not in SIZES:
        raise ExportError(f"unknown deep-pair size {size!r}; use one of {', '.join(SIZES)}")
    return {
        "format": FORMAT,
        "size": size,
        **SIZES[size],
        "missing": MISSING,
        "lightgbm": LIGHTGBM,
        "xgboost": XGBOOST,
        "versions": {"lightgbm": lightgbm.__version__, "xgboost": xgboost.__version__},
    }


def settings_key(config: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:16]


def build_deep_pair(out_dir: Path, size: str = "full", reuse: bool = True) -> dict[str, Any]:
    """Writes the pair to out_dir (or keeps it when pair.json says the same settings made it); returns pair.json."""
    out_dir = Path(out_dir)
    config = settings(size)
    key = settings_key(config)
    summary_path = out_dir / "pair.json"
    if reuse and summary_path.exists():
        summary = json.loads(summary_path.read_text())
        if summary.get("key") == key and all((out_dir / f).exists() for f in summary.get("files", [])):
            log(f"deep pair: {out_dir} is up to date")
            return summary
    started = time.perf_counter()
    names, X, y = _data(config)
    rng = np.random.default_rng(config["simulation"]["seed"])
    test = rng.random(len(X)) < 0.2
    X_train, y_train, X_test = X[~test], y[~test], X[test]
    log(
        f"deep pair: training LightGBM ({config['lightgbmTrees']} trees) and XGBoost ({config['xgboostTrees']} "
        f"trees) on {len(X_train):,} rows"
    )
    timings: dict[str, float] = {}
    t = time.perf_counter()
    lgbm = lightgbm.train(LIGHTGBM, lightgbm.Dataset(X_train, y_train, feature_name=names), config["lightgbmTrees"])
    timings["lightgbm"] = time.perf_counter() - t
    t = time.perf_counter()
    xgb = xgboost.train(
        XGBOOST, xgboost.DMatrix(X_train, y_train, missing=np.nan, feature_names=names), config["xgboostTrees"]
    )
    timings["xgboost"] = time.perf_counter() - t
    doc = export_trees(lgbm, xgb, names)
    rows = _explained_rows(doc, X_test, config["rows"], rng)
    shap_doc = _native_shap_doc(lgbm, xgb, doc, names, rows)
    summary = {
        "format": FORMAT,
        "key": key,
        "settings": config,
        "trainingRows": len(X_train),
        "trainingSeconds": {k: round(v, 1) for k, v in timings.items()},
        "models": {m["name"]: _tree_stats(m) for m in doc["models"]},
        "files": ["trees.json", "shap.json", "native/lightgbm.txt", "native/xgboost.json"],
    }
    _write(out_dir, doc, shap_doc, lgbm, xgb, summary)
    log(f"deep pair: wrote {out_dir} in {time.perf_counter() - started:.0f} s")
    return summary


def _data(config: dict[str, Any]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The simulator's transactions, their features, and the MISSING blanks."""
    spec = load_spec()
    names = feature_names(spec)
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "transactions.csv"
        simulation = config["simulation"]
        simulate(
            path,
            seed=simulation["seed"],
            customers=simulation["customers"],
            terminals=simulation["terminals"],
            days=simulation["days"],
            quiet=True,
        )
        table = read_transactions(path)
    X = np.array(compute_features(spec, table), dtype=np.float64)
    rng = np.random.default_rng(simulation["seed"] + 1)
    for name, rate in MISSING.items():
        X[rng.random(len(X)) < rate, names.index(name)] = np.nan
    return names, X, table["label"].to_numpy().astype(np.int64)


def _explained_rows(doc: dict, X_test: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """Mostly held-out rows; a tenth are edge rows (values on split thresholds, NaNs, zeros), and an all-NaN row."""
    edges = make_edge_rows(doc, X_test[:2000], rng, max_rows=4 * count)
    picked = X_test[np.sort(rng.choice(len(X_test), count - count // 10, replace=False))]
    chosen = edges[np.sort(rng.choice(len(edges) - 1, count // 10 - 1, replace=False))]
    return np.vstack([picked, chosen, edges[-1:]])


def _native_shap_doc(lgbm, xgb, doc: dict, names: list[str], rows: np.ndarray) -> dict[str, Any]:
    matrix = xgboost.DMatrix(rows, missing=np.nan, feature_names=names)
    contributions = {
        "lightgbm": np.asarray(lgbm.predict(rows, pred_contrib=True), dtype=np.float64),
        "xgboost": np.asarray(xgb.predict(matrix, pred_contribs=True), dtype=np.float64),
    }
    margins = {
        "lightgbm": np.asarray(lgbm.predict(rows, raw_score=True), dtype=np.float64),
        "xgboost": np.asarray(xgb.predict(matrix, output_margin=True), dtype=np.float64),
    }
    for name, margin in margins.items():  # trees.json must be the models the values come from, bit for bit
        exported = evaluate_trees(doc, name, rows)
        if not np.array_equal(exported, margin):
            worst = float(np.max(np.abs(exported - margin)))
            raise ExportError(f"deep pair: trees.json's {name} margins differ from the library's by up to {worst}")
    return {
        "format": "fraudscore-conformance-shap/1",
        "features": names,
        "semantics": "path-dependent TreeSHAP; values in feature order; baseValue + sum(values) = margin "
        "(XGBoost computes its values in float32)",
        "rows": [
            {
                "features": [None if np.isnan(v) else float(v) for v in rows[i]],
                **{
                    name: {
                        "baseValue": float(contributions[name][i, -1]),
                        "values": [float(v) for v in contributions[name][i, :-1]],
                        "margin": float(margins[name][i]),
                    }
                    for name in contributions
                },
            }
            for i in range(len(rows))
        ],
    }


def _tree_stats(model: dict) -> dict[str, Any]:
    leaves = [sum(1 for f in t["feature"] if f < 0) for t in model["trees"]]
    nodes = [len(t["feature"]) for t in model["trees"]]
    return {
        "trees": len(model["trees"]),
        "nodes": int(sum(nodes)),
        "maxLeaves": max(leaves),
        "meanLeaves": round(float(np.mean(leaves)), 1),
        "maxDepth": max(_depth(t) for t in model["trees"]),
    }


def _depth(tree: dict) -> int:
    depth = [0] * len(tree["feature"])
    for i, f in enumerate(tree["feature"]):
        if f >= 0:
            depth[tree["left"][i]] = depth[tree["right"][i]] = depth[i] + 1
    return max(depth)


def _write(out_dir: Path, doc: dict, shap_doc: dict, lgbm, xgb, summary: dict) -> None:
    """Into a sibling temporary directory first, so a half-written pair is never taken for a finished one."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        (work / "native").mkdir()
        (work / "trees.json").write_text(dumps(doc))
        (work / "shap.json").write_text(json.dumps(shap_doc, separators=(",", ":"), allow_nan=False))
        lgbm.save_model(str(work / "native" / "lightgbm.txt"))
        xgb.save_model(str(work / "native" / "xgboost.json"))
        (work / "pair.json").write_text(json.dumps(summary, indent=2) + "\n")
        if out_dir.exists():
            shutil.rmtree(out_dir)
        work.replace(out_dir)
    finally:
        shutil.rmtree(work, ignore_errors=True)
