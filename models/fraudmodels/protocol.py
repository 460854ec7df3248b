"""The handbook's evaluation protocol (Le Borgne et al., Reproducible Machine Learning for Credit Card Fraud
Detection, chapters 3.5, 4 and 5): prequential folds of 7 training days, a 7-day delay and 7 test days, cards known
to be compromised removed from the test days, and AUC ROC, Average Precision and Card Precision@k.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn import metrics


@dataclass(frozen=True)
class Fold:
    """Row indices of one prequential fold; days are counted from the data's first day."""

    train_start_day: int
    train: np.ndarray
    test: np.ndarray


def fold_starts(first_train_day: int, n_folds: int, step_days: int = 7) -> list[int]:
    """Training start days of the folds, newest first, each one step earlier (the handbook's prequential split)."""
    return [first_train_day - fold * step_days for fold in range(n_folds)]


def train_test_split(
    table: pd.DataFrame, train_start_day: int, train_days: int = 7, delay_days: int = 7, test_days: int = 7
) -> Fold:
    """The handbook's get_train_test_set: train on [start, start+train_days); test on the test_days after the delay,
    each test day without the cards whose fraud was known by then (frauds in training, or up to the day before the
    test day minus the delay)."""
    day = table["day"].to_numpy()
    label = table["label"].to_numpy()
    customer = table["customerId"].to_numpy()
    train = np.flatnonzero((day >= train_start_day) & (day < train_start_day + train_days))
    known = set(customer[train][label[train] == 1])
    test_parts = []
    for offset in range(test_days):
        test_day = train_start_day + train_days + delay_days + offset
        revealed_day = train_start_day + train_days + offset - 1
        revealed = (day == revealed_day) & (label == 1)
        known.update(customer[revealed])
        rows = np.flatnonzero(day == test_day)
        test_parts.append(rows[~pd.Series(customer[rows]).isin(known).to_numpy()])  # hashing: ids are strings
    return Fold(train_start_day, train, np.concatenate(test_parts) if test_parts else np.array([], dtype=np.int64))


def card_precision_top_k(
    day: np.ndarray, customer: np.ndarray, label: np.ndarray, score: np.ndarray, k: int = 100
) -> float:
    """Mean over days of the share of compromised cards among the k cards with the highest score that day; cards
    detected on an earlier day are left out of later days (the handbook's remove_detected_compromised_cards)."""
    frame = pd.DataFrame({"day": day, "customer": customer, "label": label, "score": score})
    detected: set = set()
    precisions = []
    for _, rows in frame.groupby("day", sort=True):
        rows = rows[~rows["customer"].isin(detected)]
        cards = rows.groupby("customer").agg(score=("score", "max"), label=("label", "max"))
        top = cards.sort_values("score", ascending=False, kind="stable").head(k)
        compromised = top.index[top["label"] == 1]
        precisions.append(len(compromised) / k)
        detected.update(compromised)
    return float(np.mean(precisions)) if precisions else float("nan")


def threshold_metrics(label: np.ndarray, score: np.ndarray, threshold: float) -> dict[str, float]:
    """Precision, recall and F1 of blocking every transaction scored at or above the threshold."""
    predicted = score >= threshold
    true_positives = float(np.sum(predicted & (label == 1)))
    precision = true_positives / max(float(np.sum(predicted)), 1.0)
    recall = true_positives / max(float(np.sum(label == 1)), 1.0)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def assess(
    table: pd.DataFrame, rows: np.ndarray, score: np.ndarray, threshold: float | None = None, top_k: int = 100
) -> dict[str, float]:
    """AUC ROC, Average Precision and Card Precision@k of scores for the given rows (plus threshold metrics)."""
    label = table["label"].to_numpy()[rows]
    result = {
        "auc_roc": float(metrics.roc_auc_score(label, score)),
        "average_precision": float(metrics.average_precision_score(label, score)),
        f"card_precision_at_{top_k}": card_precision_top_k(
            table["day"].to_numpy()[rows], table["customerId"].to_numpy()[rows], label, score, top_k
        ),
    }
    if threshold is not None:
        result.update(threshold_metrics(label, score, threshold))
    return result


def best_f1_threshold(label: np.ndarray, score: np.ndarray) -> float:
    """The score threshold that maximises F1 (ties: the higher threshold, which blocks fewer customers)."""
    precision, recall, thresholds = metrics.precision_recall_curve(label, score)
    with np.errstate(divide="ignore", invalid="ignore"):
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)[:-1]
    best = np.flatnonzero(f1 == f1.max())[-1]
    return float(thresholds[best])
