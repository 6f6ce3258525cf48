"""The ``seqzoo`` command line.

```
seqzoo list [PATTERN ...] [--tag TAG] [--presets] [--json]
seqzoo describe NAME [--json]
seqzoo summary NAME [--set ARG=VALUE ...] [--line-length N]
seqzoo compare MODEL [MODEL ...] [--epochs N] [--data PATH] [--limit N] [--output DIR] ...
seqzoo tune MODEL [MODEL ...] [--trials N] [--epochs N] [--data PATH] [--seeds S ...] ...
seqzoo reproduce {c1,c2,c3,c4,c5} [--epochs N] [--data PATH] [--limit N] [--output DIR] ...
seqzoo reproduce c6 [--task T [--redo MODEL ...]] [--plan [--estimate STEPS]] [--output DIR]
seqzoo --version
seqzoo results DIR [--csv] [--top N] [--output DIR]
seqzoo export RUN_DIR [--trial best|ID] -o PATH --format {keras,saved_model,onnx} [--overwrite]
seqzoo predict PATH "text" ... | --file texts.txt | --jsonl texts.jsonl
```

Data options of ``compare`` and ``tune``: ``--data PATH|NAME`` (IMDB by default;
names: ``imdb``, ``listops``, ``20newsgroups``, ``reuters_r8``, ``sms_spam``),
``--data-dir DIR`` (a named data set's folder), ``--test PATH``, ``--validation PATH``, ``--format``, ``--columns label,text``,
``--text-column``, ``--label-column``, ``--file-encoding``, ``--keep
first|last``; the protocol: ``--protocol sound|slides``, ``--patience N``,
``--class-weight balanced``.

``python -m keras_seqzoo`` runs the same command. ``seqzoo --help`` and
``seqzoo --version`` do not import Keras; each subcommand imports what it needs.

Exit codes: 0 success, 2 bad input (unknown model or tag, invalid argument, data
not found, a missing extra or Keras backend, named with its install command), 130 interrupted (the run directory stays consistent and resumable),
1 other errors.
"""

from __future__ import annotations

import argparse
import ast
import functools
import json
import os
import signal
import sys
from typing import Any, Sequence

__all__ = ["main"]


def parse_assignment(text: str) -> tuple[str, Any]:
    """Parses ``ARG=VALUE``; VALUE is a Python literal when it parses as one, else a string."""
    name, sep, raw = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected ARG=VALUE, got {text!r}")
    try:
        value = ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        value = raw
    return name.strip(), value


def _cmd_list(args: argparse.Namespace) -> int:
    import keras_seqzoo as zoo

    names = zoo.list_models(args.pattern or None, tags=args.tag or None, presets=args.presets)
    if args.json:
        print(json.dumps(names))
        return 0
    width = max((len(n) for n in names), default=0)
    for name in names:
        info = zoo.describe(name)
        preset = info.get("preset") or {}
        ref = f"[{preset['reference']}] " if preset.get("reference") else ""
        print(f"{name:<{width}}  {ref}{info['description']}")
    return 0


def _cmd_describe(args: argparse.Namespace) -> int:
    import keras_seqzoo as zoo

    if args.json:
        print(json.dumps(zoo.describe(args.name), indent=2, default=str))
    else:
        print(zoo.format_description(args.name))
    return 0


def _cmd_summary(args: argparse.Namespace) -> int:
    import keras

    import keras_seqzoo as zoo

    keras.backend.clear_session()
    model = zoo.build(args.name, **dict(args.set or []))
    model.summary(line_length=args.line_length)
    return 0


