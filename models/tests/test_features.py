"""The spec interpreter against an independent pandas implementation of the handbook's feature code (chapter 3.4),
plus the window semantics that matter for serving: ties, exact window edges, unknown labels, other aggregates."""

import copy
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fraudmodels.errors import DataError, SpecError
from fraudmodels.features import compute_features
from fraudmodels.spec import BASELINE_SPEC_PATH, feature_names, load_spec, spec_hash

DAY = 86_400_000


def handbook_reference(table: pd.DataFrame) -> pd.DataFrame:
    """The handbook's rolling-window features, written the handbook's way (pandas rolling on a time index)."""
    frame = table.assign(TX_DATETIME=pd.to_datetime(table["timestamp"], unit="ms"), row=np.arange(len(table)))
    out = pd.DataFrame(index=frame["row"])
    out["TX_AMOUNT"] = frame["amount"].to_numpy()
    out["TX_DURING_WEEKEND"] = (frame["TX_DATETIME"].dt.day_of_week >= 5).astype(float).to_numpy()
    out["TX_DURING_NIGHT"] = (frame["TX_DATETIME"].dt.hour <= 6).astype(float).to_numpy()
    for _, group in frame.groupby("customerId"):
        indexed = group.set_index("TX_DATETIME")
        for days in (1, 7, 30):
            total = indexed["amount"].rolling(f"{days}D").sum().to_numpy()
            count = indexed["amount"].rolling(f"{days}D").count().to_numpy()
            out.loc[group["row"], f"CUSTOMER_ID_NB_TX_{days}DAY_WINDOW"] = count
            out.loc[group["row"], f"CUSTOMER_ID_AVG_AMOUNT_{days}DAY_WINDOW"] = total / count
    for _, group in frame.groupby("terminalId"):
        indexed = group.set_index("TX_DATETIME")["label"]
        frauds_delay, count_delay = indexed.rolling("7D").sum().to_numpy(), indexed.rolling("7D").count().to_numpy()
        for days in (1, 7, 30):
            frauds = indexed.rolling(f"{7 + days}D").sum().to_numpy() - frauds_delay
            count = indexed.rolling(f"{7 + days}D").count().to_numpy() - count_delay
            with np.errstate(invalid="ignore", divide="ignore"):
                risk = np.nan_to_num(frauds / count)
            out.loc[group["row"], f"TERMINAL_ID_NB_TX_{days}DAY_WINDOW"] = count
            out.loc[group["row"], f"TERMINAL_ID_RISK_{days}DAY_WINDOW"] = risk
    return out


def test_matches_the_handbook_feature_code(simulated_table):
    spec = load_spec(BASELINE_SPEC_PATH)
    ours = compute_features(spec, simulated_table)
    reference = handbook_reference(simulated_table)[feature_names(spec)].to_numpy()
    assert ours.shape == (len(simulated_table), 15)
    counts = [i for i, f in enumerate(spec["features"]) if f["type"] in ("count", "flag")]
    np.testing.assert_array_equal(ours[:, counts], reference[:, counts])
    np.testing.assert_allclose(ours, reference, rtol=1e-9, atol=1e-12)
    assert ours[:, feature_names(spec).index("TERMINAL_ID_RISK_30DAY_WINDOW")].max() > 0  # frauds are seen


def _table(rows):
    frame = pd.DataFrame(rows, columns=["customerId", "terminalId", "amount", "timestamp", "label"])
    frame["id"] = np.arange(len(frame))
    return frame


def _feature(spec, table, name):
    return compute_features(spec, table)[:, feature_names(spec).index(name)]


def test_window_includes_current_and_earlier_ties_but_not_later_ones():
    t = 10 * DAY
    table = _table([("c", "t", 10.0, t, 0), ("c", "t", 20.0, t, 0), ("c", "t", 30.0, t, 0)])
    spec = load_spec(BASELINE_SPEC_PATH)
    np.testing.assert_array_equal(_feature(spec, table, "CUSTOMER_ID_NB_TX_1DAY_WINDOW"), [1, 2, 3])
    np.testing.assert_allclose(_feature(spec, table, "CUSTOMER_ID_AVG_AMOUNT_1DAY_WINDOW"), [10, 15, 20])


