"""Sphinx directives that generate keras_seqzoo's documentation from the code.

Nothing on the pages these directives fill is typed by hand: the summaries are
printed by Keras at build time, the catalogue and argument tables come from the
registry, and the comparison pages read the recorded runs in ``docs/data/runs``.

Directives
----------

``.. seqzoo-summary:: NAME``
    ``model.summary()`` of a builder or preset, built with its explicit
    ``keras.Input``, uncompiled, after ``keras.backend.clear_session()`` (so the
    auto-generated layer names are stable), at a fixed line length. When the
    preset carries the slide's table (``Preset.slide_summary``/``slide_total``),
    that table follows, each row checked against the model just built, and a
    sentence says whether the totals match (computed, never typed).
    Options: ``:line-length:`` (default: ``seqzoo_summary_line_length``, 90),
    ``:positions:`` (column ends as fractions, default ``seqzoo_summary_positions``,
    ``0.6 0.84 1.0``), ``:no-slide-table:`` (flag).

``.. seqzoo-catalogue::``
    A table of every registered builder and preset (name, tags, description,
    reference), from ``list_models(presets=True)`` and ``describe()``.
    Options: ``:pattern:`` (a wildcard, e.g. ``*lstm*``), ``:builders-only:``.

``.. seqzoo-arguments:: NAME``
    The arguments of a builder or preset: type, default, allowed values and the
    search space, from ``describe()``.

``.. seqzoo-comparison:: EXPERIMENT``
    A recorded training comparison (``c1`` .. ``c5``) read from
    ``<srcdir>/<seqzoo_runs_dir>/EXPERIMENT/`` (the layout written by
    ``keras_seqzoo.comparison.compare``): the command that produced it, the
    hardware (the recording's note) and the machine's load where the recording stores
    it (``load`` in ``comparison.json`` or a run's ``run.json``; "not measured"
    otherwise), the validation data (``protocol`` in ``comparison.json``; without one,
    the slides protocol: IMDB's test reviews validate and pick the best epoch), the
    sessions the runs were recorded in (so a page that mixes recordings says which
    rows came from which), backend and versions, the table (``comparison.summarize``:
    mean ± std over the seeds, each seed's best epoch and the epoch where the seeds'
    mean curve peaks, with a legend naming every column) and two
    figures drawn at build time with ``keras_seqzoo.plots`` into the HTML
    output's ``_images/`` (``seqzoo-EXPERIMENT-curves.png`` and
    ``seqzoo-EXPERIMENT-epoch-times.png``). Without recorded data it shows a
    "Not recorded yet" admonition with the command to run, and no warning.
    Options: ``:slide-seconds:`` (``MODEL=SECONDS, ...``: the slides' seconds per
    epoch, compared with the measured ones in a computed table),
    ``:metrics:`` (default ``accuracy, loss``).

``.. seqzoo-load:: FILE``
    The machine's load stored in a benchmark's JSON file (``FILE`` relative to
    ``seqzoo_data_dir``): ``load`` (``keras_seqzoo.machine.load_record``) at the top
    level or in each of its ``recordings``, with the ``is_idle`` verdict; a file without
    one says "not measured".

Role
----

``:seqzoo-value:`SPEC```
    A figure in the prose, read from the recorded data when the page is built (see
    :func:`data_value` for ``SPEC``), e.g.
    ``:seqzoo-value:`run c5 fasttext.imdb_words10k best_val_accuracy±:.4f``` renders
    ``0.8337 ± 0.0004`` and
    ``:seqzoo-value:`run c5 fasttext.imdb_words10k best_val_accuracy_epoch_by_seed```
    ``3, 4 and 2``. A specification that does not resolve is an error (the build fails
    under ``-W``). Figures typed in the prose instead are checked against their data by
    ``tests/test_docs_numbers.py``.

``.. seqzoo-cli-help:: [SUBCOMMAND]``
    The ``--help`` text of ``seqzoo`` (or of one subcommand), from
    ``keras_seqzoo.cli.build_parser()``.

The extension also converts Markdown code fences in docstrings (the project's
docstrings use them in ``Example:`` sections) into ``code-block`` directives
before napoleon reads them.

Configuration: ``seqzoo_runs_dir`` (default ``"data/runs"``, relative to the
source directory), ``seqzoo_data_dir`` (default ``"data"``: the root of the ``json``
and ``re`` specifications of ``:seqzoo-value:`` and of ``seqzoo-load``), ``seqzoo_summary_line_length`` (default 90, which fits Furo's
content column at 1280 px), ``seqzoo_summary_positions`` (default ``[0.6, 0.84, 1.0]``).
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import re
from pathlib import Path
from typing import Any, Iterable, NamedTuple, Sequence

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

__version__ = "0.1.0"

logger = logging.getLogger(__name__)

RUN_FILES = ("comparison.json", "comparison.md", "comparison.csv", "COMMAND", "HARDWARE")
MODEL_FILES = ("run.json", "history.jsonl", "history.csv", "history.json", "trial.json")


# --------------------------------------------------------------------------- helpers


@contextlib.contextmanager
def _columns(width: int):
    """Sets ``COLUMNS`` for the block: rich (Keras' summary) and argparse read it.

    Without it the captured summary is cropped to whatever terminal width the
    build happens to see (80 when there is none).
    """
    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(width)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = old


def _fmt_int(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


def _fmt_num(value: Any, digits: int = 4) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.{digits}f}" if math.isfinite(value) else str(value)
    return str(value)


def _cell(content: Any) -> nodes.entry:
    entry = nodes.entry()
    if isinstance(content, list):
        for node in content:
            entry += node
    elif isinstance(content, nodes.Node):
        entry += content
    else:
        entry += nodes.paragraph(text="" if content is None else str(content))
    return entry


def _table(
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    title: str | None = None,
    classes: Sequence[str] = (),
    widths: Sequence[int] | None = None,
) -> nodes.table:
    """A docutils table; a cell is text or a node."""
    rows = list(rows)
    table = nodes.table(classes=list(classes))
    if title:
        table += nodes.title(text=title)
    group = nodes.tgroup(cols=len(headers))
    table += group
    for width in widths or [1] * len(headers):
        group += nodes.colspec(colwidth=width)
    head = nodes.thead()
    row = nodes.row()
    for header in headers:
        row += _cell(header)
    head += row
    group += head
    body = nodes.tbody()
    for values in rows:
        row = nodes.row()
        for value in values:
            row += _cell(value)
        body += row
    group += body
    return table


def _model_cell(name: str) -> list[nodes.Node]:
    """A table cell's content: the model's short slide name (as in the figures) over its
    registered name."""
    from keras_seqzoo.plots import _short_label

    short = _short_label(name)
    if short == name:
        return [_para(_literal(name))]
    return [_para(short), _para(_literal(name), classes=["seqzoo-preset-name"])]


def _epoch(index: Any) -> str:
    """A history's 0-based epoch index as Keras prints it ("Epoch 1/10" is index 0)."""
    if isinstance(index, int) and not isinstance(index, bool):
        return str(index + 1)
    return _fmt_num(index)


def _literal(text: str) -> nodes.literal:
    return nodes.literal(text=text)


def _para(*parts: Any, classes: Sequence[str] = ()) -> nodes.paragraph:
    paragraph = nodes.paragraph(classes=list(classes))
    for part in parts:
        paragraph += part if isinstance(part, nodes.Node) else nodes.Text(str(part))
    return paragraph


def _norm_shape(text: str) -> str:
    return re.sub(r"\s+", "", str(text))


def _output_shape(layer) -> str:
    try:
        shape = layer.output.shape
    except Exception:  # pragma: no cover - a layer with several outputs
        return "?"
    return "(" + ", ".join(str(d) for d in shape) + (",)" if len(shape) == 1 else ")")


# --------------------------------------------------------------------------- summary


def build_summary(name: str, line_length: int, positions: Sequence[float] | None = None):
    """Builds ``name`` after clearing the session; returns (summary text, layer rows, total).

    Layer rows are ``(layer name, class name, output shape, params)`` without the
    InputLayer, in the order ``model.summary()`` prints them.
    """
    import keras

    import keras_seqzoo

    keras.backend.clear_session()
    model = keras_seqzoo.build(name)
    chunks: list[str] = []
    with _columns(line_length):
        model.summary(
            line_length=line_length,
            positions=list(positions) if positions else None,
            print_fn=lambda text, line_break=True: chunks.append(text),
        )
    text = "".join(c if c.endswith("\n") else c + "\n" for c in chunks).rstrip() + "\n"
    rows = [
        (layer.name, type(layer).__name__, _output_shape(layer), layer.count_params())
        for layer in model.layers
        if type(layer).__name__ != "InputLayer"
    ]
    return text, rows, model.count_params()


class SummaryDirective(SphinxDirective):
    """``.. seqzoo-summary:: NAME``: the model.summary() table, next to the slide's."""

    required_arguments = 1
    has_content = False
    option_spec = {
        "line-length": directives.positive_int,
        "positions": directives.unchanged,
        "no-slide-table": directives.flag,
    }

    def run(self) -> list[nodes.Node]:
        import keras

        import keras_seqzoo

        name = self.arguments[0]
        line_length = self.options.get("line-length", self.config.seqzoo_summary_line_length)
        try:
            positions = [float(p) for p in self.options["positions"].replace(",", " ").split()] \
                if "positions" in self.options else self.config.seqzoo_summary_positions
        except ValueError as error:
            raise self.error(f"seqzoo-summary: :positions: {error}") from error
        try:
            text, rows, total = build_summary(name, line_length, positions)
            _, preset = keras_seqzoo._registry.resolve(name)
        except Exception as error:
            raise self.error(f"seqzoo-summary: could not build {name!r}: {error}") from error

        container = nodes.container(classes=["seqzoo-summary-block"])
        container += _para(
            _literal(
                f'keras_seqzoo.build("{name}").summary(line_length={line_length}'
                + (f", positions={list(positions)})" if positions else ")")
            ),
            f", printed by Keras {keras.__version__} when these pages were built:",
        )
        block = nodes.literal_block(text, text, classes=["seqzoo-summary"])
        block["language"] = "text"
        container += block

        if preset is None or preset.slide_summary is None or "no-slide-table" in self.options:
            if preset is not None and preset.slide:
                container += _para(
                    f"The slides show this architecture ({preset.slide}) as code only, "
                    "without a summary table."
                )
            return [container]

        slide_rows = list(preset.slide_summary)
        table_rows = []
        all_layers_match = len(slide_rows) == len(rows)
        for index in range(max(len(slide_rows), len(rows))):
            slide = slide_rows[index] if index < len(slide_rows) else ("", "", None)
            built = rows[index] if index < len(rows) else ("", "", "", None)
            same = (
                slide[2] == built[3]
                and _norm_shape(slide[1]) == _norm_shape(built[2])
                and slide[0] == built[1]
            )
            all_layers_match = all_layers_match and same
            table_rows.append(
                [
                    slide[0],
                    slide[1],
                    _fmt_int(slide[2]) if slide[2] is not None else "",
                    f"{built[0]} ({built[1]})" if built[0] else "",
                    built[2],
                    _fmt_int(built[3]) if built[3] is not None else "",
                    "yes" if same else "NO",
                ]
            )
        reference = preset.reference or preset.slide or preset.name
        container += _table(
            ["Slide layer", "Output shape", "Params", "Built layer", "Output shape",
             "Params", "Same"],
            table_rows,
            title=f"As printed in the slides ({reference}), row by row against this build",
            classes=["seqzoo-slide-table"],
            widths=[18, 16, 10, 26, 16, 10, 6],
        )
        slide_total = preset.slide_total
        if slide_total is None:
            sentence = f"The slides print no total; this build counts {total:,} parameters."
            verdict = "seqzoo-total-unknown"
        elif slide_total == total:
            sentence = (
                f"Totals match: this build counts {total:,} parameters and the slides "
                f"print {slide_total:,}."
            )
            verdict = "seqzoo-total-match"
        else:
            sentence = (
                f"Totals differ: this build counts {total:,} parameters, the slides "
                f"print {slide_total:,}."
            )
            verdict = "seqzoo-total-mismatch"
        layers = (
            f" All {len(rows)} layers have the slides' output shapes and parameter counts."
            if all_layers_match
            else " Some layers differ from the slides (marked NO above)."
        )
        container += _para(sentence + layers, classes=["seqzoo-total", verdict])
        if slide_total is not None and slide_total != total:
            logger.warning(
                "seqzoo-summary: %s counts %s parameters but the slides print %s",
                name, total, slide_total, location=self.get_location(),
            )
        return [container]


# --------------------------------------------------------------------------- registry tables


class CatalogueDirective(SphinxDirective):
    """``.. seqzoo-catalogue::``: every registered builder and preset."""

    has_content = False
    option_spec = {"pattern": directives.unchanged, "builders-only": directives.flag,
                   "c6-links": directives.flag}

    def run(self) -> list[nodes.Node]:
        import keras_seqzoo as zoo

        names = zoo.list_models(
            self.options.get("pattern"), presets="builders-only" not in self.options
        )
        links = "c6-links" in self.options
        rows = []
        for name in names:
            info = zoo.describe(name)
            preset = info.get("preset")
            if preset:
                kind = "preset"
                ref = preset.get("reference") or ""
                slide = preset.get("slide") or ""
                reference = f"{ref}: {slide}" if ref and slide else (ref or slide)
            else:
                kind = "builder"
                reference = info.get("reference") or ""
            row = [_literal(name), kind, ", ".join(info["tags"]), info["description"],
                   reference]
            if links:
                row.append(_para(self._c6_link(name.partition(".")[0])))
            rows.append(row)
        return [
            _table(
                ["Name", "Kind", "Tags", "Description", "Slides"] + (["C6"] if links else []),
                rows,
                classes=["seqzoo-catalogue"],
                widths=[26, 8, 14, 40, 20] + ([10] if links else []),
            )
        ]

    def _c6_link(self, builder: str) -> nodes.Node:
        """A link to the builder's row of C6's rank table (``c6-<builder>``)."""
        from sphinx import addnodes

        link = addnodes.pending_xref(
            "", refdomain="std", reftype="ref", reftarget=c6_label(builder),
            refexplicit=True, refwarn=True, refdoc=self.env.docname)
        link += nodes.inline(text="C6 results")
        return link


class BackendSpeedDirective(SphinxDirective):
    """``.. seqzoo-backend-speed::``: per architecture, the fastest recorded Keras backend
    and every backend's best epoch against plain PyTorch, from the package's copy of the
    twins table (:mod:`keras_seqzoo.backend_speed`, what ``seqzoo describe`` says)."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        import keras_seqzoo as zoo
        from keras_seqzoo import backend_speed

        rows = []
        for name in zoo.list_models():
            speed = backend_speed.backend_speed(name)
            if speed is None:
                rows.append([_literal(name), "not recorded", ""])
                continue
            fastest = speed["backends"][speed["fastest"]]
            rows.append([
                _literal(name),
                f"{speed['fastest']} ({fastest['best']:.2f} s/epoch)",
                "; ".join(f"{backend} {row['ratio_best']:.2f}x"
                          for backend, row in speed["backends"].items()),
            ])
        table = backend_speed.recorded_table()
        sources: list[Any] = ["Recordings: "]
        for index, r in enumerate(table["recordings"]):
            sources += ["; " if index else "", f"{r['recorded']}, {r['cpus']} CPUs "
                        f"{r['processor']}" + (f", GPU {r['gpu']}" if r.get("gpu") else "")
                        + {True: ", idle", False: ", busy"}.get(r.get("idle"), "") + ": ",
                        _literal(r["command"])]
        return [_table(["Architecture", f"Fastest recorded backend on {table['device']}",
                        "Best epoch / plain PyTorch's"], rows,
                       classes=["seqzoo-backend-speed"], widths=[24, 30, 46]),
                _para(*sources, ".")]


class ArgumentsDirective(SphinxDirective):
    """``.. seqzoo-arguments:: NAME``: a builder's (or preset's) arguments."""

    required_arguments = 1
    has_content = False

    def run(self) -> list[nodes.Node]:
        import keras_seqzoo as zoo

        try:
            info = zoo.describe(self.arguments[0])
        except Exception as error:
            raise self.error(f"seqzoo-arguments: {error}") from error
        space = info.get("search_space") or {}
        rows = []
        for arg_name, arg in info["arguments"].items():
            value = space.get(arg_name)
            if value:
                fields = ", ".join(f"{k}={v!r}" for k, v in value.items() if k != "type")
                searched = f"{value['type']}({fields})"
            else:
                searched = ""
            rows.append(
                [_literal(arg_name), arg["type"], _literal(repr(arg["default"])),
                 arg["allowed"], searched]
            )
        return [
            _table(
                ["Argument", "Type", "Default", "Allowed", "Search space"],
                rows,
                classes=["seqzoo-arguments"],
                widths=[16, 14, 12, 30, 28],
            )
        ]


# Not sphinx-argparse: this prints each help exactly as ``seqzoo X --help`` does (the
# argparse groups and wrapping users see), from build_parser(), with no extra dependency.
class CliHelpDirective(SphinxDirective):
    """``.. seqzoo-cli-help:: [SUBCOMMAND]``: ``seqzoo --help`` text."""

    optional_arguments = 1
    has_content = False
    option_spec = {"width": directives.positive_int}

    def run(self) -> list[nodes.Node]:
        import argparse

        from keras_seqzoo.cli import build_parser

        with _columns(self.options.get("width", 88)):
            parser = build_parser()
            if self.arguments:
                sub = next(
                    a for a in parser._actions if isinstance(a, argparse._SubParsersAction)
                )
                if self.arguments[0] not in sub.choices:
                    raise self.error(f"seqzoo-cli-help: no subcommand {self.arguments[0]!r}")
                parser = sub.choices[self.arguments[0]]
            text = parser.format_help()
        block = nodes.literal_block(text, text, classes=["seqzoo-cli-help"])
        block["language"] = "text"
        return [block]


# --------------------------------------------------------------------------- comparisons


IMDB_PLACEHOLDER = "/path/to/aclImdb_v1.tar.gz"


def copy_pasteable(command: str, width: int = 88) -> str:
    """A recorded command as a reader can run it.

    Keeps the first ``seqzoo`` command of a ``&&`` chain (the recording's own
    book-keeping steps are dropped), points ``KERAS_SEQZOO_IMDB`` at
    ``/path/to/aclImdb_v1.tar.gz`` (adding it when absent), drops other
    machine-local environment paths and literal ``...`` placeholders, and breaks
    the line with ``\\`` continuations at about ``width`` characters.
    """
    import shlex

    parts = [p.strip() for p in re.split(r"\s&&\s", command.strip()) if p.strip()]
    chosen = next((p for p in parts if re.search(r"\bseqzoo\b", p)), parts[0] if parts else "")
    try:
        tokens = shlex.split(chosen)
    except ValueError:
        tokens = chosen.split()
    env, args = [], []
    for token in tokens:
        name, sep, value = token.partition("=")
        if not args and sep and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            if name == "KERAS_SEQZOO_IMDB":
                env.append(f"{name}={IMDB_PLACEHOLDER}")
            elif "/" in value and name.startswith("KERAS_SEQZOO_"):
                continue  # a cache or data path of the recording machine
            else:
                env.append(f"{name}={shlex.quote(value)}")
        elif token in ("...", "…"):
            continue
        else:
            args.append(shlex.quote(token))
    if not any(e.startswith("KERAS_SEQZOO_IMDB=") for e in env):
        env.append(f"KERAS_SEQZOO_IMDB={IMDB_PLACEHOLDER}")
    groups: list[str] = []  # the program and its words, then each option with its values
    for token in args:
        if not groups or token.startswith("-"):
            groups.append(token)
        else:
            groups[-1] += " " + token
    lines, line = [" ".join(env)], ""
    for group in groups:
        if line and len(line) + 1 + len(group) > width - 2:
            lines.append(line)
            line = ""
        line = (line + " " + group) if line else "    " + group
    lines.append(line)
    return " \\\n".join(lines)


class seqzoo_figure(nodes.General, nodes.Element):
    """A PNG drawn at write time into the HTML output's ``_images/``.

    Attributes: ``filename``, ``kind`` (``"history"``, ``"times"``, ``"cost"``,
    ``"expected_max"`` or ``"pareto"``), ``runs`` (label -> directory), ``times`` (label ->
    seconds), ``results`` (label -> seconds and accuracy), ``curves`` (label -> expected
    best score per trial and seconds), ``points`` and ``front`` (label -> seconds and test
    score; the Pareto front), ``metrics``, ``title``, ``alt``.
    """


def _draw(node: seqzoo_figure, path: Path) -> None:
    from keras_seqzoo import plots

    if node["kind"] == "history":
        # A run is a directory, or a list of directories (one per seed).
        plots.plot_history(
            {label: [Path(d) for d in run] if isinstance(run, (list, tuple)) else Path(run)
             for label, run in node["runs"].items()},
            path,
            metrics=tuple(node["metrics"]),
            title=node["title"],
        )
    elif node["kind"] == "cost":
        plots.plot_accuracy_vs_time(dict(node["results"]), path, title=node["title"])
    elif node["kind"] == "expected_max":
        plots.plot_expected_max(dict(node["curves"]), path, title=node["title"],
                                score_label=node["score_label"])
    elif node["kind"] == "pareto":
        plots.plot_pareto(dict(node["points"]), path, front=list(node["front"]),
                          title=node["title"], score_label=node["score_label"])
    else:
        plots.plot_epoch_times(
            dict(node["times"]), path, title=node["title"],
            reference_seconds=node.get("reference") or None,
            reference_label=node.get("reference_label") or "reference",
        )


def visit_seqzoo_figure_html(self, node: seqzoo_figure) -> None:
    outdir = Path(self.builder.outdir) / self.builder.imagedir
    outdir.mkdir(parents=True, exist_ok=True)
    path = outdir / node["filename"]
    _draw(node, path)
    src = f"{self.builder.imgpath}/{node['filename']}"
    alt = self.attval(node["alt"])
    self.body.append(
        f'<figure class="seqzoo-figure align-default">'
        f'<a class="reference internal image-reference" href="{src}">'
        f'<img alt="{alt}" src="{src}" style="max-width: 100%;" /></a>'
        f'<figcaption><p>{self.encode(node["alt"])}</p></figcaption></figure>\n'
    )
    raise nodes.SkipNode


def skip_node(self, node) -> None:
    raise nodes.SkipNode


def _read_json(path: Path) -> Any:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def _parse_seconds(text: str) -> dict[str, float]:
    result = {}
    for part in re.split(r"[,\n]", text or ""):
        part = part.strip()
        if not part:
            continue
        model, sep, value = part.partition("=")
        if not sep:
            raise ValueError(f"expected MODEL=SECONDS, got {part!r}")
        result[model.strip()] = float(value)
    return result


def _recorded_runs(directory: Path) -> dict[str, list[Path]]:
    """model -> its trial folders (one per seed), as ``comparison.model_runs`` reads them."""
    if not directory.is_dir():
        return {}
    from keras_seqzoo.comparison import model_runs

    return model_runs(directory)


def _unique(values: Iterable[Any]) -> str:
    seen: list[str] = []
    for value in values:
        if value in (None, ""):
            continue
        text = str(value)
        if text not in seen:
            seen.append(text)
    return "; ".join(seen) if seen else "not recorded"


def _spread_cell(row: dict, key: str, digits: int) -> str:
    """``mean ± std`` over the seeds (just the value for one seed)."""
    text = _fmt_num(row.get(key), digits)
    std = row.get(f"{key}_std")
    if text and row.get("seeds", 1) > 1 and isinstance(std, (int, float)) and math.isfinite(std):
        text += f" ±\u00a0{std:.{digits}f}"  # a narrow column wraps before "±", not after
    return text


#: The results table's columns: (header, what the column is). Several seeds: the
#: mean ± std columns; one seed: the same columns without the spread and the per-seed
#: epochs.
RESULT_COLUMNS_SEEDS = (
    ("Model", "the preset (short name over its registered name)"),
    ("Params", "trainable and non-trainable parameters"),
    ("s/epoch", "seconds per epoch: each run's median over its epochs not flagged as "
                "warm-up, then mean ± std over the seeds"),
    ("x fastest", "the mean s/epoch divided by the fastest model's"),
    ("Best val acc", "each seed's best validation accuracy, mean ± std over the seeds"),
    ("Epoch of each seed's best", "the epoch of each seed's best validation accuracy, "
                                  "in seed order"),
    ("Peak of the mean curve", "the epoch where the seeds' mean validation accuracy is "
                               "highest"),
    ("Final val acc", "validation accuracy after the last epoch, mean ± std"),
    ("Best val loss (epoch)", "each seed's lowest validation loss, mean ± std, and the "
                              "epoch where the seeds' mean validation loss is lowest"),
    ("Final val loss", "validation loss after the last epoch, mean ± std"),
)
RESULT_COLUMNS_ONE = (
    ("Model", "the preset (short name over its registered name)"),
    ("Params", "trainable and non-trainable parameters"),
    ("Epochs", "epochs trained"),
    ("s/epoch", "seconds per epoch: the median over the epochs not flagged as warm-up"),
    ("x fastest", "s/epoch divided by the fastest model's"),
    ("Best val acc (epoch)", "the best validation accuracy and its epoch"),
    ("Final val acc", "validation accuracy after the last epoch"),
    ("Best val loss (epoch)", "the lowest validation loss and its epoch"),
    ("Final val loss", "validation loss after the last epoch"),
)


def _seed_best_epochs(folders: Sequence[Path]) -> str:
    try:
        return ", ".join(str(e + 1) for e in _best_epochs(folders, "val_accuracy", "max"))
    except ValueError:  # a run without a finite val_accuracy
        return ""


def results_table(rows: list[dict], folders: dict[str, list[Path]]) -> nodes.Node:
    """The recorded results: mean ± std over the seeds when there are several.

    Every column is named in a legend under the table; with several seeds the best
    epoch is given both ways, per seed and where the seeds' mean curve peaks (the two
    differ: the mean of three curves need not peak where any one of them does).
    """
    several = any(r.get("seeds", 1) > 1 for r in rows)
    body = []
    for r in rows:
        seconds = _spread_cell(r, "seconds_per_epoch", 2)
        if r.get("seconds_include_warmup"):
            seconds += " (warm-up only)"
        if several:
            body.append([
                _model_cell(r["model"]),
                _fmt_num(r["params"]),
                seconds,
                _fmt_num(r["ratio_to_fastest"], 2),
                _spread_cell(r, "best_val_accuracy", 4),
                _seed_best_epochs(folders.get(r["model"], [])),
                _epoch(r["best_val_accuracy_epoch"]),
                _spread_cell(r, "final_val_accuracy", 4),
                f"{_spread_cell(r, 'best_val_loss', 3)} ({_epoch(r['best_val_loss_epoch'])})",
                _spread_cell(r, "final_val_loss", 3),
            ])
        else:
            body.append([
                _model_cell(r["model"]),
                _fmt_num(r["params"]),
                _fmt_num(r["epochs"]),
                seconds,
                _fmt_num(r["ratio_to_fastest"], 2),
                f"{_fmt_num(r['best_val_accuracy'], 3)} "
                f"({_epoch(r['best_val_accuracy_epoch'])})",
                _fmt_num(r["final_val_accuracy"], 3),
                f"{_fmt_num(r['best_val_loss'], 3)} ({_epoch(r['best_val_loss_epoch'])})",
                _fmt_num(r["final_val_loss"], 3),
            ])
    columns = RESULT_COLUMNS_SEEDS if several else RESULT_COLUMNS_ONE
    if several:
        seeds = sorted({r.get("seeds", 1) for r in rows})
        title = (f"Recorded results, mean ± sample standard deviation over "
                 f"{' or '.join(map(str, seeds))} seeds (epochs count from 1, as Keras "
                 "prints them)")
    else:
        title = "Recorded results, one run per model (epochs count from 1, as Keras prints them)"
    container = nodes.container(classes=["seqzoo-results"])
    container += _table([c for c, _ in columns], body, title=title,
                        classes=["seqzoo-comparison-table"])
    legend = nodes.bullet_list(classes=["seqzoo-columns"])
    for header, meaning in columns:
        item = nodes.list_item()
        item += _para(nodes.strong(text=header), f": {meaning}.")
        legend += item
    container += _para("The columns:", classes=["seqzoo-columns-intro"])
    container += legend
    return container


#: What a recording's validation data was when ``comparison.json`` names no protocol:
#: every recording before the sound protocol trained on IMDB's training reviews and
#: validated, and picked its best epoch, on IMDB's test reviews.
SLIDES_PROTOCOL = (
    "the slides protocol: IMDB's {n} test reviews served as validation data, and the "
    "best epoch and every 'best' figure on this page are picked on them; there is no "
    "separate validation split and no held-out test evaluation, so best validation "
    "accuracy is an optimistic estimate"
)


def validation_text(config: dict) -> str:
    """The protocol of a recorded comparison: which data validated and picked the epochs."""
    protocol = config.get("protocol")
    if isinstance(protocol, dict):
        protocol = protocol.get("description") or protocol.get("name")
    if protocol:
        return str(protocol)
    data = config.get("data") or {}
    n = data.get("num_validation")
    n_text = f"{n:,}" if isinstance(n, int) else "25,000"
    if data.get("dataset", "imdb") == "imdb":
        return SLIDES_PROTOCOL.format(n=n_text)
    return "not recorded"


def _recorded_idle(record: dict) -> bool | None:
    """A load record's idle verdict: the one it stored, else ``machine.is_idle``'s."""
    from keras_seqzoo.machine import is_idle

    return record.get("idle", is_idle(record))


def _load_one(record: dict) -> str:
    def load(values):
        return "?" if not values else f"{values[0]:.2f}"

    parts = [f"1-minute load average {load(record.get('loadavg_before'))} before, "
             f"{load(record.get('loadavg_after'))} after, on {record.get('cores') or '?'} cores"]
    for key, label in (("steal_fraction", "stolen"), ("busy_fraction", "busy")):
        if isinstance(record.get(key), (int, float)):
            parts.append(f"{100 * record[key]:.1f} % of the CPU time {label}")
    idle = _recorded_idle(record)
    verdict = {True: "idle", False: "not idle", None: "idle unknown"}[idle]
    return f"{verdict} ({'; '.join(parts)})"


def load_text(config: dict, runs: dict[str, list[dict]]) -> str:
    """The machine's load as the recording stored it (``keras_seqzoo.machine.load_record``).

    Reads ``load`` in ``comparison.json`` and in each run's ``run.json``; without any,
    says that the load was not measured (the HARDWARE note is all there is).
    """
    lines = []
    if isinstance(config.get("load"), dict):
        lines.append(f"whole recording: {_load_one(config['load'])}")
    for model, model_runs in runs.items():
        for index, run in enumerate(model_runs):
            if isinstance(run.get("load"), dict):
                lines.append(f"{model} (run {index + 1}): {_load_one(run['load'])}")
    if not lines:
        return ("not measured: this recording predates load records; the note above is "
                "the recording's own description, not a measurement")
    return "; ".join(lines)


def sessions_text(runs: dict[str, list[dict]], gap_minutes: float = 30.0) -> str:
    """When each model's runs were recorded, grouped into sessions.

    Runs that start more than ``gap_minutes`` after the previous run finished open a new
    session, so a page that mixes recordings says which rows came from which.
    """
    from datetime import datetime

    spans = []
    for model, model_runs in runs.items():
        for run in model_runs:
            try:
                start = datetime.fromisoformat(run["started_at"])
                end = datetime.fromisoformat(run.get("finished_at") or run["updated_at"])
            except (KeyError, TypeError, ValueError):
                return _unique(
                    (r.get("finished_at") or r.get("updated_at") or "")[:10]
                    for rs in runs.values() for r in rs
                )
            spans.append((start, end, model))
    if not spans:
        return "not recorded"
    spans.sort()
    sessions: list[list[tuple]] = [[spans[0]]]
    for span in spans[1:]:
        if (span[0] - max(s[1] for s in sessions[-1])).total_seconds() > 60 * gap_minutes:
            sessions.append([span])
        else:
            sessions[-1].append(span)
    if len(sessions) == 1:
        first, last = spans[0][0], max(s[1] for s in spans)
        return f"{first:%Y-%m-%d %H:%M}-{last:%H:%M} UTC, one session"
    parts = []
    for session in sessions:
        first, last = session[0][0], max(s[1] for s in session)
        models = []
        for _, _, model in session:
            if model not in models:
                models.append(model)
        parts.append(f"{first:%Y-%m-%d %H:%M}-{last:%H:%M} UTC: {', '.join(models)} "
                     f"({len(session)} runs)")
    return f"{len(sessions)} sessions; " + "; ".join(parts)


class LoadDirective(SphinxDirective):
    """``.. seqzoo-load:: FILE``: the machine's load stored in a benchmark's JSON file.

    ``FILE`` is relative to ``seqzoo_data_dir``. Reads ``load`` (a
    ``keras_seqzoo.machine.load_record``) at the top level and in each item of
    ``recordings``; without one, says that the load was not measured.
    """

    required_arguments = 1
    has_content = False

    def run(self) -> list[nodes.Node]:
        path = Path(self.env.srcdir) / self.config.seqzoo_data_dir / self.arguments[0]
        if not path.is_file():
            raise self.error(f"seqzoo-load: no file {path}")
        self.env.note_dependency(str(path))
        data = _read_json(path)
        found = []
        if isinstance(data, dict) and isinstance(data.get("load"), dict):
            found.append(("", data["load"]))
        for index, recording in enumerate(
                data.get("recordings") or [] if isinstance(data, dict) else []):
            if isinstance(recording, dict) and isinstance(recording.get("load"), dict):
                found.append((f"recording {index + 1}: ", recording["load"]))
        if found:
            text = "; ".join(label + _load_one(record) for label, record in found)
            sentence = f"Machine load during this recording, as stored in it: {text}."
        else:
            sentence = (f"Machine load during this recording: not measured ({path.name} "
                        "predates load records).")
        paragraph = _para(sentence, classes=["seqzoo-load"])
        return [paragraph]


class ComparisonDirective(SphinxDirective):
    """``.. seqzoo-comparison:: EXPERIMENT``: a recorded comparison, or how to record it."""

    required_arguments = 1
    has_content = False
    option_spec = {"slide-seconds": directives.unchanged, "metrics": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        from keras_seqzoo.comparison import EXPERIMENTS

        key = self.arguments[0].lower()
        if key not in EXPERIMENTS:
            raise self.error(
                f"seqzoo-comparison: unknown experiment {key!r}; one of {', '.join(EXPERIMENTS)}"
            )
        experiment = EXPERIMENTS[key]
        try:
            slide_seconds = _parse_seconds(self.options.get("slide-seconds", ""))
        except ValueError as error:
            raise self.error(f"seqzoo-comparison: :slide-seconds: {error}") from error
        metrics = [m.strip() for m in self.options.get("metrics", "accuracy, loss").split(",")
                   if m.strip()]

        relative = Path(self.config.seqzoo_runs_dir) / key
        directory = Path(self.env.srcdir) / relative
        shown = relative.as_posix() if relative.is_absolute() else f"docs/{relative.as_posix()}"
        command_hint = f"seqzoo reproduce {key} -o {shown}"

        result: list[nodes.Node] = [self._definition(experiment)]
        # The figures are drawn by keras_seqzoo.plots and the tables by the report: a
        # change there redraws the page on the next (incremental) build too.
        from keras_seqzoo import plots
        from keras_seqzoo.comparison import report

        for module in (plots, report):
            self.env.note_dependency(os.path.abspath(module.__file__))
        config = {}
        if (directory / "comparison.json").exists():
            self.env.note_dependency(str(directory / "comparison.json"))
            config = _read_json(directory / "comparison.json")
        folders = _recorded_runs(directory)
        models = list(folders)
        if not models:
            admonition = nodes.admonition(classes=["seqzoo-not-recorded", "attention"])
            admonition += nodes.title(text="Not recorded yet")
            admonition += _para(
                f"This comparison has not been recorded in {shown}/ yet: "
                "run ",
                _literal(command_hint),
                " (on the full IMDB data, with the experiment's epochs) and commit the run "
                "folder (the trial folders hold no weights once finished); the table and figures on this "
                "page are then drawn from it when the documentation is built.",
            )
            result.append(admonition)
            if slide_seconds:
                result.append(self._slide_timing_table(slide_seconds, {}))
            return result

        for name in RUN_FILES:
            if (directory / name).exists():
                self.env.note_dependency(str(directory / name))
        for model in models:
            for folder in folders[model]:
                for name in MODEL_FILES:
                    if (folder / name).exists():
                        self.env.note_dependency(str(folder / name))

        # The first seed's run describes the environment (every seed ran on the same).
        runs = {m: _read_json(folders[m][0] / "run.json") for m in models}
        result.append(self._command(directory, config, command_hint))
        all_runs = {m: [_read_json(f / "run.json") for f in folders[m]] for m in models}
        result.append(self._environment(directory, config, runs, all_runs))

        from keras_seqzoo.comparison import summarize

        rows = summarize(directory, models)
        result.append(self._results_table(rows, folders))
        measured = {
            r["model"]: r["seconds_per_epoch"] for r in rows
            if isinstance(r["seconds_per_epoch"], (int, float))
            and math.isfinite(r["seconds_per_epoch"])
        }
        if slide_seconds:
            result.append(self._slide_timing_table(slide_seconds, measured))

        # In the experiment's order (the slides' T1, T2 / T4-T7), then any other model; one
        # folder per model, or a list of them (one per seed: drawn as mean and band).
        position = {m: i for i, m in enumerate(experiment.models)}
        ordered = sorted(rows, key=lambda r: position.get(r["model"], len(position)))
        with_history = {
            r["model"]: (str(folders[r["model"]][0]) if len(folders[r["model"]]) == 1
                         else [str(f) for f in folders[r["model"]]])
            for r in ordered if r["epochs"]
        }
        if with_history:
            result.append(
                seqzoo_figure(
                    filename=f"seqzoo-{key}-curves.png",
                    kind="history",
                    runs=with_history,
                    metrics=metrics,
                    title=f"{key.upper()}: {' and '.join(metrics)} per epoch",
                    alt=f"{key.upper()}: {', '.join(metrics)} per epoch (1 is the first), one "
                        "panel per model and metric, training (solid) and validation (dashed), "
                        "from the recorded histories.",
                    classes=["seqzoo-figure"],
                )
            )
        if measured:
            times = {r["model"]: measured[r["model"]] for r in ordered if r["model"] in measured}
            result.append(
                seqzoo_figure(
                    filename=f"seqzoo-{key}-epoch-times.png",
                    kind="times",
                    times=times,
                    reference=slide_seconds,
                    reference_label="slides",
                    title=f"{key.upper()}: seconds per epoch (median of the steady-state epochs)",
                    alt=f"{key.upper()}: seconds per epoch of each model, median of the "
                        "epochs not flagged as warm-up (tracing and compilation), and its "
                        "ratio to the fastest model"
                        + (", next to the slides' ratios" if slide_seconds else "") + ".",
                    classes=["seqzoo-figure"],
                )
            )
        from keras_seqzoo.comparison.report import accuracy_and_seconds

        cost = accuracy_and_seconds(ordered)
        if len(cost) > 1:
            result.append(
                seqzoo_figure(
                    filename=f"seqzoo-{key}-accuracy-vs-seconds.png",
                    kind="cost",
                    results=cost,
                    title=f"{key.upper()}: best validation accuracy against seconds per epoch",
                    alt=f"{key.upper()}: each model as a point, its best validation accuracy "
                        "against its steady-state seconds per epoch on a log scale"
                        + (" (mean over the seeds, bars from the lowest to the highest)"
                           if any(len(v["seconds"]) > 1 for v in cost.values()) else "")
                        + ".",
                    classes=["seqzoo-figure"],
                )
            )
        return result

    def _definition(self, experiment) -> nodes.Node:
        data = ", ".join(f"{k}={v}" for k, v in experiment.data.items())
        items = nodes.bullet_list()
        for label, value in (
            ("Models", None),
            ("Epochs", str(experiment.epochs)),
            ("Batch size", str(experiment.batch_size)),
            ("Data", f"IMDB, {data}"),
            ("Note", experiment.note),
        ):
            item = nodes.list_item()
            if value is None:
                paragraph = _para(f"{label}: ")
                for index, model in enumerate(experiment.models):
                    if index:
                        paragraph += nodes.Text(", ")
                    paragraph += _literal(model)
                item += paragraph
            else:
                item += _para(f"{label}: {value}")
            items += item
        container = nodes.container(classes=["seqzoo-experiment"])
        container += _para(
            "The experiment, as defined in ",
            _literal(f'keras_seqzoo.comparison.EXPERIMENTS["{experiment.name}"]'),
            ":",
        )
        container += items
        return container

    def _command(self, directory: Path, config: dict, hint: str) -> nodes.Node:
        container = nodes.container(classes=["seqzoo-command"])
        command = None
        if (directory / "COMMAND").exists():
            command = (directory / "COMMAND").read_text(encoding="utf-8").strip()
        elif config.get("command"):
            command = str(config["command"]).strip()
        if command:
            container += _para(
                "To regenerate the data below, run the command that recorded it, with the "
                "path of your copy of the IMDB archive (",
                _literal("aclImdb_v1.tar.gz"),
                " from https://ai.stanford.edu/~amaas/data/sentiment/):",
            )
            text = copy_pasteable(command)
        else:
            container += _para(
                "The recording did not keep its command line; this command regenerates "
                "the data with the experiment's settings:"
            )
            text = copy_pasteable(hint)
        block = nodes.literal_block(text, text)
        block["language"] = "bash"
        container += block
        return container

    def _environment(self, directory: Path, config: dict, runs: dict,
                     all_runs: dict[str, list[dict]]) -> nodes.Node:
        def collect(key):
            return _unique(run.get(key) for run in runs.values())

        backends = _unique(
            f"{run.get('backend')} {run.get('backend_version') or ''}".strip()
            for run in runs.values() if run.get("backend")
        )
        hardware = None
        if (directory / "HARDWARE").exists():
            hardware = (directory / "HARDWARE").read_text(encoding="utf-8").strip()
        data = config.get("data") or {}
        data_text = ", ".join(
            f"{k}={data[k]}" for k in
            ("dataset", "encoding", "vocab_size", "max_length", "num_train", "num_validation",
             "limit")
            if k in data and data[k] is not None
        ) or "not recorded"
        recorded = _unique(
            (run.get("finished_at") or run.get("updated_at") or "")[:10] for run in runs.values()
        )
        rows = [
            ("Machine (the recording's note)",
             hardware or "not recorded (see device and platform)"),
            ("Load (measured)", load_text(config, all_runs)),
            ("Device", collect("device")),
            ("Platform", collect("platform")),
            ("Backend", backends),
            ("Keras", collect("keras_version")),
            ("Python", collect("python")),
            ("Data", data_text),
            ("Validation data", validation_text(config)),
            ("Epochs, batch size", f"{_unique([config.get('epochs')])}, "
                                   f"{_unique([config.get('batch_size')])}"),
            ("Status", "; ".join(
                f"{m}: {r.get('status')} ({r.get('epochs_completed')} epochs)"
                for m, r in runs.items())),
            ("Recorded", sessions_text(all_runs) if all_runs else recorded),
        ]
        return _table(["", "Recorded with"], rows, classes=["seqzoo-environment"],
                      widths=[20, 80])

    def _results_table(self, rows: list[dict], folders: dict[str, list[Path]]) -> nodes.Node:
        return results_table(rows, folders)

    def _slide_timing_table(self, slide: dict[str, float], measured: dict[str, float]):
        slide_fastest = min(slide.values()) if slide else None
        fastest = min(measured.values()) if measured else None
        rows = []
        for model, seconds in slide.items():
            mine = measured.get(model)
            rows.append(
                [
                    _model_cell(model),
                    f"~{seconds:g}",
                    f"{seconds / slide_fastest:.1f}" if slide_fastest else "",
                    f"{mine:.2f}" if mine is not None else "not recorded",
                    f"{mine / fastest:.1f}" if mine is not None and fastest else "",
                ]
            )
        return _table(
            ["Model", "Slides s/epoch", "Slides x fastest", "Recorded s/epoch",
             "Recorded x fastest"],
            rows,
            title="Seconds per epoch: the slides (2019 GPU notebook) and this recording",
            classes=["seqzoo-slide-timings"],
        )


# --------------------------------------------------------------------------- figures in prose

#: The kinds of ``:seqzoo-value:`` specifications (see :func:`data_value`).
VALUE_KINDS = ("run", "history", "json", "re")

_FORMAT = re.compile(r"^(%?)([<>^=]?[+ -]?[0-9]*,?(?:\.[0-9]+)?[dfegs]?)$")


# --------------------------------------------------------------------------- C6


def c6_label(builder: str) -> str:
    """The label of an architecture's row in C6's rank table (the catalogue links to it)."""
    return f"c6-{builder}"


def _c6_directory(directive: SphinxDirective, task: str) -> tuple[Path, str]:
    relative = Path(directive.config.seqzoo_runs_dir) / "c6" / task
    shown = relative.as_posix() if relative.is_absolute() else f"docs/{relative.as_posix()}"
    return Path(directive.env.srcdir) / relative, shown


def _c6_board(directive: SphinxDirective, task: str) -> dict | None:
    """The task's ``leaderboard.json``, or ``None`` when it is not recorded."""
    from keras_seqzoo.comparison.leaderboard import LEADERBOARD_FILE

    path = _c6_directory(directive, task)[0] / LEADERBOARD_FILE
    directive.env.note_dependency(str(path))  # rebuilt when a recording appears
    return _read_json(path) if path.is_file() else None


