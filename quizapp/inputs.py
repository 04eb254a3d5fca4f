"""Every request bounded before a view sees it: body size per route, integers that fit the database, no NUL
or other control characters, JSON no deeper than any real request.

What each refusal prevents (all were 500s, or a stored 29 MiB answer, before):
- body size: the default is small (forms and API calls are a few KB); the upload and import routes, which take
  files, have their own limits (`BODY_LIMITS`). Over it: 413 before the body is read.
- integers: `<int:...>` in URLs and the integer form/query fields (`INTEGER_FIELDS`) must fit a 32-bit
  column (PostgreSQL answers "integer out of range" otherwise): 404 for a URL, 400 for a field.
- NUL and C0/C1 control characters (tab, newline and carriage return allowed in fields) in the path, query and
  form fields, and in JSON strings: PostgreSQL refuses NUL in text, and the others have no business in input.
- JSON nested deeper than `MAX_JSON_DEPTH`: 400 (Python's parser raised RecursionError: a 500).
"""
from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from flask import Flask, abort, request
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from werkzeug.routing import IntegerConverter

INT32_MAX = 2**31 - 1
DEFAULT_BODY_LIMIT = 256 * 1024
BODY_LIMITS = {  # endpoint -> bytes (None: the app's MAX_CONTENT_LENGTH)
    "packs.upload": None,
    "export.import_progress": 17 * 1024 * 1024,  # quizapp.export.routes.MAX_IMPORT_BYTES and the form around it
}
MAX_JSON_DEPTH = 32
INTEGER_FIELDS = {name: INT32_MAX for name in ("seed", "card", "elapsed_ms", "state_version", "rating", "new_per_day",
                                                "reviews_per_day", "rollover_hour", "pack", "number", "user_id",
                                                "card_id")}
INTEGER_FIELDS["shown"] = 2**53  # a time in milliseconds
# C0 and C1 control characters (fields may hold tab, newline and carriage return), as compiled character classes:
# one C-level scan per value instead of a Python generator step per character (every request checks its fields).
_FIELD_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_PATH_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")


class Int32Converter(IntegerConverter):
    """`<int:...>` that matches only values a 32-bit column holds: a larger id is a 404, not a database error."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002 - werkzeug's signature
        kwargs.setdefault("max", INT32_MAX)
        super().__init__(map, *args, **kwargs)


def bad_text(value: str, path: bool = False) -> bool:
    return (_PATH_CONTROLS if path else _FIELD_CONTROLS).search(value) is not None


def _json_problem(value: Any) -> Any:
    """Why a parsed JSON body is refused (None: fine): too deep, or a control character in a string."""
    stack = [(value, 1, "$")]
    while stack:
        item, depth, where = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > MAX_JSON_DEPTH:
                return _l("%(where)s: nested more than %(depth)s levels deep", where=where, depth=MAX_JSON_DEPTH)
            pairs = item.items() if isinstance(item, dict) else enumerate(item)
            for key, child in pairs:
                if isinstance(key, str) and bad_text(key):
                    return _l("%(where)s: a key contains a control character", where=where)
                stack.append((child, depth + 1, f"{where}.{key}" if isinstance(key, str) else f"{where}[{key}]"))
        elif isinstance(item, str) and bad_text(item):
            return _l("%(where)s: contains a NUL or other control character", where=where)
    return None


def refuse(status: int, message: Any):
    request.environ["quizapp.input_problem"] = message  # shown by the error page / API error body
    abort(status, description=message)


def check_request() -> None:
    endpoint = request.endpoint or ""
    limit = BODY_LIMITS.get(endpoint, DEFAULT_BODY_LIMIT)
    if limit is not None:
        request.max_content_length = limit
        if request.content_length is not None and request.content_length > limit:
            refuse(413, _l("the request body is larger than %(kib)s KiB", kib=limit // 1024))
    if bad_text(request.path, path=True):
        refuse(400, _l("the address contains a control character"))
    fields = [("query", request.args)]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        fields.append(("form", request.form))
    for _where, values in fields:
        for name, value in values.items(multi=True):
            if bad_text(name) or bad_text(value):
                refuse(400, _l("field %(name)s contains a NUL or other control character", name=repr(name[:40])))
            digits = value.strip().lstrip("+-")
            too_big = digits.isdigit() and (len(digits) > 20 or abs(int(value)) > INTEGER_FIELDS.get(name, 0))
            if name in INTEGER_FIELDS and too_big:
                refuse(400, _l("field %(name)s is out of range", name=repr(name)))
    if request.is_json and request.content_length:
        try:
            body = request.get_json(silent=True)
        except RecursionError:
            refuse(400, _l("the JSON body is nested more than %(depth)s levels deep", depth=MAX_JSON_DEPTH))
        problem = _json_problem(body) if body is not None else None
        if problem:
            refuse(400, problem)


def caller_key() -> str:
    """Rate-limit key: the API token (hashed), else the logged-in user, else the client address."""
    from flask_limiter.util import get_remote_address
    from flask_login import current_user

    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return "token:" + hashlib.sha256(header.encode()).hexdigest()[:32]
    if current_user.is_authenticated:
        return f"user:{current_user.get_id()}"
    return "address:" + (get_remote_address() or "")


def isolate(value: Any) -> Markup:
    """Text someone else typed (a name, an email, a class name), escaped and wrapped in <bdi>: right-to-left
    or override characters in it cannot reorder the text around it on the page."""
    return Markup("<bdi>%s</bdi>") % ("" if value is None else str(value))


def init_inputs(app: Flask) -> None:
    """Call before the blueprints are registered: their `<int:...>` rules take the converter when added."""
    app.url_map.converters["int"] = Int32Converter
    app.before_request(check_request)
    app.add_template_filter(isolate, "bdi")


def loads_bounded(text: str | bytes) -> Any:
    """json.loads for bodies read by hand: ValueError (not RecursionError) when nested too deeply."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError(f"nested more than {MAX_JSON_DEPTH} levels deep") from None
