"""The pipeline options every loader shares: one dataclass, :class:`DataOptions`."""

from __future__ import annotations

import dataclasses
import os
from typing import Any, Mapping

from keras_seqzoo._values import did_you_mean

__all__ = ["DEFAULT_MAX_LENGTH", "PROTOCOLS", "KEEPS", "DataOptions", "make_options"]

#: The sequence length each encoding gets unless ``max_length`` is given: 120 words as in
#: the slides, the whole text (variable-length, bucketed batches) for subwords.
DEFAULT_MAX_LENGTH: Mapping[str, int | None] = {"words": 120, "subwords": None}
#: ``"sound"``: train, a validation split to select on, a test split touched once.
#: ``"slides"``: the test split serves as validation (the slides' way); no test split.
PROTOCOLS = ("sound", "slides")
#: Which end of a long text is kept when it is cut to ``max_length``.
KEEPS = ("first", "last")


@dataclasses.dataclass(frozen=True)
class DataOptions:
    """How a data set is split, encoded and batched; shared by every loader.

    :func:`~keras_seqzoo.datasets.load_data`, :func:`~keras_seqzoo.datasets.load_imdb`,
    :func:`~keras_seqzoo.datasets.load_text_files` and
    :func:`~keras_seqzoo.datasets.from_texts` take these as keyword arguments
    (``load_imdb(batch_size=64)``) or as one object (``options=DataOptions(...)``).

    Args:
        encoding: ``"words"`` (a :class:`WordEncoder`) or ``"subwords"``.
        vocab_size: the vocabulary size; ``None``: 10,000 words or a 2**13 subword target.
        max_length: the sequence length, or ``None`` for variable-length, bucketed batches.
            :func:`make_options` takes 120 for words and ``None`` for subwords when it is
            not given.
        keep: ``"first"`` (the default) keeps a long text's first ``max_length`` tokens,
            ``"last"`` its last ones (as ``keras.datasets.imdb`` does).
        batch_size: the batch size of every pipeline.
        shuffle: reshuffle ``train`` every epoch.
        seed: the shuffling seed (a model's seed; :meth:`TextClassificationData.with_seed`
            changes it).
        bucket: batch by length; ``None``: when ``max_length`` is ``None``.
        limit: a class-balanced, seeded sample per split: an int for every split, or a
            tuple ``(train, validation)`` / ``(train, validation, test)`` of ints or ``None``.
        protocol: ``"sound"`` (the default) or ``"slides"``, see :data:`PROTOCOLS`.
        validation_fraction: the stratified fraction of train held out as validation when
            no validation split is given.
        test_fraction: the stratified fraction of train held out as test when the data has
            no test split (protocol ``"sound"``).
        split_seed: the data seed: it draws the held-out fractions (and the ``limit``
            sample), the same for every model and model seed of a run.
        cache_dir: the cache folder (``None``: ``$KERAS_SEQZOO_CACHE`` or Keras' home).
        use_cache: read and write the cache.
        encoder_options: other arguments of the encoder, e.g. ``{"standardize": "lower"}``.

    Example:

    ```python
    from keras_seqzoo import datasets
    options = datasets.DataOptions(max_length=400, keep="last", batch_size=64)
    data = datasets.load_data("imdb", options=options)
    ```
    """

    encoding: str = "words"
    vocab_size: int | None = None
    max_length: int | None = 120
    keep: str = "first"
    batch_size: int = 32
    shuffle: bool = True
    seed: int = 0
    bucket: bool | None = None
    limit: int | tuple[int | None, ...] | None = None
    protocol: str = "sound"
    validation_fraction: float = 0.1
    test_fraction: float = 0.1
    split_seed: int = 0
    cache_dir: str | os.PathLike | None = None
    use_cache: bool = True
    encoder_options: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        def bad(name: str, allowed: str) -> ValueError:
            return ValueError(
                f"DataOptions: {name} must be {allowed}. Received: {name}={getattr(self, name)!r}"
            )

        if self.encoding not in DEFAULT_MAX_LENGTH:
            raise bad("encoding", "'words' or 'subwords'")
        if self.keep not in KEEPS:
            raise bad("keep", "'first' or 'last'")
        if self.protocol not in PROTOCOLS:
            raise bad("protocol", "'sound' or 'slides'")
        if not isinstance(self.batch_size, int) or isinstance(self.batch_size, bool) or self.batch_size < 1:
            raise bad("batch_size", "a positive int")
        if self.max_length is not None and (
            not isinstance(self.max_length, int) or isinstance(self.max_length, bool) or self.max_length < 1
        ):
            raise bad("max_length", "a positive int, or None for variable-length batches")
        for name in ("validation_fraction", "test_fraction"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
                raise bad(name, "a fraction strictly between 0 and 1, e.g. 0.1")
        if self.validation_fraction + self.test_fraction >= 1:
            raise ValueError(
                "DataOptions: validation_fraction + test_fraction must leave some training "
                f"data. Received: {self.validation_fraction} + {self.test_fraction}"
            )
        for name in ("seed", "split_seed"):
            if not isinstance(getattr(self, name), int):
                raise bad(name, "an int")
        object.__setattr__(self, "encoder_options", dict(self.encoder_options or {}))

    def pipeline(self) -> dict[str, Any]:
        """Returns the options as a JSON-ready dict (for ``info``)."""
        out = dataclasses.asdict(self)
        out["cache_dir"] = str(self.cache_dir) if self.cache_dir is not None else None
        return out


_FIELDS = tuple(f.name for f in dataclasses.fields(DataOptions))


def make_options(
    function: str, options: DataOptions | None = None, **settings: Any
) -> DataOptions:
    """Returns ``options`` updated by keyword ``settings`` (the loaders' keyword arguments).

    ``max_length`` defaults to :data:`DEFAULT_MAX_LENGTH` of the encoding when neither
    ``options`` nor ``settings`` give it. Keywords that are not options but arguments of
    the encoder (``standardize``, ``split``, ``max_subword_length``) go to
    ``encoder_options``.

    Args:
        function: the calling function's name, for error messages.
        options: a :class:`DataOptions` to start from.
        **settings: option names and values.

    Returns:
        The :class:`DataOptions`.

    Raises:
        TypeError: an unknown keyword (with the closest option named).
    """
    encoder_keys = {"standardize", "split", "max_subword_length"}
    encoder_options = {k: settings.pop(k) for k in list(settings) if k in encoder_keys}
    unknown = [k for k in settings if k not in _FIELDS]
    if unknown:
        raise TypeError(
            f"{function}() got an unexpected keyword argument {unknown[0]!r}; the data options "
            f"are {', '.join(_FIELDS)}.{did_you_mean(unknown[0], _FIELDS)}"
        )
    if options is None:
        encoding = settings.get("encoding", "words")
        if "max_length" not in settings and encoding in DEFAULT_MAX_LENGTH:
            settings["max_length"] = DEFAULT_MAX_LENGTH[encoding]
        if encoder_options:
            settings["encoder_options"] = {**settings.get("encoder_options", {}), **encoder_options}
        return DataOptions(**settings)
    if encoder_options:
        settings["encoder_options"] = {**options.encoder_options, **encoder_options}
    return dataclasses.replace(options, **settings) if settings else options
