"""Conformance vectors: JSON fixtures that every other implementation (the TypeScript SDK above all) must reproduce.

  features.json  a transaction stream (with history, ties, exact window edges, unknown labels and labels that become
                 known at different times) and the bundle spec's features for every transaction, from the Python
                 interpreter;
  features-all-kinds.json
                 the same stream and the features of specs/conformance-features.json, which uses every feature kind,
                 aggregate and option at least once, whatever the bundle's spec uses;
  scores.json    feature rows (real ones, NaNs, values exactly on and one ulp around split thresholds) and the
                 per-model margins from the native libraries and from onnxruntime, the ensemble margin and the
                 probability;
  shap.json      for the same rows, SHAP values per model from LightGBM pred_contrib and XGBoost pred_contribs, their
                 base values, and the ensemble's (the weighted sums), with base + sum(values) = margin.
  reference.json the drift reference (reference.py) of the scores.json rows and probabilities: what the edge's
                 baseline builder must reproduce.
Missing values are written as null. Everything is derived deterministically from the bundle and a fixed simulator
seed, so `fixtures --check` can regenerate them and compare.
"""

from __future__ import annotations

import datetime
import json
import math
import shutil
import tempfile
from pathlib import Path
from typing import Any

import lightgbm
import numpy as np
import pandas as pd
import xgboost

from .bundle.onnx_graph import build_onnx
from .bundle.trees import evaluate_trees
from .bundle.verify import make_edge_rows, native_margins, run_onnx
from .csvio import read_transactions
from .errors import ExportError
from .export import read_manifest
from .features import compute_features
from .reference import build_reference
from .signing import verify as verify_signature
from .simulate import simulate
from .spec import SPECS_DIR, known_at_field, load_spec, spec_hash

# Small, but with the handbook's density of terminals around each customer and a fraud rate near 1-5%.
FEATURE_STREAM = {
    "seed": 7,
    "customers": 40,
    "terminals": 800,
    "days": 40,
    "start": "2018-04-01",
    "options": {"compromised-terminals-per-day": 1, "compromised-customers-per-day": 1},
}
ALL_KINDS_SPEC = SPECS_DIR / "conformance-features.json"
DAY_MS = 86_400_000
SCORE_ROWS_FROM_STREAM = 150
EDGE_ROWS = 150
# Fixtures are regenerated and compared in CI; onnxruntime may differ in the last bits across CPUs.
TOLERANCE = {"default": 1e-9, "onnx": 1e-6}


def _nullable(values: np.ndarray) -> list:
    return [None if math.isnan(v) else float(v) for v in np.asarray(values, dtype=np.float64).ravel()]


