"""The registry of model builders and presets.

Builders are plain functions that take keyword arguments and return an
uncompiled ``keras.Model``. They are registered with metadata (tags, a one-line
description, the slide they reproduce, a declarative search space). Presets are
named configurations ``"arch.tag"`` of a registered builder.

Three sources fill the registry, in this order, on the first lookup:

1. the built-in families in ``keras_seqzoo.models``;
2. third-party packages, through the entry-point group ``keras_seqzoo.models``
   (the entry point names a module whose import registers its builders, or a
   callable that is called once with no arguments);
3. user code, with the :func:`register` decorator, at any time.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import importlib
import importlib.metadata
import logging
import threading
from typing import Any, Callable, Iterable, Mapping

from keras_seqzoo import _arguments
from keras_seqzoo.space import Value
from keras_seqzoo._values import did_you_mean

__all__ = [
    "ModelEntry",
    "Preset",
    "UnknownModelError",
    "build",
    "describe",
    "get_model",
    "get_preset",
    "list_models",
    "list_tags",
    "register",
    "register_preset",
    "register_presets",
    "resolve",
    "unregister",
]

ENTRY_POINT_GROUP = "keras_seqzoo.models"

_logger = logging.getLogger(__name__)


class UnknownModelError(KeyError, ValueError):
    """Raised when a name is neither a registered builder nor a preset.

    It is both a ``KeyError`` (a failed lookup) and a ``ValueError`` (bad input).
    """

    def __str__(self) -> str:  # KeyError would wrap the message in quotes
        return str(self.args[0]) if self.args else ""


@dataclasses.dataclass(frozen=True)
class ModelEntry:
    """A registered builder and its metadata.

    Attributes:
        name: the registered name, e.g. ``"bilstm"``.
        builder: the function that builds the model.
        tags: tags such as ``"recurrent"``, ``"convolutional"``, ``"pooling"``.
        description: one line.
        reference: the slide section the architecture comes from, if any.
        search_space: argument name -> :mod:`keras_seqzoo.space` value.
        source: the module that registered it.
    """

    name: str
    builder: Callable[..., Any]
    tags: tuple[str, ...] = ()
    description: str = ""
    reference: str | None = None
    search_space: Mapping[str, Value] = dataclasses.field(default_factory=dict)
    source: str = ""

    @property
    def arguments(self) -> dict[str, _arguments.Argument]:
        """The builder's arguments, defaults and allowed values."""
        return _arguments.arguments_of(self.builder)

    @property
    def defaults(self) -> dict[str, Any]:
        """The builder's default arguments."""
        return {name: arg.default for name, arg in self.arguments.items()}


@dataclasses.dataclass(frozen=True)
class Preset:
    """A named configuration of a registered builder.

    Attributes:
        name: ``"arch.tag"``, e.g. ``"bilstm.imdb_words10k"``.
        arch: the builder's registered name.
        arguments: the arguments that differ from, or pin, the builder's defaults.
        description: one line.
        reference: the table or published model it reproduces (e.g. ``"T5"``), if any.
        slide: the slide section, in words; ``None`` for a preset not from the slides.
        data: the data the preset expects (``encoding``, ``vocab_size``,
            ``max_length``), so a runner can load matching data.
        slide_summary: the slide's ``model.summary()`` rows as
            ``(layer, output_shape, params)`` tuples, if the slide shows a table.
        slide_total: the slide's total parameter count, if it shows one.
        aliases: other names that resolve to this preset.
    """

    name: str
    arch: str
    arguments: Mapping[str, Any]
    description: str = ""
    reference: str | None = None
    slide: str | None = None
    data: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    slide_summary: tuple[tuple[str, str, int], ...] | None = None
    slide_total: int | None = None
    aliases: tuple[str, ...] = ()


_models: dict[str, ModelEntry] = {}
_presets: dict[str, Preset] = {}
_aliases: dict[str, str] = {}
_lock = threading.RLock()
_loaded = False
_loading = False


