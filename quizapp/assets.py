"""Static files with cache headers: a content hash in every URL the app generates, cached for a year.

`url_for('static', filename='app.css')` gives `/static/app.css?v=<12 hex digits of its SHA-256>`. A request
carrying the current hash is answered with `Cache-Control: public, max-age=31536000, immutable`: browsers and
proxies keep the file and never ask again, and a deploy that changes the file changes its URL. Any other
request for a static file (no hash, or an old one) gets `no-cache`: the browser revalidates with the ETag that
Flask sends and gets a 304 when nothing changed. Hashes are computed on first use, not at import, and
recomputed when the file's size or modification time changes.
"""
from __future__ import annotations

import hashlib
import os
from typing import Any

from flask import Flask, Response, current_app, request

YEAR = 365 * 24 * 3600
_versions: dict[str, tuple[int, int, str]] = {}


def static_version(app: Flask, filename: str) -> str | None:
    if not app.static_folder:
        return None
    path = os.path.join(app.static_folder, filename)
    try:
        stat = os.stat(path)
    except OSError:
        return None
    cached = _versions.get(path)
    if cached and cached[:2] == (stat.st_mtime_ns, stat.st_size):
        return cached[2]
    with open(path, "rb") as handle:
        digest = hashlib.sha256(handle.read()).hexdigest()[:12]
    _versions[path] = (stat.st_mtime_ns, stat.st_size, digest)
    return digest


def _add_version(endpoint: str, values: dict[str, Any]) -> None:
    if endpoint == "static" and "filename" in values and "v" not in values:
        version = static_version(current_app, values["filename"])
        if version:
            values["v"] = version


def _cache_static(response: Response) -> Response:
    if request.endpoint != "static" or response.status_code not in (200, 304):
        return response
    filename = (request.view_args or {}).get("filename", "")
    version = request.args.get("v")
    if version and version == static_version(current_app, filename):
        response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    else:
        response.headers["Cache-Control"] = "no-cache"
    return response


def init_assets(app: Flask) -> None:
    app.url_defaults(_add_version)
    app.after_request(_cache_static)
