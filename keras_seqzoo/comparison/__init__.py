"""Train registered models side by side and compare them, on keras-tuner.

A comparison is a keras-tuner grid search over ``architecture`` x ``seed``:

- :mod:`~keras_seqzoo.comparison.experiments`: the slides' comparisons
  (:data:`EXPERIMENTS`, ``c1`` .. ``c5``; ``c6`` runs :mod:`~keras_seqzoo.comparison.c6`) and :func:`reproduce`;
- :mod:`~keras_seqzoo.comparison.runner`: :func:`compare`, one trial per
  (model, seed), resumable and distributed the keras-tuner way; it orchestrates
  :mod:`~keras_seqzoo.comparison.oracle` (which pair next),
  :mod:`~keras_seqzoo.comparison.trainer` (one trial) and
  :mod:`~keras_seqzoo.comparison.distributed` (the chief and the workers);
- :mod:`~keras_seqzoo.comparison.search`: :func:`tune`, one keras-tuner search
  per architecture with an equal budget, then the chosen configurations over seeds;
- :mod:`~keras_seqzoo.comparison.c6` and :mod:`~keras_seqzoo.comparison.leaderboard`:
  C6's five tasks tuned with equal budgets, their leaderboards, the expected best
  validation score against the budget and the Pareto front;
- :mod:`~keras_seqzoo.comparison.report`: the table (mean ± std over seeds) and
  figures, rebuilt from the directory (:func:`summarize`, :func:`write_report`).

For any keras-tuner search (yours too), :mod:`keras_seqzoo.results` gives the
table of all trials and a picture of the search.

Example:

```python
from keras_seqzoo.comparison import reproduce, tune

reproduce("c4", output_dir="runs/c4")          # the slides' C4, their protocol
tune(["fasttext", "conv1d"], trials=8, output_dir="runs/tune")  # equal budgets, then seeds
```
"""

from keras_seqzoo.comparison.experiments import EXPERIMENTS, Experiment, reproduce
from keras_seqzoo.comparison.report import (
    Comparison,
    ci95,
    model_runs,
    steady_seconds,
    summarize,
    table_markdown,
    write_report,
)
from keras_seqzoo.comparison.runner import RunSettings, compare, fast_compile_options
from keras_seqzoo.comparison.search import tune

__all__ = [
    "EXPERIMENTS",
    "Comparison",
    "Experiment",
    "RunSettings",
    "ci95",
    "compare",
    "fast_compile_options",
    "model_runs",
    "reproduce",
    "steady_seconds",
    "summarize",
    "table_markdown",
    "tune",
    "write_report",
]
