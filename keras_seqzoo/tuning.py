"""keras-tuner integration: tune one architecture, or choose among several.

:class:`HyperModel` turns registered builders (and presets) into a
``keras_tuner.HyperModel`` that any tuner accepts (``RandomSearch``,
``BayesianOptimization``, ``Hyperband``, ``GridSearch``). Each builder declares
its search space next to it (``ModelEntry.search_space``); the defaults come
from the builder, or from the preset when you name one, so building with an
empty ``keras_tuner.HyperParameters()`` gives exactly the reference model.

With several architectures, the architecture is a ``Choice`` named
``"architecture"`` and every architecture's hyperparameters live under a
conditional scope and a name scope (``"bilstm/units"``): all of them are
declared before the first trial (``tuner.search_space_summary()`` lists them)
and a trial records only its own architecture's values.

keras-tuner is an optional extra: ``pip install "keras_seqzoo[tuner]"``.

Example:

```python
import keras_tuner
from keras_seqzoo import space, tuning

hypermodel = tuning.HyperModel(
    ["bilstm", "bigru", "conv1d"], vocab_size=10000, max_length=120,
    learning_rate=space.Float(1e-4, 1e-2, sampling="log"),
)
tuner = keras_tuner.RandomSearch(hypermodel, objective="val_accuracy", max_trials=10)
tuner.search(x_train, y_train, validation_data=(x_val, y_val), epochs=3)
model = tuning.build_from_hyperparameters(tuner.get_best_hyperparameters()[0], hypermodel)
```
"""

from __future__ import annotations

import dataclasses
import importlib.util
import logging
import sys
from typing import Any, Callable, Iterable, Mapping, Sequence

try:
    import keras_tuner
except ImportError as _error:  # pragma: no cover - exercised in a subprocess test
    raise ImportError(
        "keras_seqzoo.tuning needs keras-tuner, an optional extra of keras_seqzoo. "
        'Install it with: pip install "keras_seqzoo[tuner]" (this brings keras-tuner, '
        "six, which keras-tuner 1.4 imports without declaring it, and scikit-learn, "
        f"which BayesianOptimization needs). The import failed with: {_error}"
    ) from _error

import keras

if keras.backend.backend() == "tensorflow" and importlib.util.find_spec("tensorboard") is None:
    # keras-tuner 1.4 imports tensorboard in every trial on the TensorFlow backend, and
    # TensorFlow >= 2.20 no longer installs it: every trial would end FAILED.
    raise ImportError(
        "keras_seqzoo.tuning on the TensorFlow backend needs tensorboard, which keras-tuner "
        "imports in every trial (TensorFlow no longer installs it). Install it with: "
        'pip install "keras_seqzoo[tuner]" (or pip install tensorboard).'
    )

from keras_seqzoo import _arguments, _registry, space
from keras_seqzoo.callbacks import bind_trial
from keras_seqzoo.compiling import (check_training_values, compile_model,
                                    release_compiled_programs)
from keras_seqzoo._values import did_you_mean, to_jsonable

__all__ = [
    "ARCHITECTURE",
    "HyperModel",
    "build_from_hyperparameters",
    "describe_space",
    "hyperparameters_to_arguments",
]

#: Name of the hyperparameter that selects the architecture (several architectures only).
ARCHITECTURE = "architecture"

_TRAINING = ("learning_rate", "batch_size", "epochs")

_logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class _Architecture:
    """One architecture of a :class:`HyperModel`, resolved and validated."""

    name: str  # as given: a builder ("bilstm") or a preset ("bilstm.imdb_words10k")
    entry: _registry.ModelEntry
    preset: _registry.Preset | None
    arguments: dict[str, Any]  # every builder argument; the searched ones hold their default
    space: dict[str, space.Value]  # searched arguments -> their space
    defaults: dict[str, Any]  # searched arguments -> hp default (None: keras-tuner's own)
    # num_classes for a builder without that argument: build() checks its head against it
    build_extra: dict[str, Any] = dataclasses.field(default_factory=dict)



def _is_scalar(value: Any) -> bool:
    return isinstance(value, (bool, int, float, str))