def _c6_progress(board: dict, directory: Path) -> str:
    """How far a partial task is, from its files: each architecture's completed search trials
    (as the expected-best figure reads them) and which architectures have all their seeds."""
    from keras_seqzoo.comparison import leaderboard

    budget = board.get("budget") or {}
    missing = board.get("missing") or []
    architectures = sorted({r["architecture"] for r in board.get("rows") or []} | set(missing))
    searched = {name: leaderboard.search_trials(directory / "search" / name)["trials"]
                if (directory / "search" / name).is_dir() else 0 for name in architectures}
    full = [n for n, done in searched.items() if done >= budget.get("trials", 0)]
    begun = [f"{n} {done} of {budget.get('trials', '?')}" for n, done in searched.items()
             if 0 < done < budget.get("trials", 0)]
    text = (f"{len(full)} of {len(architectures)} architectures searched "
            f"({budget.get('trials', '?')} trials each)")
    if begun:
        text += f"; begun: {', '.join(begun)}"
    seeded = len(architectures) - len(missing)
    return text + (f"; {seeded} of {len(architectures)} trained with their seeds"
                   + (f" (not yet: {', '.join(missing)})" if seeded else ""))


def _bullets(items: Iterable[Sequence[Any]]) -> nodes.bullet_list:
    """A bullet list of ``(label, text...)`` items, the label in bold."""
    bullets = nodes.bullet_list()
    for label, *parts in items:
        item = nodes.list_item()
        item += _para(nodes.strong(text=label), ": ", *parts)
        bullets += item
    return bullets


