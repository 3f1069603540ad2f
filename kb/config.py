"""Settings read at the command's edge: from the environment and .env, or a plain message
naming the variable and exit code 2. (pydantic is imported when settings are read, so
`kb --help` stays quick.)"""

from __future__ import annotations

import json
import os
import types
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union, get_args, get_origin

import typer

if TYPE_CHECKING:
    from pydantic.fields import FieldInfo

    from search.settings import Settings

__all__ = ["load_settings", "require_library", "undecodable_settings"]

# Containers pydantic-settings reads as JSON from a variable.
_CONTAINERS = (list, dict, set, frozenset, tuple)


def load_settings() -> Settings:
    from pydantic import ValidationError
    from pydantic_settings import SettingsError

    from search.settings import Settings

    try:
        return Settings()
    except ValidationError as error:
        for problem in error.errors():
            where = "KB_" + "__".join(str(p).upper() for p in problem["loc"])
            message = problem["msg"].removeprefix("Value error, ")
            typer.echo(f"Setting {where}: {message}", err=True)
        raise typer.Exit(2) from None
    except SettingsError as error:
        # Raised while a list or mapping is decoded, before validation: it names only the
        # group, so find the variable that is not JSON.
        env_file = Path(str(Settings.model_config.get("env_file") or ".env"))
        found = list(undecodable_settings(os.environ))
        if not found and env_file.is_file():
            from dotenv import dotenv_values

            values = {k: v for k, v in dotenv_values(env_file).items() if v is not None}
            found = [(f"{name} (in {env_file})", e) for name, e in undecodable_settings(values)]
        for name, example in found or [("KB_*", '["a", "b"]')]:
            typer.echo(
                f"Setting {name}: {_cause(error)}; write it as JSON, e.g. {example}", err=True
            )
        raise typer.Exit(2) from None


def require_library(settings: Settings) -> None:
    """Stop with a plain line when the data folder holds no library (no catalogue): a mistyped
    KB_DATA_DIR must not quietly start a new, empty one. Only `kb ingest`, `kb serve` (an
    admin may upload the first documents in the browser) and `kb restore` make one."""
    if not settings.catalogue_path.is_file():
        typer.echo(
            f"There is no library in {settings.data_dir}: check KB_DATA_DIR, "
            "or run `kb ingest` first.",
            err=True,
        )
        raise typer.Exit(1)


def _cause(error: Exception) -> str:
    cause = error.__cause__
    if isinstance(cause, json.JSONDecodeError):
        return f"not valid JSON ({cause.msg})"
    return "could not be read"


def undecodable_settings(values: Mapping[str, str]) -> Iterator[tuple[str, str]]:
    """The KB_ variables among `values` that should hold JSON (a list, a mapping or a whole
    group) but do not: each one's name and an example of what it takes."""
    from search.settings import Settings

    for name, value in sorted(values.items()):
        if not name.upper().startswith("KB_"):
            continue
        field = _field_for(Settings.model_fields, name[3:].lower().split("__"))
        example = _json_example(field) if field is not None else None
        if example is None:
            continue
        try:
            json.loads(value)
        except ValueError:
            yield name.upper(), example


def _field_for(fields: Mapping[str, FieldInfo], parts: list[str]) -> FieldInfo | None:
    from pydantic import BaseModel

    field = fields.get(parts[0])
    if field is None or len(parts) == 1:
        return field
    kind = field.annotation
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        return _field_for(kind.model_fields, parts[1:])
    return None


def _json_example(field: FieldInfo) -> str | None:
    """What a field read as JSON looks like; None for a field read as plain text."""
    from pydantic import BaseModel
    from pydantic_settings import NoDecode

    if any(m is NoDecode or isinstance(m, NoDecode) for m in field.metadata):
        return None
    kinds: tuple[Any, ...] = (field.annotation,)
    if get_origin(field.annotation) in (Union, types.UnionType):
        kinds = get_args(field.annotation)
    for kind in kinds:
        container = get_origin(kind) or kind
        if container is dict:
            return '{"key": "value"}'
        if container in _CONTAINERS:
            return '["first", "second"]'
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            return '{"name": "value"}'
    return None
