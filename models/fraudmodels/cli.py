"""python -m fraudmodels <command>: each pipeline step runnable alone. Progress goes to stderr, results to stdout."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .errors import DataError, FraudModelsError, SpecError

MODELS_DIR = Path(__file__).resolve().parent.parent
SHARED_DATA = MODELS_DIR.parent.parent / "shared" / "data" / "handbook-transactions-2018-04-01_2018-09-14.csv.gz"
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
    p.add_argument("--data", type=Path, default=DEFAULT_SIMULATION, help="handbook-schema CSV (.gz ok); simulated if missing and default")
    p.add_argument("--out", type=Path, default=DEFAULT_MODELS, help="directory for the native models and training.json")
    p.add_argument("--train-days", type=int, default=7)
    p.add_argument("--grid", choices=["full", "none"], default="full", help="none: skip the search, use known-good settings")
    p.add_argument("--weights", type=_weights, default=_weights("0.6,0.4"), help="LIGHTGBM,XGBOOST log-odds weights")
    p.add_argument("--spec", type=Path, default=None, help="feature spec JSON (default: specs/handbook-features.json)")

    p = commands.add_parser("export", help="write the verified model bundle from trained models")
    p.add_argument("--models", type=Path, default=DEFAULT_MODELS)
    p.add_argument("--out", type=Path, default=DEFAULT_BUNDLE)
    p.add_argument("--name", default="fraud-ensemble")
    p.add_argument("--version", default="1.0.0")
    p.add_argument("--signing-key", default=None, help="hex Ed25519 seed file (see keygen); or FRAUDSCORE_SIGNING_KEY")
    p.add_argument("--spec", type=Path, default=None)

    p = commands.add_parser("evaluate", help="the handbook benchmark report (chapter 5 protocol)")
    p.add_argument("--data", type=Path, default=SHARED_DATA)
    p.add_argument("--out", type=Path, default=MODELS_DIR / "reports")
    p.add_argument("--weights", type=_weights, default=_weights("0.6,0.4"))

    p = commands.add_parser("fixtures", help="write (or --check) the conformance vectors of a bundle")
    p.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    p.add_argument("--out", type=Path, default=DEFAULT_FIXTURES)
    p.add_argument("--models", type=Path, default=DEFAULT_MODELS, help="the native models the bundle was exported from")
    p.add_argument("--check", action="store_true", help="regenerate in memory and fail if they differ from --out")

    p = commands.add_parser("verify", help="check a bundle's hashes and signature and its ONNX graph against trees.json")
    p.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    p.add_argument("--public-key", default=None, help="hex Ed25519 public key; signature required when given")

    p = commands.add_parser("keygen", help="create an Ed25519 key pair for signing bundles")
    p.add_argument("--private", type=Path, required=True)
    p.add_argument("--public", type=Path, required=True)

    p = commands.add_parser("demo", help="score a few simulated transactions with a bundle and print them")
    p.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    p.add_argument("--count", type=int, default=10)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
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
    from .dataset import load_dataset
    from .pipeline import train_models
    from .simulate import simulate
    from .spec import load_spec
    if args.data == DEFAULT_SIMULATION and not args.data.exists():
        args.data.parent.mkdir(parents=True, exist_ok=True)
        simulate(args.data)
    spec = load_spec(args.spec) if args.spec else load_spec()
    summary = train_models(load_dataset(args.data, spec), args.out, args.weights, args.train_days, args.grid)
    ensemble = summary["validation"]["ensemble"]
    print(json.dumps({"models": str(args.out), "threshold": summary["threshold"],
                      "validation": {k: round(v["mean"], 4) for k, v in ensemble.items()},
                      "seconds": summary["seconds"], "peakMemoryMB": summary["peakMemoryMB"]}, indent=2))
    print(f"training took {summary['seconds']['total']} s in all ({summary['seconds']['finalFit']} s for the final fit); "
          f"peak memory {summary['peakMemoryMB']} MB", file=sys.stderr)


def _export(args) -> None:
    import os
    from .pipeline import export_models
    key = args.signing_key or os.environ.get("FRAUDSCORE_SIGNING_KEY")
    verification = export_models(args.models, args.out, args.name, args.version, key, args.spec)
    print(json.dumps({"bundle": str(args.out), "verification": verification}, indent=2, default=str))


def _evaluate(args) -> None:
    from .dataset import load_dataset
    from .evaluate import handbook_report
    from .spec import load_spec
    if not args.data.exists():
        raise DataError("the handbook data is not here; pass --data", file=str(args.data))
    handbook_report(load_dataset(args.data, load_spec()), args.weights, args.out)
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


def _verify(args) -> None:
    from .fixtures import verify_bundle
    print(json.dumps(verify_bundle(args.bundle, args.public_key), indent=2))


def _keygen(args) -> None:
    from .signing import generate_key
    print(generate_key(args.private, args.public))


def _demo(args) -> None:
    from .demo import demo
    demo(args.bundle, args.count)


COMMANDS = {"simulate": _simulate, "train": _train, "export": _export, "evaluate": _evaluate, "fixtures": _fixtures,
            "verify": _verify, "keygen": _keygen, "demo": _demo}
