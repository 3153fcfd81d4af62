"""Contract documents: reading, JSON Schema validation, error reporting."""
from __future__ import annotations

import functools
import json
import os
from importlib import resources
from typing import Any, Mapping, Union

ContractSource = Union[str, bytes, os.PathLike, Mapping[str, Any]]


class ContractError(ValueError):
    """A contract is not valid. ``path`` is the JSON Pointer of the faulty value
    (``""`` for the document itself), ``message`` says what is wrong."""

    def __init__(self, path: str, message: str):
        self.path = path
        self.message = message
        super().__init__(f"{path or '/'}: {message}")


@functools.lru_cache(maxsize=None)
def _schema_text() -> str:
    return resources.files("pixelpact").joinpath("pixelpact.schema.json").read_text("utf-8")


def load_schema() -> dict:
    """The contract JSON Schema (2020-12) as a dict."""
    return json.loads(_schema_text())


@functools.lru_cache(maxsize=None)
def _validator():
    import jsonschema

    schema = json.loads(_schema_text())
    return jsonschema.Draft202012Validator(schema)


def _pointer(parts) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def read_document(source: ContractSource) -> dict:
    """A contract as a dict, from a dict, JSON text, or a path to a JSON file."""
    if isinstance(source, Mapping):
        return json.loads(json.dumps(source))  # a private deep copy, JSON types only
    if isinstance(source, bytes):
        source = source.decode("utf-8")
    if isinstance(source, str) and source.lstrip().startswith("{"):
        text = source
    else:
        with open(os.fspath(source), encoding="utf-8") as f:
            text = f.read()
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ContractError("", f"not valid JSON: {exc}") from None
    return doc


def schema_errors(doc: Any) -> list[ContractError]:
    """Every schema violation, deepest path first within each branch."""
    import jsonschema

    errors = []
    for err in _validator().iter_errors(doc):
        best = jsonschema.exceptions.best_match([err])
        errors.append(ContractError(_pointer(best.absolute_path), best.message))
    errors.sort(key=lambda e: e.path)
    return errors


def check_document(doc: Any) -> str:
    """Validate with the schema, then with the C++ core (the one interpreter,
    which also checks what a schema cannot: step order, max_size > size).
    Returns the JSON text handed to the core."""
    errors = schema_errors(doc)
    if errors:
        raise errors[0]
    return json.dumps(doc)


def validate(source: ContractSource) -> dict:
    """Raise ContractError if ``source`` is not a valid contract; return it as a dict."""
    from ._pipeline import _compile

    doc = read_document(source)
    _compile(check_document(doc))
    return doc
