"""The steps behind the CLI: train (choose hyperparameters, fit, save native models) and export (models → bundle)."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import lightgbm
import numpy as np
import psutil
import xgboost

from . import protocol, train
from .dataset import Dataset, load_dataset
from .errors import DataError, ExportError
from .export import build_bundle_files, json_bytes, read_manifest, write_bundle
from .progress import log
from .reference import build_reference
from .spec import feature_names, load_spec, spec_hash
from .train import sigmoid

# The settings the handbook benchmark chose on its validation folds (models/reports/handbook-benchmark.json);
# `--grid none` trains with these instead of searching.
KNOWN_GOOD = {
    "lightgbm": {"num_leaves": 15, "min_child_samples": 200, "num_boost_round": 500, "neg_bagging_fraction": 1.0},
    "xgboost": {"max_depth": 3, "min_child_weight": 1, "num_boost_round": 600, "scale_pos_weight": 1},
}


def recent_folds(data: Dataset, train_days: int, n_folds: int = 4) -> list[protocol.Fold]:
    """The n most recent prequential folds whose test week ends on the data's last day."""
    last_day = int(data.table["day"].max())
    newest = last_day - (train_days + 7 + 7) + 1
    if newest - 7 * (n_folds - 1) < 0:
        raise DataError(
            f"{data.path}: {last_day + 1} days of data are too few for {n_folds} validation folds of "
            f"{train_days}+7+7 days; simulate more days or use fewer folds (train --folds N)"
        )
    return [protocol.train_test_split(data.table, start, train_days) for start in protocol.fold_starts(newest, n_folds)]


