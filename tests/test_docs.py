"""The documentation: its examples run, and its build shows what the slides show.

- the scripts in ``examples/`` run (the docs include them with ``literalinclude``);
- ``sphinx-build -W --keep-going -b html docs`` succeeds, and the generated catalogue
  page holds, inside the summaries Keras printed at build time, every total and every
  per-layer parameter count of the slides' tables T1-T7 (the numbers below are typed
  from the slides, independently of the registry);
- every comparison page shows its table and figures when its run is recorded in
  ``docs/data/runs/<experiment>/``, and a "Not recorded yet" admonition otherwise;
- the comparison directive renders a recorded run (made here with a tiny fit).
"""

from __future__ import annotations

import html
import importlib.util
import json
import re
import textwrap
from pathlib import Path

import pytest

from tests.helpers import build_page, seqzoo_docs

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
EXAMPLES = ROOT / "examples"
EXPERIMENTS = ("c1", "c2", "c3", "c4", "c5")

# From the slides (REFERENCE.md): per-layer parameter counts and the total of each table.
SLIDE_TABLES = {
    "T1": ([523840, 66048, 8256, 65], 598209),
    "T2": ([523840, 66048, 41216, 4160, 65], 635329),
    "T3": ([16000, 10368, 0, 3096, 25], 29489),
    "T4": ([160000, 0, 11526, 7], 171533),
    "T5": ([160000, 12544, 390, 7], 172941),
    "T6": ([160000, 9600, 390, 7], 169997),
    "T7": ([160000, 10368, 0, 774, 7], 171149),
}
SLIDE_SHAPES = {
    "T1": ["(None, None, 64)", "(None, 128)", "(None, 64)", "(None, 1)"],
    "T2": ["(None, None, 64)", "(None, None, 128)", "(None, 64)", "(None, 64)", "(None, 1)"],
    "T3": ["(None, 120, 16)", "(None, 116, 128)", "(None, 128)", "(None, 24)", "(None, 1)"],
    "T4": ["(None, 120, 16)", "(None, 1920)", "(None, 6)", "(None, 1)"],
    "T5": ["(None, 120, 16)", "(None, 64)", "(None, 6)", "(None, 1)"],
    "T6": ["(None, 120, 16)", "(None, 64)", "(None, 6)", "(None, 1)"],
    "T7": ["(None, 120, 16)", "(None, 116, 128)", "(None, 128)", "(None, 6)", "(None, 1)"],
}
PRESETS = {
    "T1": "bilstm.imdb_subwords8k",
    "T2": "stacked_bilstm.imdb_subwords8k",
    "T3": "conv1d.words1k_len120",
    "T4": "embedding_flatten.imdb_words10k",
    "T5": "bilstm.imdb_words10k",
    "T6": "bigru.imdb_words10k",
    "T7": "conv1d.imdb_words10k",
}


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def _body_cells(table: str) -> list[list[str]]:
    """The text of each body cell of an HTML table, row by row, whitespace collapsed."""
    return [[re.sub(r"\s+", " ", _text(c)).strip()
             for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table.split("<tbody", 1)[1], re.S)]


def _load_example(name: str):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- examples --------------------------------------------------------------------


def test_example_quickstart_runs(tmp_path):
    restored = _load_example("quickstart").main(str(tmp_path))
    assert restored.seqzoo_config["preset"] == "bilstm.imdb_words10k"
    assert restored.count_params() == 172941
    assert (tmp_path / "bilstm.keras").exists()


def test_example_register_your_own_runs():
    import keras_seqzoo as zoo

    try:
        model = _load_example("register_your_own").main()
        assert model.seqzoo_config["preset"] == "my_cnn.short_reviews"
        assert model.seqzoo_config["arguments"]["pooling"] == "average"
        assert "my_cnn.short_reviews" in zoo.list_models(presets=True)
    finally:
        if "my_cnn" in zoo.list_models():
            zoo.unregister("my_cnn")


def test_docs_include_every_example():
    included = "\n".join(p.read_text(encoding="utf-8") for p in DOCS.rglob("*.rst"))
    for example in sorted(EXAMPLES.glob("*.py")):
        assert f"examples/{example.name}" in included, f"{example.name} is not in the docs"


# -- the full HTML build -----------------------------------------------------------


