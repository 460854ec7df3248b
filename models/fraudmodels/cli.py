"""python -m fraudmodels <command>: each pipeline step runnable alone. Progress goes to stderr, results to stdout."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .errors import DataError, FraudModelsError, SpecError

MODELS_DIR = Path(__file__).resolve().parent.parent
HANDBOOK_FILE = Path("shared") / "data" / "handbook-transactions-2018-04-01_2018-09-14.csv.gz"


def _shared_data() -> Path:
    """../shared/data/<the handbook file> beside the repository, or beside one of its parents (a git worktree)."""
    for directory in MODELS_DIR.parent.parents:
        if (directory / HANDBOOK_FILE).exists():
            return directory / HANDBOOK_FILE
    return MODELS_DIR.parent.parent / HANDBOOK_FILE


SHARED_DATA = _shared_data()
DEFAULT_SIMULATION = MODELS_DIR / "work" / "simulated-seed42-90d.csv"
DEFAULT_MODELS = MODELS_DIR / "work" / "models"
DEFAULT_BUNDLE = MODELS_DIR / "bundles" / "default"
DEFAULT_FIXTURES = MODELS_DIR / "conformance" / "default"


def _weights(text: str) -> dict[str, float]:
    try:
        lgbm, xgb = (float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError("expected two numbers LIGHTGBM,XGBOOST such as 0.6,0.4") from None
    if lgbm < 0 or xgb < 0 or lgbm + xgb <= 0:
        raise argparse.ArgumentTypeError("weights must be non-negative and not both zero")
    return {"lightgbm": lgbm, "xgboost": xgb}


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError("expected a positive integer")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m fraudmodels", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("simulate", help="simulate transactions into a handbook-schema CSV")
    p.add_argument("--out", type=Path, default=DEFAULT_SIMULATION)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--customers", type=int, default=5000)
    p.add_argument("--terminals", type=int, default=10000)
    p.add_argument("--days", type=int, default=90)
    p.add_argument("--start", default="2018-04-01")

    p = commands.add_parser("train", help="choose hyperparameters by prequential validation and fit the ensemble")
    p.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_SIMULATION,
        help="handbook-schema CSV (.gz ok); simulated if missing and default",
    )
    p.add_argument("--out", type=Path, default=DEFAULT_MODELS, help="directory for the native models and training.json")
    p.add_argument("--train-days", type=int, default=7)
    p.add_argument(
        "--grid",
        choices=["full", "small", "none"],
        default="full",
        help="full: 40 settings; small: 8 "
        "(train.SMALL_GRIDS, the benchmark's); none: skip the search, use known-good settings",
    )
    p.add_argument("--no-search", dest="grid", action="store_const", const="none", help="the same as --grid none")
    p.add_argument("--folds", type=_positive, default=4, help="validation folds (each needs 7 more days of data)")
    p.add_argument(
        "--rounds",
        type=_positive,
        default=None,
        help="boosting rounds of both models instead of the known-good 500/600 (with --grid none; a fast "
        "path for tests and demos)",
    )
    p.add_argument("--weights", type=_weights, default=_weights("0.6,0.4"), help="LIGHTGBM,XGBOOST log-odds weights")
    p.add_argument(
        "--spec",
        type=Path,
        default=None,
        help="feature spec JSON (default: the default spec, specs/default-features.json)",
    )
    _resources(p)

    p = commands.add_parser("export", help="write the verified model bundle from trained models")
    p.add_argument("--models", type=Path, default=DEFAULT_MODELS)
    p.add_argument("--out", type=Path, default=DEFAULT_BUNDLE)
    p.add_argument("--name", default="fraud-ensemble")
    p.add_argument(
        "--version",
        default="1.0.0",
        help="the bundle's manifest version; give every bundle you "
        "register its own (register refuses a version the model already has)",
    )
    p.add_argument("--signing-key", default=None, help="hex Ed25519 seed file (see keygen); or FRAUDSCORE_SIGNING_KEY")
    p.add_argument(
        "--spec", type=Path, default=None, help="feature spec (default: the one train saved beside the models)"
    )
    _resources(p)

    p = commands.add_parser(
        "register",
        help="log a bundle to MLflow (artifact path bundle/) and register it as a "
        "new model version with alias challenger (needs MLFLOW_TRACKING_URI)",
    )
    p.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    p.add_argument(
        "--run-id",
        default=None,
        help="the run to log the bundle into (default: the training run that "
        "export recorded in the manifest, else a new run)",
    )
    p.add_argument("--new-run", action="store_true", help="log into a new run even if the manifest names one")
    p.add_argument("--name", default=None, help="registered model name (default: $MLFLOW_MODEL_NAME or fraud-ensemble)")

    p = commands.add_parser("mlflow-server", help="run a local MLflow server (SQLite + proxied artifacts in --dir)")
    p.add_argument("--port", type=int, default=5000)
    p.add_argument("--dir", type=Path, default=MODELS_DIR / "work" / "mlflow")
    p.add_argument("--host", default="127.0.0.1")

    p = commands.add_parser(
        "evaluate", help="the handbook benchmark report (chapter 5 protocol) and the feedback protocol"
    )
    p.add_argument("--data", type=Path, default=SHARED_DATA)
    p.add_argument("--out", type=Path, default=MODELS_DIR / "reports")
    p.add_argument("--weights", type=_weights, default=_weights("0.6,0.4"))
    p.add_argument("--spec", type=Path, default=None, help="the spec evaluated (default: the default spec)")
    p.add_argument(
        "--validation-only",
        action="store_true",
        help="stop before any test fold and write validation.json to --out (for choices made on validation folds only)",
    )
    _resources(p)

    p = commands.add_parser(
        "score",
        help="score a handbook-schema CSV with a bundle (history from the same file and "
        "earlier files) and write probabilities, tiers and optionally features and SHAP values",
    )
    p.add_argument("--data", type=Path, required=True, help="the CSV to score (TX_FRAUD may be missing or empty)")
    p.add_argument(
        "--history",
        type=Path,
        nargs="*",
        default=[],
        help="earlier CSVs whose transactions (and labels) the features read; none of their ids may appear in --data",
    )
    p.add_argument("--out", type=Path, required=True, help="output CSV, rows in --data's order")
    p.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    p.add_argument("--features", action="store_true", help="add every feature's value")
    p.add_argument("--shap", action="store_true", help="add SHAP values of the ensemble margin (needs --models)")
    p.add_argument(
        "--models",
        type=Path,
        default=None,
        help="the native models the bundle was exported from "
        "(train's --out; for the default bundle conformance/default/native)",
    )
    p.add_argument(
        "--label-delay",
        type=_positive,
        default=7,
        help="days after which a label counts as known when "
        "a file has no TX_FRAUD_KNOWN_AT column (specs reading labels as known at scoring time)",
    )

    p = commands.add_parser(
        "reference",
        help="rewrite a bundle's reference.json with the current drift builder, without retraining "
        "(the training file and the native models it was exported from)",
    )
    p.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    p.add_argument("--data", type=Path, default=DEFAULT_SIMULATION, help="the bundle's training file")
    p.add_argument(
        "--models",
        type=Path,
        default=DEFAULT_FIXTURES / "native",
        help="the native models the bundle was exported from",
    )

    p = commands.add_parser("fixtures", help="write (or --check) the conformance vectors of a bundle")
    p.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    p.add_argument("--out", type=Path, default=DEFAULT_FIXTURES)
    p.add_argument("--models", type=Path, default=DEFAULT_MODELS, help="the native models the bundle was exported from")
    p.add_argument("--check", action="store_true", help="regenerate in memory and fail if they differ from --out")

    p = commands.add_parser(
        "deep-pair",
        help="train and export a deep LightGBM + XGBoost pair with missing values and "
        "their native SHAP values (the SDK's TreeSHAP benchmark and parity tests)",
    )
    p.add_argument(
        "--size",
        choices=["full", "test"],
        default="full",
        help="full: 1,000 + 500 trees (the benchmark); test: 40 + 30 trees (the parity test)",
    )
    p.add_argument("--out", type=Path, default=None, help="directory (default: models/work/deep-pair/SIZE)")
    p.add_argument("--force", action="store_true", help="rebuild even if the directory was made with the same settings")

    p = commands.add_parser(
        "verify", help="check a bundle's hashes and signature and its ONNX graph against trees.json"
    )
    p.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    p.add_argument("--public-key", default=None, help="hex Ed25519 public key; signature required when given")

    p = commands.add_parser("keygen", help="create an Ed25519 key pair for signing bundles")
    p.add_argument("--private", type=Path, required=True)
    p.add_argument("--public", type=Path, required=True)

    p = commands.add_parser("demo", help="score a few simulated transactions with a bundle and print them")
    p.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    p.add_argument("--count", type=int, default=10)
    return parser


def _resources(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--threads",
        type=_positive,
        default=None,
        help="threads for LightGBM and XGBoost (default "
        "$FRAUDMODELS_THREADS, else every CPU this process may use; on a machine shared with other work, "
        "fewer threads can be much faster: OpenMP threads wait for each other)",
    )
    p.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        help="feature cache (default $FRAUDMODELS_CACHE, else $XDG_CACHE_HOME/fraudmodels or ~/.cache/fraudmodels)",
    )


def _apply_resources(args) -> None:
    from . import dataset, train

    if getattr(args, "threads", None):
        train.set_threads(args.threads)
    if getattr(args, "cache_dir", None):
        dataset.set_cache_dir(args.cache_dir)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        _apply_resources(args)
        return COMMANDS[args.command](args) or 0
    except (DataError, SpecError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except FraudModelsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


def _simulate(args) -> None:
    from .simulate import simulate

    args.out.parent.mkdir(parents=True, exist_ok=True)
    simulate(args.out, args.seed, args.customers, args.terminals, args.days, args.start)
    print(args.out)


def _train(args) -> None:
    import os

    from .dataset import load_dataset
    from .pipeline import train_models
    from .simulate import simulate
    from .spec import feature_names, load_spec, spec_hash

    if args.rounds is not None and args.grid != "none":
        raise FraudModelsError("--rounds needs --grid none (or --no-search): the search chooses the rounds itself")
    if args.data == DEFAULT_SIMULATION and not args.data.exists():
        args.data.parent.mkdir(parents=True, exist_ok=True)
        simulate(args.data)
    spec = load_spec(args.spec) if args.spec else load_spec()
    data = load_dataset(args.data, spec)
    run = None
    if os.environ.get("MLFLOW_TRACKING_URI"):  # mlflow is imported only then
        TrainingRun = _tracking().TrainingRun
        run = TrainingRun(feature_names(spec), run_name=f"train-{Path(args.data).name}")
    try:
        summary = train_models(
            data,
            args.out,
            args.weights,
            args.train_days,
            args.grid,
            args.folds,
            args.rounds,
            spec_hash(spec),
            {"mlflow": run.reference} if run else None,
            run.log_training if run else None,
            spec,
        )
    except BaseException:
        if run:
            run.finish(ok=False)
        raise
    if run:
        run.finish(ok=True)
    ensemble = summary["validation"]["ensemble"]
    print(
        json.dumps(
            {
                "models": str(args.out),
                "threshold": summary["threshold"],
                "validation": {k: round(v["mean"], 4) for k, v in ensemble.items()},
                "seconds": summary["seconds"],
                "peakMemoryMB": summary["peakMemoryMB"],
                **({"mlflow": run.reference} if run else {}),
            },
            indent=2,
        )
    )
    print(
        f"training took {summary['seconds']['total']} s in all ({summary['seconds']['finalFit']} s for the final fit); "
        f"peak memory {summary['peakMemoryMB']} MB",
        file=sys.stderr,
    )


def _export(args) -> None:
    import os

    from .pipeline import export_models

    key = args.signing_key or os.environ.get("FRAUDSCORE_SIGNING_KEY")
    verification = export_models(args.models, args.out, args.name, args.version, key, args.spec)
    print(json.dumps({"bundle": str(args.out), "verification": verification}, indent=2, default=str))


def _tracking():
    try:
        from . import tracking
    except ImportError as error:
        raise FraudModelsError(
            f"MLflow is not installed in this environment ({error}): run scripts/setup.sh "
            "(it installs the mlflow extra: pip install -e 'models[mlflow]')"
        ) from error
    return tracking


def _register(args) -> None:
    register_bundle = _tracking().register_bundle
    print(json.dumps(register_bundle(args.bundle, args.name, args.run_id, args.new_run)), flush=True)


def _mlflow_server(args) -> None:
    from .mlflow_server import run_foreground

    run_foreground(args.dir, args.port, args.host)


def _evaluate(args) -> None:
    from .evaluate import benchmark_report
    from .spec import DEFAULT_SPEC_PATH

    if not args.data.exists():
        raise DataError("the handbook data is not here; pass --data", file=str(args.data))
    report = benchmark_report(
        args.data, args.out, args.weights, args.spec or DEFAULT_SPEC_PATH, with_test=not args.validation_only
    )
    if args.validation_only:
        print(json.dumps({"validation": str(args.out / "validation.json"), "seconds": report["seconds"]}))
    else:
        print((args.out / "handbook-benchmark.md").read_text())


def _fixtures(args) -> int:
    from .fixtures import check_fixtures, write_fixtures

    if args.check:
        problems = check_fixtures(args.bundle, args.out)
        for problem in problems:
            print(f"fixture mismatch: {problem}", file=sys.stderr)
        print("fixtures match" if not problems else f"{len(problems)} fixture mismatch(es)")
        return 1 if problems else 0
    additivity = write_fixtures(args.bundle, args.out, args.models)
    print(json.dumps({"fixtures": str(args.out), "maxAdditivityError": additivity}, indent=2))
    return 0


def _deep_pair(args) -> None:
    from .deep import build_deep_pair

    out = args.out or MODELS_DIR / "work" / "deep-pair" / args.size
    summary = build_deep_pair(out, args.size, reuse=not args.force)
    print(json.dumps({"deepPair": str(out), "models": summary["models"]}, indent=2))


def _verify(args) -> None:
    from .fixtures import verify_bundle

    print(json.dumps(verify_bundle(args.bundle, args.public_key), indent=2))


def _reference(args) -> None:
    from .pipeline import rebuild_reference

    print(json.dumps(rebuild_reference(args.bundle, args.data, args.models), indent=2))


def _keygen(args) -> None:
    from .signing import generate_key

    print(generate_key(args.private, args.public))


def _demo(args) -> None:
    from .demo import demo

    demo(args.bundle, args.count)


def _score(args) -> None:
    from .score import score_file

    summary = score_file(
        args.bundle, args.data, args.out, args.history, args.models, args.shap, args.features, args.label_delay
    )
    print(json.dumps(summary, indent=2))


COMMANDS = {
    "simulate": _simulate,
    "train": _train,
    "export": _export,
    "register": _register,
    "mlflow-server": _mlflow_server,
    "evaluate": _evaluate,
    "fixtures": _fixtures,
    "deep-pair": _deep_pair,
    "verify": _verify,
    "reference": _reference,
    "keygen": _keygen,
    "demo": _demo,
    "score": _score,
}