def _candidates(value: space.Value) -> list[Any]:
    """The values of a space that must be accepted by the builder (ends of a range)."""
    if isinstance(value, space.Choice):
        return list(value.values)
    if isinstance(value, (space.Int, space.Float)):
        return [value.min_value, value.max_value]
    if isinstance(value, space.Boolean):
        return [True, False]
    return [getattr(value, "value")]  # space.Fixed


def _with_default(value: space.Value, default: Any) -> space.Value:
    """Widens a declared space so that it contains ``default`` (never fails)."""
    if value.contains(default):
        return value
    if isinstance(value, space.Choice):
        if value.values and all(isinstance(v, float) for v in value.values):
            default = float(default)
        return space.Choice([*value.values, default])
    if isinstance(value, space.Int) and isinstance(default, int):
        return space.Int(
            min(value.min_value, default), max(value.max_value, default), value.step,
            value.sampling,
        )
    if isinstance(value, space.Float) and isinstance(default, (int, float)):
        return space.Float(
            min(value.min_value, default), max(value.max_value, default), value.step,
            value.sampling,
        )
    return space.Fixed(default)


def _label(value: Any) -> Any:
    return ",".join(str(v) for v in value) if isinstance(value, (tuple, list)) else value


def _declare(hp: keras_tuner.HyperParameters, name: str, value: space.Value, default: Any):
    """Declares one :mod:`keras_seqzoo.space` value on ``hp`` and returns its value."""
    if isinstance(value, space.Choice):
        if any(isinstance(v, (tuple, list)) for v in value.values):
            # keras-tuner values are scalars: a tuple such as (64, 32) becomes "64,32".
            labels = {_label(v): tuple(v) for v in value.values}
            label = hp.Choice(
                name, list(labels), default=None if default is None else _label(default)
            )
            return None if label is None else labels[label]
        return hp.Choice(name, list(value.values), default=default)
    if isinstance(value, space.Int):
        step: int | None = value.step
        if value.sampling == "log" and step is not None and step <= 1:
            step = None  # keras-tuner: a log step is a factor, so 1 means "no step"
        return hp.Int(
            name, value.min_value, value.max_value, step=step, sampling=value.sampling,
            default=default,
        )
    if isinstance(value, space.Float):
        return hp.Float(
            name, value.min_value, value.max_value, step=value.step, sampling=value.sampling,
            default=default,
        )
    if isinstance(value, space.Boolean):
        return hp.Boolean(name, default=bool(default) if default is not None else False)
    if isinstance(value, space.Fixed):
        return hp.Fixed(name, value.value)
    raise TypeError(
        f"Unsupported search-space value for {name!r}: {value!r}. Use keras_seqzoo.space."
        "Choice, Int, Float, Boolean or Fixed."
    )


def _describe_value(value: space.Value, default: Any, hp_name: str) -> dict[str, Any]:
    data = value.to_dict()
    data["default"] = to_jsonable(default)
    data["name"] = hp_name
    return data