def _hyperparameters(arguments: dict) -> str:
    """The chosen arguments as ``name=value`` (floats to 6 significant digits:
    keras-tuner's steps leave 0.30000000000000004)."""
    fixed = ("vocab_size", "max_length", "num_classes")
    return ", ".join(f"{k}={format(v, '.6g') if isinstance(v, float) else v}"
                     for k, v in arguments.items() if k not in fixed)


def _sizes_text(data: dict) -> str:
    parts = [f"{data.get(f'num_{s}'):,} {s}" for s in ("train", "validation", "test")
             if isinstance(data.get(f"num_{s}"), int)]
    text = " / ".join(parts)
    if isinstance(data.get("num_classes"), int):
        text += f", {data['num_classes']} classes"
    lengths = (data.get("lengths") or {}).get("train")
    if lengths:
        text += (f"; training texts: median {lengths['median']:.0f} tokens, 90th percentile "
                 f"{lengths['p90']:.0f}, {100 * lengths['truncated_fraction']:.1f} % longer "
                 f"than {data.get('max_length')} tokens (cut, keeping their "
                 f"{data.get('keep') or 'first'} tokens)")
    return text


def _minutes(sitting: dict) -> float | None:
    """A sitting's length in minutes, from its ISO start and finish; None without both."""
    from datetime import datetime

    try:
        start = datetime.fromisoformat(sitting["started_at"])
        end = datetime.fromisoformat(sitting["finished_at"])
    except (KeyError, TypeError, ValueError):
        return None
    return (end - start).total_seconds() / 60


