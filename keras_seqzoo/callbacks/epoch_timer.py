"""``EpochTimer``: per-epoch wall time, split into training and validation.

The timer measures each epoch with a monotonic clock (``time.perf_counter``)
and splits it into training time and validation time (Keras runs validation
inside the epoch, between ``on_test_begin`` and ``on_test_end``). It derives
throughput (steps/s, examples/s, tokens/s) from the number of optimizer steps
taken, flags the warm-up epochs (tracing and compilation happen in the first
epoch, and in the first epoch that runs validation) and reports a steady-state
figure (the median of the later epochs) at the end of training.

By default it has no batch hooks, so Keras keeps asynchronous dispatch on JAX
and PyTorch; ``per_step=True`` adds step timing through batch hooks that are
declared ``async_safe``.

By default only one rounded ``epoch_time`` goes into the epoch logs (Keras'
progress line, ``History``); the full set of figures and the ``warmup`` flag go
to :attr:`EpochTimer.records`, the summary table, and the files of a
:class:`~keras_seqzoo.callbacks.HistoryExporter` in the same fit (see
``_epoch_figures``).
"""

from __future__ import annotations

import statistics
from typing import Any, Mapping, Sequence

import keras

from keras_seqzoo.callbacks import _epoch_figures, _runtime
from keras_seqzoo._values import is_finite

__all__ = ["LOG_KEYS", "TIMER_KEYS", "EpochTimer", "steady_seconds"]

# The figures the timer measures (each record also has "epoch", "fit", "warmup"
# and, when known, "steps"; per_step=True adds "step_time_first", "steps_timed").
LOG_KEYS = (
    "epoch_time",
    "train_time",
    "validation_time",
    "steps_per_second",
    "examples_per_second",
    "tokens_per_second",
    "step_time",
)
#: Every key the timer writes into a record or the epoch logs: history files keep them,
#: the oracle and the results table's metric columns leave them out.
TIMER_KEYS = frozenset(
    LOG_KEYS + ("steps", "warmup", "fit", "step_time_first", "steps_timed", "learning_rate")
)

_clock = _epoch_figures.clock  # monotonic, highest resolution available


def _check_log_figures(value: Any) -> str | tuple[str, ...] | None:
    if value is None or value in ("none", "epoch_time", "all"):
        return None if value == "none" else value
    allowed = (*LOG_KEYS, "steps", "step_time_first", "steps_timed")
    try:
        names = None if isinstance(value, str) else tuple(value)
    except TypeError:
        names = None
    if names is None or any(name not in allowed for name in names):
        raise ValueError(
            "EpochTimer: `log_figures` must be 'epoch_time' (one rounded epoch_time, the "
            "default), 'all', None, or a list of figure names from "
            f"{list(allowed)}. Received: log_figures={value!r}"
        )
    return names


def _positive_int_or_none(name: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"`{name}` must be a positive integer or None. Received: {name}={value!r}")
    return value