def _ensure_loaded() -> None:
    """Imports the built-in families and the entry points, once."""
    global _loaded, _loading
    if _loaded or _loading:
        return
    with _lock:
        if _loaded or _loading:
            return
        _loading = True
        try:
            # A missing Keras backend (or extra) names what to install, in one line.
            from keras_seqzoo._extras import import_feature

            import_feature("keras_seqzoo.models")
            for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
                try:
                    obj = ep.load()
                    if callable(obj) and not isinstance(obj, type(importlib)):
                        obj()
                except Exception as error:  # a broken plugin must not break the zoo
                    _logger.warning(
                        "keras_seqzoo: could not load the plugin entry point %r (%s): %s: %s",
                        ep.name,
                        ep.value,
                        type(error).__name__,
                        error,
                    )
            _loaded = True
        finally:
            _loading = False


def register(
    name: str | Callable | None = None,
    *,
    tags: Iterable[str] = (),
    description: str | None = None,
    reference: str | None = None,
    search_space: Mapping[str, Value] | None = None,
    override: bool = False,
):
    """Registers a builder function; usable as ``@register`` or ``@register("name", ...)``.

    The builder takes keyword arguments (with defaults and type hints, which
    ``describe()`` reports and ``build()`` checks) and returns a ``keras.Model``.

    Args:
        name: the registered name; the function's name when omitted.
        tags: tags for :func:`list_models` filters.
        description: one line; the first line of the docstring when omitted.
        reference: the slide section the architecture reproduces.
        search_space: argument name -> :mod:`keras_seqzoo.space` value, used by
            ``keras_seqzoo.tuning``.
        override: replace an existing builder of that name instead of raising.

    Returns:
        The decorator, which returns the function unchanged.

    Example:

    ```python
    import keras
    import keras_seqzoo as zoo

    @zoo.register("my_cnn", tags=("convolutional",))
    def my_cnn(*, vocab_size: int = 10000, max_length: int = 120):
        inputs = keras.Input((max_length,), dtype="int32")
        x = keras.layers.Embedding(vocab_size, 16)(inputs)
        x = keras.layers.Conv1D(32, 5, activation="relu")(x)
        x = keras.layers.GlobalMaxPooling1D()(x)
        return keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(x))

    model = zoo.build("my_cnn", max_length=64)
    ```
    """
    if callable(name):  # bare @register
        return register()(name)

    def decorator(fn: Callable) -> Callable:
        entry_name = fn.__name__ if name is None else name
        _check_name(entry_name, kind="builder")
        arguments = _arguments.arguments_of(fn)
        for arg_name, value in (search_space or {}).items():
            if arg_name not in arguments:
                raise ValueError(
                    f"The search space of builder {entry_name!r} names {arg_name!r}, "
                    f"which is not an argument of {fn.__name__}()."
                )
            if not value.contains(arguments[arg_name].default):
                raise ValueError(
                    f"The search space of builder {entry_name!r} for {arg_name!r} ({value}) "
                    f"must contain the builder's default, {arguments[arg_name].default!r}, "
                    "so that an empty search reproduces the default model."
                )
        doc = (fn.__doc__ or "").strip().splitlines()
        entry = ModelEntry(
            name=entry_name,
            builder=fn,
            tags=tuple(tags),
            description=description if description is not None else (doc[0] if doc else ""),
            reference=reference,
            search_space=dict(search_space or {}),
            source=getattr(fn, "__module__", ""),
        )
        with _lock:
            if entry_name in _models and not override:
                raise ValueError(
                    f"A builder named {entry_name!r} is already registered (by "
                    f"{_models[entry_name].source}). Pass override=True to replace it, "
                    "or choose another name."
                )
            _models[entry_name] = entry
        return fn

    return decorator