def _sitting_idle(sitting: dict) -> bool | None:
    load = sitting.get("load")
    return _recorded_idle(load) if isinstance(load, dict) else None


def _sittings_summary(sittings: list[dict]) -> str:
    """The "Sittings" bullet of a C6 task: how many, when, how long, how many idle."""
    if not sittings:
        return "not recorded"
    minutes = [m for m in map(_minutes, sittings) if m is not None]
    idle = [_sitting_idle(s) for s in sittings]
    first = sittings[0].get("started_at") or "?"
    last = sittings[-1].get("finished_at") or "?"
    return (f"{len(sittings)}, from {first[:10]} {first[11:16]} to {last[:10]} {last[11:16]} "
            f"UTC, {sum(minutes) / 60:.1f} h of recording in all; {idle.count(True)} idle, "
            f"{idle.count(False)} not idle, {idle.count(None)} not measured (the table at the "
            "end of this section has each sitting's load and what ran beside it)")


def _sittings_table(sittings: list[dict], title: str) -> nodes.table:
    """Every sitting of a C6 task: when, how long, how it ended, the machine's load, a note.

    The load is ``keras_seqzoo.machine.load_record``'s, and "idle" is
    ``keras_seqzoo.machine.is_idle``'s rule.
    """
    from keras_seqzoo.machine import IDLE_LOAD_PER_CORE

    body = []
    for number, s in enumerate(sittings, 1):
        start, end = s.get("started_at") or "?", s.get("finished_at") or "?"
        when = f"{start[:10]} {start[11:16]}-" + (end[11:16] if end[:10] == start[:10]
                                                  else f"{end[:10]} {end[11:16]}")
        minutes = _minutes(s)
        load: dict = s["load"] if isinstance(s.get("load"), dict) else {}
        averages = [f"{v[0]:.2f}" if v else "?" for v in (load.get("loadavg_before"),
                                                           load.get("loadavg_after"))]
        idle = {True: "idle", False: "not idle", None: "not measured"}[_sitting_idle(s)]
        body.append([
            str(number), when, _fmt_num(minutes, 0) if minutes is not None else "",
            "finished" if s.get("finished") else "stopped", idle,
            " / ".join(averages) if load else "",
            *(f"{100 * load[k]:.1f}" if isinstance(load.get(k), (int, float)) else ""
              for k in ("busy_fraction", "steal_fraction")),
            s.get("note") or ""])
    return _table(
        ["#", "UTC", "Minutes", "Ended", "Idle", "1-min load before / after", "CPU busy %",
         "CPU stolen %", "Note (what ran beside it, how it stopped)"], body,
        title=(f"Sittings of the {title.split(',')[0]} recording, each resuming the one "
               f"before. Idle: a 1-minute load average of at most {IDLE_LOAD_PER_CORE} per "
               "core before the sitting and at most that plus one busy core (its own) after "
               "it, with at most 5 % of the CPU time stolen (keras_seqzoo.machine.is_idle); "
               "busy and stolen: shares of the CPU time over the sitting"),
        classes=["seqzoo-comparison-table", "seqzoo-c6-sittings"],
        widths=[1, 5, 2, 2, 2, 3, 2, 2, 14])