def train_models(
    data: Dataset,
    out_dir: Path,
    weights: dict[str, float],
    train_days: int = 7,
    grid: str = "full",
    n_folds: int = 4,
    rounds: int | None = None,
    spec_sha256: str | None = None,
    annotations: dict[str, Any] | None = None,
    on_trained: Callable[[dict[str, Any]], None] | None = None,
    spec: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Chooses hyperparameters on the most recent validation folds, picks the threshold that maximises validation
    F1, fits both models on the last train_days days and saves them with what export needs.

    `rounds` replaces both models' num_boost_round (a fast path for tests and demos, with grid "none"); `spec` (the
    features the data was computed with) is saved beside the models as features.json, which export then uses;
    `annotations` are added to the summary (training.json), e.g. the MLflow run; `on_trained` then receives the
    summary with the in-memory results (fold predictions, the final ensemble, the final fit's rows): MLflow tracking
    logs them."""
    started = time.perf_counter()
    folds = recent_folds(data, train_days, n_folds)
    grids = {"full": None, "small": train.SMALL_GRIDS}
    params = train.select_hyperparameters(data.table, data.X, folds, grids[grid]) if grid in grids else KNOWN_GOOD
    if rounds is not None:
        params = {name: {**setting, "num_boost_round": rounds} for name, setting in params.items()}
    per_model, predictions = train.assess_ensemble(data.table, data.X, folds, params, weights)
    threshold = train.choose_threshold(predictions)
    train.add_threshold_metrics(per_model["ensemble"], predictions, threshold)
    last_day = int(data.table["day"].max())
    rows = np.flatnonzero(data.table["day"].to_numpy() > last_day - train_days)
    log(f"fitting the final models on the last {train_days} days ({len(rows):,} transactions)")
    fit_started = time.perf_counter()
    ensemble = train.fit_ensemble(data.X[rows], data.y[rows], params, weights)
    fit_seconds = time.perf_counter() - fit_started
    out_dir.mkdir(parents=True, exist_ok=True)
    if spec is not None:
        (out_dir / "features.json").write_text(json.dumps(spec, indent=2, ensure_ascii=False) + "\n")
        spec_sha256 = spec_hash(spec)
    ensemble.models["lightgbm"].save_model(str(out_dir / "lightgbm.txt"))
    ensemble.models["xgboost"].save_model(str(out_dir / "xgboost.json"))
    summary = {
        "data": {
            "path": str(Path(data.path).resolve()),
            "sha256": data.sha256,
            "transactions": len(data.table),
            "from": data.date_of(0),
            "to": data.date_of(last_day),
        },
        "window": {
            "from": data.date_of(last_day - train_days + 1),
            "to": data.date_of(last_day),
            "rows": len(rows),
            "frauds": int(data.y[rows].sum()),
        },
        "hyperparameters": params,
        "weights": weights,
        "threshold": threshold,
        "validation": {name: train.summarise(folds_) for name, folds_ in per_model.items()},
        "validationFolds": [data.date_of(f.train_start_day) for f in folds],
        "validationPerFold": per_model,
        "trainDays": train_days,
        "grid": grid,
        "threads": train.threads(),
        **({"labelTimes": data.label_times} if data.label_times else {}),
        "seconds": {"total": round(time.perf_counter() - started, 1), "finalFit": round(fit_seconds, 1)},
        "peakMemoryMB": round(peak_memory_mb(), 1),
    }
    if spec_sha256:
        summary["featureSpecSha256"] = spec_sha256
    summary.update(annotations or {})
    (out_dir / "training.json").write_text(json.dumps(summary, indent=2) + "\n")
    if on_trained is not None:
        on_trained({**summary, "predictions": predictions, "ensemble": ensemble, "X_train": data.X[rows]})
    return summary


def export_models(
    models_dir: Path,
    bundle_dir: Path,
    name: str,
    version: str,
    signing_key: str | None = None,
    spec_path: str | None = None,
) -> dict[str, Any]:
    """Loads the models and training summary that `train` saved and writes the verified bundle."""
    try:
        summary = json.loads((models_dir / "training.json").read_text())
        lgbm = lightgbm.Booster(model_file=str(models_dir / "lightgbm.txt"))
        xgb = xgboost.Booster(model_file=str(models_dir / "xgboost.json"))
    except (OSError, json.JSONDecodeError, lightgbm.basic.LightGBMError, xgboost.core.XGBoostError) as error:
        raise ExportError(
            f"{models_dir}: no trained models to export ({error}); run `python -m fraudmodels train` first"
        ) from error
    saved = models_dir / "features.json"
    spec = load_spec(spec_path) if spec_path else load_spec(saved) if saved.exists() else load_spec()
    if summary.get("featureSpecSha256") and spec_hash(spec) != summary["featureSpecSha256"]:
        raise ExportError(
            f"the feature spec ({spec.get('name')}) is not the one the models were trained with "
            f"(sha256 {summary['featureSpecSha256'][:16]}…): export with the spec train used (--spec)"
        )
    data = load_dataset(summary["data"]["path"], spec)
    if data.sha256 != summary["data"]["sha256"]:
        raise ExportError(f"{data.path} changed since training (sha256 differs); train again")
    days = data.table["day"].to_numpy()
    first, last = data.day_of(summary["window"]["from"]), data.day_of(summary["window"]["to"])
    train_rows = np.flatnonzero((days >= first) & (days <= last))
    verify_rows = np.random.default_rng(0).choice(len(data.table), size=min(20_000, len(data.table)), replace=False)
    ensemble = train.Ensemble({"lightgbm": lgbm, "xgboost": xgb}, summary["hyperparameters"], summary["weights"])
    fields = {
        "name": name,
        "version": version,
        "trainingData": {
            "source": Path(summary["data"]["path"]).name,
            "sha256": summary["data"]["sha256"],
            "window": summary["window"],
        },
        "threshold": summary["threshold"],
        "metrics": {
            "protocol": f"prequential validation, {len(summary['validationFolds'])} folds of "
            f"{summary.get('trainDays', 7)} training, 7 delay and 7 test days ending on the "
            "data's last day",
            "folds": summary["validationFolds"],
            **summary["validation"],
        },
        "libraries": {"lightgbm": lightgbm.__version__, "xgboost": xgboost.__version__},
    }
    if summary.get("mlflow"):
        # The MLflow run that trained the models (train with MLFLOW_TRACKING_URI): `register` logs the bundle there.
        fields["mlflowRun"] = {"runId": summary["mlflow"]["runId"], "experimentId": summary["mlflow"]["experimentId"]}
    files, verification = build_bundle_files(ensemble, spec, data.X[train_rows], data.X[np.sort(verify_rows)], fields)
    write_bundle(files, bundle_dir, signing_key)
    read_manifest(bundle_dir)
    log(f"wrote {bundle_dir}")
    return verification


def peak_memory_mb() -> float:
    try:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    except ImportError:
        return psutil.Process().memory_info().rss / 2**20


def rebuild_reference(bundle_dir: Path, data_path: Path, models_dir: Path) -> dict[str, Any]:
    """Rewrites a bundle's reference.json with the current builder (reference.py) without retraining: the training
    window's rows of the training file (checked against the manifest's sha256 and row count), the bundle's features and
    the native models it was exported from (their scores checked against the old document's score histogram); the
    manifest's entry for the file follows. For a bundle exported before the builder changed (bins, quantiles)."""
    bundle_dir = Path(bundle_dir)
    if (bundle_dir / "manifest.sig.json").exists():
        raise ExportError(f"{bundle_dir} is signed: export it again with --signing-key instead")
    manifest = json.loads((bundle_dir / "manifest.json").read_text())
    spec = load_spec(bundle_dir / "features.json")
    old = json.loads((bundle_dir / "reference.json").read_text())
    data = load_dataset(data_path, spec)
    if data.sha256 != manifest["trainingData"]["sha256"]:
        raise ExportError(f"{data_path} is not the bundle's training file (sha256 differs from the manifest's)")
    window = manifest["trainingData"]["window"]
    days = data.table["day"].to_numpy()
    rows = np.flatnonzero((days >= data.day_of(window["from"])) & (days <= data.day_of(window["to"])))
    if len(rows) != window["rows"]:
        raise ExportError(f"the training window holds {len(rows)} rows, the manifest says {window['rows']}")
    lgbm = lightgbm.Booster(model_file=str(Path(models_dir) / "lightgbm.txt"))
    xgb = xgboost.Booster(model_file=str(Path(models_dir) / "xgboost.json"))
    ensemble = train.Ensemble(
        {"lightgbm": lgbm, "xgboost": xgb}, manifest["ensemble"]["hyperparameters"], manifest["ensemble"]["weights"]
    )
    X = data.X[rows]
    document = build_reference(feature_names(spec), X, sigmoid(ensemble.margin(X)), window)
    if document["score"]["histogram"] != old["score"]["histogram"]:
        raise ExportError(f"{models_dir}: these models do not score the window as the bundle's reference says")
    files = {path.name: path.read_bytes() for path in bundle_dir.iterdir() if path.is_file()}
    files["reference.json"] = json_bytes(document)
    manifest["files"]["reference.json"] = {
        "sha256": hashlib.sha256(files["reference.json"]).hexdigest(),
        "bytes": len(files["reference.json"]),
    }
    files["manifest.json"] = json_bytes(manifest)
    write_bundle(files, bundle_dir)
    read_manifest(bundle_dir)
    log(f"rewrote {bundle_dir / 'reference.json'}")
    return {"bundle": str(bundle_dir), "reference": manifest["files"]["reference.json"], "rows": len(rows)}
