"""A layer's ``get_config``: its parent's config plus the arguments it keeps as attributes."""

from __future__ import annotations

from typing import Any

__all__ = ["config_with"]


def config_with(config: dict[str, Any], layer: Any, *names: str) -> dict[str, Any]:
    """Returns ``config`` plus ``layer``'s attributes ``names``, each under its own name.

    The layers here keep each constructor argument as an attribute of the same
    name, so their config is the parent's plus those attributes.

    Args:
        config: the parent class' ``get_config()``.
        layer: the layer.
        *names: the constructor arguments, in the order the config lists them.

    Returns:
        A new dict: ``config``'s entries, then ``{name: getattr(layer, name)}``.

    Example:

    ```python
    def get_config(self):
        return config_with(super().get_config(), self, "units", "dropout")
    ```
    """
    return {**config, **{name: getattr(layer, name) for name in names}}