def test_window_edges_are_open_on_the_left_and_closed_on_the_right():
    t = 40 * DAY
    table = _table(
        [
            ("c", "t", 10.0, t, 1),
            ("c", "t", 20.0, t + DAY - 1, 0),
            ("c", "t", 30.0, t + DAY, 1),
            ("c", "t", 5.0, t + 8 * DAY, 0),
            ("c", "t", 5.0, t + 8 * DAY + 1, 0),
            ("c", "t", 5.0, t + 9 * DAY, 0),
        ]
    )
    spec = load_spec(BASELINE_SPEC_PATH)
    # exactly one day later a transaction has left the 1-day window
    np.testing.assert_array_equal(_feature(spec, table, "CUSTOMER_ID_NB_TX_1DAY_WINDOW"), [1, 2, 2, 1, 2, 2])
    # terminal, 1-day window 7 days back: (t' - 8d, t' - 7d]. At t + 8d it is (t, t + 1d]: the fraud exactly at t
    # is on the open edge and out, the fraud at t + 1d on the closed edge and in.
    np.testing.assert_array_equal(_feature(spec, table, "TERMINAL_ID_NB_TX_1DAY_WINDOW"), [0, 0, 0, 2, 2, 0])
    np.testing.assert_allclose(_feature(spec, table, "TERMINAL_ID_RISK_1DAY_WINDOW"), [0, 0, 0, 0.5, 0.5, 0])


def test_unknown_labels_count_as_transactions_but_not_in_the_risk():
    t = 40 * DAY
    table = _table(
        [
            ("a", "t", 10.0, t, 1),
            ("b", "t", 10.0, t + 1, np.nan),
            ("c", "t", 10.0, t + 1000, 0),
            ("d", "t", 10.0, t + 7 * DAY + 5000, 0),
        ]
    )
    spec = load_spec(BASELINE_SPEC_PATH)
    assert _feature(spec, table, "TERMINAL_ID_NB_TX_1DAY_WINDOW")[-1] == 3
    assert _feature(spec, table, "TERMINAL_ID_RISK_1DAY_WINDOW")[-1] == pytest.approx(0.5)


def test_other_aggregates_ratios_categories_and_time_zone():
    spec = copy.deepcopy(load_spec(BASELINE_SPEC_PATH))
    spec["timeZone"] = "+06:00"
    spec["fields"]["channel"] = {"type": "category"}
    spec["features"] = [
        {
            "name": "NIGHT",
            "type": "flag",
            "calendar": {"field": "timestamp", "part": "hour", "in": [0, 1, 2, 3, 4, 5, 6]},
        },
        {
            "name": "STD",
            "type": "number",
            "window": {"entity": "customerId", "length": "1d", "aggregate": "std", "field": "amount"},
        },
        {
            "name": "SUM",
            "type": "number",
            "window": {"entity": "customerId", "length": "1d", "aggregate": "sum", "field": "amount"},
        },
        {
            "name": "MEAN",
            "type": "number",
            "window": {"entity": "customerId", "length": "1d", "aggregate": "mean", "field": "amount"},
        },
        {"name": "RATIO", "type": "number", "ratio": {"numerator": "SUM", "denominator": "MEAN"}},
        {
            "name": "CHANNEL",
            "type": "category",
            "source": {"field": "channel", "categories": ["card", "web", "mobile"]},
        },
    ]
    table = _table(
        [("c", "t", 1.0, 16 * 3_600_000, 0), ("c", "t", 3.0, 21 * 3_600_000, 0), ("c", "t", 8.0, 22 * 3_600_000, 0)]
    )
    table["channel"] = ["web", "mobile", "fax"]
    X = compute_features(load_spec(spec), table)
    np.testing.assert_array_equal(X[:, 0], [0, 1, 1])  # 16:00 UTC is 22:00 at +06:00, 21:00 UTC is 03:00
    np.testing.assert_allclose(X[:, 1], [0, np.std([1, 3]), np.std([1, 3, 8])], rtol=1e-12)
    np.testing.assert_allclose(X[:, 2], [1, 4, 12])
    np.testing.assert_allclose(X[:, 4], [1, 2, 3])
    np.testing.assert_array_equal(X[:2, 5], [1, 2])
    assert np.isnan(X[2, 5])  # unknown category is missing


def test_a_ratio_whose_quotient_overflows_is_empty():
    spec = copy.deepcopy(load_spec(BASELINE_SPEC_PATH))
    spec["features"] = [
        {"name": "TX_AMOUNT", "type": "number", "source": {"field": "amount"}},
        {
            "name": "OLD_MEAN",
            "type": "number",
            "window": {"entity": "customerId", "length": "2d", "delay": "1d", "aggregate": "mean", "field": "amount"},
        },
        {"name": "R", "type": "number", "ratio": {"numerator": "TX_AMOUNT", "denominator": "OLD_MEAN"}},
        {
            "name": "R_EMPTY",
            "type": "number",
            "ratio": {"numerator": "TX_AMOUNT", "denominator": "OLD_MEAN", "empty": -1},
        },
    ]
    table = _table(
        [("c", "t", 5e-324, 0, 0), ("c", "t", 1500.0, 36 * 3_600_000, 0), ("c", "t", 1e-320, 38 * 3_600_000, 0)]
    )
    X = compute_features(load_spec(spec), table)
    assert X[1, 1] == 5e-324 and np.isnan(X[1, 2]) and X[1, 3] == -1  # 1500 / 5e-324 is beyond the doubles
    assert X[2, 2] == X[2, 3] == 1e-320 / 5e-324  # a finite quotient is kept


