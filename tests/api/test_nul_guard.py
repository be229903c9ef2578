"""Finding 9 of the 2026-12 security review (a NUL byte gave a 500 on PostgreSQL), for the API.

Every free-text field of every request body the API takes refuses NUL characters with a clear
400, so a new schema field cannot slip through without the guard: this test reads the schemas."""

import typing

import pytest
from pydantic import ValidationError

from api import schemas


def _is_text(annotation) -> bool:
    if annotation is str:
        return True
    return typing.get_origin(annotation) is list and typing.get_args(annotation) == (str,)


def _has_pattern(field) -> bool:
    return any(getattr(meta, "pattern", None) for meta in field.metadata)


INPUT_SCHEMAS = [
    cls
    for name, cls in vars(schemas).items()
    if name.endswith("In") and isinstance(cls, type) and issubclass(cls, schemas.Schema)
]


def test_there_are_input_schemas_to_check():
    assert {"AskIn", "ReplyIn"} <= {cls.__name__ for cls in INPUT_SCHEMAS}


@pytest.mark.parametrize("schema", INPUT_SCHEMAS, ids=lambda cls: cls.__name__)
def test_every_free_text_field_refuses_nul(schema):
    guarded = {
        field
        for decorator in schema.__pydantic_decorators__.field_validators.values()
        if decorator.func is schemas.refuse_nul
        for field in decorator.info.fields
    }
    text_fields = {
        name
        for name, field in schema.model_fields.items()
        if _is_text(field.annotation) and not _has_pattern(field)
    }
    assert text_fields <= guarded, f"{schema.__name__}: add refuse_nul to {sorted(text_fields - guarded)}"


def test_a_nul_in_a_question_is_a_validation_error_naming_it():
    with pytest.raises(ValidationError, match="NUL"):
        schemas.AskIn(title="Hello\x00", body="Body", category="billing")
