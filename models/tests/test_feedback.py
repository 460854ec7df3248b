"""The investigation process that makes labels known early (feedback.py), and the replay of the feedback protocol."""

import numpy as np
import pandas as pd
import pytest
from fraudmodels import feedback, train
from fraudmodels.features import compute_features
from fraudmodels.spec import load_spec

DAY = feedback.DAY_MS


def _table(rows):
    """rows of (card, terminal, day, hour, label)."""
    frame = pd.DataFrame(rows, columns=["customerId", "terminalId", "day", "hour", "label"])
    frame["timestamp"] = frame["day"] * DAY + frame["hour"] * 3_600_000
    frame["amount"] = 10.0
    frame["label"] = frame["label"].astype(float)
    frame["id"] = np.arange(len(frame))
    return frame.sort_values("timestamp", kind="stable", ignore_index=True)


def test_investigations_make_the_top_cards_labels_known_the_next_day():
    table = _table(
        [
            ("a", "t", 0, 1, 0),
            ("a", "t", 5, 1, 1),
            ("b", "t", 5, 2, 0),
            ("c", "u", 5, 3, 1),
            ("a", "t", 6, 1, 0),
            ("c", "u", 6, 2, 1),
            ("b", "u", 6, 3, 0),
        ]
    )
    known_at = feedback.delayed_label_times(table)
    np.testing.assert_array_equal(known_at, table["timestamp"] + 7 * DAY)
    process = feedback.Investigations(table, known_at, cards_per_day=1)
    day5 = process.rows_of_day[5]
    cards = process.investigate(5, np.array([0.9, 0.1, 0.5]))  # a > c > b
    assert list(cards) == ["a"]
    # a's rows of day 5 and of the 7 days before (day 0 too) are known at the next midnight; the others keep the delay
    a_rows = np.flatnonzero(table["customerId"].to_numpy() == "a")
    assert list(known_at[a_rows]) == [6 * DAY, 6 * DAY, table["timestamp"].iloc[a_rows[2]] + 7 * DAY]
    assert known_at[day5[2]] == table["timestamp"].iloc[day5[2]] + 7 * DAY
    # on day 6, a is known compromised (its day-5 fraud known at midnight): blocked, so the next card is investigated
    assert list(process.investigate(6, np.array([0.99, 0.2, 0.3]))) == ["b"]


def test_the_history_is_made_by_a_static_model_refitted_weekly(simulated_table):
    spec = load_spec()
    static = feedback.static_part(spec)
    assert not feedback.reads_known_labels(static) and feedback.reads_known_labels(spec)
    X = compute_features(static, simulated_table)
    fits = []

    def fit(X_, y_, params):
        fits.append(len(y_))
        return train.fit_lightgbm(X_, y_, params)

    known_at = feedback.history_label_times(simulated_table, X, fit, train.margin_lightgbm)
    t = simulated_table["timestamp"].to_numpy()
    early = known_at < t + 7 * DAY
    assert len(fits) == int(simulated_table["day"].max()) // 7 - 1  # weeks 2.. of a 50-day stream
    first_midnight = feedback.first_day_ms(simulated_table)
    assert np.all(known_at[early] >= first_midnight + 15 * DAY)  # no model in the first two weeks: day 14 first
    assert early.any() and np.all(known_at[early] > t[early])  # never known before the payment
    assert np.all((known_at[early] - first_midnight) % DAY == 0)  # at a midnight


def test_the_replay_sees_only_the_investigations_of_earlier_days(simulated_table):
    spec = load_spec()
    table = simulated_table.assign(labelKnownAt=feedback.delayed_label_times(simulated_table))
    X = compute_features(spec, table)
    first_day = int(table["day"].max()) - 6
    replay = feedback.Replay(spec, table, X, table["labelKnownAt"].to_numpy(), first_day, first_day - 14)
    names = [f["name"] for f in spec["features"]]
    known = [i for i, f in enumerate(spec["features"]) if f.get("window", {}).get("labels") == "known"]
    assert replay.positions == known
    rows, before = replay.features(first_day)
    np.testing.assert_array_equal(before, X[rows])  # nothing investigated yet: the delayed labels only
    frauds = rows[table["label"].to_numpy()[rows] == 1]
    scores = np.where(np.isin(rows, frauds), 1.0, 0.0)
    replay.investigate(first_day, scores)
    _, same_day = replay.features(first_day)
    np.testing.assert_array_equal(same_day, before)  # known from the next midnight, not during the day
    later_rows, later = replay.features(first_day + 1)
    terminal_frauds = names.index("TERMINAL_ID_KNOWN_FRAUD_1DAY_WINDOW")
    assert later[:, terminal_frauds].sum() >= X[later_rows, terminal_frauds].sum()
    # blocked: the cards with a fraud since the fold's first training day whose label is known by the day's start
    blocked = set(table["customerId"].to_numpy()[later_rows[replay.blocked(first_day + 1, later_rows)]])
    day, label = table["day"].to_numpy(), table["label"].to_numpy()
    start = feedback.first_day_ms(table) + (first_day + 1) * DAY
    known_frauds = (label == 1) & (day >= first_day - 14) & (replay.known_at <= start)
    assert blocked == set(table["customerId"].to_numpy()[known_frauds]) & set(
        table["customerId"].to_numpy()[later_rows]
    )
    assert blocked & set(
        table["customerId"].to_numpy()[frauds]
    )  # the cards investigated on the first day are among them


@pytest.mark.parametrize("name", ["TERMINAL_ID_KNOWN_RISK_28DAY_WINDOW"])
def test_static_and_known_parts_split_the_spec(name):
    spec = load_spec()
    static = feedback.static_part(spec)
    known, positions = feedback.known_part(spec)
    assert len(static["features"]) + len(positions) == len(spec["features"])
    assert name in [f["name"] for f in known["features"]] and name not in [f["name"] for f in static["features"]]