def _iso(ms: int) -> str:
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def feature_stream() -> pd.DataFrame:
    """A small simulated stream plus hand-made edge cases, in stream order."""
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "stream.csv"
        simulate(path, quiet=True, **FEATURE_STREAM)
        table = read_transactions(path)
    rng = np.random.default_rng(FEATURE_STREAM["seed"])
    extra = []
    for row in table.sample(12, random_state=1).itertuples():
        # Same customer and terminal exactly one day and exactly 7 days later (window edges), and a simultaneous one.
        for offset in (86_400_000, 7 * 86_400_000, 0):
            extra.append(
                {**row._asdict(), "timestamp": row.timestamp + offset, "amount": round(float(rng.uniform(1, 300)), 2)}
            )
    # A card whose only payment before the last 14 days was the smallest double: a baseline that tiny makes the
    # ratios to it overflow, which every interpreter reads as missing.
    first = table.iloc[0]
    for day, amount in ((0, 5e-324), (16, 1500.0), (17, 2.5)):
        extra.append(
            {
                **first.to_dict(),
                "customerId": "overflow-card",
                "timestamp": first.timestamp + day * DAY_MS,
                "amount": amount,
            }
        )
    extra_frame = pd.DataFrame(extra).drop(columns="Index")
    table = pd.concat([table, extra_frame], ignore_index=True).sort_values(
        "timestamp", kind="stable", ignore_index=True
    )
    table["id"] = np.arange(len(table))
    # Labels not yet known (null) for a tenth of the stream: windows that read labels skip them.
    unknown = rng.random(len(table)) < 0.1
    table["label"] = np.where(unknown, np.nan, table["label"])
    table["day"] = (table["timestamp"] // 86_400_000 - table["timestamp"].iloc[0] // 86_400_000).astype(np.int64)
    table[known_at_field("label")] = _label_times(table, rng)
    return table


def _label_times(table: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """When each label became known, in every way labels arrive: an analyst within the day, the next midnight, exactly
    the 7-day delay, a chargeback after 30 days, exactly at a later transaction's time at the same terminal (the edge
    known-at = t), and never recorded (a label without a known-at time); null for unknown labels. Always after the
    transaction itself: a label is never known before its payment is scored."""
    t = table["timestamp"].to_numpy(dtype=np.float64)
    way = rng.choice(6, size=len(table), p=[0.3, 0.2, 0.2, 0.1, 0.1, 0.1])
    later_at_terminal = table.groupby("terminalId")["timestamp"].shift(-2).to_numpy(dtype=np.float64)
    known = np.select(
        [way == 0, way == 1, way == 2, way == 3, way == 4],
        [
            t + rng.integers(60_000, DAY_MS, size=len(table)),
            (t // DAY_MS + 1) * DAY_MS,
            t + 7 * DAY_MS,
            t + 30 * DAY_MS,
            np.where(later_at_terminal > t, later_at_terminal, t + DAY_MS),
        ],
        np.nan,
    )
    return np.where(np.isnan(table["label"].to_numpy(dtype=np.float64)), np.nan, known)


def _features_doc(spec: dict[str, Any], stream: pd.DataFrame, X: np.ndarray) -> dict[str, Any]:
    known_at = stream[known_at_field("label")].to_numpy()
    return {
        "format": "fraudscore-conformance-features/1",
        "featureSpecSha256": spec_hash(spec),
        "featureSpec": {"name": spec.get("name"), "version": spec.get("version")},
        "features": [f["name"] for f in spec["features"]],
        "semantics": "expected[i] are the features of transactions[i] given transactions[0..i-1] as history, each with "
        "its label and labelKnownAt (epoch ms; null: no known-at time) as finally stored; label null = "
        "not known; tolerance: counts and flags exact, other values 1e-9 relative",
        "transactions": [
            {
                "id": str(r.id),
                "customerId": str(r.customerId),
                "terminalId": str(r.terminalId),
                "amount": float(r.amount),
                "timestamp": _iso(int(r.timestamp)),
                "timestampMs": int(r.timestamp),
                "label": None if math.isnan(r.label) else int(r.label),
                "labelKnownAt": None if math.isnan(known_at[i]) else int(known_at[i]),
            }
            for i, r in enumerate(stream.itertuples())
        ],
        "expected": [_nullable(row) for row in X],
    }


def build_fixtures(bundle_dir: Path, native_dir: Path) -> dict[str, Any]:
    """The three fixture documents for a bundle; native_dir holds the libraries' own model files (lightgbm.txt,
    xgboost.json) that the bundle was exported from, since the bundle itself ships no library-specific files."""
    bundle_dir = Path(bundle_dir)
    manifest = read_manifest(bundle_dir)
    spec = load_spec(bundle_dir / manifest["featureSpec"]["file"])
    trees_doc = json.loads((bundle_dir / "trees.json").read_bytes())
    onnx_bytes = (bundle_dir / "model.onnx").read_bytes()
    weights = manifest["ensemble"]["weights"]
    models = _native_models(trees_doc, Path(native_dir))

    stream = feature_stream()
    X_stream = compute_features(spec, stream)
    features_doc = _features_doc(spec, stream, X_stream)
    all_kinds = load_spec(ALL_KINDS_SPEC)
    all_kinds_doc = _features_doc(all_kinds, stream, compute_features(all_kinds, stream))

    rng = np.random.default_rng(0)
    picked = X_stream[np.sort(rng.choice(len(X_stream), SCORE_ROWS_FROM_STREAM, replace=False))]
    edges = make_edge_rows(trees_doc, X_stream, np.random.default_rng(1), max_rows=None)
    rows = np.vstack([picked, edges[np.sort(rng.choice(len(edges) - 1, EDGE_ROWS - 1, replace=False))], edges[-1:]])
    native = native_margins(models["lightgbm"], models["xgboost"], rows)
    onnx = run_onnx(onnx_bytes, rows, threads=1)
    margin = sum(weights[name] * native[name] for name in weights)
    from_trees = {name: evaluate_trees(trees_doc, name, rows) for name in weights}
    scores_doc = {
        "format": "fraudscore-conformance-scores/1",
        "features": manifest["features"],
        "weights": weights,
        "tolerance": {"lightgbm": 1e-9, "xgboost": 1e-5, "probability": 1e-5},
        "rows": [
            {
                "features": _nullable(rows[i]),
                "margins": {
                    name: {
                        "native": float(native[name][i]),
                        "onnx": float(onnx[f"margin_{name}"].ravel()[i]),
                        "trees": float(from_trees[name][i]),
                    }
                    for name in weights
                },
                "margin": float(margin[i]),
                "probability": float(1 / (1 + math.exp(-margin[i]))),
                "onnx": {
                    "margin": float(onnx["margin"].ravel()[i]),
                    "probability": float(onnx["probability"].ravel()[i]),
                },
            }
            for i in range(len(rows))
        ],
    }

    contributions = _native_shap(models, rows)
    shap_doc = {
        "format": "fraudscore-conformance-shap/1",
        "features": manifest["features"],
        "weights": weights,
        "semantics": "path-dependent TreeSHAP; values in feature order; baseValue + sum(values) = margin",
        "rows": [],
    }
    for i in range(len(rows)):
        per_model = {
            name: {
                "baseValue": float(contributions[name][i, -1]),
                "values": [float(v) for v in contributions[name][i, :-1]],
            }
            for name in weights
        }
        ensemble_values = sum(weights[name] * contributions[name][i, :-1].astype(np.float64) for name in weights)
        ensemble_base = sum(weights[name] * float(contributions[name][i, -1]) for name in weights)
        shap_doc["rows"].append(
            {
                "features": _nullable(rows[i]),
                **per_model,
                "margin": float(margin[i]),
                "ensemble": {"baseValue": ensemble_base, "values": [float(v) for v in ensemble_values]},
            }
        )
    # The drift baseline the edge builds from live rows must match what training writes to reference.json.
    reference_doc = build_reference(
        manifest["features"], rows, 1 / (1 + np.exp(-margin)), {"source": "the rows of scores.json"}
    )
    return {
        "features.json": features_doc,
        "features-all-kinds.json": all_kinds_doc,
        "scores.json": scores_doc,
        "shap.json": shap_doc,
        "reference.json": reference_doc,
    }


def _native_models(trees_doc: dict, directory: Path) -> dict[str, Any]:
    try:
        models = {
            "lightgbm": lightgbm.Booster(model_file=str(directory / "lightgbm.txt")),
            "xgboost": xgboost.Booster(model_file=str(directory / "xgboost.json")),
        }
    except (lightgbm.basic.LightGBMError, xgboost.core.XGBoostError) as error:
        raise ExportError(f"{directory}: no native models ({error})") from error
    if not _matches(models, trees_doc):
        raise ExportError(
            f"the native models in {directory} are not the ones the bundle's trees.json was exported from"
        )
    return models


def _matches(models: dict[str, Any], trees_doc: dict) -> bool:
    probe = np.random.default_rng(3).normal(50, 30, size=(64, len(trees_doc["features"])))
    native = native_margins(models["lightgbm"], models["xgboost"], probe)
    return all(np.allclose(native[n], evaluate_trees(trees_doc, n, probe), atol=1e-6) for n in ("lightgbm", "xgboost"))


def _native_shap(models: dict[str, Any], rows: np.ndarray) -> dict[str, np.ndarray]:
    booster: xgboost.Booster = models["xgboost"]
    return {
        "lightgbm": np.asarray(models["lightgbm"].predict(rows, pred_contrib=True), dtype=np.float64),
        "xgboost": np.asarray(
            booster.predict(
                xgboost.DMatrix(rows, missing=np.nan, feature_names=booster.feature_names), pred_contribs=True
            ),
            dtype=np.float64,
        ),
    }


def write_fixtures(bundle_dir: Path, out_dir: Path, native_source: Path) -> dict[str, float]:
    """Writes the fixtures, with a copy of the native models they come from (so CI can regenerate them)."""
    out_dir = Path(out_dir)
    (out_dir / "native").mkdir(parents=True, exist_ok=True)
    for name in ("lightgbm.txt", "xgboost.json"):
        if Path(native_source).resolve() != (out_dir / "native").resolve():
            shutil.copyfile(Path(native_source) / name, out_dir / "native" / name)
    docs = build_fixtures(bundle_dir, out_dir / "native")
    additivity = check_additivity(docs)
    for name, doc in docs.items():
        temporary = out_dir / f".{name}.tmp"
        temporary.write_bytes(_dump_one_row_per_line(doc))
        temporary.replace(out_dir / name)
    return additivity


def _dump_one_row_per_line(doc: dict[str, Any]) -> bytes:
    """Compact JSON with each element of a top-level list on its own line: small files, readable diffs."""
    parts = []
    for key, value in doc.items():
        if isinstance(value, list):
            rows = ",\n".join(json.dumps(item, separators=(",", ":"), allow_nan=False) for item in value)
            parts.append(f"{json.dumps(key)}:[\n{rows}\n]")
        else:
            parts.append(f"{json.dumps(key)}:{json.dumps(value, separators=(',', ':'), allow_nan=False)}")
    return ("{\n" + ",\n".join(parts) + "\n}\n").encode()


def check_additivity(docs: dict[str, Any], tolerance: float = 1e-9) -> dict[str, float]:
    """Max |base + sum(SHAP) - margin| per model and for the ensemble, from the native libraries' values; raises
    past tolerance."""
    worst = {"lightgbm": 0.0, "xgboost": 0.0, "ensemble": 0.0}
    for shap_row, score_row in zip(docs["shap.json"]["rows"], docs["scores.json"]["rows"]):
        for name in ("lightgbm", "xgboost"):
            total = shap_row[name]["baseValue"] + math.fsum(shap_row[name]["values"])
            worst[name] = max(worst[name], abs(total - score_row["margins"][name]["native"]))
        total = shap_row["ensemble"]["baseValue"] + math.fsum(shap_row["ensemble"]["values"])
        worst["ensemble"] = max(worst["ensemble"], abs(total - shap_row["margin"]))
    # Native XGBoost sums hundreds of float32 contributions: its own additivity holds to ~1e-4 only.
    limits = {"lightgbm": tolerance, "xgboost": 1e-4, "ensemble": 1e-4}
    failed = {k: v for k, v in worst.items() if v > limits[k]}
    if failed:
        raise ExportError(f"SHAP values do not add up to the margin: {failed}")
    return worst


def check_fixtures(bundle_dir: Path, out_dir: Path) -> list[str]:
    """Regenerates the fixtures in memory; every difference from the committed ones beyond tolerance."""
    problems: list[str] = []
    for name, fresh in build_fixtures(bundle_dir, Path(out_dir) / "native").items():
        path = Path(out_dir) / name
        if not path.exists():
            problems.append(f"{path} is missing")
            continue
        _compare(json.loads(path.read_text()), fresh, name, problems)
    return problems[:50]


def _compare(old: Any, new: Any, where: str, problems: list[str]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        if old.keys() != new.keys():
            problems.append(f"{where}: keys {sorted(old)} != {sorted(new)}")
        for key in old.keys() & new.keys():
            _compare(old[key], new[key], f"{where}.{key}", problems)
    elif isinstance(old, list) and isinstance(new, list):
        if len(old) != len(new):
            problems.append(f"{where}: {len(old)} items != {len(new)}")
        for i, (a, b) in enumerate(zip(old, new)):
            _compare(a, b, f"{where}[{i}]", problems)
    elif isinstance(old, (int, float)) and isinstance(new, (int, float)) and not isinstance(old, bool):
        tolerance = TOLERANCE["onnx"] if "onnx" in where else TOLERANCE["default"]
        if abs(old - new) > tolerance * max(1.0, abs(old)):
            problems.append(f"{where}: committed {old!r}, regenerated {new!r}")
    elif old != new:
        problems.append(f"{where}: committed {old!r}, regenerated {new!r}")


def verify_bundle(bundle_dir: Path, public_key: str | None = None) -> dict[str, Any]:
    """Hashes, signature (required when a public key is given), and model.onnx rebuilt from trees.json."""
    manifest = read_manifest(bundle_dir)
    report: dict[str, Any] = {
        "bundle": str(bundle_dir),
        "name": manifest["name"],
        "version": manifest["version"],
        "hashes": "ok",
    }
    signature_path = Path(bundle_dir) / "manifest.sig.json"
    if public_key:
        if not signature_path.exists():
            raise ExportError(
                f"{bundle_dir}: a public key was given but the bundle is not signed (no manifest.sig.json)"
            )
        if not verify_signature(
            (Path(bundle_dir) / "manifest.json").read_bytes(), json.loads(signature_path.read_text()), public_key
        ):
            raise ExportError(f"{bundle_dir}: the manifest signature does not verify with the given public key")
        report["signature"] = "ok"
    else:
        report["signature"] = "present, not checked (no --public-key)" if signature_path.exists() else "unsigned"
    trees_doc = json.loads((Path(bundle_dir) / "trees.json").read_bytes())
    rebuilt = build_onnx(trees_doc, manifest["ensemble"]["weights"]).SerializeToString()
    report["onnxMatchesTrees"] = rebuilt == (Path(bundle_dir) / "model.onnx").read_bytes()
    if not report["onnxMatchesTrees"]:
        raise ExportError(f"{bundle_dir}: model.onnx is not the graph trees.json describes")
    return report