def _int_at_least(minimum: int, text: str) -> int:
    """Parses an integer option of at least ``minimum``; argparse names the option on an error."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected an integer >= {minimum}, got {text!r}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"expected an integer >= {minimum}, got {value}")
    return value


def _positive_int(text: str) -> int:
    return _int_at_least(1, text)


def _add_run_options(p: argparse.ArgumentParser, *, defaults_from_experiment: bool) -> None:
    default = None if defaults_from_experiment else 10
    p.add_argument("--epochs", type=_positive_int, default=default,
                   help="epochs per model" + (" (default: the experiment's)" if default is None
                                              else " (default: 10)"))
    p.add_argument("--batch-size", type=_positive_int, default=None if default is None else 32)
    p.add_argument("--encoding", choices=("words", "subwords"), default=None,
                   help="default: what the presets expect")
    p.add_argument("--vocab-size", type=_positive_int, default=None)
    p.add_argument("--max-length", type=_positive_int, default=None,
                   help="sequence length (truncates subword sequences when given)")
    p.add_argument("--data", metavar="PATH|NAME", default=None,
                   help="the data: a CSV, TSV or JSON Lines file, a folder per class (as a "
                        "folder, .tar.gz or .zip), an aclImdb folder or .tar.gz, or a named "
                        "data set: imdb, listops, 20newsgroups, reuters_r8, sms_spam (looked "
                        "for in --data-dir, $KERAS_SEQZOO_TEXT_DATA, the Keras cache, else "
                        "downloaded) (default: IMDB from $KERAS_SEQZOO_IMDB, the Keras cache, "
                        "tensorflow-datasets)")
    p.add_argument("--limit", type=_positive_int, default=None,
                   help="a class-balanced subset of this many examples per split, for quick "
                        "runs")
    _add_data_options(p)
    p.add_argument("--seeds", type=_seed, nargs="+", default=None, metavar="SEED",
                   help="one run per seed and model; the table shows mean ± std (default: 0)")
    p.add_argument("--seed", type=_seed, default=None, help=argparse.SUPPRESS)  # older spelling
    p.add_argument("--output", "-o", metavar="DIR", default=None,
                   help="run directory; running again resumes it")
    p.add_argument("--optimizer", default="adam")
    p.add_argument("--learning-rate", type=float, default=None)
    p.add_argument("--quiet", "-q", action="store_true", help="no per-epoch lines")
    p.add_argument("--overwrite", action="store_true",
                   help="delete what --output holds and start over (without it, a directory "
                        "holding another comparison is refused)")
    p.add_argument(
        "--takeover-after", type=float, default=None, metavar="SECONDS",
        help="distributed runs (KERASTUNER_* variables): hand a trial whose worker has not "
             "reported for this long to another worker (default: only the same worker, "
             "restarted, continues it)",
    )
    backends = ("tensorflow", "jax", "torch") + (() if defaults_from_experiment else ("auto",))
    from keras_seqzoo.backend_speed import fastest_by_architecture

    fastest = fastest_by_architecture()
    on_jax = sum(backend == "jax" for backend in fastest.values())
    p.add_argument(
        "--backend", choices=backends, default=None,
        help="Keras backend to train on (default: $KERAS_BACKEND if set, else jax when "
             f"installed: the fastest recorded for {on_jax} of the {len(fastest)} architectures)"
             + ("" if defaults_from_experiment else
                "; auto: the installed backend that the recorded twins table says trains "
                "these models fastest together (`seqzoo describe NAME` shows each one's)"),
    )


def _columns(text: str) -> tuple[str, ...]:
    names = tuple(part.strip() for part in text.split(","))
    if len(names) < 2 or any(not n for n in names) or len(set(names)) != len(names):
        raise argparse.ArgumentTypeError(
            f"expected the file's column names in order, comma-separated and distinct, "
            f"e.g. label,text; got {text!r}")
    if "text" not in names or "label" not in names:
        raise argparse.ArgumentTypeError(
            f"the columns must name 'label' and 'text' (others are ignored), e.g. label,text; "
            f"got {text!r}")
    return names


def _add_data_options(p: argparse.ArgumentParser) -> None:
    group = p.add_argument_group("data and protocol")
    group.add_argument("--data-dir", metavar="DIR", default=None,
                       help="the folder holding a named data set's files (--data NAME)")
    group.add_argument("--test", metavar="PATH", default=None,
                       help="a separate test file (default: the data's test split, else a "
                            "stratified held-out fraction of train)")
    group.add_argument("--validation", metavar="PATH", default=None,
                       help="a separate validation file (default: a stratified, seeded 10 %% "
                            "of train, the same for every model and seed)")
    group.add_argument("--format", choices=("csv", "tsv", "jsonl", "folder"), default=None,
                       help="the file format (default: from the name)")
    group.add_argument("--columns", type=_columns, default=None, metavar="NAMES",
                       help="a headerless file's columns in order, e.g. label,text")
    group.add_argument("--text-column", default=None, metavar="NAME",
                       help="the column holding the text (default: text)")
    group.add_argument("--label-column", default=None, metavar="NAME",
                       help="the column holding the label (default: label)")
    group.add_argument("--file-encoding", default=None, metavar="CODEC",
                       help="the files' text encoding (default: utf-8)")
    group.add_argument("--keep", choices=("first", "last"), default=None,
                       help="which end of a long text is kept (default: first; "
                            "keras.datasets.imdb keeps the last)")
    group.add_argument("--protocol", choices=("sound", "slides"), default=None,
                       help="sound (default): best epoch on validation, its weights restored, "
                            "the test split evaluated once; slides: IMDB's test set as "
                            "validation, no test column (how C1-C4 were recorded)")
    group.add_argument("--patience", type=_positive_int, default=None, metavar="N",
                       help="stop a trial after N epochs without a better validation score")
    group.add_argument("--class-weight", choices=("balanced",), default=None,
                       help="weight classes by inverse frequency (imbalanced data)")


def _seed(text: str) -> int:
    return _int_at_least(0, text)


def _run_options(args: argparse.Namespace) -> dict[str, Any]:
    compile_options: dict[str, Any] = {"optimizer": args.optimizer}
    if args.learning_rate is not None:
        compile_options["learning_rate"] = args.learning_rate
    seeds = args.seeds if args.seeds is not None else (
        [args.seed] if args.seed is not None else None)
    options = {
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "encoding": args.encoding,
        "vocab_size": args.vocab_size,
        "max_length": args.max_length,
        "source": args.data,
        "limit": args.limit,
        "protocol": args.protocol,
        "patience": args.patience,
        "class_weight": args.class_weight,
        "data_options": {k: v for k in ("test", "validation", "format", "columns",
                                        "text_column", "label_column", "file_encoding", "keep",
                                        "data_dir")
                         if (v := getattr(args, k, None)) is not None} or None,
        "seeds": seeds,
        "compile_options": compile_options,
        "verbose": 0 if args.quiet else 2,
        "overwrite": args.overwrite or None,
        "takeover_after": args.takeover_after,
    }
    if args.output:
        options["output_dir"] = args.output
    return {k: v for k, v in options.items() if v is not None}


def _run_comparison(args: argparse.Namespace, run) -> int:
    try:
        run()
    except (ConnectionError, PermissionError) as error:  # a worker and its chief
        print(f"seqzoo {args.command}: error: {error}", file=sys.stderr)
        return 1
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    from keras_seqzoo.comparison import compare

    return _run_comparison(args, lambda: compare(args.models, **_run_options(args)))


def _cmd_tune(args: argparse.Namespace) -> int:
    from keras_seqzoo.comparison import tune

    options = _run_options(args)
    options["trials"] = args.trials
    if args.redo:
        options["redo"] = args.redo
    return _run_comparison(args, lambda: tune(args.models, **options))


#: What C6 fixes per task: ``reproduce c6`` refuses these options.
_C6_FIXED = ("epochs", "batch_size", "encoding", "vocab_size", "max_length", "data", "limit",
             "seeds", "seed", "learning_rate", "protocol", "patience", "class_weight", "test",
             "validation", "format", "columns", "text_column", "label_column", "file_encoding",
             "keep", "takeover_after")


def _cmd_reproduce(args: argparse.Namespace) -> int:
    from keras_seqzoo.comparison import reproduce

    if args.experiment != "c6":
        if args.task is not None or args.plan or args.estimate is not None or args.redo:
            raise ValueError(f"--task, --plan, --estimate and --redo are for c6 (five tasks); "
                             f"{args.experiment} is one comparison. Leave them out.")
        return _run_comparison(args, lambda: reproduce(args.experiment, **_run_options(args)))
    fixed = [f"--{k.replace('_', '-')}" for k in _C6_FIXED if getattr(args, k, None) is not None]
    fixed += ["--optimizer"] if args.optimizer != "adam" else []
    fixed += ["--overwrite"] if args.overwrite else []
    if fixed:
        raise ValueError(f"c6 runs every task with its recorded budget (see --plan); "
                         f"{', '.join(fixed)} cannot change it. Leave them out (--task, "
                         "--output and --quiet are allowed).")
    if args.estimate is not None and not args.plan:
        raise ValueError("--estimate goes with --plan (it measures the plan's cost); add --plan.")
    options = {"task": args.task, "plan": args.plan, "output_dir": args.output,
               "verbose": 0 if args.quiet else 2}
    if args.redo:
        options["redo"] = args.redo
    if args.estimate is not None:
        options["estimate_steps"] = args.estimate
    if args.plan:
        print(reproduce("c6", **options))
        return 0
    return _run_comparison(args, lambda: reproduce("c6", **options))


def _cmd_results(args: argparse.Namespace) -> int:
    from keras_seqzoo import results

    table = results.trials_table(args.directory)
    if args.csv:
        print(table.to_csv(index=False), end="")
    else:
        print(results.format_table(table))
    if not args.no_plots:
        path = results.plot_trials(args.directory, args.output or args.directory, top=args.top)
        print(f"wrote {path}", file=sys.stderr)
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from keras_seqzoo.exporting import export

    path = export(args.run_dir, args.output, format=args.format, trial=args.trial,
                  overwrite=args.overwrite)
    print(f"wrote {path}", file=sys.stderr)
    return 0


def _cmd_predict(args: argparse.Namespace) -> int:
    from keras_seqzoo import serving

    texts = list(args.texts)
    if args.file is not None:
        texts += serving.read_texts(args.file)
    if args.jsonl is not None:
        texts += serving.read_texts(args.jsonl, jsonl=True)
    for record in serving.predict_records(args.path, texts):
        print(json.dumps(record, ensure_ascii=False))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Returns the ``seqzoo`` argument parser."""
    from keras_seqzoo._version import __version__

    parser = argparse.ArgumentParser(
        prog="seqzoo", description="Sequence classification models for Keras 3."
    )
    parser.add_argument("--version", action="version", version=f"seqzoo (keras-seqzoo) {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("list", help="list registered builders (and presets)")
    p.add_argument("pattern", nargs="*", help="wildcard patterns, e.g. '*lstm*'")
    p.add_argument("--tag", action="append", help="keep models with this tag (repeatable)")
    p.add_argument("--presets", action="store_true", help="also list presets (arch.tag)")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p.set_defaults(run=_cmd_list)

    p = sub.add_parser("describe", help="arguments, defaults, allowed values, search space")
    p.add_argument("name")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_cmd_describe)

    p = sub.add_parser("summary", help="print the model.summary() table of a builder or preset")
    p.add_argument("name")
    p.add_argument(
        "--set", action="append", type=parse_assignment, metavar="ARG=VALUE",
        help="override one builder argument (repeatable), e.g. --set units=64",
    )
    p.add_argument("--line-length", type=int, default=None)
    p.set_defaults(run=_cmd_summary)

    p = sub.add_parser("compare", help="train models side by side; table, curves, timings")
    p.add_argument("models", nargs="+", metavar="MODEL", help="builder or preset names")
    _add_run_options(p, defaults_from_experiment=False)
    p.set_defaults(run=_cmd_compare)

    p = sub.add_parser(
        "tune", help="one keras-tuner search per model with an equal budget, then each "
                     "model's chosen configuration over the seeds: compare's table")
    p.add_argument("models", nargs="+", metavar="MODEL", help="builder or preset names")
    p.add_argument("--trials", type=_positive_int, default=10,
                   help="search trials per model, the same for all (default: 10)")
    p.add_argument("--redo", nargs="+", metavar="MODEL", default=None,
                   help="in a resumed folder, delete these models' searches and seeds' "
                        "trials and run them again (the others are kept); once: running "
                        "again with it deletes their progress again")
    _add_run_options(p, defaults_from_experiment=False)
    p.set_defaults(run=_cmd_tune)

    p = sub.add_parser(
        "reproduce",
        help="run one of the recorded comparisons (c1-c4: the slides'; c5: every architecture; "
             "c6: every architecture tuned on five tasks)",
    )
    p.add_argument("experiment", choices=("c1", "c2", "c3", "c4", "c5", "c6"))
    p.add_argument("--task", default=None, metavar="T",
                   help="c6 only: one task (imdb, 20newsgroups, reuters_r8, sms_spam, "
                        "listops; default: all, in turn); running again resumes it")
    p.add_argument("--plan", action="store_true",
                   help="c6 only: print the tasks, their sizes and the budget; train nothing")
    p.add_argument("--estimate", type=_positive_int, default=None, metavar="STEPS",
                   help="c6 with --plan: also time STEPS batches of each architecture on "
                        "each task and print the hours the budget takes on this machine "
                        "(written to OUTPUT/estimate.json)")
    p.add_argument("--redo", nargs="+", metavar="MODEL", default=None,
                   help="c6 with --task: delete these architectures' searches and seeds' "
                        "trials in the task's folder and record them again; once: the "
                        "next sitting resumes without it")
    _add_run_options(p, defaults_from_experiment=True)
    p.set_defaults(run=_cmd_reproduce)

    p = sub.add_parser("results", help="all trials of a comparison or keras-tuner search: "
                                       "table and figures")
    p.add_argument("directory", metavar="DIR", help="a keras-tuner project directory")
    p.add_argument("--csv", action="store_true", help="print the table as CSV")
    p.add_argument("--top", type=_positive_int, default=5,
                   help="curves of this many best trials (default: 5)")
    p.add_argument("--output", "-o", metavar="PATH", default=None,
                   help="the figure: a .png file or a folder (default: DIR/trials.png)")
    p.add_argument("--no-plots", action="store_true", help="only print the table")
    p.set_defaults(run=_cmd_results)

    p = sub.add_parser("export", help="export a comparison's trial: raw text in, probabilities "
                                      "out (keras, saved_model, onnx)")
    p.add_argument("run_dir", metavar="RUN_DIR", help="a comparison's output directory")
    p.add_argument("--trial", default="best", metavar="best|ID",
                   help="the trial: best (default) or an id such as 0003")
    p.add_argument("--output", "-o", required=True, metavar="PATH",
                   help="a .keras file (keras) or a folder (saved_model, onnx)")
    p.add_argument("--format", required=True, choices=("keras", "saved_model", "onnx"))
    p.add_argument("--overwrite", action="store_true", help="replace an existing PATH")
    p.set_defaults(run=_cmd_export)

    p = sub.add_parser("predict", help="classify texts with an export: one JSON line per text")
    p.add_argument("path", metavar="PATH", help="an export (seqzoo export ... -o PATH)")
    p.add_argument("texts", nargs="*", metavar="TEXT", help="texts to classify")
    p.add_argument("--file", metavar="FILE", help="one text per line ('-': standard input)")
    p.add_argument("--jsonl", metavar="FILE",
                   help='JSON lines: strings or {"text": ...} (\'-\': standard input)')
    p.set_defaults(run=_cmd_predict)
    return parser


