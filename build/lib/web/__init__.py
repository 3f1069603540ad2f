"""The site: HTML pages (Jinja2, GOV.UK Design System) and the JSON API over one data path."""