def test_spec_errors_name_the_feature():
    spec = copy.deepcopy(load_spec(BASELINE_SPEC_PATH))
    spec["features"][3]["window"]["aggregate"] = "median"
    with pytest.raises(SpecError, match="CUSTOMER_ID_NB_TX_1DAY_WINDOW.*median"):
        load_spec(spec)
    spec = copy.deepcopy(load_spec(BASELINE_SPEC_PATH))
    spec["features"][5]["window"]["length"] = "7 days"
    with pytest.raises(SpecError, match="duration"):
        load_spec(spec)
    spec = copy.deepcopy(load_spec(BASELINE_SPEC_PATH))
    spec["features"].append(dict(spec["features"][0]))
    with pytest.raises(SpecError, match="duplicate"):
        load_spec(spec)
    spec = copy.deepcopy(load_spec(BASELINE_SPEC_PATH))
    spec["timeZone"] = "Asia/Almaty"
    with pytest.raises(SpecError, match="timeZone"):
        load_spec(spec)


def test_out_of_order_input_is_refused():
    table = _table([("c", "t", 1.0, 2 * DAY, 0), ("c", "t", 1.0, DAY, 0)])
    with pytest.raises(DataError, match="time order"):
        compute_features(load_spec(BASELINE_SPEC_PATH), table)


def test_spec_hash_is_stable_and_order_insensitive_for_keys():
    spec = load_spec(BASELINE_SPEC_PATH)
    reordered = {key: spec[key] for key in reversed(list(spec))}
    assert spec_hash(spec) == spec_hash(reordered)
    assert len(spec_hash(spec)) == 64


def _format2(features, fields=None):
    spec = copy.deepcopy(load_spec(BASELINE_SPEC_PATH))
    spec["format"] = "fraudscore-features/2"
    spec["fields"].update(fields or {})
    spec["features"] = features
    return load_spec(spec)


def test_windows_over_labels_known_at_scoring_time():
    spec = _format2(
        [
            {
                "name": "KNOWN_FRAUDS",
                "type": "count",
                "window": {
                    "entity": "terminalId",
                    "length": "7d",
                    "aggregate": "sum",
                    "field": "label",
                    "labels": "known",
                },
            },
            {
                "name": "KNOWN_LABELS",
                "type": "count",
                "window": {
                    "entity": "terminalId",
                    "length": "7d",
                    "aggregate": "count",
                    "field": "label",
                    "labels": "known",
                },
            },
            {
                "name": "KNOWN_RISK",
                "type": "number",
                "window": {
                    "entity": "terminalId",
                    "length": "7d",
                    "aggregate": "mean",
                    "field": "label",
                    "labels": "known",
                    "empty": 0,
                },
            },
            {
                "name": "STORED_FRAUDS",
                "type": "count",
                "window": {"entity": "terminalId", "length": "7d", "aggregate": "sum", "field": "label"},
            },
            {
                "name": "LEGITIMATE",
                "type": "number",
                "difference": {"minuend": "KNOWN_LABELS", "subtrahend": "KNOWN_FRAUDS"},
            },
        ]
    )
    t = 40 * DAY
    table = _table(
        [
            ("a", "t", 1.0, t, 1),
            ("b", "t", 1.0, t + 1000, 0),
            ("c", "t", 1.0, t + 2000, 1),
            ("d", "t", 1.0, t + 3000, np.nan),
            ("e", "t", 1.0, t + 5000, 0),
            ("f", "t", 1.0, t + DAY, 0),
        ]
    )
    # a: known 5 s after it; b: known at 5 s exactly; c: a label without a known-at time; e: known a day later
    table["labelKnownAt"] = [t + 5000, t + 5000, np.nan, np.nan, t + DAY + 1, np.nan]
    X = compute_features(spec, table)
    np.testing.assert_array_equal(X[:, 0], [0, 0, 0, 0, 1, 1])  # known-at = t counts (row e at t + 5 s)
    np.testing.assert_array_equal(X[:, 1], [0, 0, 0, 0, 2, 2])
    np.testing.assert_array_equal(X[:, 2], [0, 0, 0, 0, 0.5, 0.5])
    np.testing.assert_array_equal(X[:, 3], [1, 1, 2, 2, 2, 2])  # stored labels: every label as stored
    np.testing.assert_array_equal(X[:, 4], [0, 0, 0, 0, 1, 1])
    with pytest.raises(SpecError, match="labelKnownAt"):
        compute_features(spec, table.drop(columns="labelKnownAt"))