def _c6_vocabulary(cap: int, board: dict[str, Any] | None) -> str:
    """"vocabulary 20,000", or with the size the training texts gave where it is smaller."""
    real = ((board or {}).get("data") or {}).get("vocab_size")
    if real is None or real == cap:
        return f"vocabulary {cap:,}"
    return (f"vocabulary {cap:,} at most ({real:,} ids from the training texts, padding and "
            "unknown word included)")


class C6TaskDirective(SphinxDirective):
    """``.. seqzoo-c6-task:: TASK``: one C6 task's budget, data, machine, leaderboard, figures.

    Reads ``<seqzoo_runs_dir>/c6/TASK/leaderboard.json``
    (``keras_seqzoo.comparison.c6.write_leaderboard``); without it, says plainly that the
    task is not recorded and gives the command that records it.
    """

    required_arguments = 1
    has_content = False

    def run(self) -> list[nodes.Node]:
        from keras_seqzoo.comparison.c6 import TASKS

        key = self.arguments[0].lower()
        if key not in TASKS:
            raise self.error(f"seqzoo-c6-task: unknown task {key!r}; one of {', '.join(TASKS)}")
        task = TASKS[key]
        board = _c6_board(self, key)
        _, shown = _c6_directory(self, key)
        command = f"seqzoo reproduce c6 --task {key}"
        budget = (board or {}).get("budget") or task.budget()  # as recorded, when it is
        items: list[Sequence[Any]] = [
            ("Task", f"{task.title}. {task.note}"),
            ("Data", _literal(f"load_data({task.source!r})"),
             f", {task.max_length} tokens, {_c6_vocabulary(task.vocab_size, board)}, sound "
             "protocol (best epoch on validation, test evaluated once per seed)."),
            ("Sizes", _sizes_text(board["data"]) if board and board.get("data")
             else f"{task.sizes} (planned)"),
            ("Budget, the same for every architecture",
             f"{budget['trials']} keras-tuner trials (random search) over the architecture's "
             f"declared search space (below), each at most {budget['epochs']} epochs with "
             f"early stopping after {budget['patience']} epochs without a better "
             f"{budget['objective']}; the best trial's configuration is then trained with "
             f"seeds {', '.join(map(str, budget['seeds']))}; batch {budget['batch_size']}."),
        ]
        if board is None:
            result: list[nodes.Node] = [_bullets(items)]
            admonition = nodes.admonition(classes=["seqzoo-not-recorded", "attention"])
            admonition += nodes.title(text="Not recorded yet")
            admonition += _para(
                f"No architecture has been recorded on this task yet: there is no "
                f"{shown}/leaderboard.json. Run ", _literal(command),
                " (resumable: run it again after a stop and it continues where it stopped) "
                f"and commit {shown}/ (its .gitignore leaves the weights out); the "
                "leaderboard and figures are then drawn from it when these pages are built.")
            result.append(admonition)
            return result
        items += self._recording(board, _c6_directory(self, key)[0])
        result = [_bullets(items)]
        rows = board.get("rows") or []
        if not rows:
            result.append(_para("The recording has no architecture with all its seeds yet."))
            return result
        result += [self._table(board, rows), self._chosen(rows)]
        from keras_seqzoo.comparison import leaderboard

        if board.get("metric", "accuracy") == "accuracy":
            for row in leaderboard.not_learned(rows, (board.get("data") or {}).get(
                    "label_counts") or {}):
                result.append(_para(
                    nodes.strong(text="Did not learn: "), _literal(row["architecture"]),
                    f"'s chosen configuration scored {_fmt_num(row['search_best'])} in its "
                    "search trial (one run), but with every seed its test accuracy is the "
                    f"majority class's share ({row['share']:.4f}): it predicts one class. "
                    f"{row['search_at_share']} of its {row['trials']} search trials stayed at "
                    "that share too, so this configuration learns on some runs only."))
        said = (leaderboard.advice(rows, board.get("extra_metrics") or ())
                if not board.get("missing") else None)
        if said:
            result.append(_para(nodes.strong(text="Advice: "), said["sentence"]))
        elif board.get("missing"):
            one = len(board["missing"]) == 1
            result.append(_para(
                nodes.strong(text="Advice: "), "none yet: the advice compares every "
                f"architecture, and {join_and(board['missing'])} "
                f"{'does not have all its' if one else 'do not have all their'} seeds on "
                "this task."))
        result += self._figures(key, board, rows, _c6_directory(self, key)[0])
        return result

    def _recording(self, board: dict, directory: Path) -> list[Sequence[Any]]:
        machine = board.get("machine") or {}
        devices = ", ".join(machine.get("devices") or []) or "not recorded"
        items: list[Sequence[Any]] = [("Machine", (
            f"{machine.get('platform', '?')}, {machine.get('cores', '?')} cores, devices "
            f"{devices}; Keras {machine.get('keras', '?')} on {machine.get('backend', '?')}"))]
        items.append(("Sittings", _sittings_summary(board.get("sittings") or [])))
        missing = board.get("missing") or []
        status = ("complete: every registered architecture has its seeds" if not missing else
                  f"partial: {_c6_progress(board, directory)} (run the command again to "
                  "continue)")
        items.append(("Status", status))
        return items

    def _table(self, board: dict, rows: list[dict]) -> nodes.Node:
        from keras_seqzoo.comparison import leaderboard

        metric = board.get("metric", "accuracy")
        extras = list(board.get("extra_metrics") or [])
        headers = ["Rank (val)", "Architecture", "Seeds", f"Val {metric}",
                   f"Test {metric}", "Test 95 % CI"]
        headers += [f"Test {leaderboard.metric_name(m)}" for m in extras]
        headers += ["Params", "s/epoch", "Tuning s"]
        body = []
        for r in rows:
            test = _fmt_num(r.get("test_mean"))
            several = isinstance(r.get("seeds"), int) and r["seeds"] > 1  # one seed: no spread
            if several and isinstance(r.get("test_std"), (int, float)):
                test += f" ±\u00a0{r['test_std']:.4f}"
            mean, half = r.get("test_mean"), r.get("test_ci95")
            interval = (f"[{mean - half:.4f}, {mean + half:.4f}]"
                        if isinstance(mean, (int, float)) and isinstance(half, (int, float))
                        else "")
            cells = [_fmt_num(r.get("rank")), _para(_literal(r["architecture"])),
                     _fmt_num(r.get("seeds")),
                     _fmt_num(r.get("val_mean")), test, interval]
            for m in extras:
                value = _fmt_num(r.get(f"test_{m}"))
                if several and isinstance(r.get(f"test_{m}_std"), (int, float)):
                    value += f" ±\u00a0{r[f'test_{m}_std']:.4f}"
                cells.append(value)
            cells += [_fmt_num(r.get("params")), _fmt_num(r.get("seconds_per_epoch"), 2),
                      _fmt_num(r.get("tuning_seconds"), 0)]
            body.append(cells)
        return _table(headers, body, title=(
            f"Leaderboard, ranked by validation {metric} (mean over the seeds); test: mean ± "
            "sample standard deviation over the seeds and the mean's 95 % interval (Student's "
            "t); s/epoch: the chosen configuration's steady state; tuning s: the search "
            "trials' seconds (empty when they were not timed)"),
            classes=["seqzoo-comparison-table", "seqzoo-c6-leaderboard"])

    def _chosen(self, rows: list[dict]) -> nodes.table:
        """The leaderboard's architectures, in its order, with their chosen configurations
        (a table of their own: beside the numbers they made the leaderboard too wide)."""
        return _table(["Architecture", "Chosen hyperparameters"],
                      [[_para(_literal(r["architecture"])),
                        _hyperparameters(r.get("hyperparameters") or {})] for r in rows],
                      title="Chosen configurations, in the leaderboard's order: each "
                            "architecture's best search trial, the configuration its seeds "
                            "trained (vocabulary, length and classes are the task's)",
                      classes=["seqzoo-comparison-table", "seqzoo-c6-chosen"])

    def _figures(self, key: str, board: dict, rows: list[dict],
                 directory: Path) -> list[nodes.Node]:
        from keras_seqzoo import plots
        from keras_seqzoo.comparison import leaderboard

        self.env.note_dependency(os.path.abspath(plots.__file__))
        metric = board.get("metric", "accuracy")
        figures: list[nodes.Node] = []
        searches = {r["architecture"]: (r["search_scores"], r.get("search_seconds"))
                    for r in rows}
        # A search is done before its seeds run: every finished one is drawn (a partial
        # task's leaderboard has only the architectures through their seeds).
        trials = (board.get("budget") or {}).get("trials", 0)
        for name in board.get("missing") or []:
            if (directory / "search" / name).is_dir():
                search = leaderboard.search_trials(directory / "search" / name)
                if trials and search["trials"] >= trials:
                    searches[name] = (search["scores"], search["seconds"])
        curves = {name: leaderboard.expected_max_curve(scores, seconds)
                  for name, (scores, seconds) in searches.items()
                  if any(isinstance(v, (int, float)) for v in scores or [])}
        if curves and board.get("missing"):
            seeded = sum(r["architecture"] not in board["missing"] for r in rows)
            figures.append(_para(
                f"The first figure draws all {len(curves)} finished searches; the leaderboard "
                f"above and the second figure only the architectures with seeds finished "
                f"({len(rows)} so far, {seeded} of them through all their seeds; the Seeds "
                "column says how many)."))
        if curves:
            figures.append(seqzoo_figure(
                filename=f"seqzoo-c6-{key}-expected-max.png", kind="expected_max",
                curves=curves, score_label=f"expected best validation {metric}",
                title=f"C6 {key}: expected best validation {metric} against the tuning budget",
                alt=f"C6 {key}: each architecture's expected best validation {metric} after "
                    "1 to K search trials (Dodge et al. 2019, from its K trials), against the "
                    "number of trials (left) and the tuning seconds they cost (right, log "
                    "scale).",
                classes=["seqzoo-figure"]))
        pareto = c6_pareto(key, metric, rows)
        if pareto["points"]:
            figures.append(seqzoo_figure(
                filename=f"seqzoo-c6-{key}-pareto.png", kind="pareto", **pareto,
                alt=f"C6 {key}: each architecture's test {metric} (mean, bars one standard "
                    "deviation) against its seconds per epoch (log scale); the Pareto front "
                    f"({', '.join(pareto['front'])}) is joined and ringed.",
                classes=["seqzoo-figure"]))
        return figures