#: The subcommands that train (and may restart themselves on another backend).
_TRAINING = ("compare", "tune", "reproduce")


def _interrupt_on_sigterm() -> None:
    """Makes SIGTERM stop a training command as Ctrl-C does.

    ``kill``, a batch scheduler's time limit and ``docker stop`` send SIGTERM, which
    would end the process on the spot; raised as ``KeyboardInterrupt`` instead, the
    command unwinds: a C6 sitting is recorded as stopped, the files are closed, and the
    exit status is 130. (A job started in the background of a script ignores SIGINT, so
    SIGTERM is the signal that reaches it.)
    """
    from keras_seqzoo import _stop

    def interrupt(signum: int, frame: Any) -> None:
        reason = f"signal {signal.Signals(signum).name}"
        _stop.request(reason)  # raised again at the next batch if this one is lost
        raise KeyboardInterrupt(reason)

    signal.signal(signal.SIGTERM, interrupt)


def _reexec_command(argv: Sequence[str]) -> list[str]:
    """The command that restarts ``seqzoo`` without importing code from the working directory.

    ``python -m`` puts the working directory first on ``sys.path``; ``-P``
    (Python 3.11+) leaves it out. On 3.10 a ``-c`` stub drops that entry before
    importing anything.
    """
    if sys.version_info >= (3, 11):
        return [sys.executable, "-P", "-m", "keras_seqzoo", *argv]
    stub = ("import sys; sys.path.pop(0); sys.argv[0] = 'seqzoo'; "
            "from keras_seqzoo.cli import main; sys.exit(main())")
    return [sys.executable, "-c", stub, *argv]