def register_preset(
    name: str,
    arguments: Mapping[str, Any],
    *,
    description: str = "",
    reference: str | None = None,
    slide: str | None = None,
    data: Mapping[str, Any] | None = None,
    slide_summary: Iterable[tuple[str, str, int]] | None = None,
    slide_total: int | None = None,
    aliases: Iterable[str] = (),
    override: bool = False,
) -> Preset:
    """Registers a preset ``"arch.tag"`` for an already registered builder.

    Args:
        name: ``"arch.tag"``; ``arch`` must be a registered builder.
        arguments: the builder arguments the preset sets; they are validated now.
        description: one line.
        reference: the table the preset reproduces, e.g. ``"T5"``.
        slide: the slide section, in words.
        data: the data the preset expects, e.g.
            ``{"encoding": "words", "vocab_size": 10000, "max_length": 120}``.
        slide_summary: the slide's summary rows ``(layer, output_shape, params)``.
        slide_total: the slide's total parameter count.
        aliases: other names for the preset.
        override: replace an existing preset of that name instead of raising.

    Returns:
        The registered :class:`Preset`.
    """
    arch, sep, tag = name.partition(".")
    if not sep or not tag:
        raise ValueError(f"A preset name must look like 'arch.tag'. Received: name={name!r}")
    entry = get_model(arch)
    _arguments.validate(name, entry.builder, dict(arguments))
    preset = Preset(
        name=name,
        arch=arch,
        arguments=dict(arguments),
        description=description,
        reference=reference,
        slide=slide,
        data=dict(data or {}),
        slide_summary=(
            tuple((str(layer), str(shape), int(params)) for layer, shape, params in slide_summary)
            if slide_summary else None
        ),
        slide_total=slide_total,
        aliases=tuple(aliases),
    )
    with _lock:
        for key in (name, *preset.aliases):
            if (key in _presets or key in _aliases) and not override:
                raise ValueError(
                    f"A preset named {key!r} is already registered. Pass override=True "
                    "to replace it, or choose another name."
                )
        _presets[name] = preset
        for alias in preset.aliases:
            _aliases[alias] = name
    return preset


def register_presets(
    presets: Mapping[str, Mapping[str, Any]], *, override: bool = False
) -> list[Preset]:
    """Registers presets written as data, as keras-hub's ``*_presets.py`` dicts are.

    Each built-in family keeps its presets in ``keras_seqzoo/models/<family>_presets.py``
    as ``PRESETS = {"arch.tag": {"arguments": {...}, "metadata": {...}}}``; the
    metadata are :func:`register_preset`'s keyword arguments (``description``,
    ``reference``, ``slide``, ``data``, ``slide_summary``, ``slide_total``,
    ``aliases``). A plugin can write its presets the same way.

    Args:
        presets: preset name -> ``{"arguments": ..., "metadata": ...}``.
        override: replace existing presets of those names instead of raising.

    Returns:
        The registered :class:`Preset` records, in order.

    Raises:
        ValueError: an entry has other keys than ``arguments`` and ``metadata``, or
            metadata that :func:`register_preset` does not take, or bad arguments.

    Example:

    ```python
    import keras_seqzoo as zoo
    from keras_seqzoo._registry import register_presets

    register_presets({
        "bilstm.tiny": {
            "arguments": {"units": 8, "embedding_dim": 8},
            "metadata": {"description": "A tiny BiLSTM."},
        },
    })
    model = zoo.build("bilstm.tiny")
    ```
    """
    allowed = ("description", "reference", "slide", "data", "slide_summary", "slide_total",
               "aliases")
    registered = []
    for name, spec in presets.items():
        extra = sorted(set(spec) - {"arguments", "metadata"})
        if extra or "arguments" not in spec:
            raise ValueError(
                f"register_presets: preset {name!r} must be a dict with 'arguments' (and "
                f"optionally 'metadata'). Received keys: {sorted(spec)}"
            )
        metadata = dict(spec.get("metadata") or {})
        unknown = sorted(set(metadata) - set(allowed))
        if unknown:
            raise ValueError(
                f"register_presets: preset {name!r} has metadata {unknown} that "
                f"register_preset does not take. Allowed: {', '.join(allowed)}."
            )
        registered.append(
            register_preset(name, spec["arguments"], override=override, **metadata)
        )
    return registered