def c6_pareto(key: str, metric: str, rows: list[dict]) -> dict[str, Any]:
    """The C6 page's Pareto figure of one task, as :func:`keras_seqzoo.plots.plot_pareto`'s
    arguments.

    Args:
        key: the task's name (the title's).
        metric: the task's metric (the title's and the score axis').
        rows: its leaderboard's rows. Each with a positive ``seconds_per_epoch`` and a
            ``test_mean`` is a point (its ``test_std`` the error bar).

    Returns:
        ``points`` (empty while no architecture has its test scores), ``front``
        (:func:`keras_seqzoo.comparison.leaderboard.pareto_front` of the points),
        ``title`` and ``score_label``.
    """
    from keras_seqzoo.comparison import leaderboard

    points = {r["architecture"]: {"seconds": r["seconds_per_epoch"], "score": r["test_mean"],
                                  "std": r.get("test_std")}
              for r in rows if isinstance(r.get("seconds_per_epoch"), (int, float))
              and r["seconds_per_epoch"] > 0 and isinstance(r.get("test_mean"), (int, float))}
    front = leaderboard.pareto_front({k: (v["seconds"], v["score"]) for k, v in points.items()})
    return {"points": points, "front": front,
            "title": f"C6 {key}: test {metric} against seconds per epoch",
            "score_label": f"test {metric} (mean over the seeds)"}


class C6RanksDirective(SphinxDirective):
    """``.. seqzoo-c6-ranks::``: every architecture's rank per C6 task, and the advice.

    One row per registered architecture, each with the label ``c6-<builder>`` that the
    catalogue links to; a task not recorded yet has an empty column.
    """

    has_content = False

    def run(self) -> list[nodes.Node]:
        import keras_seqzoo as zoo
        from keras_seqzoo.comparison import leaderboard
        from keras_seqzoo.comparison.c6 import TASKS

        boards = {key: _c6_board(self, key) for key in TASKS}
        # Ranks and advice compare every architecture: only complete tasks have them all.
        recorded = {k: b.get("rows") or [] for k, b in boards.items()
                    if b and not b.get("missing")}
        partial = {k: b for k, b in boards.items() if b and b.get("missing")}
        ranks = leaderboard.rank_table(recorded)
        names = list(ranks) + [n for n in zoo.list_models() if n not in ranks]
        body = []
        for name in names:
            target = nodes.target("", "", ids=[nodes.make_id(c6_label(name))],
                                  names=[c6_label(name)])
            self.state.document.note_explicit_target(target)
            row: list[Any] = [_para(target, _literal(name))]
            for key in TASKS:
                value = (ranks.get(name) or {}).get(key)
                row.append(_fmt_num(value, 1) if value is not None
                           else "partial" if key in partial else "not recorded")
            mean = (ranks.get(name) or {}).get("mean")
            row.append(_fmt_num(mean, 2) if mean is not None else "")
            body.append(row)
        result: list[nodes.Node] = [_table(
            ["Architecture", *TASKS, "Mean rank"], body,
            title="Rank of each architecture's test mean per task (1 is best; ties share "
                  "their mean rank)", classes=["seqzoo-c6-ranks"])]
        advice = []
        for key, rows in recorded.items():
            said = leaderboard.advice(rows, boards[key].get("extra_metrics") or ())
            if said:
                advice.append((f"If your task is like {TASKS[key].title}", said["sentence"]))
        if advice:
            result.append(_bullets(advice))
        else:
            result.append(_para("No task has every architecture recorded yet, so there is "
                                "no rank and no advice on this page: each task's section "
                                "gives the command that records it (or continues it)."))
        return result


class C6SittingsDirective(SphinxDirective):
    """``.. seqzoo-c6-sittings:: TASK``: the table of a C6 task's sittings and their load.

    Reads the task's ``leaderboard.json``; nothing without one (the task's
    ``seqzoo-c6-task`` section says how to record it).
    """

    required_arguments = 1
    has_content = False

    def run(self) -> list[nodes.Node]:
        from keras_seqzoo.comparison.c6 import TASKS

        key = self.arguments[0].lower()
        if key not in TASKS:
            raise self.error(f"seqzoo-c6-sittings: unknown task {key!r}; one of "
                             f"{', '.join(TASKS)}")
        board = _c6_board(self, key)
        if not board or not board.get("sittings"):
            return []
        return [_sittings_table(board["sittings"], TASKS[key].title)]


