"""The pipeline end to end on a small simulation: train → export → verify, plus integrity, signatures, atomic
writes and the manifest's decision rules."""

import json
import shutil

import pytest
from fraudmodels import export as export_module
from fraudmodels.dataset import load_dataset
from fraudmodels.errors import ExportError
from fraudmodels.export import read_manifest, risk_level
from fraudmodels.fixtures import verify_bundle
from fraudmodels.pipeline import export_models, train_models
from fraudmodels.signing import generate_key
from fraudmodels.spec import load_spec
from fraudmodels.train import DEFAULT_WEIGHTS


@pytest.fixture(scope="module")
def trained(simulated_csv, tmp_path_factory):
    models = tmp_path_factory.mktemp("models")
    summary = train_models(load_dataset(simulated_csv, load_spec(), cache=False), models, DEFAULT_WEIGHTS, grid="none")
    return models, summary


@pytest.fixture()
def bundle(trained, tmp_path):
    models, _ = trained
    export_models(models, tmp_path / "bundle", "fraud-ensemble", "1.2.3")
    return tmp_path / "bundle"


def test_training_summary(trained):
    _, summary = trained
    assert 0 < summary["threshold"] < 1
    ensemble = summary["validation"]["ensemble"]
    assert set(ensemble) >= {"auc_roc", "average_precision", "card_precision_at_100", "precision", "recall", "f1"}
    assert ensemble["auc_roc"]["mean"] > 0.7  # the simulated frauds are learnable
    assert summary["window"]["rows"] > 0 and summary["peakMemoryMB"] > 0


def test_bundle_has_every_file_listed_with_its_hash(bundle):
    manifest = read_manifest(bundle)
    assert sorted(p.name for p in bundle.iterdir()) == [
        "features.json",
        "manifest.json",
        "model.onnx",
        "reference.json",
        "trees.json",
    ]
    assert set(manifest["files"]) == {"features.json", "model.onnx", "reference.json", "trees.json"}
    assert manifest["version"] == "1.2.3" and manifest["name"] == "fraud-ensemble"
    assert manifest["features"] == [f["name"] for f in load_spec()["features"]]
    assert manifest["ensemble"]["weights"] == DEFAULT_WEIGHTS
    assert verify_bundle(bundle)["onnxMatchesTrees"] is True


def test_reference_distributions_are_shares(bundle):
    reference = json.loads((bundle / "reference.json").read_text())
    for name, dist in [*reference["features"].items(), ("score", reference["score"])]:
        assert len(dist["frequencies"]) == len(dist["cutPoints"]) + 1, name
        assert sum(dist["frequencies"]) == pytest.approx(1.0), name
        assert dist["cutPoints"] == sorted(dist["cutPoints"]), name
    assert sum(reference["score"]["histogram"]["frequencies"]) == pytest.approx(1.0)


def test_tampered_or_truncated_files_are_detected(bundle):
    trees = bundle / "trees.json"
    trees.write_bytes(trees.read_bytes()[:-10])
    with pytest.raises(ExportError, match="trees.json does not match its sha256"):
        read_manifest(bundle)
    (bundle / "reference.json").unlink()
    with pytest.raises(ExportError, match="missing"):
        read_manifest(bundle)


def test_signed_bundle_verifies_only_with_its_key(trained, tmp_path):
    models, _ = trained
    public = generate_key(tmp_path / "key", tmp_path / "key.pub")
    other = generate_key(tmp_path / "other", tmp_path / "other.pub")
    export_models(models, tmp_path / "signed", "fraud-ensemble", "1.0.0", signing_key=str(tmp_path / "key"))
    assert verify_bundle(tmp_path / "signed", public)["signature"] == "ok"
    with pytest.raises(ExportError, match="does not verify"):
        verify_bundle(tmp_path / "signed", other)
    manifest = tmp_path / "signed" / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"1.0.0"', '"9.9.9"'))
    with pytest.raises(ExportError, match="does not verify"):
        verify_bundle(tmp_path / "signed", public)


def test_a_failed_export_leaves_the_previous_bundle_untouched(bundle, monkeypatch):
    before = {p.name: p.read_bytes() for p in bundle.iterdir()}
    calls = {"n": 0}

    def failing_fsync(fd):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(export_module.os, "fsync", failing_fsync)
    files = {name: b"x" for name in ("features.json", "trees.json", "model.onnx", "reference.json", "manifest.json")}
    with pytest.raises(ExportError, match="No space left"):
        export_module.write_bundle(files, bundle)
    assert {p.name: p.read_bytes() for p in bundle.iterdir()} == before
    assert [p.name for p in bundle.parent.iterdir() if p.name.startswith(".")] == []


def test_risk_tiers_follow_the_threshold():
    manifest = {"threshold": 0.4, "riskTiers": export_module.RISK_TIERS}
    assert [risk_level(p, manifest) for p in (0.0, 0.39, 0.4, 0.49, 0.5, 0.6, 1.0)] == [
        "LOW",
        "LOW",
        "MEDIUM",
        "MEDIUM",
        "HIGH",
        "CRITICAL",
        "CRITICAL",
    ]


def test_export_without_trained_models_says_what_to_do(tmp_path):
    with pytest.raises(ExportError, match="run `python -m fraudmodels train` first"):
        export_models(tmp_path, tmp_path / "bundle", "x", "1.0.0")
    assert not (tmp_path / "bundle").exists()


def test_exports_models_whose_xgboost_half_carries_feature_names(trained, tmp_path):
    """XGBoost refuses an unnamed matrix for a model trained with feature names; export used to crash on it after
    verification had passed (the margin of the final fit's rows)."""
    import xgboost

    models, _ = trained
    named = tmp_path / "named"
    shutil.copytree(models, named)
    booster = xgboost.Booster(model_file=str(named / "xgboost.json"))
    booster.feature_names = [f["name"] for f in load_spec()["features"]]
    booster.save_model(str(named / "xgboost.json"))
    export_models(named, tmp_path / "bundle", "fraud-ensemble", "1.2.4")
    assert verify_bundle(tmp_path / "bundle")["onnxMatchesTrees"] is True