class HyperModel(keras_tuner.HyperModel):
    """A ``keras_tuner.HyperModel`` over one or several registered architectures.

    Every argument of a builder is either searched (its declared space, or a
    range you pass) or fixed (its default, the preset's value, or a value you
    pass). Building with an empty ``keras_tuner.HyperParameters()`` gives the
    reference model: each searched argument's default is the builder's default
    or the preset's value (a declared space that does not contain the preset's
    value is widened to contain it). Arguments without a declared space, such
    as ``tcn``'s ``block_dropout``, stay fixed unless you pass a range; a tuple
    argument (``stacked_bilstm``'s ``units``) is searched over a ``Choice`` of
    tuples, which keras-tuner sees as labels such as ``"64,32"``.

    Hyperparameter names: with one architecture (a string), the argument names
    (``"units"``); with several (a list), ``"architecture"`` is a ``Choice`` and
    each argument is ``"<architecture>/<argument>"`` (``"bilstm/units"``),
    active only when that architecture is chosen. Training hyperparameters are
    ``"learning_rate"``, ``"batch_size"`` and ``"epochs"``.

    ``num_classes`` (the number of classes in the data) goes to every build (a
    sigmoid head for 2, a softmax for more; a builder without a ``num_classes``
    argument is checked to fit it) and to :func:`keras_seqzoo.compile_model`.

    The model is compiled by :func:`keras_seqzoo.compile_model`: Adam, binary
    cross-entropy for 2 classes or sparse categorical cross-entropy for more, and
    the task's metrics (``accuracy``, ``precision``, ``recall``, ``f1``, ``auc``
    for 2 classes; ``accuracy`` and ``macro_f1`` for more; ``metrics="slides"``
    for accuracy only), unless you override ``optimizer``, ``loss``, ``metrics``
    or ``compile_kwargs``. To select on F1, pass
    ``objective=keras_tuner.Objective("val_macro_f1", "max")`` (or ``"val_f1"``)
    to the tuner.

    Args:
        models: a builder or preset name (one architecture), or a list of names
            to choose among. A preset's values become the defaults.
        num_classes: the number of classes (an integer >= 2), for every
            architecture and for compiling; ``None`` keeps the builders' (and
            presets') 2 classes.
        architecture: restricts or pins the architecture among ``models``:
            ``space.Fixed("bigru")`` or ``space.Choice([...])``. ``None`` searches
            all of them. (A ``hp.Fixed("architecture", ...)`` in the tuner's
            ``hyperparameters`` pins it too.)
        tune: the argument names to search; the others stay at their defaults.
            ``None`` searches every declared argument. Ranges passed as
            overrides are always searched.
        learning_rate: a space (``space.Float(1e-4, 1e-2, sampling="log")``) to
            search, a number to fix, or ``None`` for the optimizer's default.
            Training values (fixed, every ``Choice`` value and both ends of a
            range) are checked by :func:`keras_seqzoo.compiling.check_training_values`:
            a learning rate must be finite and > 0, ``batch_size`` and
            ``epochs`` integers >= 1.
        batch_size: a space or a number, applied in :meth:`fit`; ``None`` leaves
            ``batch_size`` to ``search()``. A batched ``tf.data.Dataset`` is
            rebatched.
        epochs: a space or a number, applied in :meth:`fit`; ``None`` leaves it
            to ``search(epochs=...)``. Ignored under ``Hyperband``, which sets
            ``epochs`` itself (detected from the trial's ``"tuner/epochs"``).
        optimizer: an optimizer name, or a function with no arguments that
            returns a new optimizer (an instance cannot be shared by trials).
        loss: the loss; chosen from the output layer when ``None``.
        metrics: the metrics to compile with: ``None`` for the task's,
            ``"slides"`` for accuracy only, or a list.
        compile_kwargs: other ``model.compile`` arguments.
        per_model: overrides for one architecture only, as
            ``{"bilstm": {"units": 64}}``; they take precedence over ``**arguments``.
        name: the hypermodel's name.
        tunable: passed to ``keras_tuner.HyperModel``.
        **arguments: builder arguments, for every architecture that has them:
            a value fixes it (``units=64``), a :mod:`keras_seqzoo.space` value
            sets its range (``units=space.Int(16, 256, step=16)``).

    Raises:
        UnknownModelError: a name is not registered.
        ValueError: an argument is unknown, a value or a range end is not
            allowed by the builder or (for the training values) cannot train,
            or keras-tuner rejects the space; raised here rather than hidden
            in FAILED trials.

    Example:

    ```python
    import keras_tuner
    from keras_seqzoo import space, tuning

    hypermodel = tuning.HyperModel("bilstm.imdb_words10k", units=space.Int(16, 128, step=16),
                                   dropout=0.2)
    model = hypermodel.build(keras_tuner.HyperParameters())  # the T5 model, dropout 0.2
    tuner = keras_tuner.Hyperband(hypermodel, objective="val_accuracy", max_epochs=4)
    ```
    """

    def __init__(
        self,
        models: str | Sequence[str],
        *,
        num_classes: int | None = None,
        architecture: space.Value | None = None,
        tune: Iterable[str] | None = None,
        learning_rate: space.Value | float | None = None,
        batch_size: space.Value | int | None = None,
        epochs: space.Value | int | None = None,
        optimizer: str | Callable[[], keras.optimizers.Optimizer] = "adam",
        loss: Any = None,
        metrics: str | Sequence[Any] | None = None,
        compile_kwargs: Mapping[str, Any] | None = None,
        per_model: Mapping[str, Mapping[str, Any]] | None = None,
        name: str | None = None,
        tunable: bool = True,
        **arguments: Any,
    ):
        super().__init__(name=name, tunable=tunable)
        if isinstance(models, str):
            names, self.multiple = [models], False
        else:
            names, self.multiple = list(models), True
            if not names:
                raise ValueError(
                    "HyperModel needs at least one model name. Received: models=[]. "
                    "Pass a name such as 'bilstm' or a list such as ['bilstm', 'bigru']."
                )
            duplicates = sorted({n for n in names if names.count(n) > 1})
            if duplicates:
                raise ValueError(f"HyperModel: models lists {duplicates} more than once.")
        resolved = {n: _registry.resolve(n) for n in names}  # raises UnknownModelError
        per_model = {k: dict(v) for k, v in (per_model or {}).items()}
        for key in per_model:
            if key not in resolved:
                raise ValueError(
                    f"HyperModel: per_model names {key!r}, which is not one of models={names}."
                )
        all_arguments = {a for entry, _ in resolved.values() for a in entry.arguments}
        self._check_names(arguments, all_arguments, names)
        tune_set = None if tune is None else set([tune] if isinstance(tune, str) else tune)
        if tune_set is not None:
            self._check_names(dict.fromkeys(tune_set), all_arguments, names, what="tune")
        self.num_classes = _check_num_classes(num_classes)
        self._architectures: dict[str, _Architecture] = {}
        for arch_name, (entry, preset) in resolved.items():
            own = {k: v for k, v in arguments.items() if k in entry.arguments}
            own.update(per_model.get(arch_name, {}))
            build_extra = {}
            if self.num_classes is not None:
                given = own.get("num_classes", self.num_classes)
                if isinstance(given, space.Value) or given != self.num_classes:
                    raise ValueError(
                        f"HyperModel: num_classes={self.num_classes}, but {arch_name!r} is given "
                        f"num_classes={given!r} as an argument. The number of classes comes "
                        "from the data: pass it once, as num_classes."
                    )
                if "num_classes" in entry.arguments:
                    own["num_classes"] = self.num_classes
                else:
                    build_extra["num_classes"] = self.num_classes
            elif isinstance(own.get("num_classes"), space.Value):
                raise ValueError(
                    f"HyperModel: num_classes of {arch_name!r} cannot be searched (it comes "
                    f"from the data). Received: num_classes={own['num_classes']!r}. Pass "
                    "num_classes=<the number of classes> instead."
                )
            arch = self._resolve(arch_name, entry, preset, own, tune_set)
            if build_extra:
                arch = dataclasses.replace(arch, build_extra=build_extra)
            self._architectures[arch_name] = arch
        self._choices = self._architecture_choices(architecture, names)
        self._training = {}
        for key, value in (("learning_rate", learning_rate), ("batch_size", batch_size),
                           ("epochs", epochs)):
            if value is None:
                continue
            if isinstance(value, space.Fixed):
                value = value.value
            _check_training_space(key, value)
            self._training[key] = value
            if not self.multiple and isinstance(value, space.Value):
                if key in self._architectures[names[0]].space:
                    raise ValueError(
                        f"HyperModel: {names[0]!r} searches an argument named {key!r}, which "
                        f"clashes with the training hyperparameter {key!r}; fix one of them."
                    )
        if not (isinstance(optimizer, str) or callable(optimizer)):
            raise ValueError(
                "HyperModel: optimizer must be a name (e.g. 'adam') or a function that returns "
                "a new optimizer, since every trial compiles a new model. Received: "
                f"optimizer={optimizer!r}. Try optimizer=lambda: keras.optimizers.Adam(...)."
            )
        self.optimizer = optimizer
        self.loss = loss
        if isinstance(metrics, str) and metrics != "slides":
            raise ValueError(
                "HyperModel: metrics must be None (the task's metrics), 'slides' (accuracy "
                f"only) or a list of metrics. Received: metrics={metrics!r}"
            )
        self.metrics = metrics if metrics is None or isinstance(metrics, str) else tuple(metrics)
        self.compile_kwargs = dict(compile_kwargs or {})
        # Declare the whole space now, so keras-tuner's errors surface here.
        try:
            self.declare_hyperparameters(keras_tuner.HyperParameters())
        except (ValueError, TypeError) as error:
            raise ValueError(f"HyperModel: keras-tuner rejected the search space: {error}") from error

    # ----------------------------------------------------------------- setup

    @staticmethod
    def _check_names(given: Mapping[str, Any], known: set[str], names: list[str],
                     what: str = "argument") -> None:
        for key in given:
            if key not in known:
                raise ValueError(
                    f"HyperModel: {what} {key!r} is not an argument of any of {names}."
                    f"{did_you_mean(key, known)} "
                    f"Their arguments are: {', '.join(sorted(known))}."
                )

    @staticmethod
    def _resolve(name: str, entry, preset, overrides: dict[str, Any],
                 tune: set[str] | None) -> _Architecture:
        fixed, custom = {}, {}
        for key, value in overrides.items():
            if isinstance(value, space.Fixed):
                fixed[key] = value.value
            elif isinstance(value, space.Value):
                custom[key] = value
            else:
                fixed[key] = value
        _, _, arguments = _registry.resolved_arguments(name, **fixed)  # validates
        searched: dict[str, space.Value] = {}
        defaults: dict[str, Any] = {}
        for key, value in entry.search_space.items():
            if key in fixed or key in custom or (tune is not None and key not in tune):
                continue
            default = arguments[key]
            if not (_is_scalar(default) or (isinstance(default, tuple)
                                            and isinstance(value, space.Choice))):
                continue  # e.g. max_length=None: not representable, stays fixed
            value = _with_default(value, default)
            if isinstance(value, space.Fixed):
                continue
            searched[key], defaults[key] = value, default
        for key, value in custom.items():
            for candidate in _candidates(value):
                try:
                    _arguments.validate(name, entry.builder, {**arguments, key: candidate})
                except ValueError as error:
                    raise ValueError(
                        f"HyperModel: the range {value} for {key!r} of {name!r} includes a "
                        f"value the builder does not accept. {error}"
                    ) from None
            default = arguments[key]
            searched[key] = value
            defaults[key] = default if _is_scalar(default) and value.contains(default) else None
        if tune is not None:
            for key in tune:
                if key in entry.arguments and key not in searched and key not in fixed \
                        and key not in entry.search_space:
                    raise ValueError(
                        f"HyperModel: tune names {key!r}, but {name!r} declares no search "
                        f"space for it. Pass a range, e.g. {key}=keras_seqzoo.space.Choice([...])."
                    )
        return _Architecture(
            name=name, entry=entry, preset=preset, arguments=arguments, space=searched,
            defaults=defaults,
        )

    @staticmethod
    def _architecture_choices(architecture: space.Value | None, names: list[str]):
        if architecture is None:
            return names
        if isinstance(architecture, space.Fixed):
            chosen = [architecture.value]
        elif isinstance(architecture, space.Choice):
            chosen = list(architecture.values)
        else:
            raise ValueError(
                "HyperModel: architecture must be space.Fixed(name) or space.Choice([names]). "
                f"Received: architecture={architecture!r}"
            )
        for value in chosen:
            if value not in names:
                raise ValueError(
                    f"HyperModel: architecture {value!r} is not one of models={names}. "
                    "Add it to models or choose one of them."
                )
        return chosen

    # ----------------------------------------------------------- properties

    @property
    def architectures(self) -> list[str]:
        """The architectures this hypermodel can build, in order."""
        return list(self._choices)

    # ------------------------------------------------------------- keras-tuner

    def _select(self, hp: keras_tuner.HyperParameters) -> _Architecture:
        if not self.multiple:
            return next(iter(self._architectures.values()))
        if len(self._choices) == 1:
            value = hp.Fixed(ARCHITECTURE, self._choices[0])
        else:
            value = hp.Choice(ARCHITECTURE, list(self._choices), default=self._choices[0])
        if value not in self._architectures:
            raise ValueError(
                f"HyperModel: the hyperparameter {ARCHITECTURE!r} is {value!r}, which is not "
                f"one of models={list(self._architectures)}."
            )
        return self._architectures[value]

    def _arguments(self, hp: keras_tuner.HyperParameters, arch: _Architecture) -> dict[str, Any]:
        values = {}
        for key, value in arch.space.items():
            values[key] = _declare(hp, key, value, arch.defaults[key])
        return values

    def _scoped_arguments(self, hp, arch: _Architecture) -> dict[str, Any]:
        if not self.multiple:
            return self._arguments(hp, arch)
        with hp.conditional_scope(ARCHITECTURE, [arch.name]), hp.name_scope(arch.name):
            return self._arguments(hp, arch)

    def _training_value(self, hp: keras_tuner.HyperParameters, key: str):
        value = self._training.get(key)
        if isinstance(value, space.Value):
            default = None
            if key == "learning_rate" and isinstance(value, space.Float):
                default = min(max(1e-3, value.min_value), value.max_value)  # Adam's default
            value = _declare(hp, key, value, default)
            # A trial's value, or one given by hand (build_from_hyperparameters({...})).
            check_training_values("HyperModel", **{key: value})
        return value

    def declare_hyperparameters(self, hp: keras_tuner.HyperParameters) -> None:
        """Declares every hyperparameter of every architecture (tuners call this first).

        Args:
            hp: the ``keras_tuner.HyperParameters`` to declare them on.
        """
        if self.multiple:
            self._select(hp)  # declares "architecture"; checks a pinned value
            for arch_name in self._choices:
                self._scoped_arguments(hp, self._architectures[arch_name])
        else:
            self._scoped_arguments(hp, self._select(hp))
        for key in _TRAINING:
            self._training_value(hp, key)

    def arguments_for(self, hp: keras_tuner.HyperParameters) -> tuple[str, dict[str, Any]]:
        """Returns ``(name, arguments)``: the architecture and every builder argument for ``hp``.

        Declares on ``hp`` what it needs, as :meth:`build` does.

        Args:
            hp: ``keras_tuner.HyperParameters`` (a trial's, or an empty one for the defaults).

        Returns:
            The builder or preset name and the full argument dict for ``keras_seqzoo.build``.
        """
        arch = self._select(hp)
        return arch.name, {**arch.arguments, **self._scoped_arguments(hp, arch)}

    def build(self, hp: keras_tuner.HyperParameters, *, compile: bool = True) -> keras.Model:
        """Builds (and compiles) the model for ``hp``.

        Args:
            hp: ``keras_tuner.HyperParameters``; an empty one gives the reference model.
            compile: compile with the hypermodel's settings and learning rate.

        Returns:
            A ``keras.Model`` with a ``seqzoo_config`` attribute.

        Example:

        ```python
        model = HyperModel("bigru.imdb_words10k").build(keras_tuner.HyperParameters())
        ```
        """
        name, arguments = self.arguments_for(hp)
        if compile:  # checked before the model is built
            learning_rate = self._training_value(hp, "learning_rate")
        arch = self._architectures[name]
        release_compiled_programs()  # a search builds one model per trial, in one process
        model = _registry.build(name, **arguments, **arch.build_extra)
        if compile:
            optimizer = self.optimizer
            if not isinstance(optimizer, str):
                optimizer = optimizer()
                if learning_rate is not None:
                    optimizer.learning_rate = learning_rate
                learning_rate = None
            compile_model(
                model, num_classes=self.num_classes, optimizer=optimizer,
                learning_rate=learning_rate, loss=self.loss, metrics=self.metrics,
                **self.compile_kwargs,
            )
        return model

    def fit(self, hp: keras_tuner.HyperParameters, model: keras.Model, *args: Any,
            **kwargs: Any):
        """Trains ``model``, applying the tuned ``batch_size`` and ``epochs``.

        ``epochs`` is left alone when the tuner is ``Hyperband`` (the trial has a
        ``"tuner/epochs"`` value and Hyperband passes ``epochs`` itself). A batched
        ``tf.data.Dataset`` (``x`` and ``validation_data``) is rebatched to the
        tuned ``batch_size``; arrays get ``batch_size=``. Each
        :class:`~keras_seqzoo.callbacks.HistoryExporter` among the callbacks
        writes to its trial's subfolder (``<directory>/trial_<id>``).

        Args:
            hp: the trial's hyperparameters.
            model: the model :meth:`build` returned.
            *args: ``search()``'s positional arguments, passed to ``model.fit``.
            **kwargs: ``search()``'s keyword arguments, passed to ``model.fit``.

        Returns:
            The ``History`` of ``model.fit``.
        """
        check_training_values(
            "HyperModel.fit", batch_size=kwargs.get("batch_size"), epochs=kwargs.get("epochs")
        )
        bind_trial(kwargs.get("callbacks"))  # keras-tuner's callback names the trial
        batch_size = self._training_value(hp, "batch_size")
        epochs = self._training_value(hp, "epochs")
        if batch_size is not None:
            args, kwargs = _apply_batch_size(int(batch_size), args, kwargs)
        if epochs is not None:
            if "tuner/epochs" in hp.values:
                _logger.debug("keras_seqzoo.tuning: Hyperband sets epochs; ignoring 'epochs'.")
            else:
                kwargs["epochs"] = int(epochs)
        return model.fit(*args, **kwargs)

    # ------------------------------------------------------------- plain data

    def describe_space(self) -> dict[str, Any]:
        """Returns the search space as plain, JSON-ready data.

        Returns:
            A dict with ``architecture`` (the architecture Choice, or ``None``),
            ``models`` (per model: ``builder``, ``preset``, ``hyperparameters``
            (per argument: type, range or values, ``default`` and ``name``, the
            keras-tuner hyperparameter name) and ``fixed`` values), ``training``
            and ``num_classes`` (``None`` when not given).
        """
        models = {}
        for arch_name in self._choices:
            arch = self._architectures[arch_name]
            prefix = f"{arch.name}/" if self.multiple else ""
            models[arch_name] = {
                "builder": arch.entry.name,
                "preset": arch.preset.name if arch.preset else None,
                "hyperparameters": {
                    key: _describe_value(value, arch.defaults[key], prefix + key)
                    for key, value in arch.space.items()
                },
                "fixed": {k: to_jsonable(v) for k, v in arch.arguments.items() if k not in arch.space},
            }
        architecture = None
        if self.multiple:
            kind = space.Fixed(self._choices[0]) if len(self._choices) == 1 else space.Choice(
                self._choices
            )
            architecture = _describe_value(kind, self._choices[0], ARCHITECTURE)
        training = {}
        for key, value in self._training.items():
            training[key] = (
                _describe_value(value, None, key) if isinstance(value, space.Value)
                else {"type": "Fixed", "value": value, "default": value, "name": key}
            )
        return {
            "architecture": architecture, "models": models, "training": training,
            "num_classes": self.num_classes,
        }


