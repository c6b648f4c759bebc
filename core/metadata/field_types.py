"""The built-in field types (see docs/admin.md) and the keys every field accepts.

Each ``FieldType`` names its storage kind (``model.STORAGE``), the extra YAML keys it
accepts (``options``; keys every type accepts are in ``COMMON_KEYS``), and where it
differs from its storage's defaults, its widget, display and filter. The built-in
plugin ``trellis.field_types`` returns them from its ``field_types()`` hook.
Coercion of values is the data layer's job, so ``coerce`` stays None here.
"""

from __future__ import annotations

from trellis.metadata.model import FieldType

COMMON_KEYS = ("type", "label", "help", "required", "default", "compute", "rollup", "visible",
               "required_if", "readonly", "unique", "index", "history")

_TEXT = ("max_length",)
_NUMBER = ("min", "max")
_DATE = ("min", "max", "calendar")

BUILTIN_FIELD_TYPES: tuple[FieldType, ...] = (
    FieldType("string", "string", options=_TEXT, label={"en": "Text (one line)"}),
    FieldType("text", "text", options=_TEXT, label={"en": "Text (several lines)"}),
    FieldType("html", "text", options=_TEXT, label={"en": "Formatted text"}),
    FieldType("integer", "integer", options=_NUMBER, label={"en": "Whole number"}),
    FieldType("decimal", "decimal", options=_NUMBER, label={"en": "Decimal number"}),
    FieldType("money", "decimal", options=(*_NUMBER, "currency"), label={"en": "Money"}, display="money"),
    FieldType("percent", "decimal", options=_NUMBER, label={"en": "Percent"}, display="percent"),
    FieldType("boolean", "boolean", label={"en": "Yes/no"}),
    FieldType("date", "date", options=_DATE, label={"en": "Date"}),
    FieldType("datetime", "datetime", options=_DATE, label={"en": "Date and time"}),
    FieldType("email", "string", options=_TEXT, label={"en": "Email"}, widget="email", format="email"),
    FieldType("phone", "string", options=_TEXT, label={"en": "Phone"}, widget="tel"),
    FieldType("url", "string", options=_TEXT, label={"en": "Web address"}, widget="url"),
    FieldType("selection", "string", options=("options",), label={"en": "Choice"}, widget="select",
              display="choice", filter="choice"),
    FieldType("multiselect", "json", options=("options",), label={"en": "Several choices"}, widget="multiselect",
              display="choices"),
    FieldType("tags", "json", label={"en": "Tags"}, widget="tags", display="list"),
    FieldType("link", "link", options=("to", "on_delete"), label={"en": "Link"}),
    FieldType("links", "links", options=("to",), label={"en": "Links (many)"}),
    FieldType("children", "children", options=("to", "via"), label={"en": "Child records"}),
    FieldType("user", "link", options=("on_delete",), label={"en": "User"}),
    FieldType("file", "string", label={"en": "File"}),
    FieldType("json", "json", label={"en": "JSON"}),
)
"""Every built-in type, in the order the admin guide lists them."""

NUMERIC = ("integer", "decimal", "money", "percent")
TEXTUAL = ("string", "text", "html", "email", "phone", "url", "file")
TEMPORAL = ("date", "datetime")
RELATIONAL = ("link", "links", "children", "user")
ON_DELETE = ("restrict", "cascade", "set_null")

_BY_NAME = {t.name: t for t in BUILTIN_FIELD_TYPES}
_UNKNOWN = FieldType("unknown", "string")


def builtin_type(name: str) -> FieldType:
    """The built-in type called ``name`` (a plain ``string`` type for a name it does not know).

    For a ``Field`` built by hand; the loader gives each field its type, plugins' included.
    """
    return _BY_NAME.get(name, _UNKNOWN)