class EpochTimer(keras.callbacks.Callback):
    """Times each epoch, split into training and validation, with throughput.

    Per epoch it measures (seconds, or per second):

    - ``epoch_time``: wall time from ``on_epoch_begin`` to ``on_epoch_end``;
    - ``train_time``: the training part (``epoch_time`` when there is no validation);
    - ``validation_time``: the validation part, only in epochs that validate
      (``validation_freq > 1`` skips it in the others);
    - ``steps``: the optimizer steps of the epoch;
    - ``steps_per_second``: optimizer steps per second of ``train_time``;
    - ``examples_per_second``: ``steps * batch_size / train_time``, when the
      batch size is known (the last, partial batch counts as full);
    - ``tokens_per_second``: ``examples_per_second * sequence_length`` (padded
      tokens), when the sequence length is known;
    - ``step_time``: the median time of one training step (``per_step=True`` only);
    - ``warmup``: whether the epoch is a warm-up epoch (see below).

    **Where the figures go.** Every figure is in :attr:`records` and the
    summary table. A :class:`~keras_seqzoo.callbacks.HistoryExporter` in the
    same ``fit`` writes all of them, ``warmup`` included, to its files,
    wherever the two stand in ``callbacks``. The epoch ``logs`` (Keras'
    progress line, ``History``, ``EarlyStopping``, ``CSVLogger``) get only what
    ``log_figures`` names: by default one ``epoch_time`` rounded to three
    significant digits, so the progress line stays readable. Callbacks that
    read the timer's keys from the logs must come *after* the timer in
    ``callbacks`` (they see one shared ``logs`` dict in list order).

    Steps per epoch come from Keras (``params["steps"]``) when the data has a
    known length; for generators of unknown length, from the change of
    ``model.optimizer.iterations`` over the epoch (no batch hooks needed; on
    TensorFlow it can count one step too many when a generator runs out, as
    TF advances the counter on the final, empty call); with ``per_step=True``,
    from the batch hooks, exactly. ``steps_per_execution > 1`` is handled.
    The batch size and sequence length come from the arguments, else from the
    model's input shape when it is static.

    **Warm-up:** the first ``warmup_epochs`` epochs of each ``fit`` call, and the
    first epoch of a ``fit`` that runs validation (it traces the test function),
    are flagged ``warmup``. :meth:`steady_state` takes medians over the other
    epochs, and the table printed at the end of training (``verbose=1``) shows
    both.

    One instance can be reused across several ``fit`` calls: :attr:`records`
    accumulates, each record tagged with its ``fit`` index. An ``evaluate()``
    that receives the timer is timed apart (:attr:`evaluations`) and does not
    change the epoch records.

    Args:
        batch_size: the training batch size, for examples/s and tokens/s.
        sequence_length: the (padded) sequence length, for tokens/s; read from
            the model's input shape ``(batch, length)`` when omitted.
        warmup_epochs: how many epochs at the start of each ``fit`` are warm-up.
        per_step: also time every training step (adds batch hooks, declared
            ``async_safe``: they only read the clock, never the model or logs).
        verbose: ``1`` prints the summary table at the end of training, ``0``
            prints nothing. Only process 0 prints.
        log_figures: what goes into the epoch logs: ``"epoch_time"`` (the
            default: one rounded ``epoch_time``), ``"all"`` (every figure at
            full precision, as numbers; ``warmup`` stays out of the logs),
            ``None`` (nothing), or a list of figure names (full precision).

    Example:

    ```python
    timer = keras_seqzoo.callbacks.EpochTimer(batch_size=32)
    model.fit(x, y, batch_size=32, epochs=5, validation_split=0.2,
              callbacks=[timer, keras.callbacks.EarlyStopping()])
    timer.steady_state()["train_time"]   # median over epochs 1..4
    print(timer.summary_table())
    ```
    """

    # The batch hooks (per_step=True only) read the clock and nothing else.
    async_safe = True

    def __init__(
        self,
        batch_size: int | None = None,
        sequence_length: int | None = None,
        warmup_epochs: int = 1,
        per_step: bool = False,
        verbose: int = 1,
        log_figures: str | Sequence[str] | None = "epoch_time",
    ):
        super().__init__()
        self.batch_size = _positive_int_or_none("batch_size", batch_size)
        self.sequence_length = _positive_int_or_none("sequence_length", sequence_length)
        if isinstance(warmup_epochs, bool) or not isinstance(warmup_epochs, int) or warmup_epochs < 0:
            raise ValueError(
                "`warmup_epochs` must be a non-negative integer. "
                f"Received: warmup_epochs={warmup_epochs!r}"
            )
        self.warmup_epochs = warmup_epochs
        self.per_step = bool(per_step)
        self.verbose = int(verbose)
        self.log_figures = _check_log_figures(log_figures)
        if self.per_step:
            # Only this mode has batch hooks: the default timer keeps Keras'
            # base-class hooks, so Keras sees none and keeps async dispatch.
            self.on_train_batch_end = self._on_step_end
        self.records: list[dict[str, Any]] = []
        self._epoch_started = 0.0  # when the last closed epoch began (_clock)
        self.evaluations: list[dict[str, Any]] = []
        self._fit_index = -1
        self._step_ends: list[tuple[int, float]] = []
        self._reset_epoch_state()

    # -- state -----------------------------------------------------------------

    def _reset_epoch_state(self) -> None:
        self._in_fit = False
        self._in_epoch = False
        self._epoch: int | None = None
        self._epoch_start: float | None = None
        self._step_start: float | None = None
        self._test_start: float | None = None
        self._test_time = 0.0
        self._validated = False
        self._iterations_start: int | None = None
        self._epochs_in_fit = 0
        self._validated_in_fit = False

    def _iterations(self) -> int | None:
        """The optimizer's step counter, or None when it cannot be read."""
        try:
            optimizer = getattr(self._model, "optimizer", None)
            if optimizer is None:
                return None
            return int(keras.ops.convert_to_numpy(optimizer.iterations.value))
        except Exception:  # an unbuilt or exotic optimizer: fall back to params
            return None

    def _resolved_batch_size(self) -> int | None:
        if self.batch_size is not None:
            return self.batch_size
        return _runtime.batch_size_of(self._model)

    def _resolved_sequence_length(self) -> int | None:
        if self.sequence_length is not None:
            return self.sequence_length
        return _runtime.sequence_length_of(self._model)

    # -- hooks -----------------------------------------------------------------

    def on_train_begin(self, logs=None):
        self._reset_epoch_state()
        self._in_fit = True
        self._fit_index += 1
        _epoch_figures.attach(self._model, self)

    def on_train_end(self, logs=None):
        self._in_fit = False
        _epoch_figures.detach(self._model, self)
        if self.verbose and self.records and _runtime.process_index() == 0:
            print(self.summary_table())

    def on_epoch_begin(self, epoch, logs=None):
        if not self._in_fit:  # a fit driven by hand, without on_train_begin
            self.on_train_begin()
        self._in_epoch = True
        self._epoch = int(epoch)
        self._validated = False
        self._test_time = 0.0
        self._test_start = None
        self._step_ends = []
        self._iterations_start = self._iterations()
        self._epoch_start = _clock()

    def on_test_begin(self, logs=None):
        self._test_start = _clock()

    def on_test_end(self, logs=None):
        if self._test_start is None:
            return
        elapsed = _clock() - self._test_start
        self._test_start = None
        if self._in_epoch:
            self._test_time += elapsed
            self._validated = True
        else:  # a standalone evaluate() that was given the timer
            self.evaluations.append({"evaluate_time": elapsed})

    def _on_step_end(self, batch, logs=None):
        # (step index, end time) pairs. Keras may run the hooks on several
        # dispatch threads, so they are only appended here (atomic) and put in
        # order at the end of the epoch, after Keras has waited for them all.
        self._step_ends.append((int(batch), _clock()))

    def on_epoch_end(self, epoch, logs=None):
        record = self._close_epoch(int(epoch))
        if record is None or logs is None or self.log_figures is None:
            return
        if self.log_figures == "epoch_time":
            logs["epoch_time"] = float(f"{record['epoch_time']:.3g}")
            return
        names = LOG_KEYS if self.log_figures == "all" else self.log_figures
        for key in names:
            if key in record:
                logs[key] = record[key]

    def epoch_figures(self, epoch: int, since: float | None = None) -> dict[str, Any] | None:
        """The figures of ``epoch`` in the current fit, closing it if needed.

        A :class:`~keras_seqzoo.callbacks.HistoryExporter` in the same fit calls
        this (through the model the two share) when it writes the epoch, before
        or after the timer's own ``on_epoch_end``.

        Args:
            epoch: the epoch number Keras gave.
            since: a ``time.perf_counter()`` value; figures of an epoch whose
                measurement began before it are not given (they belong to an
                earlier fit, for example one that raised).

        Returns:
            A new dict with the figures and ``warmup`` (no ``epoch``/``fit``),
            or ``None`` when this timer has no figures for that epoch.

        Example:

        ```python
        timer.epoch_figures(0)["train_time"]
        ```
        """
        if not self._in_fit:  # a fit that ended earlier: nothing current
            return None
        if since is not None and self._in_epoch and self._epoch_start is not None \
                and self._epoch_start < since:
            return None
        record = self._close_epoch(int(epoch))
        if record is None or (since is not None and self._epoch_started < since):
            return None
        return {k: v for k, v in record.items() if k not in ("epoch", "fit")}

    def _close_epoch(self, epoch: int) -> dict[str, Any] | None:
        """Ends the measurement of ``epoch`` once; later calls return its record."""
        end = _clock()
        if not self._in_epoch or self._epoch != epoch or self._epoch_start is None:
            last = self.records[-1] if self.records else None
            if last is not None and last["epoch"] == epoch and last["fit"] == self._fit_index:
                return last
            return None  # on_epoch_end without on_epoch_begin
        self._step_start = self._epoch_start
        self._epoch_started = self._epoch_start
        epoch_time = end - self._epoch_start
        self._in_epoch = False
        self._epoch_start = None

        steps = self._counted_steps()
        if steps is None and self.params and self.params.get("steps"):
            steps = int(self.params["steps"])  # known length: exact
        if steps is None:  # unknown length: the optimizer's step counter
            iterations_end = self._iterations()
            if iterations_end is not None and self._iterations_start is not None:
                steps = iterations_end - self._iterations_start

        train_time = epoch_time - self._test_time
        record: dict[str, Any] = {
            "epoch": epoch,
            "fit": self._fit_index,
            "warmup": self._is_warmup(),
            "epoch_time": epoch_time,
            "train_time": train_time,
        }
        if self._validated:
            record["validation_time"] = self._test_time
        if steps:
            record["steps"] = steps
            if train_time > 0:
                record["steps_per_second"] = steps / train_time
                batch_size = self._resolved_batch_size()
                if batch_size:
                    record["examples_per_second"] = steps * batch_size / train_time
                    length = self._resolved_sequence_length()
                    if length:
                        record["tokens_per_second"] = record["examples_per_second"] * length
        self._add_step_figures(record)
        self._epochs_in_fit += 1
        if self._validated:
            self._validated_in_fit = True
        self.records.append(record)
        return record

    def _is_warmup(self) -> bool:
        if self._epochs_in_fit < self.warmup_epochs:
            return True
        # The first validation of a fit traces the test function.
        return self.warmup_epochs > 0 and self._validated and not self._validated_in_fit

    def _counted_steps(self) -> int | None:
        """Steps counted by the batch hooks (``per_step=True``), else None."""
        if not self.per_step or not self._step_ends:
            return None
        return max(index for index, _ in self._step_ends) + 1

    def _add_step_figures(self, record: dict[str, Any]) -> None:
        """Adds ``step_time`` and friends (``per_step=True`` only).

        Keras converts a batch's logs to Python numbers before calling the
        hooks, which waits for the step to finish, so the intervals measure
        finished steps.
        """
        ends = sorted(self._step_ends) if self.per_step else []
        if not ends or self._step_start is None:
            return
        durations: list[float] = []
        previous_index, previous_time = -1, self._step_start
        for index, moment in ends:
            steps = max(1, index - previous_index)  # steps_per_execution > 1
            durations.extend([max(0.0, moment - previous_time) / steps] * steps)
            previous_index, previous_time = index, moment
        # The first step of an epoch waits for data and, in warm-up, tracing. On
        # JAX and PyTorch the hooks run on dispatch threads and may run out of
        # order: such an interval reads as 0 and says nothing about a step.
        steady = [d for d in durations[1:] if d > 0] or durations[1:] or durations
        record["step_time"] = statistics.median(steady)
        record["step_time_first"] = durations[0]
        record["steps_timed"] = len(durations)

    # -- results ---------------------------------------------------------------

    def steady_state(self) -> dict[str, Any]:
        """Median figures over the epochs that are not warm-up.

        Returns:
            A dict with the median of each timing key over the steady epochs
            (``validation_time`` over those that validated), ``"epochs"``: how
            many epochs the medians cover, and ``"warmup_only"``: ``True`` when
            every epoch was warm-up and the medians fall back to all epochs.
            Empty when no epoch was recorded.
        """
        if not self.records:
            return {}
        steady = [r for r in self.records if not r["warmup"]]
        warmup_only = not steady
        chosen = steady or self.records
        result: dict[str, Any] = {}
        for key in (*LOG_KEYS, "steps"):
            values = [r[key] for r in chosen if key in r and is_finite(r[key])]
            if values:
                result[key] = statistics.median(values)
        result["epochs"] = len(chosen)
        result["warmup_only"] = warmup_only
        return result

    def summary_table(self) -> str:
        """The warm-up and steady-state figures, as a short text table.

        Returns:
            A few lines: one row per figure, with the first epoch's value, the
            steady-state median and the ratio between them.
        """
        if not self.records:
            return "EpochTimer: no epoch recorded."
        first = self.records[0]
        steady = self.steady_state()
        label = (
            f"median of {steady['epochs']} epoch(s)"
            + (", all warm-up" if steady["warmup_only"] else "")
        )
        rows = [("figure", "first epoch", "steady state", "first/steady")]
        units = {
            "epoch_time": "s", "train_time": "s", "validation_time": "s", "step_time": "s",
            "steps_per_second": "/s", "examples_per_second": "/s", "tokens_per_second": "/s",
        }
        for key in LOG_KEYS:
            if key not in steady and key not in first:
                continue
            a, b = first.get(key), steady.get(key)
            ratio = f"{a / b:.2f}x" if a is not None and b else ""
            rows.append((f"{key} ({units[key]})", _fmt(a), _fmt(b), ratio))
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        lines = [f"EpochTimer: {len(self.records)} epoch(s); steady state = {label}"]
        for row in rows:
            lines.append(
                "  " + row[0].ljust(widths[0]) + "  "
                + "  ".join(cell.rjust(width) for cell, width in zip(row[1:], widths[1:]))
            )
        return "\n".join(lines)