def _check_num_classes(num_classes: Any) -> int | None:
    """``None``, or ``num_classes`` as an int >= 2 (NumPy integers accepted); else raises."""
    if num_classes is None:
        return None
    if isinstance(num_classes, space.Value):
        raise ValueError(
            "HyperModel: num_classes cannot be searched (it comes from the data). "
            f"Received: num_classes={num_classes!r}. Pass the number of classes, e.g. 8."
        )
    value = getattr(num_classes, "item", lambda: num_classes)()
    if isinstance(value, bool) or not isinstance(value, int) or value < 2:
        raise ValueError(
            "HyperModel: num_classes must be an integer >= 2 (the number of classes in the "
            f"data). Received: num_classes={num_classes!r}"
        )
    return value


def _check_training_space(key: str, value: Any) -> None:
    """Refuses a training value, or a space that includes a value, that cannot train.

    A fixed value goes to :func:`keras_seqzoo.compiling.check_training_values`;
    so do both ends of an ``Int``/``Float`` range and every ``Choice`` value.
    """
    if not isinstance(value, space.Value):
        check_training_values("HyperModel", **{key: value})
        return
    try:
        for candidate in _candidates(value):
            check_training_values("HyperModel", **{key: candidate})
    except ValueError as error:
        raise ValueError(
            f"HyperModel: the search space {value} for {key!r} includes a value that cannot "
            f"train. {error}"
        ) from None