@pytest.fixture(scope="module")
def html_dir(tmp_path_factory) -> Path:
    # One build per session, shared with tests/test_docs_browser.py.
    from _docs_build import built_html

    return built_html(tmp_path_factory)


def _summary_blocks(page: str) -> list[str]:
    """The texts of the model.summary() blocks the seqzoo-summary directive generated."""
    blocks = re.findall(
        r'<div class="[^"]*\bseqzoo-summary\b[^"]*">.*?<pre>(.*?)</pre>', page, re.S
    )
    return [_text(b) for b in blocks]


def _summary_rows(text: str) -> list[tuple[str, ...]]:
    """(layer, output shape, params) per row of a Keras summary; wrapped cells joined."""
    body = text.split("┡", 1)[1].split("└", 1)[0]
    rows = []
    for group in re.split(r"\n├[^\n]*", body):
        cells: list[list[str]] = []
        for line in group.splitlines():
            if not line.startswith("│"):
                continue
            parts = [p.strip() for p in line.strip().strip("│").split("│")]
            cells = cells or [[] for _ in parts]
            for column, part in zip(cells, parts):
                if part:
                    column.append(part)
        if cells:
            rows.append(tuple(" ".join(c) for c in cells))
    return rows


@pytest.mark.slow
@pytest.mark.one_backend
def test_catalogue_shows_every_slide_table(html_dir):
    page = (html_dir / "catalogue.html").read_text(encoding="utf-8")
    summaries = {}
    for text in _summary_blocks(page):
        name = re.search(r'Model: "([^"]+)"', text).group(1)
        summaries.setdefault(name, []).append(text)
    assert len(_summary_blocks(page)) >= 9  # T1-T7 and the two code-only models

    texts = _summary_blocks(page)
    for table, (layers, total) in SLIDE_TABLES.items():
        # The summary of that preset: the one whose "Total params" is the slide's total.
        matching = [t for t in texts if re.search(rf"Total params: {total:,} ", t)]
        assert matching, f"{table}: no generated summary prints Total params: {total:,}"
        text = matching[0]
        rows = _summary_rows(text)
        counts = [int(c.replace(",", "")) for layer, _, c in rows if "(InputLayer)" not in layer]
        assert counts == layers, f"{table}: per-layer counts {counts} != slides {layers}"
        shapes = [shape for layer, shape, _ in rows if "(InputLayer)" not in layer]
        assert shapes == SLIDE_SHAPES[table], f"{table}: output shapes {shapes}"
        assert "(InputLayer)" in rows[0][0]
        assert f"Trainable params: {total:,} " in text
    # Every slide table is followed by a computed verdict, and all of them match.
    verdicts = re.findall(r'<p class="seqzoo-total ([\w-]+)">(.*?)</p>', page, re.S)
    assert len(verdicts) == len(SLIDE_TABLES)
    assert {v for v, _ in verdicts} == {"seqzoo-total-match"}
    for _, total in SLIDE_TABLES.values():
        assert any(f"{total:,}" in _text(t) for _, t in verdicts)


@pytest.mark.slow
@pytest.mark.one_backend
def test_catalogue_lists_every_registered_name(html_dir):
    import keras_seqzoo as zoo

    page = _text((html_dir / "catalogue.html").read_text(encoding="utf-8"))
    for name in zoo.list_models(presets=True):
        assert name in page
    for preset in PRESETS.values():
        assert f'Model: "{preset.split(".")[0]}"' in page


