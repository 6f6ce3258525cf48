"""C6: the tasks as data, leaderboards from real tune folders, the budget estimators, figures."""

from __future__ import annotations

import json
import math
import re
import statistics
from pathlib import Path

import pytest

from keras_seqzoo.comparison import leaderboard as lb
from keras_seqzoo.comparison.c6 import TASKS, Task, plan_text, run_task, write_leaderboard
from tests.helpers import build_page, seqzoo_docs

ROOT = Path(__file__).resolve().parents[1]
C6_RUNS = ROOT / "docs" / "data" / "runs" / "c6"  # the recordings the C6 page is drawn from

# -- the estimators, with numbers computed by hand ----------------------------------------------


@pytest.mark.one_backend
def test_expected_max_dodge_by_hand():
    # N = 2: with replacement, both draws are 0.8 with probability 1/4.
    assert lb.expected_max([0.9, 0.8], 1) == pytest.approx(0.85)
    assert lb.expected_max([0.9, 0.8], 2) == pytest.approx(0.8 / 4 + 0.9 * 3 / 4)
    # N = 3, n = 2: weights 1/9, 3/9, 5/9.
    assert lb.expected_max([0.7, 0.9, 0.8], 2) == pytest.approx((0.7 + 2.4 + 4.5) / 9)
    # Many draws approach the best score; non-finite scores (failed trials) are left out.
    assert lb.expected_max([0.7, 0.9, float("nan"), 0.8], 200) == pytest.approx(0.9, abs=1e-9)
    # A loss: the expected minimum.
    assert lb.expected_max([0.5, 0.3], 2, maximize=False) == pytest.approx(0.3 * 3 / 4 + 0.5 / 4)


@pytest.mark.one_backend
def test_expected_max_unbiased_by_hand():
    # Without replacement, the pairs of {0.7, 0.8, 0.9} have maxima 0.8, 0.9, 0.9.
    assert lb.expected_max([0.7, 0.8, 0.9], 2, method="unbiased") == pytest.approx(2.6 / 3)
    assert lb.expected_max([0.7, 0.8, 0.9], 1, method="unbiased") == pytest.approx(0.8)
    assert lb.expected_max([0.7, 0.8, 0.9], 3, method="unbiased") == pytest.approx(0.9)
    # Dodge's estimate (with replacement) stays below the best at n = N.
    assert lb.expected_max([0.7, 0.8, 0.9], 3) < 0.9


@pytest.mark.one_backend
@pytest.mark.parametrize("kwargs, message", [
    ({"scores": [0.8], "n": 0}, "n must be an integer >= 1"),
    ({"scores": [0.8, 0.9], "n": 3, "method": "unbiased"}, "1..2"),
    ({"scores": [0.8], "n": 1, "method": "bootstrap"}, "method must be one of"),
    ({"scores": [float("nan")], "n": 1}, "at least one finite number"),
])
def test_expected_max_refuses_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        lb.expected_max(**kwargs)


@pytest.mark.one_backend
def test_expected_max_curve_in_trials_and_seconds():
    curve = lb.expected_max_curve([0.9, 0.8], [10.0, 30.0])
    assert curve["trials"] == [1, 2]
    assert curve["expected"] == pytest.approx([0.85, 0.875])
    assert curve["seconds"] == pytest.approx([20.0, 40.0])  # n times the mean trial
    assert lb.expected_max_curve([0.9, 0.8], [None, None])["seconds"] is None


@pytest.mark.one_backend
def test_pareto_front_by_hand():
    points = {"a": (1.0, 0.80), "b": (2.0, 0.85), "c": (3.0, 0.84), "d": (0.5, 0.70),
              "e": (2.5, 0.85), "f": (float("nan"), 0.99)}
    # c is slower and worse than b; e ties b's score but is slower; f has no time.
    assert lb.pareto_front(points) == ["d", "a", "b"]
    assert lb.pareto_front({"x": (1.0, 0.3), "y": (2.0, 0.2)}, maximize=False) == ["x", "y"]


