"""The report's Card Precision@100 ceiling: which frauds a spec's features can see."""

import numpy as np
import pandas as pd
from fraudmodels import evaluate

DAY = 86_400_000


def spec_with(*windows: dict) -> dict:
    amount = {"name": "TX_AMOUNT", "source": {"field": "amount"}}
    return {"features": [amount, *({"name": f"W{i}", "window": w} for i, w in enumerate(windows))]}


def risk(length: str, delay: str, **extra) -> dict:
    return {"entity": "terminalId", "length": length, "delay": delay, "aggregate": "mean", "field": "label", **extra}


def test_terminal_label_reach_spans_the_stored_label_windows_over_a_terminal():
    spec = spec_with(
        risk("1d", "7d"),
        risk("30d", "7d"),
        risk("28d", "0d", labels="known"),  # read as known at scoring time: not a fixed reach
        {"entity": "customerId", "length": "7d", "aggregate": "mean", "field": "amount"},
    )
    assert evaluate.terminal_label_reach(spec) == (7 * DAY, 37 * DAY)
    assert evaluate.terminal_label_reach(spec_with()) is None


def test_a_terminal_fraud_is_visible_only_while_the_windows_read_an_earlier_fraud_at_that_terminal():
    table = pd.DataFrame(
        {
            "timestamp": np.array([0, 2, 3, 7, 8, 9, 40], dtype=np.int64) * DAY,
            "terminalId": ["T1", "T3", "T1", "T1", "T1", "T2", "T1"],
            "label": [1, 1, 1, 1, 1, 0, 1],
            "scenario": [2, 1, 2, 2, 2, 0, 2],
        }
    )
    spec = spec_with(risk("30d", "7d"))
    # T1 on days 0 and 3: no fraud 7 or more days back; day 7: day 0's is exactly 7 days back (read); day 8: day 0's;
    # day 40: day 3's is 37 days back (out), day 7's 33 (read). An amount fraud (scenario 1) is always visible, a
    # legitimate payment never.
    assert evaluate.visible_frauds(table, spec).tolist() == [0, 1, 0, 1, 1, 0, 1]
    # Without terminal label windows no terminal fraud is visible.
    assert evaluate.visible_frauds(table, spec_with()).tolist() == [0, 1, 0, 0, 0, 0, 0]
