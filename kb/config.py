"""Settings read at the command's edge: from the environment and .env, or a plain message
naming the variable and exit code 2. (pydantic is imported when settings are read, so
`kb --help` stays quick.)"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from search.settings import Settings

__all__ = ["load_settings"]


def load_settings() -> Settings:
    from pydantic import ValidationError

    from search.settings import Settings

    try:
        return Settings()
    except ValidationError as error:
        for problem in error.errors():
            where = "KB_" + "__".join(str(p).upper() for p in problem["loc"])
            typer.echo(f"Setting {where}: {problem['msg']}", err=True)
        raise typer.Exit(2) from None
