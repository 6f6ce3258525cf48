"""Tune the slides' IMDB models with keras-tuner: choose an architecture and its sizes.

Run (needs ``pip install "keras_seqzoo[tuner]"``):

```bash
python examples/tune_imdb.py --max-trials 10 --epochs 3
python examples/tune_imdb.py --tuner hyperband --models bilstm,conv1d --limit 2000
```

With several ``--models`` the architecture is a hyperparameter; each model's
search space is the one its builder declares, with the IMDB presets
(``<model>.imdb_words10k``) as defaults where they exist, so the first trial
of a search is the slides' model. The best configuration is printed as plain
data and rebuilt outside the tuner.

Example:

```python
from examples.tune_imdb import main
result = main(["--limit", "200", "--max-trials", "2", "--epochs", "1"])
print(result["best"]["model"], result["best"]["arguments"])
```
"""

from __future__ import annotations

import argparse
import json
import tempfile
from typing import Any, Sequence

__all__ = ["TUNERS", "main", "make_hypermodel", "make_tuner", "parse_args"]

TUNERS = ("random", "bayesian", "hyperband", "grid")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parses the command line.

    Args:
        argv: the arguments without the program name; ``None`` reads ``sys.argv``.

    Returns:
        The parsed options.
    """
    parser = argparse.ArgumentParser(
        description="Tune keras_seqzoo models on IMDB (words) with keras-tuner."
    )
    parser.add_argument(
        "--models", default="bilstm,bigru,conv1d",
        help="comma-separated builder or preset names to choose among (default: %(default)s)",
    )
    parser.add_argument("--tuner", choices=TUNERS, default="random")
    parser.add_argument("--max-trials", type=int, default=10, help="trials (not for hyperband)")
    parser.add_argument("--epochs", type=int, default=3, help="epochs per trial (hyperband: max)")
    parser.add_argument("--limit", type=int, default=None,
                        help="use only this many training reviews (a quick run)")
    parser.add_argument("--source", default=None,
                        help="an aclImdb folder, a .tar.gz of one, or 'tfds' (default: search)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--vocab-size", type=int, default=10000)
    parser.add_argument("--max-length", type=int, default=120)
    parser.add_argument("--tune-learning-rate", action="store_true",
                        help="also search the learning rate (log scale, 1e-4 to 1e-2)")
    parser.add_argument("--objective", default="val_accuracy")
    parser.add_argument("--directory", default=None,
                        help="where keras-tuner keeps its trials (default: a temporary folder)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    args.models = [m.strip() for m in args.models.split(",") if m.strip()]
    if not args.models:
        parser.error("--models needs at least one name, e.g. --models bilstm,conv1d")
    for flag in ("max_trials", "epochs", "limit", "batch_size"):
        value = getattr(args, flag)
        if value is not None and value < 1:
            parser.error(f"--{flag.replace('_', '-')} must be at least 1. Received: {value}")
    return args


def _with_imdb_preset(name: str) -> str:
    """``"bilstm"`` -> ``"bilstm.imdb_words10k"`` when that preset exists."""
    import keras_seqzoo as zoo

    if "." not in name and f"{name}.imdb_words10k" in zoo.list_models(presets=True):
        return f"{name}.imdb_words10k"
    return name


def make_hypermodel(args: argparse.Namespace, vocab_size: int, max_length: int | None):
    """Returns the :class:`keras_seqzoo.tuning.HyperModel` for the options and data.

    Args:
        args: the parsed options.
        vocab_size: the data's vocabulary size.
        max_length: the data's sequence length.

    Returns:
        The hypermodel.
    """
    from keras_seqzoo import space, tuning

    names = [_with_imdb_preset(name) for name in args.models]
    options: dict[str, Any] = {"vocab_size": vocab_size, "max_length": max_length}
    if args.tune_learning_rate:
        options["learning_rate"] = space.Float(1e-4, 1e-2, sampling="log")
    models = names[0] if len(names) == 1 else names
    return tuning.HyperModel(models, **options)


def make_tuner(args: argparse.Namespace, hypermodel, directory: str):
    """Returns the keras-tuner tuner the options name.

    Args:
        args: the parsed options.
        hypermodel: the hypermodel to tune.
        directory: where keras-tuner keeps its trials.

    Returns:
        A ``keras_tuner`` tuner.
    """
    import keras_tuner

    common = dict(objective=args.objective, directory=directory, project_name="tune_imdb",
                  overwrite=True, seed=args.seed)
    if args.tuner == "hyperband":
        return keras_tuner.Hyperband(hypermodel, max_epochs=args.epochs, factor=3, **common)
    cls = {"random": keras_tuner.RandomSearch, "bayesian": keras_tuner.BayesianOptimization,
           "grid": keras_tuner.GridSearch}[args.tuner]
    return cls(hypermodel, max_trials=args.max_trials, **common)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Loads IMDB, runs the search and returns the best configuration.

    Args:
        argv: command-line arguments (see :func:`parse_args`).

    Returns:
        ``{"best_hyperparameters": {...}, "best": {"model", "arguments", ...},
        "trials": {status: count}}``.
    """
    args = parse_args(argv)
    import keras

    from keras_seqzoo import datasets, tuning

    keras.utils.set_random_seed(args.seed)
    data = datasets.load_imdb(
        encoding="words", source=args.source, vocab_size=args.vocab_size,
        max_length=args.max_length, batch_size=args.batch_size, limit=args.limit, seed=args.seed,
    )
    hypermodel = make_hypermodel(args, data.vocab_size, data.max_length)
    directory = args.directory or tempfile.mkdtemp(prefix="tune_imdb_")
    tuner = make_tuner(args, hypermodel, directory)
    tuner.search_space_summary()
    monitor = args.objective
    tuner.search(
        data.train, validation_data=data.validation, epochs=args.epochs,
        callbacks=[keras.callbacks.EarlyStopping(monitor=monitor, patience=1)],
    )
    statuses: dict[str, int] = {}
    for trial in tuner.oracle.trials.values():
        statuses[trial.status] = statuses.get(trial.status, 0) + 1
    best_hp = tuner.get_best_hyperparameters()[0]
    result = {
        "best_hyperparameters": dict(best_hp.values),
        "best": tuning.hyperparameters_to_arguments(best_hp, hypermodel),
        "trials": statuses,
    }
    model = tuning.build_from_hyperparameters(best_hp, hypermodel)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        tuner.results_summary(num_trials=3)
        print(f"\nBest: {result['best']['model']} with {result['best']['arguments']}")
        model.summary()
    return result


if __name__ == "__main__":
    main()