@pytest.mark.one_backend
def test_rank_table_shares_ties_and_leaves_gaps():
    boards = {
        "one": [{"architecture": "x", "test_mean": 0.9}, {"architecture": "y", "test_mean": 0.8},
                {"architecture": "z", "test_mean": 0.8}],
        "two": [{"architecture": "y", "test_mean": 0.7}, {"architecture": "x", "test_mean": None}],
    }
    table = lb.rank_table(boards)
    assert table["x"] == {"one": 1.0, "two": None, "mean": 1.0}
    assert table["y"] == {"one": 2.5, "two": 1.0, "mean": 1.75}
    assert table["z"] == {"one": 2.5, "two": None, "mean": 2.5}
    assert list(table) == ["x", "y", "z"]


# -- the tasks and the command line -------------------------------------------------------------


@pytest.mark.one_backend
def test_the_five_tasks_share_one_budget():
    assert list(TASKS) == ["imdb", "20newsgroups", "reuters_r8", "sms_spam", "listops"]
    budgets = {(t.trials, t.epochs, t.patience, t.seeds) for t in TASKS.values()}
    assert budgets == {(8, 10, 2, (0, 1, 2))}
    assert TASKS["imdb"].max_length == 400 and TASKS["imdb"].vocab_size == 20000
    assert TASKS["sms_spam"].max_length == 64 and TASKS["sms_spam"].extra_metrics == ("f1",)
    listops = TASKS["listops"]
    assert listops.data_options["listops"] == {"size": 24000, "max_length": 500,
                                               "max_depth": 10, "min_length": 100}
    held = listops.data_options["validation_fraction"] * 24000
    assert round(held) == 2000 and listops.data_options["test_fraction"] * 24000 == held


@pytest.mark.one_backend
def test_listops_expressions_all_nest_so_word_order_decides():
    """A flat list (one operator, at most 10 digits: at most 12 tokens) has a value that
    depends only on which digits it holds, which a bag of words can learn. C6's minimum
    length leaves none; without it, a large share of the draws is flat."""
    from keras_seqzoo.datasets import make_listops
    from keras_seqzoo.datasets.listops import OPERATORS

    def operators(text: str) -> int:
        return sum(token in OPERATORS for token in text.split())

    spec = dict(TASKS["listops"].data_options["listops"])
    spec.pop("size")
    texts, _ = make_listops(200, seed=5, **spec)
    assert min(len(t.split()) for t in texts) >= 100
    assert all(operators(t) >= 2 for t in texts)  # nested, every one
    spec.pop("min_length")
    unconstrained, _ = make_listops(2000, seed=0, **spec)
    flat = [t for t in unconstrained if operators(t) == 1]
    assert max(len(t.split()) for t in flat) <= 12
    # The share the C6 page states (its prose, not typed from memory).
    page = ROOT / "docs" / "comparisons" / "c6.rst"
    text = " ".join(page.read_text(encoding="utf-8").split())
    assert f"without a minimum, {round(100 * len(flat) / 2000)} % of the generator's draws" in text


@pytest.mark.one_backend
def test_plan_prints_tasks_sizes_and_budget(capsys):
    from keras_seqzoo.cli import main

    assert main(["reproduce", "c6", "--plan", "--task", "listops"]) == 0
    out = capsys.readouterr().out
    assert "listops: ListOps" in out and "20,002 train / 1,999 validation / 1,999 test" in out
    assert "8 trials x at most 10 epochs (patience 2), then seeds 0, 1, 2" in out
    assert "imdb:" not in out
    text = plan_text(models=["conv1d", "fasttext"])
    assert "2 architectures (conv1d, fasttext)" in text
    assert text.count("fits: 22 (at most 220 epochs)") == 5


