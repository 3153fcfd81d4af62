"""docs/vocabulary.md is generated from the schema's descriptions
(docs/generate_vocabulary.py) and must not drift from it; and it names every
field, op and engine the schema has."""
from __future__ import annotations

import importlib.util
import json

from helpers import ROOT

SCHEMA = ROOT / "schema" / "pixelpact.schema.json"
DOC = ROOT / "docs" / "vocabulary.md"


def generator():
    spec = importlib.util.spec_from_file_location("generate_vocabulary", ROOT / "docs" / "generate_vocabulary.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_vocabulary_is_generated_from_the_schema():
    expected = generator().generate(json.loads(SCHEMA.read_text(encoding="utf-8")))
    assert DOC.read_text(encoding="utf-8") == expected, (
        "docs/vocabulary.md is out of date: run python docs/generate_vocabulary.py")


def test_vocabulary_names_every_op_engine_and_field():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    text = DOC.read_text(encoding="utf-8")
    for op in schema["$defs"]["step"]["properties"]["op"]["enum"]:
        assert f"`{op}`" in text, op
    for engine in schema["$defs"]["resize"]["properties"]["engine"]["enum"]:
        assert f'engine `"{engine}"`' in text, engine
    for name, node in schema["$defs"].items():
        for field in node.get("properties", {}):
            assert f"`{field}`" in text or field == "op", (name, field)


def test_a_changed_description_changes_the_document():
    """The drift check can fail: editing a description changes the output."""
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    schema["$defs"]["crop"]["properties"]["top"]["description"] = "CHANGED"
    assert "CHANGED" in generator().generate(schema)
