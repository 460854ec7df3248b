"""The command line on the committed default bundle."""

import json

from fraudmodels.cli import DEFAULT_BUNDLE, main


def test_verify_the_committed_default_bundle(capsys):
    assert main(["verify", "--bundle", str(DEFAULT_BUNDLE)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["hashes"] == "ok" and report["onnxMatchesTrees"] is True


def test_demo_scores_simulated_transactions(capsys):
    assert main(["demo", "--bundle", str(DEFAULT_BUNDLE), "--count", "6"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    rows = lines[2:-1]
    assert len(rows) == 6
    assert all(row.split()[5] in {"LOW", "MEDIUM", "HIGH", "CRITICAL"} for row in rows)
    assert any(row.split()[-1] == "yes" for row in rows)  # the demo shows frauds too
    assert json.loads(lines[-1])["scored"] == 6


def test_unknown_weights_are_refused(capsys):
    try:
        main(["train", "--weights", "0.6"])
    except SystemExit as exit_:
        assert exit_.code == 2
    assert "LIGHTGBM,XGBOOST" in capsys.readouterr().err