def unregister(name: str) -> None:
    """Removes a builder (with its presets) or a single preset.

    Args:
        name: a builder or preset name.
    """
    with _lock:
        if name in _models:
            del _models[name]
            for preset in [p for p in _presets.values() if p.arch == name]:
                unregister(preset.name)
        elif name in _presets:
            preset = _presets.pop(name)
            for alias in preset.aliases:
                _aliases.pop(alias, None)
        else:
            raise _unknown(name)


def _check_name(name: str, kind: str) -> None:
    if not isinstance(name, str) or not name or "." in name or "*" in name or " " in name:
        raise ValueError(
            f"A {kind} name must be a non-empty string without '.', '*' or spaces "
            f"('.' separates a preset's tag). Received: {name!r}"
        )


def _all_names() -> list[str]:
    return sorted({*_models, *_presets, *_aliases})


def _listed_names() -> list[str]:
    """The names ``list_models(presets=True)`` (and ``seqzoo list --presets``) shows."""
    return sorted({*_models, *_presets})




def _unknown(name: str) -> UnknownModelError:
    return UnknownModelError(
        f"Unknown model {name!r}.{did_you_mean(name, _listed_names(), aliases=_aliases, n=3)} See keras_seqzoo.list_models(presets=True) "
        "(or `seqzoo list --presets`) for every registered name."
    )


def list_tags() -> list[str]:
    """Returns every tag of the registered builders, sorted.

    Example:

    ```python
    >>> from keras_seqzoo._registry import list_tags
    >>> "recurrent" in list_tags()
    True
    ```
    """
    _ensure_loaded()
    return sorted({tag for entry in _models.values() for tag in entry.tags})


def get_model(name: str) -> ModelEntry:
    """Returns the registered builder entry called ``name``.

    Args:
        name: a builder name (not a preset).

    Returns:
        The :class:`ModelEntry`.

    Raises:
        UnknownModelError: no such builder; the message suggests the closest names.
    """
    _ensure_loaded()
    try:
        return _models[name]
    except KeyError:
        raise _unknown(name) from None


def get_preset(name: str) -> Preset:
    """Returns the preset called ``name`` (or one of its aliases).

    Args:
        name: a preset name, ``"arch.tag"``.

    Returns:
        The :class:`Preset`.

    Raises:
        UnknownModelError: no such preset.
    """
    _ensure_loaded()
    key = _aliases.get(name, name)
    try:
        return _presets[key]
    except KeyError:
        raise _unknown(name) from None


def resolve(name: str) -> tuple[ModelEntry, Preset | None]:
    """Returns ``(entry, preset)`` for a builder name or a preset name.

    Args:
        name: a builder name, a preset name or a preset alias.

    Returns:
        The builder entry, and the preset or ``None``.
    """
    _ensure_loaded()
    if not isinstance(name, str):
        raise TypeError(f"A model name must be a string. Received: {name!r}")
    if name in _models:
        return _models[name], None
    if name in _presets or name in _aliases:
        preset = get_preset(name)
        return _models[preset.arch], preset
    raise _unknown(name)


def list_models(
    pattern: str | Iterable[str] | None = None,
    *,
    tags: str | Iterable[str] | None = None,
    presets: bool = False,
) -> list[str]:
    """Lists registered names, sorted.

    Args:
        pattern: a shell-style wildcard (``"*lstm*"``) or several; ``None`` lists all.
        tags: keep builders (and their presets) that have all these tags. An unknown
            tag raises ``ValueError`` with the closest known tags.
        presets: also list presets (``"arch.tag"`` names).

    Returns:
        The matching names.

    Example:

    ```python
    >>> import keras_seqzoo as zoo
    >>> zoo.list_models("*gru*", presets=True)
    ['bigru', 'bigru.imdb_words10k']
    ```
    """
    _ensure_loaded()
    names = list(_models)
    if presets:
        names += list(_presets)
    if tags is not None:
        wanted = {tags} if isinstance(tags, str) else set(tags)
        known = list_tags()
        for tag in sorted(wanted):
            if tag not in known:
                hint = did_you_mean(tag, known, n=3)
                raise ValueError(
                    f"list_models(): unknown tag {tag!r}.{hint} Known tags: {', '.join(known)}."
                )
        names = [n for n in names if wanted <= set(_models[n.partition(".")[0]].tags)]
    if pattern is not None:
        patterns = [pattern] if isinstance(pattern, str) else list(pattern)
        names = [n for n in names if any(fnmatch.fnmatchcase(n, p) for p in patterns)]
    return sorted(names)


