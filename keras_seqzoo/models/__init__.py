"""The built-in model families; importing this package registers them and their presets.

Each family module registers its builders; its presets are data, in
``<family>_presets.py`` (as keras-hub's ``*_presets.py``), registered here by
:func:`keras_seqzoo._registry.register_presets`. The data settings they share
(IMDB words, 10,000 words, 120 tokens...) are written once, in
``_data_settings.py``.
"""

from keras_seqzoo._registry import register_presets
from keras_seqzoo.models import (  # noqa: F401
    attention,
    attention_presets,
    convolutional,
    convolutional_presets,
    ngram,
    ngram_presets,
    pooling,
    pooling_presets,
    recurrent,
    recurrent_presets,
    scan,
    scan_presets,
    temporal,
    temporal_presets,
    transformer,
    transformer_presets,
)

__all__ = [
    "attention",
    "convolutional",
    "ngram",
    "pooling",
    "recurrent",
    "scan",
    "temporal",
    "transformer",
]

# In the order the families registered them before the presets became data.
for _presets in (
    attention_presets.PRESETS,
    convolutional_presets.PRESETS,
    ngram_presets.PRESETS,
    pooling_presets.PRESETS,
    recurrent_presets.PRESETS,
    scan_presets.PRESETS,
    temporal_presets.PRESETS,
    transformer_presets.PRESETS,
):
    register_presets(_presets)
del _presets
