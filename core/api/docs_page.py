"""``/api/v1/docs``: a self-contained HTML reference generated from the OpenAPI document.

No CDN, no script: the template ``api/docs.html`` lists each endpoint and each
entity's fields (type, required, read-only, labels).
"""

from __future__ import annotations

import json
from typing import Any


def _type(schema: dict[str, Any]) -> str:
    if "enum" in schema:
        return "one of " + ", ".join(json.dumps(v) for v in schema["enum"])
    kind = schema.get("type", "any")
    text = " or ".join(kind) if isinstance(kind, list) else str(kind)
    if schema.get("format"):
        text += f" ({schema['format']})"
    if kind == "array" or (isinstance(kind, list) and "array" in kind):
        text += " of " + _type(schema.get("items", {}))
    return text


def render(document: dict[str, Any]) -> str:
    """The HTML page for ``document`` (template ``api/docs.html``): one section per tag, with its
    operations and its schema's fields."""
    from flask import render_template

    schemas = document["components"]["schemas"]
    by_tag: dict[str, list[dict[str, str]]] = {}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method != "parameters":
                by_tag.setdefault(operation["tags"][0], []).append(
                    {"method": method.upper(), "path": path, "summary": operation.get("summary", "")})
    sections = []
    for name, operations in by_tag.items():
        schema = schemas.get(name, {})
        required = set(schemas.get(f"{name}_input", {}).get("required", []))
        fields = [{"name": field, "type": _type(spec), "required": field in required,
                   "readonly": bool(spec.get("readOnly")),
                   "labels": "; ".join(f"{k}: {v}" for k, v in spec.get("x-labels", {}).items())}
                  for field, spec in schema.get("properties", {}).items()]
        sections.append({"name": name, "description": schema.get("description"), "operations": operations,
                         "fields": fields})
    info = document["info"]
    return render_template("api/docs.html", title=info["title"], description=info["description"], sections=sections)