def describe(name: str) -> dict[str, Any]:
    """Describes a builder or preset as plain data.

    Args:
        name: a builder or preset name.

    Returns:
        A dict with ``name``, ``builder``, ``tags``, ``description``,
        ``reference``, ``arguments`` (each with ``default``, ``type``,
        ``allowed``, ``choices``; a preset's values are the defaults shown),
        ``search_space``, ``backend_speed`` (the architecture's recorded speed on
        each Keras backend, :func:`keras_seqzoo.backend_speed.backend_speed`; ``None``
        when not recorded) and, for a preset, ``preset`` (its own metadata).
    """
    from keras_seqzoo import backend_speed

    entry, preset = resolve(name)
    arguments = {}
    for arg_name, arg in entry.arguments.items():
        data = arg.to_dict()
        if preset is not None and arg_name in preset.arguments:
            value = preset.arguments[arg_name]
            data["default"] = list(value) if isinstance(value, tuple) else value
        arguments[arg_name] = data
    result: dict[str, Any] = {
        "name": name,
        "builder": entry.name,
        "tags": list(entry.tags),
        "description": preset.description if preset and preset.description else entry.description,
        "reference": entry.reference,
        "arguments": arguments,
        "search_space": {k: v.to_dict() for k, v in entry.search_space.items()},
        "backend_speed": backend_speed.backend_speed(name),
    }
    if preset is not None:
        result["preset"] = {
            "name": preset.name,
            "arguments": dict(preset.arguments),
            "reference": preset.reference,
            "slide": preset.slide,
            "data": dict(preset.data),
            "slide_total": preset.slide_total,
            "aliases": list(preset.aliases),
        }
    return result


def format_description(name: str) -> str:
    """Returns :func:`describe` as readable text (what ``seqzoo describe`` prints)."""
    from keras_seqzoo import backend_speed

    info = describe(name)
    lines = [f"{info['name']}: {info['description']}"]
    if info["builder"] != info["name"]:
        lines.append(f"  builder: {info['builder']}")
    if info["tags"]:
        lines.append(f"  tags: {', '.join(info['tags'])}")
    if info["reference"]:
        lines.append(f"  slides: {info['reference']}")
    preset = info.get("preset")
    if preset:
        if preset["reference"]:
            lines.append(f"  reproduces: table {preset['reference']} ({preset['slide']})")
        elif preset["slide"]:
            lines.append(f"  reproduces: {preset['slide']}")
        if preset["data"]:
            lines.append("  data: " + ", ".join(f"{k}={v}" for k, v in preset["data"].items()))
    lines.append(f"  {backend_speed.advice_line(name)}")
    lines.append("  arguments:")
    width = max(len(a) for a in info["arguments"]) if info["arguments"] else 0
    for arg_name, arg in info["arguments"].items():
        lines.append(f"    {arg_name:<{width}}  = {arg['default']!r:<14} {arg['allowed']}")
    if info["search_space"]:
        lines.append("  search space:")
        for arg_name, value in info["search_space"].items():
            fields = ", ".join(f"{k}={v!r}" for k, v in value.items() if k != "type")
            lines.append(f"    {arg_name:<{width}}  {value['type']}({fields})")
    return "\n".join(lines)


