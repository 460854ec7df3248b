"""Training the LightGBM + XGBoost ensemble with hyperparameters chosen by prequential validation.

The two models are combined in log-odds, margin = w_lgbm * margin_lgbm + w_xgb * margin_xgb, so the ensemble's
SHAP values are the same weighted sum of the two models' SHAP values and add up exactly to its margin.
Both use fine histograms (4095 bins): the handbook's first fraud scenario is an exact amount rule (> 220) and
LightGBM's or XGBoost's default 255/256 bins blur it, which costs several points of Average Precision.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import lightgbm
import numpy as np
import pandas as pd
import xgboost

from . import protocol
from .progress import log

DEFAULT_WEIGHTS = {"lightgbm": 0.6, "xgboost": 0.4}


def default_threads() -> int:
    """$FRAUDMODELS_THREADS, else the CPUs this process may run on."""
    configured = os.environ.get("FRAUDMODELS_THREADS")
    if configured:
        return max(1, int(configured))
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


_threads = default_threads()


def threads() -> int:
    return _threads


def set_threads(threads: int) -> None:
    """Threads for LightGBM and XGBoost (the CLI's --threads)."""
    global _threads
    _threads = max(1, int(threads))


LIGHTGBM_FIXED = {
    "objective": "binary",
    "verbose": -1,
    "seed": 0,
    "deterministic": True,
    "force_row_wise": True,
    "max_bin": 4095,
    "feature_pre_filter": False,
    "learning_rate": 0.02,
    "feature_fraction": 0.8,
}
# Class imbalance: neg_bagging_fraction < 1 is balanced bagging (each tree sees all frauds, a share of the rest).
LIGHTGBM_GRID = {
    "num_leaves": [7, 15],
    "min_child_samples": [100, 200, 400],
    "num_boost_round": [300, 500],
    "neg_bagging_fraction": [1.0, 0.5],
}
# base_score 0.5 starts boosting from margin 0, as XGBoost 1.x (the handbook's) did; XGBoost 3 otherwise estimates
# it from the labels (about -4.8 in log-odds here), which scored clearly worse with few trees in our experiments.
XGBOOST_FIXED = {
    "objective": "binary:logistic",
    "tree_method": "hist",
    "max_bin": 4096,
    "seed": 0,
    "eta": 0.05,
    "base_score": 0.5,
    "subsample": 0.8,
    "colsample_bytree": 0.8,
}
# Class imbalance: scale_pos_weight > 1 up-weights the frauds.
XGBOOST_GRID = {
    "max_depth": [3, 4],
    "min_child_weight": [1, 5],
    "num_boost_round": [400, 600],
    "scale_pos_weight": [1, 3],
}
# A modest grid for shared machines (`train --grid small`, the benchmark's): the full grids' choices on the handbook's
# validation folds were 15 leaves / 200 samples / 500 rounds and depth 3 / 600 rounds; these are their neighbours.
SMALL_GRIDS = {
    "lightgbm": {
        "num_leaves": [15, 31],
        "min_child_samples": [100, 200],
        "num_boost_round": [500],
        "neg_bagging_fraction": [1.0],
    },
    "xgboost": {"max_depth": [3, 4], "min_child_weight": [1], "num_boost_round": [400, 600], "scale_pos_weight": [1]},
}


def fit_lightgbm(X: np.ndarray, y: np.ndarray, params: dict[str, Any]) -> lightgbm.Booster:
    params = {**LIGHTGBM_FIXED, "num_threads": _threads, **params}
    rounds = params.pop("num_boost_round")
    if params.get("neg_bagging_fraction", 1.0) < 1.0:
        params.update(bagging_freq=1, pos_bagging_fraction=1.0, bagging_seed=0)
    return lightgbm.train(params, lightgbm.Dataset(X, y, params={"max_bin": params["max_bin"]}), rounds)


def fit_xgboost(X: np.ndarray, y: np.ndarray, params: dict[str, Any]) -> xgboost.Booster:
    params = {**XGBOOST_FIXED, "nthread": _threads, **params}
    rounds = params.pop("num_boost_round")
    return xgboost.train(params, xgboost.DMatrix(X, y, missing=np.nan), rounds)


def margin_lightgbm(model: lightgbm.Booster, X: np.ndarray) -> np.ndarray:
    return model.predict(X, raw_score=True)


def margin_xgboost(model: xgboost.Booster, X: np.ndarray) -> np.ndarray:
    # A model trained with feature names refuses a matrix without them: name the columns as the model does.
    matrix = xgboost.DMatrix(X, missing=np.nan, feature_names=model.feature_names)
    return model.predict(matrix, output_margin=True).astype(np.float64)


MODELS: dict[str, tuple[Callable, Callable, dict[str, Any], dict[str, list]]] = {
    "lightgbm": (fit_lightgbm, margin_lightgbm, LIGHTGBM_FIXED, LIGHTGBM_GRID),
    "xgboost": (fit_xgboost, margin_xgboost, XGBOOST_FIXED, XGBOOST_GRID),
}


def ensemble_margin(margins: dict[str, np.ndarray], weights: dict[str, float]) -> np.ndarray:
    return sum(weights[name] * margins[name] for name in weights)


def sigmoid(margin: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-margin))


