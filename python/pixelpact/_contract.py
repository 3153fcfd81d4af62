"""Contract documents: reading, JSON Schema validation, error reporting."""
from __future__ import annotations

import functools
import json
import math
import os
from importlib import resources
from typing import Any, Mapping, Union

from . import _native
from ._errors import ContractError

__all__ = ["ContractError", "ContractSource", "check_document", "load_schema", "read_document", "schema_errors",
           "validate"]

ContractSource = Union[str, bytes, os.PathLike, Mapping[str, Any]]


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


# Arrays and objects may nest at most this deep (the root is level 1; a contract
# needs 4): the C++ core's limit (cpp/src/json/json_reader.hpp), checked here first so Python
# gives the same error instead of a RecursionError.
MAX_JSON_NESTING = 64


def _check_json_values(doc: Any) -> None:
    """Refuse nesting deeper than MAX_JSON_NESTING and non-finite numbers (1e400
    reads as inf), naming the first offender in document order as the core does.
    Iterative, so any depth is safe."""
    stack = [(doc, (), 1)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, (dict, list, tuple)):
            if depth > MAX_JSON_NESTING:
                raise ContractError(
                    _pointer(path),
                    f"arrays and objects nest deeper than {MAX_JSON_NESTING} levels (the limit of this library)",
                )
            items = value.items() if isinstance(value, dict) else enumerate(value)
            stack.extend(reversed([(child, path + (key,), depth + 1) for key, child in items]))
        elif isinstance(value, float) and not math.isfinite(value):
            raise ContractError(_pointer(path), f"number out of range (not a finite double): {value!r}")


def _core_parse_error(text: str) -> ContractError:
    """The C++ core's error for JSON text Python's json module cannot read
    (nesting beyond the interpreter's recursion limit)."""
    try:
        _native.compile_contract(text)
    except ContractError as err:
        return err
    return ContractError("", f"arrays and objects nest deeper than {MAX_JSON_NESTING} levels")


def read_document(source: ContractSource) -> dict:
    """A contract as a dict, from a dict, JSON text, or a path to a JSON file."""
    if isinstance(source, Mapping):
        _check_json_values(source)
        try:
            return json.loads(json.dumps(source))  # a private deep copy, JSON types only
        except (TypeError, ValueError) as exc:
            raise ContractError("", f"not JSON data: {exc}") from None
    if isinstance(source, bytes):
        source = source.decode("utf-8")
    if isinstance(source, str) and source.lstrip()[:1] in ("{", "["):
        text = source
    else:
        with open(os.fspath(source), encoding="utf-8") as f:
            text = f.read()
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ContractError("", f"not valid JSON: {exc}") from None
    except RecursionError:
        raise _core_parse_error(text) from None
    _check_json_values(doc)
    return doc


def _deepest(error):
    """The most specific error inside a combinator (allOf/anyOf/if-then) error."""
    if not error.context:
        return error
    return max((_deepest(e) for e in error.context), key=lambda e: len(e.absolute_path))


def _engines_with_field(field: str) -> list:
    """The resize engines whose $defs/resize_<engine> lists `field`, in schema order."""
    defs = json.loads(_schema_text())["$defs"]
    return [name[len("resize_"):] for name, d in defs.items()
            if name.startswith("resize_") and field in d.get("properties", {})]


def _contract_error(error) -> ContractError:
    error = _deepest(error)
    path = list(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        # Name the unexpected key itself (the first in sorted order, as the C++ core does).
        known = error.schema.get("properties", {})
        extra = sorted(k for k in error.instance if k not in known)
        if extra:
            owners = _engines_with_field(extra[0]) if error.instance.get("op") == "resize" else []
            if owners:  # another engine's field, as the C++ core says it
                names = " and ".join(", ".join(f"'{e}'" for e in owners).rsplit(", ", 1))
                return ContractError(_pointer(path + [extra[0]]),
                                     f"{extra[0]} applies only to engine{'s' if len(owners) > 1 else ''} {names}, "
                                     f"not {error.instance.get('engine')!r}")
            return ContractError(_pointer(path + [extra[0]]), f"unknown property {extra[0]!r}")
    if error.validator == "required" and isinstance(error.validator_value, list):
        missing = [k for k in error.validator_value if k not in error.instance]
        if missing:
            return ContractError(_pointer(path), f"missing required property {missing[0]!r}")
    if error.validator == "not" and error.validator_value == {} and "description" in error.schema:
        return ContractError(_pointer(path), error.schema["description"])  # a forbidden property
    message = error.message
    if len(message) > 300:  # jsonschema quotes the offending value whole
        message = message[:297] + "..."
    return ContractError(_pointer(path), message)


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
    doc = read_document(source)
    _native.compile_contract(check_document(doc))
    return doc