def resolved_arguments(name: str, **overrides: Any) -> tuple[ModelEntry, Preset | None, dict]:
    """Validates ``overrides`` on top of a builder's or preset's values.

    Args:
        name: a builder or preset name.
        **overrides: arguments to change.

    Returns:
        ``(entry, preset, arguments)`` with every argument of the builder.
    """
    entry, preset = resolve(name)
    merged = {**(preset.arguments if preset else {}), **overrides}
    return entry, preset, _arguments.validate(name, entry.builder, merged)


def build(name: str, **overrides: Any):
    """Builds a registered model (uncompiled) by builder or preset name.

    Args:
        name: a builder name (``"bilstm"``) or a preset (``"bilstm.imdb_words10k"``).
        **overrides: builder arguments; on a preset they replace single values.

    Returns:
        An uncompiled ``keras.Model`` with an explicit ``keras.Input``. Its
        ``seqzoo_config`` attribute (saved with the model) records the builder,
        the preset and every argument, so it can be rebuilt.

    Raises:
        UnknownModelError: the name is not registered.
        ValueError: an argument is unknown or not allowed; or ``num_classes`` is
            given to a builder without that argument whose model does not predict
            that many classes.

    ``num_classes`` (every built-in builder has it, default 2) sets the head: one
    sigmoid unit for 2 classes, a softmax over ``num_classes`` units for more. A
    preset's head adapts too (``build("bilstm.imdb_words10k", num_classes=8)``).
    A builder registered without a ``num_classes`` argument is built as it is,
    and ``num_classes`` is then checked against its output layer (one unit for
    2 classes, ``num_classes`` units otherwise): a mismatch raises.

    Example:

    ```python
    import keras_seqzoo as zoo
    model = zoo.build("bilstm", vocab_size=20000, max_length=200)
    model = zoo.build("bilstm.imdb_words10k")
    model = zoo.build("bilstm.imdb_words10k", num_classes=8)  # a softmax over 8 classes
    ```
    """
    entry, preset = resolve(name)
    wanted = None
    if "num_classes" in overrides and "num_classes" not in entry.arguments:
        # A builder without the argument (a user's or a plugin's): build it as it is,
        # then refuse a head that does not fit, rather than train a mismatch.
        overrides = dict(overrides)
        wanted = _check_num_classes(name, entry, overrides.pop("num_classes"))
    entry, preset, arguments = resolved_arguments(name, **overrides)
    model = entry.builder(**arguments)
    if wanted is not None:
        _check_head(name, entry, model, wanted)
    config = {
        "builder": entry.name,
        "preset": preset.name if preset else None,
        "arguments": {k: list(v) if isinstance(v, tuple) else v for k, v in arguments.items()},
    }
    try:
        model.seqzoo_config = config
    except AttributeError:  # pragma: no cover - exotic model classes
        pass
    return model


def _check_num_classes(name: str, entry: ModelEntry, value: Any) -> int:
    value = _arguments._python(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 2:
        raise ValueError(
            f"Builder {name!r}: argument 'num_classes' must be an integer >= 2. "
            f"Received: num_classes={value!r}"
        )
    return value


def _check_head(name: str, entry: ModelEntry, model: Any, wanted: int) -> None:
    """Refuses the model of a builder without ``num_classes`` whose head does not fit."""
    outputs = getattr(model, "outputs", None)
    units = outputs[0].shape[-1] if outputs else None
    found = None if units is None else (2 if units == 1 else int(units))
    if found == wanted:
        return
    head = (
        "an output of unknown size" if units is None
        else "one output unit (2 classes)" if units == 1 else f"{units} output units"
    )
    raise ValueError(
        f"Builder {name!r} takes no 'num_classes' argument, and its model has {head}, so "
        f"it cannot predict {wanted} classes. Received: num_classes={wanted}. Add "
        "`num_classes: int = 2` to the builder and end it with Dense(1, "
        "activation='sigmoid') for 2 classes and Dense(num_classes, activation='softmax') "
        "for more (see the guide 'Your own builders and plugin packages')."
    )