@dataclass
class Ensemble:
    models: dict[str, Any]
    params: dict[str, dict[str, Any]]
    weights: dict[str, float]

    def margins(self, X: np.ndarray) -> dict[str, np.ndarray]:
        return {name: MODELS[name][1](model, X) for name, model in self.models.items()}

    def margin(self, X: np.ndarray) -> np.ndarray:
        return ensemble_margin(self.margins(X), self.weights)


def fit_ensemble(
    X: np.ndarray, y: np.ndarray, params: dict[str, dict[str, Any]], weights: dict[str, float]
) -> Ensemble:
    return Ensemble({name: MODELS[name][0](X, y, params[name]) for name in weights}, params, weights)


def grid(space: dict[str, list]) -> list[dict[str, Any]]:
    keys = list(space)
    return [dict(zip(keys, values)) for values in itertools.product(*(space[k] for k in keys))]


@dataclass
class FoldScores:
    """Per-fold metrics of one model setting."""

    params: dict[str, Any]
    folds: list[dict[str, float]] = field(default_factory=list)

    def mean(self, metric: str) -> float:
        if metric == SELECTION_METRIC:
            return sum(self.mean(m) for m in ("auc_roc", "average_precision", "card_precision_at_100"))
        return float(np.mean([fold[metric] for fold in self.folds]))

    def std(self, metric: str) -> float:
        return float(np.std([fold[metric] for fold in self.folds]))


# The benchmark has three goals (AUC ROC, Average Precision, Card Precision@100), so settings are ranked by the sum
# of their mean validation values.
SELECTION_METRIC = "auc+ap+cp@100"


def select_hyperparameters(
    table: pd.DataFrame,
    X: np.ndarray,
    folds: list[protocol.Fold],
    grids: dict[str, dict[str, list]] | None = None,
    metric: str = SELECTION_METRIC,
) -> dict[str, dict[str, Any]]:
    """For each model, the grid setting with the best mean validation score over the prequential folds."""
    y = table["label"].to_numpy()
    chosen: dict[str, dict[str, Any]] = {}
    for name, (fit, predict, _, default_grid) in MODELS.items():
        settings = grid((grids or {}).get(name, default_grid))
        results = []
        for i, params in enumerate(settings, 1):
            started = time.perf_counter()
            scores = FoldScores(params)
            for fold in folds:
                model = fit(X[fold.train], y[fold.train], params)
                scores.folds.append(protocol.assess(table, fold.test, predict(model, X[fold.test])))
            results.append(scores)
            log(
                f"  {name} {i}/{len(settings)} {params}: AUC {scores.mean('auc_roc'):.4f} "
                f"AP {scores.mean('average_precision'):.4f} CP@100 {scores.mean('card_precision_at_100'):.4f} "
                f"({time.perf_counter() - started:.1f} s)"
            )
        best = max(results, key=lambda s: s.mean(metric))
        log(f"{name}: chose {best.params} (validation {metric} {best.mean(metric):.4f})")
        chosen[name] = best.params
    return chosen


def assess_ensemble(
    table: pd.DataFrame,
    X: np.ndarray,
    folds: list[protocol.Fold],
    params: dict[str, dict[str, Any]],
    weights: dict[str, float],
) -> tuple[dict[str, list[dict[str, float]]], list[tuple[np.ndarray, np.ndarray]]]:
    """Fits the ensemble on each fold: per-fold metrics for each model and the ensemble, and each fold's test
    labels and ensemble probabilities (for thresholds)."""
    y = table["label"].to_numpy()
    per_model: dict[str, list[dict[str, float]]] = {name: [] for name in [*weights, "ensemble"]}
    predictions = []
    for fold in folds:
        ensemble = fit_ensemble(X[fold.train], y[fold.train], params, weights)
        margins = ensemble.margins(X[fold.test])
        for name, margin in margins.items():
            per_model[name].append(protocol.assess(table, fold.test, margin))
        probability = sigmoid(ensemble_margin(margins, weights))
        per_model["ensemble"].append(protocol.assess(table, fold.test, probability))
        predictions.append((y[fold.test], probability))
    return per_model, predictions


def choose_threshold(predictions: list[tuple[np.ndarray, np.ndarray]]) -> float:
    """The threshold maximising F1 over the pooled fold predictions."""
    return protocol.best_f1_threshold(
        np.concatenate([p[0] for p in predictions]), np.concatenate([p[1] for p in predictions])
    )


def add_threshold_metrics(
    folds: list[dict[str, float]], predictions: list[tuple[np.ndarray, np.ndarray]], threshold: float
) -> None:
    for fold, (labels, probabilities) in zip(folds, predictions):
        fold.update(protocol.threshold_metrics(labels, probabilities, threshold))


def summarise(folds: list[dict[str, float]]) -> dict[str, dict[str, float]]:
    """mean and std (over folds, ddof 0 as the handbook's GridSearchCV) of every metric."""
    return {
        metric: {"mean": float(np.mean([f[metric] for f in folds])), "std": float(np.std([f[metric] for f in folds]))}
        for metric in folds[0]
    }