def _training_backend(args: argparse.Namespace) -> str | None:
    """The backend a training command should run on, or ``None`` to keep the current one.

    An explicit ``--backend`` wins; then ``$KERAS_BACKEND``; otherwise JAX when it is
    installed, because it trains the slides' models fastest on CPUs (2-4x faster than
    TensorFlow's default for the LSTM and GRU; see the benchmarks page).
    """
    if args.command not in _TRAINING:
        return None
    if getattr(args, "backend", None) == "auto":
        chosen = _auto_backend(tuple(args.models))[0]
        if chosen is not None:
            return chosen
    elif getattr(args, "backend", None):
        return str(args.backend)
    if os.environ.get("KERAS_BACKEND"):
        return None
    import importlib.util

    return "jax" if importlib.util.find_spec("jax") is not None else None


@functools.lru_cache(maxsize=None)
def _auto_backend(models: tuple[str, ...]) -> tuple[str | None, str]:
    """``--backend auto``: the installed backend the recorded table says is fastest for
    ``models`` together (one process runs one backend), and why; ``None`` keeps the default."""
    import importlib.util

    from keras_seqzoo.backend_speed import choose_backend

    installed = [b for b in ("jax", "torch", "tensorflow") if importlib.util.find_spec(b)]
    return choose_backend(models, available=installed)


