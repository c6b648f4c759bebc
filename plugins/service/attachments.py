"""Files that came with support email: kept in the database, listed in the thread, downloaded with the ticket.

:func:`store` saves each attachment of an inbound message as a ``ticket_attachment``
(base64 content, SHA-256, size, a sanitised file name) in the transaction that saves the
message, so a failure leaves neither. ``/service/attachments/<id>`` downloads one: it is
read as the viewer through the record service, with its ticket, so whoever may not read
the ticket gets a 404. The roles hide ``content`` (``fields: {content: none}``), which keeps
the base64 out of lists, the API, record pages and history; only this route, after that
check, reads it. The answer is always a download (``Content-Disposition:
attachment``, ``nosniff``); HTML and other types a browser would run are sent as
``application/octet-stream``.
"""

from __future__ import annotations

import base64
import hashlib
import re
import unicodedata

from flask import Blueprint, Response, abort
from flask_babel import gettext as _
from flask_login import current_user
from trellis import NotFound, PermissionDenied, records_for, system_records

bp = Blueprint("service_attachments", __name__, url_prefix="/service/attachments")
MAX_NAME = 200
MAX_TYPE = 100
ROWS = 200
SAFE_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,62}/[a-z0-9][a-z0-9!#$&^_.+-]{0,62}$")
SHOWN_AS_IS = ("image/png", "image/jpeg", "image/gif", "application/pdf", "text/plain", "text/csv")
UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|;]+")


def safe_filename(name: str) -> str:
    """``name`` fit to show and to send as a download's name: no directories, control or quote characters."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = UNSAFE_NAME.sub("_", name).strip(" .")
    return name[:MAX_NAME] or "attachment"


def store(records, ticket_id: int, message_id: int, attachments) -> list[dict]:
    """Save ``attachments`` (from the inbound message) for the message ``message_id`` of ticket ``ticket_id``;
    what the thread lists of each (id, name, type, size)."""
    listed = []
    for attachment in attachments:
        saved = records.create("ticket_attachment", {
            "ticket": ticket_id, "message": message_id, "filename": safe_filename(attachment.filename),
            "content_type": (attachment.content_type or "application/octet-stream").lower()[:MAX_TYPE],
            "size": len(attachment.data), "sha256": hashlib.sha256(attachment.data).hexdigest(),
            "content": base64.b64encode(attachment.data).decode("ascii")})
        listed.append({"id": saved.id, "name": saved["filename"], "type": saved["content_type"],
                       "size": saved["size"]})
    return listed


def panel_values(entity, record) -> dict:
    """The ticket page's attachments panel: the files of the thread's messages the viewer may read, with sizes."""
    records = records_for(current_user._get_current_object(), channel="ui")
    try:
        messages = (records.query("ticket_message").filter(ticket=record.id).order_by("-created_at")
                    .page(size=ROWS, count=False).rows)
    except (PermissionDenied, NotFound):
        return {"files": []}
    files = [{**item, "message": message, "shown_size": human_size(item.get("size"))}
             for message in messages for item in message.get("attachments") or () if item.get("id")]
    return {"files": files}


def human_size(size) -> str:
    """``size`` bytes as a short number of B, KB or MB in the viewer's language."""
    from babel.numbers import format_decimal
    from trellis.web.labels import user_locale

    size = int(size or 0)
    if size < 1024:
        return _("%(size)s B", size=format_decimal(size, locale=user_locale()))
    if size < 1024 * 1024:
        return _("%(size)s KB", size=format_decimal(round(size / 1024, 1), "#,##0.0", locale=user_locale()))
    return _("%(size)s MB", size=format_decimal(round(size / 1024 / 1024, 1), "#,##0.0", locale=user_locale()))


@bp.route("/<int:attachment_id>")
def download(attachment_id: int):
    """One attachment as a download, when the viewer may read it and its ticket (404 otherwise)."""
    records = records_for(current_user._get_current_object(), channel="ui")
    try:
        attachment = records.get("ticket_attachment", attachment_id)
        records.get("ticket", attachment["ticket"])
    except (PermissionDenied, NotFound):
        abort(404)
    kind = str(attachment.get("content_type") or "")
    if kind not in SHOWN_AS_IS or not SAFE_TYPE.match(kind):
        kind = "application/octet-stream"
    content = system_records("service").get("ticket_attachment", attachment_id).get("content")
    data = base64.b64decode(content or "")
    name = safe_filename(attachment["filename"])
    ascii_name = name.encode("ascii", "replace").decode("ascii").replace("?", "_")
    from urllib.parse import quote

    response = Response(data, mimetype=kind)
    response.headers["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