@pytest.mark.slow
@pytest.mark.one_backend
def test_comparison_pages(html_dir):
    for experiment in EXPERIMENTS:
        page = (html_dir / "comparisons" / f"{experiment}.html").read_text(encoding="utf-8")
        runs = DOCS / "data" / "runs" / experiment
        recorded = runs.is_dir() and any((p / "run.json").exists() for p in runs.iterdir())
        if not recorded:
            assert "seqzoo-not-recorded" in page, experiment
            assert f"seqzoo reproduce {experiment}" in _text(page)
            continue
        assert "seqzoo-not-recorded" not in page
        assert "seqzoo-comparison-table" in page
        assert "seqzoo-environment" in page
        # The regenerate command runs as shown: a placeholder for the data, no
        # path of the recording machine, no literal "...".
        command = _text(re.search(r'seqzoo-command.*?<pre>(.*?)</pre>', page, re.S).group(1))
        assert "KERAS_SEQZOO_IMDB=/path/to/aclImdb_v1.tar.gz" in command, command
        assert f"seqzoo reproduce {experiment}" in command.replace("\\\n    ", "")
        assert "..." not in command and "shared/" not in command, command
        text = _text(page)
        assert "epochs count from 1" in text
        # The protocol and the load are stated from the data, on every page.
        assert "Validation data" in text and "the slides protocol" in text, experiment
        assert "Load (measured)" in text and "not measured" in text, experiment
        assert "The columns:" in text, experiment  # the legend naming every column
        images = re.findall(r'<img[^>]+src="([^"]+)"', page)
        wanted = {f"seqzoo-{experiment}-curves.png", f"seqzoo-{experiment}-epoch-times.png",
                  f"seqzoo-{experiment}-accuracy-vs-seconds.png"}
        assert wanted <= {Path(src).name for src in images}, experiment
        for src in images:
            assert (html_dir / "comparisons" / src).resolve().is_file(), src


