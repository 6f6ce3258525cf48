"""Helper for tests/test_comparison_workers.py: one ``compare`` process on tiny data.

Usage: python _comparison_process.py OUTPUT_DIR EPOCHS MODELS SEEDS [KILL] [TAKEOVER]

MODELS and SEEDS are comma-separated. The process is a chief, a worker or a
single process according to keras-tuner's ``KERASTUNER_*`` variables. KILL,
``MODEL:SEED:EPOCH``, makes the process ``SIGKILL`` itself after the second
batch of that epoch of that trial (nothing can run afterwards). TAKEOVER sets
``compare(takeover_after=...)`` (seconds). The data are random token ids
served by a ``keras.utils.PyDataset``, so no data loading and no TensorFlow.
With ``SEQZOO_TEST_TUNE=N`` set, the process runs ``tune`` with N search trials per
model instead of ``compare``; ``SEQZOO_TEST_KILL_SEARCH=TRIAL:EPOCH`` then makes it
``SIGKILL`` itself after the second batch of that epoch of that search trial.
"""

from __future__ import annotations

import os
import signal
import sys
import types

import keras
import numpy as np

from keras_seqzoo.comparison import compare, tune


#: The runner's tests check its bookkeeping (trials, files, resumes), not XLA: on TensorFlow
#: they compile as Keras does by default, without the runner's ``jit_compile=True`` (whose
#: XLA compiling took about a third of their time on tiny data). The runner's own default is
#: what the command-line and real-data tests train with.
TEST_COMPILE: dict = {"jit_compile": False} if keras.backend.backend() == "tensorflow" else {}


class _Batches(keras.utils.PyDataset):
    def __init__(self, x, y, batch_size):
        super().__init__()
        self.x, self.y, self.batch_size = x, y, batch_size

    def __len__(self):
        return len(self.x) // self.batch_size

    def __getitem__(self, index):
        part = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return self.x[part], self.y[part]


def tiny_data(n: int = 32, length: int = 8, vocab_size: int = 40, batch_size: int = 8,
              test: bool = False):
    """Random token ids whose label is learnable from the first token.

    With ``test=True`` a third, held-out split ``test`` (the sound protocol's);
    ``labels(split)`` gives a split's labels.
    """
    rng = np.random.default_rng(0)
    x = rng.integers(1, vocab_size, size=(3 * n, length)).astype("int32")
    y = (x[:, 0] > vocab_size // 2).astype("float32")  # learnable from the first token
    parts = {"train": slice(0, n), "validation": slice(n, 2 * n), "test": slice(2 * n, 3 * n)}
    return types.SimpleNamespace(
        train=_Batches(x[parts["train"]], y[parts["train"]], batch_size),
        validation=_Batches(x[parts["validation"]], y[parts["validation"]], batch_size),
        test=_Batches(x[parts["test"]], y[parts["test"]], batch_size) if test else None,
        labels=lambda split: y[parts[split]].astype("int32"),
        batch_size=batch_size, max_length=length, vocab_size=vocab_size,
        info={"dataset": "tiny", "vocab_size": vocab_size, "max_length": length},
    )


def _killing(base: type, epoch: int, targeted) -> type:
    """A subclass of the callback ``base`` (one per trial) that SIGKILLs the process after
    the second batch of ``epoch`` when ``targeted(callback)`` says its trial is the one."""

    class Killing(base):
        def on_epoch_begin(self, e, logs=None):
            self._epoch_now = e
            return super().on_epoch_begin(e, logs)

        def on_train_batch_end(self, batch, logs=None):
            super().on_train_batch_end(batch, logs)
            if getattr(self, "_epoch_now", None) == epoch and batch == 1 and targeted(self):
                os.kill(os.getpid(), signal.SIGKILL)

    return Killing


def _install_kill(model: str, seed: int, epoch: int) -> None:
    """Makes BackupAndRestore (one per trial) kill the process inside the given epoch."""
    keras.callbacks.BackupAndRestore = _killing(
        keras.callbacks.BackupAndRestore, epoch,
        lambda callback: _TRIALS.get(os.path.basename(os.path.dirname(callback.backup_dir)))
        == (model, seed))


_TRIALS: dict[str, tuple[str, int]] = {}


def _install_search_kill(trial_id: str, epoch: int) -> None:
    """Makes the search's stop callback (one per trial) kill the process inside the given
    epoch of the given search trial (search trials have no BackupAndRestore)."""
    from keras_seqzoo import _stop
    from keras_seqzoo.comparison import search

    current: dict[str, str] = {}
    original_run = search._SearchTuner.run_trial

    def run_trial(self, trial, *args, **kwargs):
        current["trial"] = trial.trial_id
        try:
            return original_run(self, trial, *args, **kwargs)
        finally:
            current.clear()  # the seeds' trials that follow reuse the ids

    search._SearchTuner.run_trial = run_trial
    _stop.StopWhenAsked = _killing(_stop.StopWhenAsked, epoch,
                                   lambda callback: current.get("trial") == trial_id)


def main() -> None:
    output, epochs, models, seeds = sys.argv[1:5]
    kill = sys.argv[5] if len(sys.argv) > 5 and sys.argv[5] != "-" else None
    takeover = float(sys.argv[6]) if len(sys.argv) > 6 else None
    if kill:
        model, seed, epoch = kill.split(":")
        _install_kill(model, int(seed), int(epoch))
        from keras_seqzoo.comparison.trainer import ComparisonTuner

        original_run = ComparisonTuner.run_trial

        def run_trial(self, trial, *args, **kwargs):  # which folder trains which (model, seed)
            values = trial.hyperparameters.values
            _TRIALS[f"trial_{trial.trial_id}"] = (values["architecture"], values["seed"])
            return original_run(self, trial, *args, **kwargs)

        ComparisonTuner.run_trial = run_trial
    if os.environ.get("SEQZOO_TEST_KILL_SEARCH"):
        trial_id, epoch = os.environ["SEQZOO_TEST_KILL_SEARCH"].split(":")
        _install_search_kill(trial_id, int(epoch))
    options = {"takeover_after": takeover}
    if os.environ.get("SEQZOO_TEST_TUNE"):
        run, options = tune, {"trials": int(os.environ["SEQZOO_TEST_TUNE"])}
    else:
        run = compare
    run(models.split(","), seeds=[int(s) for s in seeds.split(",")],
        data=tiny_data(test=os.environ.get("SEQZOO_TEST_SPLIT") == "1"),
        epochs=int(epochs), output_dir=output, verbose=2, compile_options=TEST_COMPILE,
        protocol=os.environ.get("SEQZOO_TEST_PROTOCOL", "sound"), **options)


if __name__ == "__main__":
    main()
