"""The handbook's protocol pieces on hand-made data where the answer is known."""

import numpy as np
import pandas as pd
import pytest
from fraudmodels import protocol


def test_card_precision_takes_each_cards_max_and_drops_cards_detected_earlier():
    day = np.array([0, 0, 0, 0, 1, 1, 1])
    customer = np.array(["a", "a", "b", "c", "a", "b", "c"])
    label = np.array([0, 1, 0, 0, 1, 1, 0])
    score = np.array([0.9, 0.1, 0.8, 0.2, 0.9, 0.5, 0.4])
    # day 0, k=1: card a (max score 0.9, max label 1) → 1.0, a is detected; day 1 without a: b (0.5, fraud) → 1.0
    assert protocol.card_precision_top_k(day, customer, label, score, k=1) == 1.0
    # k=2: day 0 top a, b → 1/2; day 1 without a: b, c → 1/2
    assert protocol.card_precision_top_k(day, customer, label, score, k=2) == 0.5


def test_test_days_drop_cards_known_compromised_before_them():
    days = np.arange(21)
    rows = []
    for d in days:
        rows.append({"day": d, "customerId": "x", "label": 1 if d == 2 else 0})  # fraud seen in training
        rows.append(
            {"day": d, "customerId": "y", "label": 1 if d == 8 else 0}
        )  # fraud in the delay, revealed day 9 → test day 16
        rows.append({"day": d, "customerId": "z", "label": 0})
    table = pd.DataFrame(rows)
    fold = protocol.train_test_split(table, 0)
    assert set(table["day"].iloc[fold.train]) == set(range(7))
    test = table.iloc[fold.test]
    assert set(test["day"]) == set(range(14, 21))
    assert "x" not in set(test["customerId"])
    # revealed_day for test day 14 + k is 6 + k: y's fraud on day 8 is known from test day 16 on
    assert set(test[test["customerId"] == "y"]["day"]) == {14, 15}
    assert len(test[test["customerId"] == "z"]) == 7


def test_fold_starts_step_back_a_week():
    assert protocol.fold_starts(136, 4) == [136, 129, 122, 115]


def test_threshold_metrics_and_best_f1_threshold():
    label = np.array([0, 0, 1, 1, 0, 1])
    score = np.array([0.1, 0.4, 0.35, 0.8, 0.2, 0.9])
    assert protocol.threshold_metrics(label, score, 0.5) == pytest.approx(
        {"precision": 1.0, "recall": 2 / 3, "f1": 0.8}
    )
    threshold = protocol.best_f1_threshold(label, score)
    assert protocol.threshold_metrics(label, score, threshold)["f1"] >= 0.8