def is_tf_dataset(data: Any) -> bool:
    """Whether ``data`` is a ``tf.data.Dataset`` (without importing TensorFlow: a dataset
    exists only where TensorFlow was imported)."""
    tf = sys.modules.get("tensorflow")
    return tf is not None and isinstance(data, tf.data.Dataset)


def _apply_batch_size(batch_size: int, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    positional = list(args)
    x: Any = positional[0] if positional else kwargs.get("x")
    if is_tf_dataset(x):
        if positional:
            positional[0] = x.rebatch(batch_size)
        else:
            kwargs["x"] = x.rebatch(batch_size)
        if is_tf_dataset(kwargs.get("validation_data")):
            kwargs["validation_data"] = kwargs["validation_data"].rebatch(batch_size)
    else:
        kwargs["batch_size"] = batch_size
    return tuple(positional), kwargs


def _as_hypermodel(models: HyperModel | str | Sequence[str], arguments: dict) -> HyperModel:
    if isinstance(models, HyperModel):
        if arguments:
            raise ValueError(
                "Pass either a HyperModel or model names with arguments, not both. "
                f"Received a HyperModel and arguments {sorted(arguments)}."
            )
        return models
    return HyperModel(models, **arguments)


def _as_hyperparameters(hyperparameters) -> keras_tuner.HyperParameters:
    if isinstance(hyperparameters, keras_tuner.HyperParameters):
        return hyperparameters.copy()
    if isinstance(hyperparameters, Mapping):
        hp = keras_tuner.HyperParameters()
        hp.values.update(dict(hyperparameters))
        return hp
    raise TypeError(
        "hyperparameters must be keras_tuner.HyperParameters (e.g. "
        "tuner.get_best_hyperparameters()[0]) or a dict of their values. "
        f"Received: {type(hyperparameters).__name__}"
    )


def build_from_hyperparameters(
    hyperparameters: keras_tuner.HyperParameters | Mapping[str, Any],
    models: HyperModel | str | Sequence[str],
    *,
    compile: bool = True,
    **arguments: Any,
) -> keras.Model:
    """Rebuilds a tuned model outside the tuner.

    Args:
        hyperparameters: ``tuner.get_best_hyperparameters()[0]``, a trial's
            ``hyperparameters``, or a plain dict of values (``hp.values``).
        models: the :class:`HyperModel` given to the tuner, or the same model
            names (then ``**arguments`` are the same arguments as for it).
        compile: compile the model with the hypermodel's settings.
        **arguments: :class:`HyperModel` arguments when ``models`` are names.

    Returns:
        A fresh ``keras.Model`` (untrained) with the tuned architecture.

    Example:

    ```python
    best = tuner.get_best_hyperparameters()[0]
    model = keras_seqzoo.tuning.build_from_hyperparameters(best, hypermodel)
    model.fit(x_train, y_train, epochs=10)
    ```
    """
    hypermodel = _as_hypermodel(models, arguments)
    return hypermodel.build(_as_hyperparameters(hyperparameters), compile=compile)


def hyperparameters_to_arguments(
    hyperparameters: keras_tuner.HyperParameters | Mapping[str, Any],
    models: HyperModel | str | Sequence[str],
    **arguments: Any,
) -> dict[str, Any]:
    """Returns the builder call and training settings that ``hyperparameters`` stand for.

    Args:
        hyperparameters: ``keras_tuner.HyperParameters`` or a dict of their values.
        models: the :class:`HyperModel`, or the same model names and ``**arguments``.
        **arguments: :class:`HyperModel` arguments when ``models`` are names.

    Returns:
        Plain data: ``{"model": name, "arguments": {...}, "learning_rate": ...,
        "batch_size": ..., "epochs": ...}`` (training values are ``None`` when
        not set), so that ``keras_seqzoo.build(d["model"], **d["arguments"])``
        rebuilds the model.

    Example:

    ```python
    config = tuning.hyperparameters_to_arguments(tuner.get_best_hyperparameters()[0], hypermodel)
    model = keras_seqzoo.build(config["model"], **config["arguments"])
    ```
    """
    hypermodel = _as_hypermodel(models, arguments)
    hp = _as_hyperparameters(hyperparameters)
    name, values = hypermodel.arguments_for(hp)
    result: dict[str, Any] = {"model": name, "arguments": to_jsonable(values)}
    for key in _TRAINING:
        result[key] = hypermodel._training_value(hp, key)
    return result


def describe_space(models: HyperModel | str | Sequence[str], **arguments: Any) -> dict[str, Any]:
    """Returns a search space as plain, JSON-ready data (see :meth:`HyperModel.describe_space`).

    Args:
        models: a :class:`HyperModel`, or model names.
        **arguments: :class:`HyperModel` arguments when ``models`` are names.

    Returns:
        ``{"architecture": ..., "models": {...}, "training": {...}, "num_classes": ...}``.

    Example:

    ```python
    >>> describe_space("bilstm")["models"]["bilstm"]["hyperparameters"]["units"]
    {'type': 'Choice', 'values': [16, 32, 64, 128], 'default': 32, 'name': 'units'}
    ```
    """
    return _as_hypermodel(models, arguments).describe_space()