def _backend_note(args: argparse.Namespace, backend: str | None) -> str:
    """Says which backend a training command runs on and why (the README's figures are JAX's)."""
    from keras_seqzoo import _extras

    if getattr(args, "backend", None) == "auto":
        chosen, reason = _auto_backend(tuple(args.models))
        if chosen is not None:
            return f"training on the {chosen} backend (--backend auto): {reason}"
        default = _backend_note(argparse.Namespace(command=args.command), backend)
        return f"--backend auto found {reason}; {default}"
    if getattr(args, "backend", None):
        return f"training on the {backend} backend (--backend)"
    if os.environ.get("KERAS_BACKEND"):
        return f"training on the {os.environ['KERAS_BACKEND']} backend ($KERAS_BACKEND)"
    if backend == "jax":
        from keras_seqzoo.backend_speed import fastest_by_architecture

        fastest = fastest_by_architecture()
        on_jax = sum(b == "jax" for b in fastest.values())
        return (f"training on the jax backend (installed; the fastest recorded for {on_jax} of "
                f"the {len(fastest)} architectures, and the one the README's timings are for; "
                "--backend auto picks per run from the recording, --backend or $KERAS_BACKEND "
                "chooses another)")
    current, origin = _extras.keras_backend()
    return (f"training on the {current} backend ({origin}): jax is not installed, and the "
            f"README's timings are for JAX ({_extras.install_command('jax')})")