def test_distinct_values_hours_since_the_latest_and_count_of_a_field():
    spec = _format2(
        [
            {
                "name": "TERMINALS",
                "type": "count",
                "window": {"entity": "customerId", "length": "1d", "aggregate": "distinct", "field": "terminalId"},
            },
            {
                "name": "SINCE",
                "type": "number",
                "window": {"entity": "customerId", "length": "1d", "aggregate": "sinceLatest"},
            },
            {
                "name": "SINCE_BEFORE",
                "type": "number",
                "window": {
                    "entity": "customerId",
                    "length": "1d",
                    "delay": "1h",
                    "aggregate": "sinceLatest",
                    "empty": -1,
                },
            },
            {
                "name": "LABELLED",
                "type": "count",
                "window": {"entity": "customerId", "length": "1d", "aggregate": "count", "field": "label"},
            },
        ]
    )
    h = 3_600_000
    table = _table(
        [
            ("c", "t1", 1.0, 10 * h, 0),
            ("c", "t2", 1.0, 10 * h, np.nan),
            ("c", "t1", 1.0, 12 * h, 1),
            ("c", "t3", 1.0, 35 * h, 0),
            ("d", "t1", 1.0, 35 * h, 0),
        ]
    )
    X = compute_features(spec, table)
    np.testing.assert_array_equal(X[:, 0], [1, 2, 2, 2, 1])  # at 35 h the 10 h payments are out of the day
    np.testing.assert_array_equal(X[:, 1], [np.nan, 0, 2, 23, np.nan])  # a tie before it is 0 h ago
    np.testing.assert_array_equal(X[:, 2], [-1, -1, 2, 23, -1])
    np.testing.assert_array_equal(X[:, 3], [1, 1, 2, 2, 1])


def test_format_1_refuses_what_format_2_added():
    spec = copy.deepcopy(load_spec(BASELINE_SPEC_PATH))
    spec["features"].append(
        {
            "name": "K",
            "type": "count",
            "window": {"entity": "terminalId", "length": "7d", "aggregate": "sum", "field": "label", "labels": "known"},
        }
    )
    with pytest.raises(SpecError, match="'K'.*fraudscore-features/2"):
        load_spec(spec)
    spec["format"] = "fraudscore-features/2"
    load_spec(spec)
    spec["features"][-1]["window"]["field"] = "amount"
    with pytest.raises(SpecError, match="labels applies"):
        load_spec(spec)
    spec["features"][-1]["window"] = {
        "entity": "customerId",
        "length": "1d",
        "aggregate": "sinceLatest",
        "field": "amount",
    }
    with pytest.raises(SpecError, match="reads no field"):
        load_spec(spec)


def test_a_transaction_s_features_do_not_depend_on_unrelated_rows(simulated_table):
    """Mean and std windows sum the window's own values in time order: the same transactions give the same doubles,
    bit for bit, whatever else the file holds (with more or less history, other customers, other terminals)."""
    spec = load_spec(json.loads((Path(__file__).parent.parent / "specs" / "conformance-features.json").read_text()))
    table = simulated_table.assign(labelKnownAt=simulated_table["timestamp"] + 3 * DAY)
    customers = table["customerId"].unique()[:10]
    alone = table[table["customerId"].isin(customers)].reset_index(drop=True)
    customer_only = [
        i
        for i, f in enumerate(spec["features"])
        if f.get("window", {}).get("entity") != "terminalId" and "TERMINAL" not in f["name"]
    ]
    full = compute_features(spec, table)[table["customerId"].isin(customers).to_numpy()]
    mine = compute_features(spec, alone)
    np.testing.assert_array_equal(full[:, customer_only], mine[:, customer_only])
    # and with the older half of the history cut away: the windows that still see all they need agree exactly
    late = table["timestamp"] >= table["timestamp"].iloc[0] + 47 * DAY  # the longest look-back is 44 days
    shorter = compute_features(
        spec, table[table["timestamp"] >= table["timestamp"].iloc[0] + DAY * 2].reset_index(drop=True)
    )
    longer = compute_features(spec, table)
    keep = late.to_numpy()[table["timestamp"].to_numpy() >= table["timestamp"].iloc[0] + DAY * 2]
    np.testing.assert_array_equal(shorter[keep], longer[late.to_numpy()])