@pytest.mark.one_backend
def test_planned_sizes_are_the_recorded_ones():
    # The page shows the plan's sizes before a task is recorded, the recorded ones after:
    # a plan's sizes are the split its data gives, exactly, or within 1 % where it says "about".
    for key, task in TASKS.items():
        board = C6_RUNS / key / lb.LEADERBOARD_FILE
        data = json.loads(board.read_text(encoding="utf-8"))["data"]
        stated = [int(n.replace(",", "")) for n in
                  re.findall(r"([\d,]+) (?:train|validation|test)\b", task.sizes)]
        recorded = [data["num_train"], data["num_validation"], data["num_test"]]
        tolerance = 0.01 if task.sizes.startswith("about ") else 0.0
        assert stated == pytest.approx(recorded, rel=tolerance), key


@pytest.mark.one_backend
@pytest.mark.parametrize("argv, message", [
    (["reproduce", "c6", "--epochs", "2"], "--epochs cannot change it"),
    (["reproduce", "c6", "--task", "listop", "--plan"], "Did you mean 'listops'"),
    (["reproduce", "c3", "--task", "listops"], "--task, --plan, --estimate and --redo are for c6"),
    (["reproduce", "c3", "--redo", "bilstm"], "--task, --plan, --estimate and --redo are for c6"),
    (["reproduce", "c6", "--estimate", "5"], "--estimate goes with --plan"),
    (["reproduce", "c6", "--redo", "bilstm"], "redo (--redo) searches architectures of one "
                                              "task again; name the task (--task T)"),
])
def test_reproduce_c6_refuses_what_it_cannot_honour(argv, message, capsys, tmp_path):
    from keras_seqzoo.cli import main

    assert main([*argv, "--output", str(tmp_path / "out")]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


# -- figures ------------------------------------------------------------------------------------


@pytest.mark.one_backend
def test_figures_are_written_and_refuse_bad_input(tmp_path):
    from keras_seqzoo import plots

    curves = {"a": lb.expected_max_curve([0.8, 0.85, 0.9], [10.0, 12.0, 11.0]),
              "b": lb.expected_max_curve([0.7, 0.95], None)}
    path = plots.plot_expected_max(curves, tmp_path / "budget.png", title="t")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000
    points = {"a": {"seconds": 2.0, "score": 0.9, "std": 0.01}, "b": {"seconds": 9.0,
                                                                   "score": 0.8}}
    front = lb.pareto_front({k: (v["seconds"], v["score"]) for k, v in points.items()})
    assert front == ["a"]
    assert plots.plot_pareto(points, tmp_path / "pareto.png", front=front).exists()
    with pytest.raises(ValueError, match="front names"):
        plots.plot_pareto(points, tmp_path / "p2.png", front=["c"])
    with pytest.raises(ValueError, match="same non-zero length"):
        plots.plot_expected_max({"a": {"trials": [1, 2], "expected": [0.8]}}, tmp_path / "x.png")
    assert not (tmp_path / "p2.png").exists() and not (tmp_path / "x.png").exists()


# The recorded C6 leaderboards the page draws. SMS spam: bigru, tcn and transformer_encoder
# crowd each other's error bars, and stacked_bilstm, the slowest, has no room for its name on
# its point's right. Reuters R8: tcn's name lay on the front's long step. ListOps: tcn's
# point is 2 s an epoch right of the front's vertical step at bigru.
@pytest.mark.one_backend
@pytest.mark.parametrize("task", ["reuters_r8", "sms_spam", "listops"])
def test_pareto_labels_stay_in_the_frame_clear_of_labels_points_bars_and_the_front(task):
    import inspect

    from matplotlib.text import Text
    from matplotlib.transforms import Bbox

    from keras_seqzoo import plots

    board = json.loads((C6_RUNS / task / "leaderboard.json").read_text(encoding="utf-8"))
    page = seqzoo_docs().c6_pareto(task, board["metric"], board["rows"])  # the page's arguments
    names = page["front"]
    marks = plots._pareto_points(page["points"])  # name -> (seconds, score, std)
    assert len(marks) == 11 and all(std for _, _, std in marks.values())  # recorded in full
    corners = [marks[name][:2] for name in names]
    front = [segment for (x0, y0), (x1, y1) in zip(corners, corners[1:])  # its steps
             for segment in (((x0, y0), (x1, y0)), ((x1, y0), (x1, y1)))]
    seconds_label = inspect.signature(plots.plot_pareto).parameters["seconds_label"].default
    figure = plots._pareto_figure(marks, names, page["title"], page["score_label"],
                                  seconds_label)  # the figure plot_pareto saves for the page
    ax = figure.axes[0]
    labels = list(ax.texts)
    assert sorted(label.get_text() for label in labels) == sorted(marks)
    renderer = figure.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    for label in labels:
        label.update_positions(renderer)
    # The names alone: an annotation's own extent also holds its line to the point.
    boxes = {label.get_text(): Text.get_window_extent(label, renderer) for label in labels}

    def display_box(start, end, pad):
        (x0, y0), (x1, y1) = ax.transData.transform([start, end])
        return Bbox([[min(x0, x1) - pad, min(y0, y1) - pad], [max(x0, x1) + pad, max(y0, y1) + pad]])

    for name, box in boxes.items():
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1, name
        assert frame.y0 <= box.y0 and box.y1 <= frame.y1, name
        assert not any(box.overlaps(other) for n, other in boxes.items() if n != name), name
        for other, (x, y, std) in marks.items():
            if other != name:  # 3 px: the marker's radius
                assert not box.overlaps(display_box((x, y - std), (x, y + std), 3)), (name, other)
        for start, end in front:
            assert not box.overlaps(display_box(start, end, 0)), (name, start, end)
    moved = {label.get_text() for label in labels if label.arrow_patch.get_visible()}
    if task == "sms_spam":
        slowest = ax.transData.transform([marks["stacked_bilstm"][:2]])[0]
        assert boxes["stacked_bilstm"].x1 < slowest[0]  # moved to its point's left
        assert "stacked_bilstm" in moved and "mingru" not in moved  # a line to a moved label only
    elif task == "reuters_r8":
        assert "tcn" in moved and "bigru" not in moved
    else:  # ListOps: tcn sits just right of the front's step at bigru, but clear of it
        assert moved == {"embedding_pooling", "transformer_encoder"}


# -- a real tune folder -------------------------------------------------------------------------


TINY = Task("tiny", "tiny ListOps", "listops", max_length=32, vocab_size=20,
            data_options={"listops": {"size": 200, "max_length": 32, "max_depth": 3},
                          "use_cache": False},
            trials=2, epochs=1, patience=1, seeds=(0, 1))
MODELS = ["conv1d", "embedding_pooling"]


@pytest.mark.slow
@pytest.mark.one_backend  # the runner's bookkeeping; the fits it makes are tested per backend
def test_run_task_records_a_leaderboard_and_resumes(tmp_path):
    directory = tmp_path / "tiny"
    board = run_task(TINY, directory, models=MODELS, verbose=0)
    saved = json.loads((directory / lb.LEADERBOARD_FILE).read_text(encoding="utf-8"))
    assert saved["rows"] == json.loads(json.dumps(board["rows"]))
    assert saved["complete"] is True and saved["missing"] == []
    assert saved["budget"] == {"trials": 2, "epochs": 1, "patience": 1, "seeds": [0, 1],
                               "batch_size": 32, "objective": "val_accuracy"}
    data = saved["data"]
    assert data["num_train"] + data["num_validation"] + data["num_test"] == 200
    assert data["num_classes"] == 10 and data["max_length"] == 32
    assert 0.0 <= data["lengths"]["train"]["truncated_fraction"] <= 1.0
    assert saved["machine"]["cores"] >= 1 and saved["machine"]["backend"]
    [sitting] = saved["sittings"]
    assert sitting["finished"] is True and "loadavg_before" in sitting["load"]

    tuned = json.loads((directory / "tuned.json").read_text(encoding="utf-8"))
    assert sorted(r["architecture"] for r in saved["rows"]) == MODELS
    for row in saved["rows"]:
        name = row["architecture"]
        assert row["trials"] == 2 and row["seeds"] == 2
        assert row["hyperparameters"] == tuned[name]["arguments"]
        # The search's scores are keras-tuner's, trial by trial.
        scores = []
        for path in sorted((directory / "search" / name).glob("trial_*/trial.json")):
            scores.append(json.loads(path.read_text(encoding="utf-8"))["score"])
        assert row["search_scores"] == pytest.approx(scores)
        assert row["search_best"] == pytest.approx(max(scores))
        # The test mean and spread are the seeds' run.json test accuracies.
        tests = []
        for path in directory.glob("trial_*/run.json"):
            run = json.loads(path.read_text(encoding="utf-8"))
            trial = json.loads((path.parent / "trial.json").read_text(encoding="utf-8"))
            if trial["hyperparameters"]["values"]["architecture"] == name:
                tests.append(run["test"]["accuracy"])
        assert len(tests) == 2
        assert row["test_mean"] == pytest.approx(statistics.fmean(tests))
        assert row["test_std"] == pytest.approx(statistics.stdev(tests))
        assert row["test_ci95"] == pytest.approx(12.706 * statistics.stdev(tests) / math.sqrt(2))
        assert row["params"] > 0 and row["seconds_per_epoch"] > 0
    assert [r["rank"] for r in saved["rows"]] == [1, 2]
    assert saved["rows"][0]["val_mean"] >= saved["rows"][1]["val_mean"]

    trials_before = sorted(p.name for p in directory.rglob("trial.json"))
    again = run_task(TINY, directory, models=MODELS, verbose=0)  # resumes: nothing to train
    assert sorted(p.name for p in directory.rglob("trial.json")) == trials_before
    assert again["rows"] == board["rows"]
    assert len(json.loads((directory / "sittings.json").read_text())) == 2
    # A seed under way when a sitting stopped (its run.json says so): the architecture is
    # not on the leaderboard until it finishes, and it is missing.
    for path in directory.glob("trial_*/run.json"):
        trial = json.loads((path.parent / "trial.json").read_text(encoding="utf-8"))
        if trial["hyperparameters"]["values"]["architecture"] == "conv1d":
            run = json.loads(path.read_text(encoding="utf-8"))
            path.write_text(json.dumps({**run, "status": "running"}), encoding="utf-8")
            break
    stopped = write_leaderboard(TINY, directory, models=MODELS)
    assert [r["architecture"] for r in stopped["rows"]] == ["embedding_pooling"]
    assert stopped["rows"][0]["rank"] == 1
    assert stopped["missing"] == ["conv1d"] and stopped["complete"] is False


def _c6_section_text(tmp_path: Path, name: str) -> str:
    """``.. seqzoo-c6-task:: listops`` from ``tmp_path/runs``, built by Sphinx; the page's text."""
    import html

    out = tmp_path / f"html_{name}"
    page = build_page(tmp_path / f"src_{name}", out, ".. seqzoo-c6-task:: listops\n",
                      tmp_path / "runs", tmp_path)
    assert (out / "_images" / "seqzoo-c6-listops-expected-max.png").stat().st_size > 1000
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", page)))


@pytest.mark.slow
@pytest.mark.one_backend  # the page drawn from the runner's files; the fits are tested per backend
def test_c6_section_of_a_partial_task_then_of_the_finished_one(tmp_path):
    """While seeds are under way the section says how far it is and names what is missing;
    once they finish it says complete and gives its advice (every recorded task is complete,
    so the real pages no longer show the partial state)."""
    models = ["conv1d", "embedding_pooling", "fasttext"]
    directory = tmp_path / "runs" / "c6" / "listops"
    run_task(TINY, directory, models=models, verbose=0)
    # One seed each of two architectures stopped part-way, as a sitting leaves the one it
    # was training: name -> (its run.json, the finished text to put back).
    finished: dict[str, tuple[Path, str]] = {}
    for path in sorted(directory.glob("trial_*/run.json")):
        trial = json.loads((path.parent / "trial.json").read_text(encoding="utf-8"))
        name = trial["hyperparameters"]["values"]["architecture"]
        if name in ("conv1d", "fasttext") and name not in finished:
            finished[name] = (path, path.read_text(encoding="utf-8"))
            path.write_text(json.dumps({**json.loads(finished[name][1]), "status": "running"}),
                            encoding="utf-8")
    board = write_leaderboard(TINY, directory, models=models)
    assert board["missing"] == ["conv1d", "fasttext"] and len(finished) == 2
    text = _c6_section_text(tmp_path, "partial")
    assert ("Status: partial: 3 of 3 architectures searched (2 trials each); 1 of 3 trained "
            "with their seeds (not yet: conv1d, fasttext) (run the command again") in text
    assert ("Advice: none yet: the advice compares every architecture, and conv1d and "
            "fasttext do not have all their seeds on this task.") in text
    assert ("The first figure draws all 3 finished searches; the leaderboard above and the "
            "second figure only the architectures with seeds finished (1 so far, 1 of them "
            "through all their seeds") in text
    assert "complete: every registered architecture" not in text

    for path, saved in finished.values():  # the seeds finish
        path.write_text(saved, encoding="utf-8")
    board = write_leaderboard(TINY, directory, models=models)
    assert board["missing"] == [] and len(board["rows"]) == 3
    text = _c6_section_text(tmp_path, "complete")
    assert "Status: complete: every registered architecture has its seeds" in text
    assert f"Advice: {lb.advice(board['rows'])['sentence']}" in text
    assert "none yet" not in text and "finished searches" not in text and "partial:" not in text


@pytest.mark.slow
@pytest.mark.one_backend  # reads the files keras-tuner and the callbacks write
def test_search_trials_reads_timed_searches(tmp_path):
    """A search whose trials carry an EpochTimer and a HistoryExporter has seconds per trial."""
    import keras_tuner

    from keras_seqzoo import tuning
    from keras_seqzoo.callbacks import EpochTimer, HistoryExporter

    data = TINY.load()
    hypermodel = tuning.HyperModel("embedding_pooling", vocab_size=data.vocab_size,
                                   max_length=data.max_length, num_classes=data.num_classes)
    tuner = keras_tuner.RandomSearch(hypermodel, objective="val_accuracy", max_trials=2,
                                     seed=0, directory=str(tmp_path), project_name="search")
    tuner.search(data.train, validation_data=data.validation, epochs=2, verbose=0,
                 callbacks=[EpochTimer(verbose=0), HistoryExporter(tmp_path / "search")])
    search = lb.search_trials(tmp_path / "search")
    assert search["trials"] == 2 and search["objective"] == "val_accuracy"
    assert all(s is not None and s > 0 for s in search["seconds"])
    curve = lb.expected_max_curve(search["scores"], search["seconds"])
    assert curve["seconds"][1] == pytest.approx(sum(search["seconds"]))


@pytest.mark.one_backend
def test_advice_is_the_cheapest_within_the_best_interval():
    rows = [{"architecture": "bilstm", "test_mean": 0.90, "test_ci95": 0.01,
             "seconds_per_epoch": 40.0},
            {"architecture": "fasttext", "test_mean": 0.895, "test_ci95": 0.02,
             "seconds_per_epoch": 2.0},
            {"architecture": "conv1d", "test_mean": 0.85, "test_ci95": 0.01,
             "seconds_per_epoch": 1.0}]
    said = lb.advice(rows)
    assert (said["best"], said["start_with"], said["within"]) == ("bilstm", "fasttext", 0.01)
    assert "0.8950" in said["sentence"] and "40.0 s" in said["sentence"]
    rows[1]["test_mean"] = 0.889  # outside [0.89, 0.91]: the best itself
    assert lb.advice(rows)["start_with"] == "bilstm"
    assert lb.advice(rows)["sentence"] == (
        "Start with bilstm: it has the best test mean (0.9000) and no architecture within its "
        "95 % interval is faster.")
    rows[1]["test_mean"], rows[1]["seconds_per_epoch"] = 0.8995, 80.0  # a near tie, slower
    said = lb.advice(rows)
    assert said["start_with"] == "bilstm" and said["sentence"].endswith(
        "is faster (fasttext, 0.8995, is within it at 80.0 s per epoch, against 40.0 s).")
    assert lb.advice([{"architecture": "x", "test_mean": None}]) is None


@pytest.mark.one_backend
def test_advice_says_where_the_cheapest_falls_short_on_an_extra_metric():
    """Reuters R8's case: the bags of words tie on accuracy but miss the small classes."""
    rows = [{"architecture": "fasttext", "test_mean": 0.959, "test_ci95": 0.02,
             "test_macro_f1": 0.73, "test_macro_f1_ci95": 0.05, "seconds_per_epoch": 0.3},
            {"architecture": "embedding_flatten", "test_mean": 0.952, "test_ci95": 0.02,
             "test_macro_f1": 0.76, "test_macro_f1_ci95": 0.03, "seconds_per_epoch": 0.2},
            {"architecture": "tcn", "test_mean": 0.956, "test_ci95": 0.01,
             "test_macro_f1": 0.865, "test_macro_f1_ci95": 0.09, "seconds_per_epoch": 23.0},
            {"architecture": "mingru", "test_mean": 0.958, "test_ci95": 0.01,
             "test_macro_f1": 0.866, "test_macro_f1_ci95": 0.0076, "seconds_per_epoch": 7.4}]
    said = lb.advice(rows, ["macro_f1"])
    assert said["start_with"] == "embedding_flatten"
    assert said["extra"] == {"macro_f1": {"best": "mingru", "start_with": "mingru",
                                          "within": 0.0076}}
    assert ("By test macro F1 (every class counts the same), though, embedding_flatten "
            "(0.7600) is below the 95 % interval of the best, mingru (0.8660 ± 0.0076), and "
            "no architecture within it is faster.") in said["sentence"]
    rows[3]["test_macro_f1_ci95"] = 0.01  # tcn (0.865) now inside: still mingru, faster
    assert lb.advice(rows, ["macro_f1"])["extra"]["macro_f1"]["start_with"] == "mingru"
    rows[3]["seconds_per_epoch"] = 30.0  # tcn inside the interval and now the faster one
    said = lb.advice(rows, ["macro_f1"])
    assert said["extra"]["macro_f1"]["start_with"] == "tcn"
    assert "the cheapest within it is tcn (0.8650, 23.0 s per epoch)." in said["sentence"]
    rows[1]["test_macro_f1"] = 0.86  # inside: nothing more to say
    assert lb.advice(rows, ["macro_f1"])["extra"] == {}
    assert lb.advice(rows)["sentence"] == lb.advice(rows, ["macro_f1"])["sentence"]
    assert [lb.metric_name(m) for m in ("macro_f1", "f1", "accuracy")] == [
        "macro F1", "F1", "accuracy"]


@pytest.mark.one_backend
def test_not_learned_finds_seeds_at_the_majority_share_only():
    counts = {"validation": [90, 10], "test": [85, 15]}
    rows = [{"architecture": "bigru", "test_by_seed": [0.85, 0.85, 0.85],
             "search_scores": [0.99, 0.90, 0.97, 0.90]},
            {"architecture": "conv1d", "test_by_seed": [0.85, 0.97, 0.85],
             "search_scores": [0.98]},
            {"architecture": "tcn", "test_by_seed": [], "search_scores": [0.9]}]
    found = lb.not_learned(rows, counts)
    assert found == [{"architecture": "bigru", "share": 0.85, "search_best": 0.99,
                      "search_at_share": 2, "trials": 4}]
    assert lb.not_learned(rows, {}) == []


@pytest.mark.one_backend
def test_estimate_times_each_architecture_and_scales_to_the_budget(tmp_path):
    from keras_seqzoo.comparison.c6 import Task, estimate, run_c6

    tiny = Task("tiny", "tiny ListOps", "listops", max_length=30, vocab_size=20,
                data_options={"listops": {"size": 200, "max_length": 30, "max_depth": 3}},
                trials=3, epochs=4, patience=1, seeds=(0, 1), batch_size=16)
    e = estimate(tiny, ["conv1d", "fasttext"], steps=2)
    assert set(e["seconds_per_epoch"]) == {"conv1d", "fasttext"}
    assert all(v > 0 for v in e["seconds_per_epoch"].values())
    total = math.fsum(e["seconds_per_epoch"].values())
    assert e["epochs_if_stopped"] == 3  # best epoch 2 + patience 1, within 4 epochs
    assert e["hours_at_most"] == pytest.approx((3 + 2) * 4 * total / 3600)
    assert e["hours_if_stopped_at"] == pytest.approx((3 + 2) * 3 * total / 3600)
    assert e["load"]["seconds"] >= 0 and "idle" in e["load"]
    text = run_c6(tiny, output_dir=tmp_path, models=["conv1d"], plan=True, estimate_steps=1)
    assert "tiny: " in text and "h at most" in text and "conv1d" in text
    saved = json.loads((tmp_path / "estimate.json").read_text())
    assert set(saved) == {"tiny"} and set(saved["tiny"]["seconds_per_epoch"]) == {"conv1d"}
    with pytest.raises(ValueError, match="steps must be an integer >= 1"):
        estimate(tiny, ["conv1d"], steps=0)


@pytest.mark.one_backend
@pytest.mark.parametrize("board_path", sorted(C6_RUNS.glob("*/leaderboard.json")),
                         ids=lambda p: p.parent.name)
def test_recorded_leaderboards_rank_by_validation(board_path):
    """Rank 1 is the best validation mean, with nothing out of order (a partial R8 board was
    once ranked in name order: summarize had left it unranked)."""
    rows = json.loads(board_path.read_text(encoding="utf-8"))["rows"]
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    vals = [r["val_mean"] for r in rows]
    assert vals == sorted(vals, reverse=True)


@pytest.mark.one_backend
def test_recorded_search_trials_are_timed_and_the_estimate_is_no_bound():
    """The C6 page's cost paragraph: every recorded search trial has its seconds an epoch,
    the search tries configurations wider than the default the estimate times, and the
    estimate is no bound (some trials are cheaper than it)."""
    from keras_seqzoo.results import trials_table

    estimates = json.loads((C6_RUNS / "estimate.json").read_text(encoding="utf-8"))
    dearer, cheaper, timed = [], [], 0
    for search in sorted(C6_RUNS.glob("*/search/*")):
        task, name = search.parent.parent.name, search.name
        done = trials_table(search).query("status == 'COMPLETED'")  # none while one begins
        assert (done["seconds_per_epoch"] > 0).all(), (task, name)
        timed += len(done)
        estimated = estimates[task]["seconds_per_epoch"][name]  # the default configuration
        if len(done) and done["seconds_per_epoch"].max() > estimated:
            dearer.append((task, name))
        if len(done) and done["seconds_per_epoch"].min() < estimated:
            cheaper.append((task, name))
    assert timed >= 400  # 5 tasks, most of their 8 trials x 11 architectures recorded
    assert ("listops", "tcn") in dearer  # 128 filters: 160-176 s an epoch against 14 s
    assert ("listops", "transformer_encoder") in cheaper  # "a guide, not a bound"