#: A search trial "learned nothing" when its validation accuracy is within this of always
#: answering the validation split's largest class.
NOTHING_LEARNED_MARGIN = 0.05


def _majority_share(board: dict | None) -> float | None:
    """The largest class' share of a C6 task's validation split (``None``: not recorded)."""
    counts = (((board or {}).get("data") or {}).get("label_counts") or {}).get("validation")
    return max(counts) / sum(counts) if counts else None


class _Redo(NamedTuple):
    """One complete masked redo next to its unmasked search, for the summary sentence."""

    task: str
    nothing: tuple[int, int]  # trials that learned nothing: (unmasked, masked)
    trials: tuple[int, int]  # completed search trials: (unmasked, masked)
    best_change: float  # masked minus unmasked best validation score
    test_change: float  # masked minus unmasked test mean


def _learned_nothing(scores: Sequence[float], majority: float) -> int:
    """How many search trials stayed within the margin of always answering the largest class."""
    return sum(s < majority + NOTHING_LEARNED_MARGIN for s in scores)


def _masking_cells(scores: Sequence[float], total: int, majority: float | None
                   ) -> tuple[str, str]:
    """(trials that learned nothing, best validation score) of one search, as table text."""
    if not scores:
        return "not begun", "not begun"
    nothing = ("" if majority is None else
               f"{_learned_nothing(scores, majority)} of {len(scores)}")
    so_far = "" if len(scores) >= total else " so far"
    return nothing + so_far, f"{max(scores):.4f}{so_far}"


class C6MaskingDirective(SphinxDirective):
    """``.. seqzoo-c6-masking::``: what masking the padding changed, search by search.

    Reads ``<seqzoo_runs_dir>/c6/before_masking.json`` (the unmasked searches and rows,
    ``python scripts/c6_before_masking.py``) and, for the same tasks and
    architectures, the masked searches and leaderboard rows recorded since, with the
    same budget (the searches are compared as wholes, not trial by trial).
    """

    has_content = False

    def run(self) -> list[nodes.Node]:
        from keras_seqzoo.comparison import leaderboard

        relative = Path(self.config.seqzoo_runs_dir) / "c6" / "before_masking.json"
        path = Path(self.env.srcdir) / relative
        self.env.note_dependency(str(path))
        if not path.is_file():
            return [_para(f"No record of the unmasked searches (docs/{relative.as_posix()}).")]
        before = _read_json(path)
        body: list[list[Any]] = []
        redone: list[_Redo] = []
        for task, architectures in before["tasks"].items():
            board = _c6_board(self, task)
            majority = _majority_share(board)
            rows = {r["architecture"]: r for r in (board or {}).get("rows", [])}
            total = int(((board or {}).get("budget") or {}).get("trials") or 0)
            for name, old in architectures.items():
                old_scores = [t["score"] for t in old["trials"].values()
                              if t["status"] == "COMPLETED" and t["score"] is not None]
                directory = _c6_directory(self, task)[0] / "search" / name
                if (directory / "oracle.json").is_file():  # rewritten as each trial ends
                    self.env.note_dependency(str(directory / "oracle.json"))
                new_scores = (leaderboard.search_trials(directory)["scores"]
                              if directory.is_dir() else [])
                old_nothing, old_best = _masking_cells(old_scores, total, majority)
                new_nothing, new_best = _masking_cells(new_scores, total, majority)
                old_test = (old.get("row") or {}).get("test_mean")
                new_test = (rows.get(name) or {}).get("test_mean")
                if (majority is not None and old_scores and len(new_scores) >= total
                        and old_test is not None and new_test is not None):
                    redone.append(_Redo(
                        task,
                        (_learned_nothing(old_scores, majority),
                         _learned_nothing(new_scores, majority)),
                        (len(old_scores), len(new_scores)),
                        max(new_scores) - max(old_scores), new_test - old_test))
                body.append([
                    task, [_para(_literal(name))],
                    f"{old_nothing} → {new_nothing}", f"{old_best} → {new_best}",
                    f"{_fmt_num(old_test) or 'not trained'} → "
                    f"{_fmt_num(new_test) or 'not trained yet'}"])
        table = _table(
            ["Task", "Architecture", "Trials that learned nothing", "Best search val. accuracy",
             "Test accuracy (mean of seeds)"], body,
            title="Unmasked → masked padding, each search with the same budget",
            classes=["seqzoo-c6-masking"], widths=[14, 20, 22, 22, 22])
        return [table, _para(_masking_summary(redone), classes=["seqzoo-c6-masking-summary"])]


def _masking_summary(redone: Sequence[_Redo]) -> str:
    """One sentence of counts over the redos whose search and seeds are complete."""
    if not redone:
        return "No redo is complete yet (its search and its seeds)."
    tasks = ", ".join(dict.fromkeys(r.task for r in redone))

    def higher_lower(changes: list[float]) -> str:
        up = sum(c > 0 for c in changes)
        down = sum(c < 0 for c in changes)
        return f"higher in {up}, lower in {down}" + (
            f", equal in {len(changes) - up - down}" if len(changes) - up - down else "")

    nothing = [sum(r.nothing[i] for r in redone) for i in (0, 1)]
    trials = [sum(r.trials[i] for r in redone) for i in (0, 1)]
    return (f"Over the {len(redone)} redos complete so far ({tasks}): trials that learned "
            f"nothing, {nothing[0]} of {trials[0]} unmasked and {nothing[1]} of {trials[1]} "
            f"masked; the masked search's best validation score is "
            f"{higher_lower([r.best_change for r in redone])}; "
            f"the masked test mean is {higher_lower([r.test_change for r in redone])}.")


class C6CostDirective(SphinxDirective):
    """``.. seqzoo-c6-cost::``: what each task's budget costs on the recording machine.

    Reads ``<seqzoo_runs_dir>/c6/estimate.json`` (``seqzoo reproduce c6 --plan --estimate
    STEPS``): per task, the hours the budget takes if every fit runs all its epochs and if
    every fit stops as early as the patience allows, and the slowest architectures'
    seconds per epoch; without the file, says how to make it.
    """

    has_content = False

    def run(self) -> list[nodes.Node]:
        from keras_seqzoo.comparison.c6 import TASKS

        relative = Path(self.config.seqzoo_runs_dir) / "c6" / "estimate.json"
        path = Path(self.env.srcdir) / relative
        self.env.note_dependency(str(path))
        command = "seqzoo reproduce c6 --plan --estimate 20"
        if not path.is_file():
            return [_para("No cost estimate is recorded: ", _literal(command),
                          f" writes docs/{relative.as_posix()}.")]
        measured = _read_json(path)
        body, loads = [], []
        for key in TASKS:
            entry = measured.get(key)
            if not entry:
                body.append([_para(_literal(key)), "not measured", "", "", "", ""])
                continue
            seconds = sorted(entry["seconds_per_epoch"].items(), key=lambda kv: -kv[1])
            slowest = ", ".join(f"{name} {value:,.0f}" for name, value in seconds[:3])
            body.append([_para(_literal(key)), f"{entry['num_train']:,}",
                         _fmt_num(entry["hours_at_most"], 1),
                         _fmt_num(entry["hours_if_stopped_at"], 1),
                         self._recorded(_c6_board(self, key)), slowest])
            if isinstance(entry.get("load"), dict):
                loads.append(f"{key}: {_load_one(entry['load'])}")
        first = next(iter(measured.values()))
        machine = first.get("machine") or {}
        stopped = first.get("epochs_if_stopped")
        table = _table(
            ["Task", "Training texts", "Hours, every fit to its last epoch",
             f"Hours, every fit stopped at epoch {stopped}", "Hours recorded so far",
             "Slowest: seconds per epoch"],
            body, classes=["seqzoo-c6-cost"],
            title=(f"What one task's budget costs on {machine.get('cores', '?')} cores "
                   f"({machine.get('machine', '?')}, devices "
                   f"{', '.join(machine.get('devices') or []) or '?'}; Keras "
                   f"{machine.get('keras', '?')} on {machine.get('backend', '?')}): each "
                   f"architecture's default configuration timed on {first.get('steps')} "
                   "batches, times its fits (trials + seeds) and epochs, summed over the "
                   "architectures"))
        return [table, _para(
            "Hours recorded so far: the wall time of the task's sittings (each trial's "
            "tracing, validation and test passes included, which the estimate leaves out), "
            "with the state of its recording. Load while each task was timed: ",
            "; ".join(loads) + ".")]

    @staticmethod
    def _recorded(board: dict | None) -> str:
        """The wall hours of a task's sittings, and whether the recording is complete."""
        if not board:
            return "not recorded"
        hours = sum(m for m in map(_minutes, board.get("sittings") or []) if m is not None) / 60
        state = "partial" if board.get("missing") else "complete"
        return f"{hours:.1f} ({state})"


