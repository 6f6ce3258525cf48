"""Train registered models side by side and compare them, on keras-tuner.

A comparison is a keras-tuner grid search over ``architecture`` x ``seed``:

- :mod:`~keras_seqzoo.comparison.experiments`: the slides' comparisons
  (:data:`EXPERIMENTS`, ``c1`` .. ``c4``) and :func:`reproduce`;
- :mod:`~keras_seqzoo.comparison.runner`: :func:`compare`, one trial per
  (model, seed), resumable and distributed the keras-tuner way;
- :mod:`~keras_seqzoo.comparison.report`: the table (mean ± std over seeds) and
  figures, rebuilt from the directory (:func:`summarize`, :func:`write_report`).

For any keras-tuner search (yours too), :mod:`keras_seqzoo.results` gives the
table of all trials and a picture of the search.

Example:

```python
import keras_seqzoo as zoo
result = zoo.compare(["conv1d.imdb_words10k", "embedding_flatten.imdb_words10k"],
                     epochs=2, limit=2000, seeds=(0, 1), output_dir="runs/demo")
print(result.table_markdown)
```
"""

from keras_seqzoo.comparison.experiments import EXPERIMENTS, Experiment, reproduce
from keras_seqzoo.comparison.report import (
    Comparison,
    model_runs,
    steady_seconds,
    summarize,
    table_markdown,
    write_report,
)
from keras_seqzoo.comparison.runner import compare, fast_compile_options

__all__ = [
    "EXPERIMENTS",
    "Comparison",
    "Experiment",
    "compare",
    "fast_compile_options",
    "model_runs",
    "reproduce",
    "steady_seconds",
    "summarize",
    "table_markdown",
    "write_report",
]