def main(argv: Sequence[str] | None = None) -> int:
    """Runs ``seqzoo`` and returns its exit code.

    Args:
        argv: the arguments; ``None`` means the command line (``sys.argv[1:]``), and only
            then may a training command restart itself on another backend.

    Returns:
        0 on success, 2 for bad input (a missing extra or backend included), 1 for other
        errors, 130 when interrupted.
    """
    from keras_seqzoo import _extras

    from_command_line = argv is None
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    prefix = f"seqzoo {args.command}"
    # Only the `seqzoo` command restarts itself; called from Python, main() keeps the
    # process (and its backend) as it is.
    backend = _training_backend(args) if from_command_line else None
    if args.command in _TRAINING:
        problem = _extras.backend_problem(backend)
        if problem is not None:
            print(f"{prefix}: error: {problem}", file=sys.stderr)
            return 2
        if from_command_line and os.environ.get("_SEQZOO_BACKEND_NOTED") != "1":
            note = _backend_note(args, backend)
            print(f"{prefix}: {note}", file=sys.stderr)
            # The run's comparison.json keeps why it trains on this backend.
            os.environ[_extras.BACKEND_NOTE_VARIABLE] = note
    if backend is not None and _extras.keras_backend()[0] != backend:
        # Keras fixes its backend at import: start again on the chosen one.
        sys.stderr.flush()
        sys.stdout.flush()
        env = {**os.environ, "KERAS_BACKEND": backend, "_SEQZOO_BACKEND_NOTED": "1"}
        command = _reexec_command(argv)
        os.execve(command[0], command, env)
    if from_command_line and args.command in _TRAINING:
        _interrupt_on_sigterm()
    try:
        return int(args.run(args) or 0)
    except BrokenPipeError:
        # The reader stopped early (`seqzoo list | head`): quiet, as Unix tools are. Python
        # would report the failed flush of stdout at exit, so stdout is pointed at devnull.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, a shell's status for a command its pipe's reader left
    except _extras.MissingExtraError as error:
        print(f"{prefix}: error: {error}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as error:
        # Keras without its backend, or a feature's module without its extra: one line.
        top = (error.name or "").partition(".")[0]
        problem = _extras.backend_problem()
        if problem is None and top in _extras.MODULE_EXTRAS:
            extra = _extras.MODULE_EXTRAS[top]
            problem = f"{prefix} needs the {extra!r} extra: {_extras.install_command(extra)} ({error})"
        if problem is None:
            raise
        print(f"{prefix}: error: {problem}", file=sys.stderr)
        return 2
    except (KeyError, ValueError, TypeError, FileNotFoundError, FileExistsError) as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"{prefix}: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{prefix}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
