"""Security headers on every response: a strict Content-Security-Policy and its companions."""

from __future__ import annotations

import base64
import hashlib
import re
from importlib.resources import files

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "GOVUK_TEMPLATE",
    "PRIVATE_PREFIXES",
    "SecurityHeaders",
    "build_policy",
    "build_security_headers",
    "hash_inline_scripts",
    "is_private",
    "read_govuk_script_hashes",
]

# GOV.UK's page template carries one fixed inline script (it marks the page as having
# JavaScript before anything draws). It is allowed by its hash; nothing else inline runs.
GOVUK_TEMPLATE = ("govuk_frontend_jinja", "templates/template.html")
_INLINE_SCRIPT = re.compile(r"<script\b[^>]*>(.*?)</script>", re.DOTALL)

# Pages that show a signed-in person's view, or admin state, must never sit in a cache.
PRIVATE_PREFIXES = ("/admin",)


def hash_inline_scripts(html: str) -> list[str]:
    """CSP hash sources ('sha256-…') for the body of each inline script in `html`."""
    out = []
    for body in _INLINE_SCRIPT.findall(html):
        if not body:  # a script loaded from a file
            continue
        digest = hashlib.sha256(body.encode()).digest()
        out.append(f"'sha256-{base64.b64encode(digest).decode()}'")
    return out


def read_govuk_script_hashes() -> list[str]:
    package, name = GOVUK_TEMPLATE
    return hash_inline_scripts(files(package).joinpath(name).read_text(encoding="utf-8"))


def build_policy(script_hashes: list[str]) -> str:
    """The Content-Security-Policy: our own files only, no inline script but the hashed ones."""
    directives = {
        "default-src": "'self'",
        "script-src": " ".join(["'self'", *script_hashes]),
        "style-src": "'self'",
        "img-src": "'self' data:",
        "font-src": "'self'",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def is_private(scope: Scope) -> bool:
    """Admin pages, and any request that carries a sign-in (a password or a cookie)."""
    if str(scope.get("path", "")).startswith(PRIVATE_PREFIXES):
        return True
    return any(name in (b"authorization", b"cookie") for name, _ in scope.get("headers", []))


def build_security_headers(policy: str) -> dict[str, str]:
    """The headers every response carries, the policy among them."""
    return {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    }


class SecurityHeaders:
    """ASGI middleware that adds the headers to every response the app sends."""

    def __init__(self, app: ASGIApp, headers: dict[str, str]) -> None:
        self.app = app
        self.fixed = headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        private = is_private(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.fixed.items():
                    headers[name] = value
                if private:
                    # What a signed-in person sees may be above a visitor's level.
                    headers["Cache-Control"] = "no-store"
                    headers.add_vary_header("Cookie")
            await send(message)

        await self.app(scope, receive, send_with_headers)