def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3f}"

def steady_seconds(
    records: Sequence[Mapping[str, Any]], fit_starts: set[int] | None = None
) -> tuple[float | None, bool]:
    """Steady-state seconds per epoch of one run: ``(seconds, only_warmup_was_timed)``.

    The median ``epoch_time`` of the records whose ``warmup`` flag (from
    :class:`~keras_seqzoo.callbacks.EpochTimer`) is false. Records without the
    flag (written before it existed) count the first epoch of each fit
    (``fit_starts``) as warm-up. When every timed epoch is warm-up, their median
    is returned with ``True``.

    Args:
        records: the history records (``read_history``).
        fit_starts: first epoch of each fit, for records without a ``warmup`` flag.

    Returns:
        ``(seconds or None, warm-up only)``.
    """
    fit_starts = fit_starts or set()
    timed = [r for r in records if is_finite(r.get("epoch_time"))]

    def is_warmup(record):
        if "warmup" in record and record["warmup"] is not None:
            return bool(record["warmup"])
        return record.get("epoch") in fit_starts

    steady = [r["epoch_time"] for r in timed if not is_warmup(r)]
    if steady:
        return float(statistics.median(steady)), False
    if timed:
        return float(statistics.median(r["epoch_time"] for r in timed)), True
    return None, False
