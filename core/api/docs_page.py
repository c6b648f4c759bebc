"""``/api/v1/docs``: a self-contained HTML reference generated from the OpenAPI document.

No CDN, no script: one page with inline CSS listing each endpoint and each
entity's fields (type, required, read-only, labels).
"""

from __future__ import annotations

import json
from typing import Any

from markupsafe import escape

_CSS = """body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
h2{border-bottom:1px solid #ddd;margin-top:2.5rem}table{border-collapse:collapse;width:100%}
td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:start;vertical-align:top}code{background:#f4f4f4}
.m{font-weight:bold;display:inline-block;min-width:4.5rem}"""


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
    """The HTML page for ``document``."""
    schemas = document["components"]["schemas"]
    out = ["<!doctype html><html lang='en'><head><meta charset='utf-8'>",
           f"<title>{escape(document['info']['title'])}</title><style>{_CSS}</style></head><body>",
           f"<h1>{escape(document['info']['title'])}</h1><p>{escape(document['info']['description'])}</p>",
           "<p>Send <code>Authorization: Bearer &lt;token&gt;</code> with every request. The machine-readable "
           "document is <a href='openapi.json'>openapi.json</a>.</p>"]
    by_tag: dict[str, list[tuple[str, str, dict]]] = {}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method != "parameters":
                by_tag.setdefault(operation["tags"][0], []).append((method.upper(), path, operation))
    for name, operations in by_tag.items():
        schema = schemas.get(name, {})
        out.append(f"<h2 id='{escape(name)}'>{escape(name)}</h2>")
        if schema.get("description"):
            out.append(f"<p>{escape(schema['description'])}</p>")
        out.append("<ul>")
        for method, path, operation in operations:
            out.append(f"<li><span class='m'>{method}</span> <code>{escape(path)}</code> — "
                       f"{escape(operation.get('summary', ''))}</li>")
        out.append("</ul><table><tr><th>Field</th><th>Type</th><th>Required</th><th>Read-only</th>"
                   "<th>Label</th></tr>")
        required = set(schemas.get(f"{name}_input", {}).get("required", []))
        for field, spec in schema.get("properties", {}).items():
            labels = "; ".join(f"{k}: {v}" for k, v in spec.get("x-labels", {}).items())
            out.append(f"<tr><td><code>{escape(field)}</code></td><td>{escape(_type(spec))}</td>"
                       f"<td>{'yes' if field in required else ''}</td>"
                       f"<td>{'yes' if spec.get('readOnly') else ''}</td><td>{escape(labels)}</td></tr>")
        out.append("</table>")
    out.append("</body></html>")
    return "\n".join(out)
