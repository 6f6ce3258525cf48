"""The recorded comparisons (C1-C5 here, C6 in :mod:`~keras_seqzoo.comparison.c6`) and
:func:`reproduce`, which runs one of them."""

from __future__ import annotations

import dataclasses
import os
from typing import Any, Mapping

__all__ = ["EXPERIMENTS", "Experiment", "reproduce"]


@dataclasses.dataclass(frozen=True)
class Experiment:
    """One of the slides' training comparisons.

    Attributes:
        name: ``"c1"`` .. ``"c5"``.
        title: the slide's title.
        models: preset names, trained side by side.
        epochs: epochs per model.
        batch_size: batch size used.
        data: keyword arguments for ``datasets.load_imdb``.
        note: what the slides show and how this reproduction differs.
        seeds: the seeds each model is trained with (one trial per model and seed).
        reference_seconds: seconds per epoch the slides report, drawn beside the
            measured ones as ratios to the fastest model.
        protocol: ``"slides"`` (IMDB's test set as validation, best epoch picked on
            it, no test split: how C1-C4 were recorded) or ``"sound"``.
    """

    name: str
    title: str
    models: tuple[str, ...]
    epochs: int
    batch_size: int
    data: Mapping[str, Any]
    note: str = ""
    seeds: tuple[int, ...] = (0,)
    reference_seconds: Mapping[str, float] = dataclasses.field(default_factory=dict)
    protocol: str = "slides"


def _subword_lstms(name: str, *, epochs: int) -> Experiment:
    """C1 and C2: T1 vs T2 on IMDB subwords, the same comparison for 10 or 50 epochs."""
    return Experiment(
        name,
        f"{epochs} epochs: 1-layer vs 2-layer bidirectional LSTM on IMDB subwords (8k)",
        ("bilstm.imdb_subwords8k", "stacked_bilstm.imdb_subwords8k"),
        epochs=epochs,
        batch_size=64,
        data={"encoding": "subwords"},
        note=f"Slides: '{epochs} Epochs: Accuracy / Loss Measurement' (T1 vs T2).",
    )


def _imdb_words(name: str, title: str, models: tuple[str, ...], **more: Any) -> Experiment:
    """C3-C5: 10 epochs, batch size 32, on IMDB's 10,000 most frequent words, 120 tokens."""
    data = {"encoding": "words", "vocab_size": 10000, "max_length": 120}
    return Experiment(name, title, models, epochs=10, batch_size=32, data=data, **more)


EXPERIMENTS: dict[str, Experiment] = {
    e.name: e
    for e in [
        _subword_lstms("c1", epochs=10),
        _subword_lstms("c2", epochs=50),
        _imdb_words(
            "c3",
            "Without LSTM vs with LSTM on IMDB words (10k vocabulary, length 120)",
            ("embedding_pooling.imdb_words10k", "bilstm.imdb_words10k_dense24"),
            note="Slides: 'Without LSTM / With LSTM', shown there on a headline data set.",
        ),
        _imdb_words(
            "c4",
            "IMDB words: Embedding only vs LSTM vs GRU vs CNN",
            (
                "embedding_flatten.imdb_words10k",
                "bilstm.imdb_words10k",
                "bigru.imdb_words10k",
                "conv1d.imdb_words10k",
            ),
            note="Slides: Embedding-only ~5 s/epoch, LSTM ~43 s, GRU ~20 s, CNN ~6 s (2019 GPU).",
            reference_seconds={
                "embedding_flatten.imdb_words10k": 5,
                "bilstm.imdb_words10k": 43,
                "bigru.imdb_words10k": 20,
                "conv1d.imdb_words10k": 6,
            },
        ),
        _imdb_words(
            "c5",
            "Every architecture at the slides' BiLSTM budget on IMDB words (3 seeds)",
            (
                "embedding_flatten.imdb_words10k",
                "bilstm.imdb_words10k",
                "bigru.imdb_words10k",
                "conv1d.imdb_words10k",
                "transformer_encoder.imdb_words10k",
                "fasttext.imdb_words10k",
                "tcn.imdb_words10k",
                "mingru.imdb_words10k",
                "bigru_attention.imdb_words10k",
            ),
            note="Not in the slides: the slides' IMDB-words models and today's architectures, "
                 "each within 5% of the BiLSTM's 172,941 parameters, 3 seeds each.",
            seeds=(0, 1, 2),
        ),
    ]
}


def reproduce(
    name: str,
    *,
    output_dir: str | os.PathLike | None = None,
    **overrides: Any,
):
    """Runs one of the recorded comparisons (``"c1"`` .. ``"c6"``).

    ``"c6"`` is :func:`keras_seqzoo.comparison.c6.run_c6`: every registered
    architecture tuned with the same budget on five tasks (``task=`` one of
    them, ``plan=True`` only describes them), into ``docs/data/runs/c6/<task>/``
    by default, resuming what is there.

    Args:
        name: the experiment, see :data:`EXPERIMENTS`, or ``"c6"``.
        output_dir: the run directory (default ``runs/NAME``; C6:
            ``docs/data/runs/c6``).
        **overrides: any :func:`~keras_seqzoo.comparison.compare` argument (e.g.
            ``epochs``, ``limit``, ``seeds``); for C6, ``task``, ``plan``,
            ``estimate_steps``, ``models``, ``redo`` and ``verbose``.

    Returns:
        The :class:`~keras_seqzoo.comparison.Comparison`; for C6, task -> its
        leaderboard (the plan's text with ``plan=True``).

    Raises:
        ValueError: an unknown experiment name.

    Example:

    ```python
    from keras_seqzoo.comparison import reproduce
    result = reproduce("c3", epochs=2, limit=2000, seeds=(0, 1))
    print(result.table_markdown)
    ```
    """
    from keras_seqzoo.comparison.runner import compare

    key = str(name).lower()
    if key == "c6":
        from keras_seqzoo.comparison.c6 import run_c6

        unknown = sorted(set(overrides) - {"task", "plan", "models", "verbose",
                                           "estimate_steps", "redo"})
        if unknown:
            raise ValueError(f"reproduce('c6'): C6's budget is fixed per task; {unknown} "
                             "cannot change it (allowed: task, plan, estimate_steps, models, "
                             "redo, verbose, output_dir).")
        return run_c6(output_dir=output_dir, **overrides)
    if key not in EXPERIMENTS:
        raise ValueError(
            f"reproduce: unknown experiment {name!r}. Choose one of: "
            f"{', '.join([*EXPERIMENTS, 'c6'])}."
        )
    experiment = EXPERIMENTS[key]
    options = {
        "epochs": experiment.epochs,
        "batch_size": experiment.batch_size,
        "title": experiment.title,
        "experiment": key,
        "seeds": experiment.seeds,
        "protocol": experiment.protocol,
        "reference_seconds": dict(experiment.reference_seconds) or None,
        **{k: v for k, v in experiment.data.items() if k != "encoding"},
        "encoding": experiment.data.get("encoding"),
    }
    options.update({k: v for k, v in overrides.items() if v is not None})
    return compare(list(experiment.models), output_dir=output_dir or f"runs/{key}", **options)
