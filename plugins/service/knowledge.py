"""Knowledge base suggestions: the published articles closest to a ticket's words (TF-IDF cosine similarity).

Small and dependency-free: words of three letters or more (any script), weighted by how
rare they are among the published articles, compared with the ticket's subject and
description. Shown in a panel on the ticket's page.
"""

from __future__ import annotations

import math
import re
from collections import Counter

WORD = re.compile(r"\w{3,}", re.UNICODE)
MAX_ARTICLES = 500  # the newest ones; the query builder pages at most 500
SHOWN = 3
MIN_SCORE = 0.1
"""Below this cosine an article shares little more than common words ("the", "and") with the ticket."""


def words(text: str) -> Counter:
    """The words of ``text`` in lower case, counted (digits-only words left out)."""
    return Counter(word for word in WORD.findall((text or "").lower()) if not word.isdigit())


def suggest(text: str, articles: list, limit: int = SHOWN) -> list[tuple[float, object]]:
    """The ``limit`` articles most similar to ``text``, best first, as (score, article), none under ``MIN_SCORE``."""
    query = words(text)
    if not query or not articles:
        return []
    documents = [words(" ".join(str(a.get(f) or "") for f in ("title", "title", "keywords", "body"))) for a in articles]
    frequency = Counter(word for document in documents for word in document)
    weight = {word: math.log((1 + len(documents)) / (1 + count)) + 1 for word, count in frequency.items()}

    def vector(counts: Counter) -> dict[str, float]:
        return {word: count * weight.get(word, 0.0) for word, count in counts.items()}

    wanted = vector(query)
    norm = math.sqrt(sum(value * value for value in wanted.values()))
    scored = []
    for article, document in zip(articles, documents, strict=True):
        candidate = vector(document)
        dot = sum(value * candidate.get(word, 0.0) for word, value in wanted.items())
        score = dot / (norm * math.sqrt(sum(v * v for v in candidate.values()))) if dot > 0 else 0.0
        if score >= MIN_SCORE:
            scored.append((score, article))
    scored.sort(key=lambda pair: -pair[0])
    return scored[:limit]


def panel_values(entity, record) -> dict:
    """What the suggestions panel shows: the published articles closest to the ticket, as the viewer may read."""
    from flask_login import current_user
    from trellis import PermissionDenied, records_for

    try:
        articles = (records_for(current_user._get_current_object()).query("kb_article").filter(status="published")
                    .order_by("-updated_at").page(size=MAX_ARTICLES, count=False).rows)
    except PermissionDenied:
        return {"suggestions": []}
    linked = set(record.get("articles") or [])
    text = f"{record.get('subject') or ''} {record.get('description') or ''}"
    return {"suggestions": [article for _, article in suggest(text, articles) if article.id not in linked]}
