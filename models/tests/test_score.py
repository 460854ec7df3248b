"""`score` on files the pipeline has not seen: history from earlier files or from the same file, output in the
scored file's order, SHAP from the native models."""

import numpy as np
import pandas as pd
import pytest
from fraudmodels.cli import DEFAULT_BUNDLE, DEFAULT_FIXTURES, main
from fraudmodels.errors import DataError
from fraudmodels.score import score_file

DAY = 86_400_000


@pytest.fixture(scope="module")
def split_files(simulated_csv, tmp_path_factory):
    """The 50-day simulated stream as one file, and as 40 days of history plus the last 10 days shuffled."""
    raw = pd.read_csv(simulated_csv)
    directory = tmp_path_factory.mktemp("score")
    cut = raw["TX_TIME_DAYS"] >= 40
    history, recent = directory / "history.csv", directory / "recent.csv"
    raw[~cut].to_csv(history, index=False)
    raw[cut].sample(frac=1.0, random_state=3).to_csv(recent, index=False)  # file order is not time order
    return simulated_csv, history, recent


def test_scores_with_history_from_earlier_files_as_from_the_whole_file(split_files, tmp_path):
    whole, history, recent = split_files
    summary = score_file(DEFAULT_BUNDLE, recent, tmp_path / "recent.csv", history=[history], with_features=True)
    score_file(DEFAULT_BUNDLE, whole, tmp_path / "whole.csv", with_features=True)
    got = pd.read_csv(tmp_path / "recent.csv")
    everything = pd.read_csv(tmp_path / "whole.csv").set_index("TRANSACTION_ID")
    assert summary["scored"] == len(got) == len(pd.read_csv(recent)) and summary["history"] > 0
    assert list(got["TRANSACTION_ID"]) == list(pd.read_csv(recent)["TRANSACTION_ID"])  # the scored file's order
    expected = everything.loc[got["TRANSACTION_ID"]]
    # Features read 44 days at most and the history covers them: the same transactions, the same values.
    np.testing.assert_array_equal(
        got.drop(columns=["TRANSACTION_ID"]).to_numpy(dtype=str), expected.reset_index(drop=True).to_numpy(dtype=str)
    )
    assert set(got["RISK_LEVEL"]) <= {"LOW", "MEDIUM", "HIGH", "CRITICAL"}
    assert (got["BLOCK"] == (got["PROBABILITY"] >= summary["threshold"])).all()


def test_scores_a_file_without_labels_and_adds_shap_that_sums_to_the_margin(split_files, tmp_path):
    _, history, recent = split_files
    unlabelled = tmp_path / "unlabelled.csv"
    pd.read_csv(recent).drop(columns=["TX_FRAUD", "TX_FRAUD_SCENARIO"]).to_csv(unlabelled, index=False)
    assert (
        main(
            [
                "score",
                "--data",
                str(unlabelled),
                "--history",
                str(history),
                "--out",
                str(tmp_path / "s.csv"),
                "--shap",
                "--models",
                str(DEFAULT_FIXTURES / "native"),
            ]
        )
        == 0
    )
    out = pd.read_csv(tmp_path / "s.csv")
    shap = out[[c for c in out.columns if c.startswith("SHAP_")]].to_numpy()
    margin = np.log(out["PROBABILITY"] / (1 - out["PROBABILITY"]))
    np.testing.assert_allclose(shap.sum(axis=1), margin, atol=1e-4)  # XGBoost's float32 contributions


def test_refuses_overlapping_files_and_shap_without_native_models(split_files, tmp_path):
    whole, history, _ = split_files
    with pytest.raises(DataError, match="appears in more than one file"):
        score_file(DEFAULT_BUNDLE, whole, tmp_path / "x.csv", history=[history])
    with pytest.raises(DataError, match="--models"):
        score_file(DEFAULT_BUNDLE, history, tmp_path / "x.csv", shap=True)
    assert not (tmp_path / "x.csv").exists()
