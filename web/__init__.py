"""The site: HTML pages (Jinja2, GOV.UK Design System) and the JSON API over one data path.

`web.app.create_app(settings)` builds it; kb serves it. The routes (`routes_*`) are thin: they
read the request, ask the library, build a typed result (`views`, `models`) and hand it to a
template or the JSON API.
"""

__all__ = ["app"]
