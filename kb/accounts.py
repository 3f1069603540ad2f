"""`kb users add | remove | list`: the accounts that may sign in to the site (no default ones)."""

from __future__ import annotations

import getpass
import os
import sys
from typing import Annotated

import typer

from kb.config import load_settings

__all__ = ["ROLE_HELP", "add_user", "list_users", "remove_user", "users_app"]

users_app = typer.Typer(no_args_is_help=True, help="Manage who can sign in to the site.")

ROLE_HELP = "partner (sees partner work), staff (sees internal work too) or admin"


def _actor() -> str:
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = str(os.getuid()) if hasattr(os, "getuid") else "unknown"
    return f"kb command ({name})"


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("New password: ")
    if getpass.getpass("The same password again: ") != first:
        typer.echo("The two passwords are not the same. Nothing was changed.", err=True)
        raise typer.Exit(1)
    return first


@users_app.command("add")
def add_user(
    name: Annotated[str, typer.Argument(help="The user name they will sign in with")],
    role: Annotated[str, typer.Option(help=ROLE_HELP)] = "partner",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input")
    ] = False,
) -> None:
    """Add an account. You are asked for its password; there is never a default one."""
    from web.passwords import password_problem
    from web.users import USER_ROLES, AccountError, UserStore, check_name

    settings = load_settings()
    if role not in USER_ROLES:
        typer.echo(f"The role must be one of: {', '.join(USER_ROLES)}.", err=True)
        raise typer.Exit(2)
    try:
        name = check_name(name)
    except AccountError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from None
    password = _read_password(password_stdin)
    problem = password_problem(password, name, settings.accounts.min_password_length, "their")
    if problem:
        typer.echo(problem, err=True)
        raise typer.Exit(2)
    users = UserStore(settings.users_path)
    try:
        users.add_user(name, role, password)
        users.audit(_actor(), "add user", f"{name} as {role}")
    except AccountError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from None
    finally:
        users.close()
    typer.echo(f"Added {name} ({role}).")


@users_app.command("remove")
def remove_user(name: Annotated[str, typer.Argument(help="The user name to remove")]) -> None:
    """Remove an account and sign it out everywhere (never the last admin account)."""
    from web.users import AccountError, UserStore

    settings = load_settings()
    users = UserStore(settings.users_path)
    try:
        if not users.remove_user(name):
            typer.echo(f"There is no user called {name}.", err=True)
            raise typer.Exit(1)
        users.audit(_actor(), "remove user", name)
    except AccountError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from None
    finally:
        users.close()
    typer.echo(f"Removed {name}.")


@users_app.command("list")
def list_users() -> None:
    """List every account, its role and how many devices it is signed in on."""
    from web.users import UserStore

    users = UserStore(load_settings().users_path)
    try:
        sessions = users.session_counts()
        for user in users.users():
            typer.echo(f"{user.name}\t{user.role}\t{sessions.get(user.name, 0)} session(s)")
    finally:
        users.close()
