"""``SeqzooModel``: a functional ``keras.Model`` that remembers how it was built.

Built-in builders return this class so that the builder name, the preset and
every argument travel inside a saved ``.keras`` file. It is registered with
Keras' serialization when ``keras_seqzoo`` is imported, so
``keras.saving.load_model("m.keras")`` needs no ``custom_objects``.
"""

from __future__ import annotations

from typing import Any

import keras

__all__ = ["SeqzooModel"]


@keras.saving.register_keras_serializable(package="keras_seqzoo")
class SeqzooModel(keras.Model):
    """A functional model with a ``seqzoo_config`` attribute.

    ``seqzoo_config`` is ``{"builder": ..., "preset": ..., "arguments": {...}}``
    (set by :func:`keras_seqzoo.build`), saved with the model and restored on load;
    ``keras_seqzoo.build(config["builder"], **config["arguments"])`` rebuilds it.

    Args:
        inputs: the model's ``keras.Input``.
        outputs: the output tensor.
        name: the model name.
        **kwargs: passed to ``keras.Model``; ``seqzoo_config`` is taken out first.
    """

    def __init__(self, inputs, outputs, name=None, **kwargs):
        seqzoo_config = kwargs.pop("seqzoo_config", None)
        super().__init__(inputs=inputs, outputs=outputs, name=name, **kwargs)
        self.seqzoo_config: dict[str, Any] | None = seqzoo_config

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["seqzoo_config"] = self.seqzoo_config
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        seqzoo_config = config.pop("seqzoo_config", None)
        model = super().from_config(config, custom_objects=custom_objects)
        model.seqzoo_config = seqzoo_config
        return model
