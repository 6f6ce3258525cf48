"""The data settings that presets expect, each written once.

A preset's ``data`` says what data it was made for, so that the comparison runner
loads matching data (``encoding``, ``vocab_size``, ``max_length``). Plain data:
importing this module imports nothing else.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any, Mapping

__all__ = ["IMDB_SUBWORDS8K", "IMDB_WORDS10K", "PresetTable", "WORDS1K_LEN120"]

#: A family's presets: ``"arch.tag": {"arguments": {...}, "metadata": {...}}``, the metadata
#: being :func:`keras_seqzoo.register_preset`'s keyword arguments.
PresetTable = dict[str, dict[str, Any]]

#: IMDB as the slides' word models read it: the 10,000 most frequent words, 120 tokens.
IMDB_WORDS10K: Mapping[str, Any] = MappingProxyType(
    {"encoding": "words", "vocab_size": 10000, "max_length": 120}
)
#: IMDB in TensorFlow Datasets' 8k subwords (``imdb_reviews/subwords8k``), any length.
IMDB_SUBWORDS8K: Mapping[str, Any] = MappingProxyType(
    {"encoding": "subwords", "vocab_size": 8185, "max_length": None}
)
#: The slides' Conv1D table (T3): 1,000 words, 120 tokens.
WORDS1K_LEN120: Mapping[str, Any] = MappingProxyType(
    {"encoding": "words", "vocab_size": 1000, "max_length": 120}
)