class C6SpacesDirective(SphinxDirective):
    """``.. seqzoo-c6-spaces::``: each architecture's declared search space (``describe``)."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        import keras_seqzoo as zoo

        def value_text(spec: dict) -> str:
            kind = spec.get("type")
            if kind == "Boolean":
                return "True or False"
            if "values" in spec:
                return "{" + ", ".join(str(v) for v in spec["values"]) + "}"
            step = f" step {spec['step']}" if spec.get("step") else ""
            scale = f", {spec['sampling']}" if spec.get("sampling") not in (None, "linear") \
                else ""
            return f"{spec.get('min_value')} to {spec.get('max_value')}{step}{scale}"

        body = []
        for name in zoo.list_models():
            space = zoo.describe(name).get("search_space") or {}
            text = "; ".join(f"{k}: {value_text(v)}" for k, v in space.items())
            body.append([_para(_literal(name)), text or "(none declared)"])
        return [_table(["Architecture", "Search space (seqzoo describe NAME)"], body,
                       title="The search spaces every C6 search draws from",
                       classes=["seqzoo-c6-spaces"], widths=[20, 80])]


class DataValueError(ValueError):
    """A ``:seqzoo-value:`` specification that does not resolve to recorded data."""


def join_and(parts: Sequence[str]) -> str:
    """Parts as prose lists them: ``"a"``, ``"a and b"``, ``"a, b and c"``."""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _format_value(value: Any, spec: str | None, key: str = "") -> str:
    """One value as prose shows it: epochs from 1, lists as "a, b and c", ``%`` scales by 100."""
    if isinstance(value, (list, tuple)):
        return join_and([_format_value(v, spec, key) for v in value])
    if key.endswith("_epoch") or key.endswith("_epoch_by_seed"):
        if isinstance(value, int) and not isinstance(value, bool):
            value += 1  # history epochs are 0-based; Keras prints "Epoch 1/10" for index 0
    if spec is None:
        if isinstance(value, float):
            return f"{value:.4f}"
        return _fmt_int(value)
    percent, python_spec = _FORMAT.match(spec).groups()
    if percent:
        value = 100 * float(value)
    return format(value, python_spec)


def _split_format(text: str) -> tuple[str, str | None]:
    """``"KEY:.2f"`` -> ``("KEY", ".2f")``; no trailing format spec -> ``(text, None)``."""
    head, sep, tail = text.rpartition(":")
    if sep and _FORMAT.match(tail.strip()):
        return head.rstrip(), tail.strip()
    return text, None


def _select(data: Any, selector: str, where: str) -> Any:
    """``rows[model=T5 BiLSTM(32)&written=seqzoo].seconds_per_epoch`` applied to ``data``."""
    value = data
    for match in re.finditer(r"\.?([^.\[\]]+)|\[([^\]]*)\]", selector):
        name, condition = match.group(1), match.group(2)
        if name is not None:
            if not isinstance(value, dict) or name not in value:
                raise DataValueError(f"{where}: no key {name!r} (have: "
                                     f"{', '.join(map(str, value)) if isinstance(value, dict) else type(value).__name__})")
            value = value[name]
        elif re.fullmatch(r"-?\d+", condition.strip()):
            value = value[int(condition)]
        else:
            wanted = dict(part.split("=", 1) for part in condition.split("&"))
            found = [item for item in value if isinstance(item, dict)
                     and all(str(item.get(k.strip())) == v.strip() for k, v in wanted.items())]
            if len(found) != 1:
                raise DataValueError(f"{where}: [{condition}] matches {len(found)} items, not one")
            value = found[0]
    return value


def _best_epochs(folders: Sequence[Path], key: str, mode: str) -> list[int]:
    from keras_seqzoo.callbacks import read_history

    epochs = []
    for folder in folders:
        values = [(r[key], r["epoch"]) for r in read_history(folder)
                  if isinstance(r.get(key), (int, float)) and math.isfinite(r[key])]
        epochs.append((max if mode == "max" else min)(values, key=lambda v: v[0])[1])
    return epochs


_ROWS_CACHE: dict[tuple, dict[str, dict[str, Any]]] = {}


def comparison_rows(runs_dir: Path, experiment: str) -> dict[str, dict[str, Any]]:
    """``summarize()`` of a recorded comparison, by model, with each seed's best epochs.

    Adds ``best_val_accuracy_epoch_by_seed`` and ``best_val_loss_epoch_by_seed`` (0-based,
    in seed order) to the rows of :func:`keras_seqzoo.comparison.summarize`.
    """
    from keras_seqzoo.comparison import model_runs, summarize

    directory = Path(runs_dir) / experiment
    folders = model_runs(directory) if directory.is_dir() else {}
    if not folders:
        raise DataValueError(f"no recorded comparison in {directory}")
    # One summary per build and recording (a role per figure would re-read every history).
    stamp = (str(directory.resolve()), max(
        (p.stat().st_mtime_ns for f in folders.values() for d in f for p in d.iterdir()),
        default=0))
    if stamp in _ROWS_CACHE:
        return _ROWS_CACHE[stamp]
    rows = {}
    for row in summarize(directory, list(folders)):
        row["best_val_accuracy_epoch_by_seed"] = _best_epochs(folders[row["model"]],
                                                              "val_accuracy", "max")
        row["best_val_loss_epoch_by_seed"] = _best_epochs(folders[row["model"]],
                                                          "val_loss", "min")
        rows[row["model"]] = row
    _ROWS_CACHE[stamp] = rows
    return rows


def data_value(spec: str, data_dir: Path, runs_dir: Path | None = None) -> tuple[str, list[Path]]:
    """Resolves a ``:seqzoo-value:`` specification to the text prose shows; the files read.

    Specifications (``FMT``, optional: a Python format spec after a colon, ``%`` in front
    to scale by 100 first, e.g. ``:%.1f``; epochs print from 1, lists as "a, b and c"):

    - ``run EXPERIMENT MODEL KEY[:FMT]``: a row of ``comparison.summarize()`` for a
      recorded comparison (``best_val_accuracy``, ``best_val_accuracy_std``,
      ``best_val_accuracy_epoch`` (where the seeds' mean curve peaks),
      ``best_val_accuracy_epoch_by_seed``, ``seconds_per_epoch``, ``ratio_to_fastest``,
      ``params``, ...). ``KEY±`` prints the mean ± std.
    - ``history EXPERIMENT MODEL SEED EPOCH KEY[:FMT]``: one epoch's record of one run
      (``SEED``: its position in seed order, from 0; ``EPOCH``: from 1).
    - ``json FILE SELECTOR[:FMT]``: a value of a JSON file under ``data_dir``;
      ``SELECTOR`` is dotted keys, ``[N]`` indexes, ``[key=value&key=value]`` picks the one
      list item with those values (e.g. ``rows[model=T5 BiLSTM(32)&written=seqzoo].best``).
    - ``re FILE PATTERN``: the first group of a regular expression's first match in a
      text file under ``data_dir``, verbatim.

    Raises:
        DataValueError: the file, key or item is not there.
    """
    kind, _, rest = spec.strip().partition(" ")
    if kind not in VALUE_KINDS:
        raise DataValueError(f"{spec!r}: the kind must be one of {', '.join(VALUE_KINDS)}, "
                             f"not {kind!r}")
    runs_dir = Path(runs_dir) if runs_dir is not None else Path(data_dir) / "runs"
    if kind in ("run", "history"):
        body, fmt = _split_format(rest)
        words = body.split()
        wanted = 3 if kind == "run" else 5
        if len(words) != wanted:
            raise DataValueError(f"{spec!r}: expected {wanted} words after {kind!r}, "
                                 f"got {len(words)}")
        experiment, model = words[0], words[1]
        directory = runs_dir / experiment
        files = sorted(directory.glob("trial_*/history.jsonl")) + sorted(
            directory.glob("trial_*/run.json"))
        if kind == "run":
            key = words[2]
            rows = comparison_rows(runs_dir, experiment)
            if model not in rows:
                raise DataValueError(f"{spec!r}: no model {model!r} in {experiment} "
                                     f"(have: {', '.join(rows)})")
            row = rows[model]
            spread = key.endswith("±")
            key = key.rstrip("±")
            if key not in row:
                raise DataValueError(f"{spec!r}: no key {key!r} (have: {', '.join(row)})")
            text = _format_value(row[key], fmt, key)
            if spread:
                text += " ± " + _format_value(row[f"{key}_std"], fmt, key)
            return text, files
        from keras_seqzoo.callbacks import read_history
        from keras_seqzoo.comparison import model_runs

        seed, epoch, key = int(words[2]), int(words[3]), words[4]
        folders = model_runs(directory).get(model) if directory.is_dir() else None
        if not folders or seed >= len(folders):
            raise DataValueError(f"{spec!r}: no run {seed} of {model!r} in {directory}")
        records = {r["epoch"]: r for r in read_history(folders[seed])}
        if epoch - 1 not in records or records[epoch - 1].get(key) is None:
            raise DataValueError(f"{spec!r}: no {key!r} in epoch {epoch}")
        return _format_value(records[epoch - 1][key], fmt, key), files
    filename, _, selector = rest.strip().partition(" ")
    path = Path(data_dir) / filename
    if not path.is_file():
        raise DataValueError(f"{spec!r}: no file {path}")
    if kind == "re":
        match = re.search(selector, path.read_text(encoding="utf-8"))
        if not match:
            raise DataValueError(f"{spec!r}: the pattern does not match {path.name}")
        return match.group(1), [path]
    selector, fmt = _split_format(selector)
    value = _select(_read_json(path), selector.strip(), spec)
    return _format_value(value, fmt, selector.rsplit(".", 1)[-1]), [path]


def value_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``:seqzoo-value:`SPEC```: a figure read from the recorded data at build time."""
    env = inliner.document.settings.env
    srcdir = Path(env.srcdir)
    try:
        value, files = data_value(
            text, srcdir / env.config.seqzoo_data_dir, srcdir / env.config.seqzoo_runs_dir
        )
    except (DataValueError, OSError, ValueError, KeyError, IndexError, TypeError) as error:
        message = inliner.reporter.error(f"seqzoo-value: {error}", line=lineno)
        problem = inliner.problematic(rawtext, rawtext, message)
        return [problem], [message]
    for path in files:
        env.note_dependency(str(path))
    return [nodes.inline(value, value, classes=["seqzoo-value"])], []


# --------------------------------------------------------------------------- docstrings

_FENCE = re.compile(r"^(\s*)```\s*([\w+-]*)\s*$")


def fences_to_code_blocks(lines: list[str]) -> list[str]:
    """Rewrites Markdown code fences as ``.. code-block::`` directives (in place semantics)."""
    out: list[str] = []
    index = 0
    while index < len(lines):
        match = _FENCE.match(lines[index])
        if not match:
            out.append(lines[index])
            index += 1
            continue
        indent, language = match.group(1), match.group(2) or "text"
        end = index + 1
        while end < len(lines) and not re.match(r"^\s*```\s*$", lines[end]):
            end += 1
        if end >= len(lines):  # unclosed fence: leave the text alone
            out.append(lines[index])
            index += 1
            continue
        if out and out[-1].strip():
            out.append("")
        out.append(f"{indent}.. code-block:: {language}")
        out.append("")
        for line in lines[index + 1:end]:
            body = line[len(indent):] if line.startswith(indent) else line.lstrip()
            out.append(f"{indent}   {body}" if body.strip() else "")
        out.append("")
        index = end + 1
    return out


def _process_docstring(app, what, name, obj, options, lines: list[str]) -> None:
    if any("```" in line for line in lines):
        lines[:] = fences_to_code_blocks(lines)


# --------------------------------------------------------------------------- setup


def setup(app):
    app.add_config_value("seqzoo_runs_dir", "data/runs", "env")
    app.add_config_value("seqzoo_data_dir", "data", "env")
    app.add_role("seqzoo-value", value_role)
    app.add_config_value("seqzoo_summary_line_length", 90, "env")
    # Column ends as fractions of the line (Keras' ``positions``): a wide first column, so
    # that "global_average_pooling1d (GlobalAveragePooling1D)" fits on one line.
    app.add_config_value("seqzoo_summary_positions", [0.6, 0.84, 1.0], "env")
    app.add_directive("seqzoo-summary", SummaryDirective)
    app.add_directive("seqzoo-catalogue", CatalogueDirective)
    app.add_directive("seqzoo-arguments", ArgumentsDirective)
    app.add_directive("seqzoo-comparison", ComparisonDirective)
    app.add_directive("seqzoo-cli-help", CliHelpDirective)
    app.add_directive("seqzoo-load", LoadDirective)
    app.add_directive("seqzoo-c6-task", C6TaskDirective)
    app.add_directive("seqzoo-c6-ranks", C6RanksDirective)
    app.add_directive("seqzoo-c6-spaces", C6SpacesDirective)
    app.add_directive("seqzoo-c6-cost", C6CostDirective)
    app.add_directive("seqzoo-c6-sittings", C6SittingsDirective)
    app.add_directive("seqzoo-c6-masking", C6MaskingDirective)
    app.add_directive("seqzoo-backend-speed", BackendSpeedDirective)
    skip = (skip_node, None)
    app.add_node(
        seqzoo_figure,
        html=(visit_seqzoo_figure_html, None),
        latex=skip, text=skip, man=skip, texinfo=skip,
    )
    # Before napoleon (priority 500), so napoleon sees reST code blocks.
    app.setup_extension("sphinx.ext.autodoc")
    app.connect("autodoc-process-docstring", _process_docstring, priority=400)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
