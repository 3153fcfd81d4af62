"""The exception a bad contract raises (the bottom of the package: imports nothing)."""
from __future__ import annotations


class ContractError(ValueError):
    """A contract is not valid. ``path`` is the JSON Pointer of the faulty value
    (``""`` for the document itself), ``message`` says what is wrong."""

    def __init__(self, path: str, message: str):
        self.path = path
        self.message = message
        super().__init__(f"{path or '/'}: {message}")


# Shown as pixelpact.ContractError, where it is documented and meant to be caught.
ContractError.__module__ = "pixelpact"