@pytest.mark.slow
@pytest.mark.one_backend
def test_c5_table_shows_mean_and_std_and_says_what_each_column_is(html_dir):
    page = (html_dir / "comparisons" / "c5.html").read_text(encoding="utf-8")
    table = re.search(r'<table[^>]*seqzoo-comparison-table.*?</table>', page, re.S).group(0)
    headers = [_text(h).strip() for h in re.findall(r"<th[^>]*>(.*?)</th>", table, re.S)]
    assert headers[:7] == ["Model", "Params", "s/epoch", "x fastest", "Best val acc",
                           "Epoch of each seed’s best", "Peak of the mean curve"], headers
    rows = [[_text(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table.split("<tbody", 1)[1], re.S)]
    fasttext = next(r for r in rows if "fasttext.imdb_words10k" in r[0])
    # mean ± std of the seeds' bests; each seed's best epoch; the mean curve's peak.
    assert fasttext[2].startswith("1.23 ±\u00a0") and fasttext[4] == "0.8337 ±\u00a00.0004", \
        fasttext
    assert fasttext[5] == "3, 4, 2" and fasttext[6] == "2", fasttext
    text = re.sub(r"\s+", " ", _text(page))
    assert "mean ± sample standard deviation over 3 seeds" in text
    for header in headers:
        assert f"{header}:" in text, f"the legend does not say what {header!r} is"
    # Figures in the prose are read from the data: the seeds' best epochs, not "epoch 2".
    assert "the seeds’ bests came at epochs 3, 4 and 2" in text
    # The page mixes two recordings and says which rows came from which.
    assert "2 sessions;" in text and "bigru_attention.imdb_words10k, " \
        "transformer_encoder.imdb_words10k (6 runs)" in text


@pytest.mark.slow
@pytest.mark.one_backend
def test_benchmarks_page_states_the_load_of_each_recording(html_dir):
    text = re.sub(r"\s+", " ", _text((html_dir / "benchmarks.html").read_text(encoding="utf-8")))
    assert text.count("Machine load during this recording: not measured") == 5
    assert "gave 1.01 (T5) and 0.94 (C3)" in text  # rendered from epoch_times_xla_rnn.json


@pytest.mark.slow
@pytest.mark.one_backend
def test_lstm_page_and_cli_page(html_dir):
    lstm = _text((html_dir / "lstm.html").read_text(encoding="utf-8"))
    assert "def lstm_step" in lstm and "check_against_keras" in lstm
    cli = _text((html_dir / "cli.html").read_text(encoding="utf-8"))
    for command in ("list", "describe", "summary", "compare", "reproduce"):
        assert f"usage: seqzoo {command}" in cli


# -- the comparison directive on a recorded run ------------------------------------


@pytest.mark.parametrize(
    "recorded, shown",
    [
        ("KERAS_BACKEND=jax KERAS_SEQZOO_IMDB=../shared/data/imdb.tar.gz seqzoo reproduce c1 "
         "--max-length 128 --output runs/c1 && bash scripts/record_run.sh c1 ...",
         "KERAS_BACKEND=jax KERAS_SEQZOO_IMDB=/path/to/aclImdb_v1.tar.gz \\\n"
         "    seqzoo reproduce c1 --max-length 128 --output runs/c1"),
        ("KERAS_SEQZOO_CACHE=/home/me/cache seqzoo reproduce c4 -o docs/data/runs/c4",
         "KERAS_SEQZOO_IMDB=/path/to/aclImdb_v1.tar.gz \\\n"
         "    seqzoo reproduce c4 -o docs/data/runs/c4"),
        ("seqzoo compare a.b c.d e.f g.h i.j k.l --epochs 2 --limit 1000 --batch-size 32 "
         "--output runs/a-long-folder-name-for-the-output --seed 3",
         "KERAS_SEQZOO_IMDB=/path/to/aclImdb_v1.tar.gz \\\n"
         "    seqzoo compare a.b c.d e.f g.h i.j k.l --epochs 2 --limit 1000 --batch-size 32 \\\n"
         "    --output runs/a-long-folder-name-for-the-output --seed 3"),
    ],
)
def test_regenerate_commands_are_copy_pasteable(recorded, shown):
    assert seqzoo_docs().copy_pasteable(recorded) == shown


def _record_tiny_run(directory: Path) -> None:
    """A run folder in the layout of keras_seqzoo.comparison.compare, from tiny fits."""
    import keras
    import numpy as np

    import keras_seqzoo as zoo
    from keras_seqzoo.callbacks import EpochTimer, HistoryExporter
    from keras_seqzoo.comparison import write_report

    rng = np.random.default_rng(0)
    x = rng.integers(1, 50, size=(32, 8)).astype("int32")
    y = rng.integers(0, 2, size=(32,)).astype("int32")
    models = {
        "embedding_flatten.imdb_words10k": {"vocab_size": 50, "max_length": 8},
        "conv1d.imdb_words10k": {"vocab_size": 50, "max_length": 8, "kernel_size": 3},
    }
    for index, (name, overrides) in enumerate(models.items()):
        keras.backend.clear_session()
        model = zoo.compile_model(zoo.build(name, **overrides))
        folder = directory / f"trial_{index:04d}"  # one keras-tuner trial per (model, seed)
        exporter = HistoryExporter(folder)
        model.fit(x, y, batch_size=16, epochs=3, validation_split=0.25, verbose=0,
                  callbacks=[EpochTimer(batch_size=16, verbose=0), exporter])
        (folder / "trial.json").write_text(json.dumps({  # keras-tuner's Trial.get_state()
            "trial_id": f"{index:04d}", "status": "COMPLETED", "score": None, "best_step": 0,
            "message": None, "metrics": {"metrics": {}},
            "hyperparameters": {"space": [], "values": {"architecture": name, "seed": 0}}}))
    (directory / "comparison.json").write_text(
        json.dumps({"experiment": "c4", "models": list(models), "epochs": 3, "batch_size": 16,
                    "data": {"dataset": "random", "num_train": 24, "num_validation": 8}}),
        encoding="utf-8",
    )
    (directory / "COMMAND").write_text("seqzoo reproduce c4 --tiny-test-run\n", encoding="utf-8")
    write_report(directory, list(models))
    # A recording that stores the machine's load (keras_seqzoo.machine), as new ones do.
    from keras_seqzoo.machine import load_record, load_snapshot

    settings = json.loads((directory / "comparison.json").read_text(encoding="utf-8"))
    settings["load"] = load_record(load_snapshot(), load_snapshot())
    (directory / "comparison.json").write_text(json.dumps(settings), encoding="utf-8")


@pytest.mark.slow
@pytest.mark.one_backend
def test_comparison_directive_renders_a_recorded_run(tmp_path):
    runs = tmp_path / "runs"
    _record_tiny_run(runs / "c4")
    from keras_seqzoo.machine import load_record, load_snapshot

    (tmp_path / "bench").mkdir()
    (tmp_path / "bench" / "with_load.json").write_text(json.dumps(
        {"rows": [], "load": load_record(load_snapshot(), load_snapshot())}), encoding="utf-8")
    (tmp_path / "bench" / "without_load.json").write_text(json.dumps({"rows": []}),
                                                          encoding="utf-8")
    page = build_page(tmp_path / "src", tmp_path / "html", textwrap.dedent("""
        .. seqzoo-comparison:: c4
           :slide-seconds: embedding_flatten.imdb_words10k=5, conv1d.imdb_words10k=6

        .. seqzoo-comparison:: c1

        .. seqzoo-load:: bench/with_load.json

        .. seqzoo-load:: bench/without_load.json

        Best: :seqzoo-value:`run c4 conv1d.imdb_words10k best_val_accuracy:.4f`.
        """), runs, tmp_path)
    out = tmp_path / "html"
    text = _text(page)
    assert "seqzoo reproduce c4 --tiny-test-run" in text  # the COMMAND file
    assert "seqzoo-comparison-table" in page and "seqzoo-slide-timings" in page
    assert "embedding_flatten.imdb_words10k" in text and "conv1d.imdb_words10k" in text
    for name in ("seqzoo-c4-curves.png", "seqzoo-c4-epoch-times.png"):
        assert f'src="_images/{name}"' in page
        assert (out / "_images" / name).stat().st_size > 1000
    assert page.count("seqzoo-not-recorded") == 1  # c1 has no data here
    # The stored load is shown (and judged by keras_seqzoo.machine.is_idle), in the
    # comparison's table and under a benchmark; a file without one says so.
    assert "whole recording: " in text and "1-minute load average" in text
    assert re.search(r"whole recording: (idle|not idle|idle unknown) \(", text), text
    assert "Machine load during this recording, as stored in it:" in text
    assert "not measured (without_load.json predates load records)" in text
    from keras_seqzoo.comparison import summarize

    best = {r["model"]: r for r in summarize(runs / "c4")}["conv1d.imdb_words10k"]
    assert f"Best: {best['best_val_accuracy']:.4f}." in text


def _c6_table(html_dir: Path, kind: str) -> tuple[str, str]:
    """The C6 page's HTML and its ``seqzoo-c6-KIND`` table."""
    page = (html_dir / "comparisons" / "c6.html").read_text(encoding="utf-8")
    return page, re.search(rf'<table[^>]*seqzoo-c6-{kind}.*?</table>', page, re.S).group(0)


@pytest.mark.slow
@pytest.mark.one_backend
def test_c6_masking_table_compares_each_unmasked_search_with_its_redo(html_dir):
    root = DOCS / "data" / "runs" / "c6"
    before = json.loads((root / "before_masking.json").read_text(encoding="utf-8"))
    page, table = _c6_table(html_dir, "masking")
    cells = _body_cells(table)
    expected = [(t, n) for t, names in before["tasks"].items() for n in names]
    complete = []  # (task, learned nothing before/after, trials before/after, best +-, test +-)
    assert [(c[0], c[1]) for c in cells] == expected
    for row in cells:
        task, name = row[0], row[1]
        board = json.loads((root / task / "leaderboard.json").read_text(encoding="utf-8"))
        counts = board["data"]["label_counts"]["validation"]
        chance = max(counts) / sum(counts) + 0.05
        total = board["budget"]["trials"]

        def scores(trials):
            return [t["score"] for t in trials if t["status"] == "COMPLETED"
                    and t["score"] is not None]

        old = scores(before["tasks"][task][name]["trials"].values())
        new = scores(json.loads(p.read_text(encoding="utf-8"))
                     for p in (root / task / "search" / name).glob("trial_*/trial.json"))
        for side, found in zip(row[2].split(" → "), (old, new)):
            so_far = "" if len(found) >= total else " so far"
            if not found:
                assert side == "not begun", row
            else:
                assert side == f"{sum(s < chance for s in found)} of {len(found)}{so_far}", row
        for side, found in zip(row[3].split(" → "), (old, new)):
            assert side == (f"{max(found):.4f}{' so far' if len(found) < total else ''}"
                            if found else "not begun"), row
        old_row = before["tasks"][task][name]["row"]
        new_row = next((r for r in board["rows"] if r["architecture"] == name), None)
        assert row[4] == (f"{old_row['test_mean']:.4f}" if old_row else "not trained") + " → " + (
            f"{new_row['test_mean']:.4f}" if new_row else "not trained yet"), row
        if old and len(new) >= total and old_row and new_row:
            complete.append((task, sum(s < chance for s in old), sum(s < chance for s in new),
                             len(old), len(new), max(new) - max(old),
                             new_row["test_mean"] - old_row["test_mean"]))
    # Under the table, the counts over the redos that are complete (search and seeds).
    summary = _text(re.search(r'<p class="seqzoo-c6-masking-summary">(.*?)</p>', page,
                              re.S).group(1))
    summary = re.sub(r"\s+", " ", summary).strip()
    assert len(complete) >= 10  # SMS spam and Reuters R8 are redone in full
    tasks = list(dict.fromkeys(c[0] for c in complete))
    assert summary.startswith(f"Over the {len(complete)} redos complete so far "
                              f"({', '.join(tasks)}): trials that learned nothing, "
                              f"{sum(c[1] for c in complete)} of {sum(c[3] for c in complete)} "
                              f"unmasked and {sum(c[2] for c in complete)} of "
                              f"{sum(c[4] for c in complete)} masked;"), summary
    for index, what in ((5, "best validation score"), (6, "test mean")):
        up, down = (sum(c[index] > 0 for c in complete), sum(c[index] < 0 for c in complete))
        assert re.search(rf"{what} is higher in {up}, lower in {down}\b", summary), summary


@pytest.mark.slow
@pytest.mark.one_backend
def test_c6_chosen_configurations_are_the_tuned_ones(html_dir):
    """Under each leaderboard, its architectures in its order with the configuration their
    seeds trained: ``tuned.json``'s arguments, less the task's vocabulary, length and classes."""
    from keras_seqzoo.comparison.c6 import TASKS

    page = (html_dir / "comparisons" / "c6.html").read_text(encoding="utf-8")
    root = DOCS / "data" / "runs" / "c6"
    boards = [(key, json.loads((root / key / "leaderboard.json").read_text(encoding="utf-8")))
              for key in TASKS if (root / key / "leaderboard.json").is_file()]
    boards = [(key, board) for key, board in boards if board["rows"]]
    tables = re.findall(r'<table[^>]*seqzoo-c6-chosen.*?</table>', page, re.S)
    # One under each task's leaderboard, in page order.
    assert len(tables) == len(boards) == len(TASKS)
    for (key, board), table in zip(boards, tables):
        cells = _body_cells(table)
        assert [c[0] for c in cells] == [r["architecture"] for r in board["rows"]], key
        tuned = json.loads((root / key / "tuned.json").read_text(encoding="utf-8"))
        for name, shown in cells:
            arguments = tuned[name]["arguments"]
            assert arguments == next(r for r in board["rows"]
                                     if r["architecture"] == name)["hyperparameters"]
            for argument, value in arguments.items():
                if argument in ("vocab_size", "max_length", "num_classes"):  # the task's
                    assert f"{argument}=" not in shown, (key, name, argument)
                    continue
                value = format(value, ".6g") if isinstance(value, float) else str(value)
                assert re.search(rf"(?<!\w){argument}={re.escape(value)}(?=, \w+=|$)", shown), (
                    key, name, argument, value, shown)
    for leaderboard in re.findall(r'<table[^>]*seqzoo-c6-leaderboard.*?</table>', page, re.S):
        assert "hyperparameters" not in _text(leaderboard)  # the chosen table has them


@pytest.mark.slow
@pytest.mark.one_backend
def test_c6_page_shows_the_budget_cost_and_every_recorded_leaderboard(html_dir):
    from keras_seqzoo.comparison.c6 import TASKS

    page, table = _c6_table(html_dir, "cost")
    root = DOCS / "data" / "runs" / "c6"
    estimate = json.loads((root / "estimate.json").read_text(encoding="utf-8"))
    rows = {r[0]: r for r in _body_cells(table)}
    for key, entry in estimate.items():  # the hours are the file's, not typed prose
        assert rows[key][2] == f"{entry['hours_at_most']:.1f}", rows[key]
        assert rows[key][3] == f"{entry['hours_if_stopped_at']:.1f}", rows[key]
        recorded = (root / key / "leaderboard.json").is_file()
        assert rows[key][4].endswith(("(complete)", "(partial)") if recorded
                                     else ("not recorded",)), rows[key]
    text = re.sub(r"\s+", " ", _text(page))
    sitting_tables = {re.search(r"Sittings of the (.*?) recording", _text(t)).group(1): t
                      for t in re.findall(r'<table[^>]*seqzoo-c6-sittings.*?</table>', page, re.S)}
    for key in TASKS:
        board_path = root / key / "leaderboard.json"
        if not board_path.is_file():
            assert f"seqzoo reproduce c6 --task {key}" in text, key
            continue
        board = json.loads(board_path.read_text(encoding="utf-8"))
        # The vocabulary: the task's cap, and the size its training texts gave where smaller.
        cap, real = TASKS[key].vocab_size, board["data"]["vocab_size"]
        assert f"tokens, vocabulary {cap:,}" in text, key
        assert (f"vocabulary {cap:,} at most ({real:,} ids from the training texts" in text) \
            == (real < cap), (key, cap, real)
        # Every sitting, in order, with how it ended, the idle rule's verdict and its note.
        from keras_seqzoo.machine import is_idle

        sittings = board["sittings"]  # as sittings.json has them, notes added by hand too
        assert sittings == json.loads((root / key / "sittings.json").read_text()), (
            f"{key}: leaderboard.json's sittings differ from sittings.json; run "
            "keras_seqzoo.comparison.c6.write_leaderboard again")
        assert f"Sittings: {len(sittings)}, from {sittings[0]['started_at'][:10]}" in text, key
        table = sitting_tables[TASKS[key].title.split(",")[0]]
        cells = _body_cells(table)
        assert [c[0] for c in cells] == [str(i) for i in range(1, len(sittings) + 1)], key
        for row, sitting in zip(cells, sittings):
            assert row[3] == ("finished" if sitting["finished"] else "stopped"), (key, row)
            verdict = is_idle(sitting["load"]) if "load" in sitting else None  # killed: none
            assert row[4] == {True: "idle", False: "not idle", None: "not measured"}[verdict], row
            shown = row[8].translate({0x2018: "'", 0x2019: "'", 0x201C: '"', 0x201D: '"'})
            assert shown == re.sub(r"\s+", " ", sitting.get("note", "")).strip(), (key, row)
        if board["missing"]:  # how far it is, counted from the task's files
            names = sorted({r["architecture"] for r in board["rows"]} | set(board["missing"]))
            trials = board["budget"]["trials"]
            searched = sum(
                sum(json.loads(p.read_text(encoding="utf-8"))["status"] == "COMPLETED"
                    for p in (root / key / "search" / n).glob("trial_*/trial.json")) >= trials
                for n in names)
            assert (f"partial: {searched} of {len(names)} architectures searched ({trials} "
                    "trials each)") in text, key
            seeded = len(names) - len(board["missing"])
            assert f"{seeded} of {len(names)} trained with their seeds" in text, key
        if not board["rows"]:  # searches recorded, no architecture through its seeds yet
            assert "The recording has no architecture with all its seeds yet." in text, key
            continue
        for row in board["rows"]:  # every recorded architecture with its test mean
            spread = " ±" if row["seeds"] > 1 else ""  # one seed has no spread to show
            assert f"{row['test_mean']:.4f}{spread}" in text, (key, row["architecture"])
            if not spread:  # not a spread of 0 either
                assert f"{row['test_mean']:.4f} ±" not in text, (key, row["architecture"])
        if board["missing"]:  # every finished search drawn; no advice (nor ranks)
            assert (f"The first figure draws all {searched} finished searches; the leaderboard "
                    "above and the second figure only the architectures with seeds finished "
                    f"({len(board['rows'])} so far, {len(names) - len(board['missing'])} of them "
                    "through all their seeds") in text, key
            missing = board["missing"]  # named, with the verb agreeing
            agree = "does not have all its" if len(missing) == 1 else "do not have all their"
            assert (f"Advice: none yet: the advice compares every architecture, and "
                    f"{seqzoo_docs().join_and(missing)} {agree} seeds on this task.") in text, key
        from keras_seqzoo.comparison import leaderboard

        for row in leaderboard.not_learned(board["rows"], board["data"]["label_counts"]):
            assert (f"Did not learn: {row['architecture']}\u2019s chosen configuration "
                    f"scored {row['search_best']:.4f}") in text, (key, row)  # smart quote
            assert f"{row['search_at_share']} of its {row['trials']} search trials" in text
        for figure in (f"seqzoo-c6-{key}-expected-max.png", f"seqzoo-c6-{key}-pareto.png"):
            assert figure in page and (html_dir / "_images" / figure).is_file(), figure
