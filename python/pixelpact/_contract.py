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


def _deepest(error):
    """The most specific error inside a combinator (allOf/anyOf/if-then) error."""
    if not error.context:
        return error
    return max((_deepest(e) for e in error.context), key=lambda e: len(e.absolute_path))


def _contract_error(error) -> ContractError:
    error = _deepest(error)
    path = list(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        # Name the unexpected key itself (the first in sorted order, as the C++ core does).
        known = error.schema.get("properties", {})
        extra = sorted(k for k in error.instance if k not in known)
        if extra:
            return ContractError(_pointer(path + [extra[0]]), f"unknown property {extra[0]!r}")
    if error.validator == "required" and isinstance(error.validator_value, list):
        missing = [k for k in error.validator_value if k not in error.instance]
        if missing:
            return ContractError(_pointer(path), f"missing required property {missing[0]!r}")
    if error.validator == "not" and error.validator_value == {} and "description" in error.schema:
        return ContractError(_pointer(path), error.schema["description"])  # a forbidden property
    return ContractError(_pointer(path), error.message)


def schema_errors(doc: Any) -> list[ContractError]:
    """Every schema violation as a ContractError, sorted by JSON Pointer."""
    errors = [_contract_error(err) for err in _validator().iter_errors(doc)]
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
