"""The handbook benchmark: our ensemble under the handbook's chapter-5 protocol, beside its published results.

Hyperparameters are chosen on the validation folds (training starts 2018-07-11 and the three weeks before), the
threshold on the validation predictions; the test folds (training starts 2018-08-15 and the three weeks before)
are used once, for the report. Nothing is tuned on test weeks.
"""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path
from typing import Any

import psutil

from . import protocol, train
from .dataset import Dataset
from .progress import log

# Chapter 5/6 test results (mean over the 4 test folds) on the same protocol and data.
HANDBOOK_RESULTS = {
    "XGBoost (50 trees, lr 0.3, depth 3)": {
        "auc_roc": 0.872,
        "average_precision": 0.687,
        "card_precision_at_100": 0.302,
    },
    "Random forest (100 trees, depth 20)": {
        "auc_roc": 0.870,
        "average_precision": 0.678,
        "card_precision_at_100": 0.299,
    },
    "Logistic regression": {"auc_roc": 0.868, "average_precision": 0.623, "card_precision_at_100": 0.297},
}
METRICS = [
    ("auc_roc", "AUC ROC"),
    ("average_precision", "Average Precision"),
    ("card_precision_at_100", "Card Precision@100"),
]
VALIDATION_START = "2018-07-11"
TEST_START = "2018-08-15"


def handbook_report(
    data: Dataset, weights: dict[str, float], out_dir: Path, grids: dict[str, dict[str, list]] | None = None
) -> dict[str, Any]:
    started = time.perf_counter()
    validation = [
        protocol.train_test_split(data.table, d) for d in protocol.fold_starts(data.day_of(VALIDATION_START), 4)
    ]
    test = [protocol.train_test_split(data.table, d) for d in protocol.fold_starts(data.day_of(TEST_START), 4)]
    log("choosing hyperparameters on the validation folds")
    params = train.select_hyperparameters(data.table, data.X, validation, grids)
    log("choosing the threshold on the validation folds' ensemble predictions")
    _, predictions = train.assess_ensemble(data.table, data.X, validation, params, weights)
    threshold = train.choose_threshold(predictions)
    log(f"threshold {threshold:.4f}; assessing on the test folds")
    per_model, predictions = train.assess_ensemble(data.table, data.X, test, params, weights)
    train.add_threshold_metrics(per_model["ensemble"], predictions, threshold)
    report = {
        "protocol": {
            "source": "Fraud Detection Handbook, chapter 5 (prequential validation)",
            "folds": 4,
            "train_days": 7,
            "delay_days": 7,
            "test_days": 7,
            "validation_train_starts": [data.date_of(f.train_start_day) for f in validation],
            "test_train_starts": [data.date_of(f.train_start_day) for f in test],
            "selection": "per model, the grid setting with the best sum of mean validation AUC ROC, Average Precision and Card Precision@100; the threshold maximises validation F1",
        },
        "data": {"path": os.path.basename(data.path), "sha256": data.sha256, "transactions": len(data.table)},
        "hyperparameters": params,
        "weights": weights,
        "threshold": threshold,
        "test": {name: train.summarise(folds) for name, folds in per_model.items()},
        "test_folds": per_model,
        "handbook": HANDBOOK_RESULTS,
        "seconds": round(time.perf_counter() - started, 1),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
    }
    best = {key: max(r[key] for r in HANDBOOK_RESULTS.values()) for key, _ in METRICS}
    report["beats_handbook_best"] = {key: report["test"]["ensemble"][key]["mean"] > best[key] for key, _ in METRICS}
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "handbook-benchmark.json").write_text(json.dumps(report, indent=2) + "\n")
    (out_dir / "handbook-benchmark.md").write_text(markdown(report))
    return report


def markdown(report: dict[str, Any]) -> str:
    rows = ["| model | " + " | ".join(label for _, label in METRICS) + " |", "|---|" + "---|" * len(METRICS)]
    names = {
        "ensemble": "**Our ensemble (0.6 LightGBM + 0.4 XGBoost, log-odds)**",
        "lightgbm": "our LightGBM alone",
        "xgboost": "our XGBoost alone",
    }
    for name in ("ensemble", "lightgbm", "xgboost"):
        stats = report["test"][name]
        rows.append(
            f"| {names[name]} | "
            + " | ".join(f"{stats[k]['mean']:.3f} ± {stats[k]['std']:.3f}" for k, _ in METRICS)
            + " |"
        )
    for name, result in report["handbook"].items():
        rows.append(f"| handbook: {name} | " + " | ".join(f"{result[k]:.3f}" for k, _ in METRICS) + " |")
    ensemble = report["test"]["ensemble"]
    lines = [
        "# Handbook benchmark",
        "",
        (
            "Test performance (mean ± std over the 4 prequential test folds; 7 training days, 7 delay days, 7 test days; "
            f"test training starts {', '.join(report['protocol']['test_train_starts'])}). Hyperparameters and threshold "
            "were chosen on the validation folds only."
        ),
        "",
        *rows,
        "",
        (
            f"At the chosen threshold {report['threshold']:.4f} (maximum validation F1), on the test folds: precision "
            f"{ensemble['precision']['mean']:.3f} ± {ensemble['precision']['std']:.3f}, recall "
            f"{ensemble['recall']['mean']:.3f} ± {ensemble['recall']['std']:.3f}, F1 {ensemble['f1']['mean']:.3f} ± "
            f"{ensemble['f1']['std']:.3f}."
        ),
        "",
        "Beats the handbook's best on: "
        + ", ".join(f"{label} {'yes' if report['beats_handbook_best'][k] else 'NO'}" for k, label in METRICS)
        + ".",
        "",
        f"Chosen hyperparameters: `{json.dumps(report['hyperparameters'])}`.",
        "",
        (
            f"Data: {report['data']['path']} ({report['data']['transactions']:,} transactions, sha256 {report['data']['sha256'][:16]}…). "
            f"Run time {report['seconds']} s, peak memory {report['peak_rss_mb']} MB on {report['machine']['cpus']} CPUs."
        ),
        "",
        "Reproduce: `models/.venv/bin/python -m fraudmodels evaluate` (reads ../shared/data by default).",
        "",
    ]
    return "\n".join(lines)


def _peak_rss_mb() -> float:
    process = psutil.Process()
    try:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    except ImportError:  # not on POSIX
        return process.memory_info().rss / 2**20
