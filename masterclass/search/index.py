"""The full-text index on SQLite (FTS5): the one module that speaks FTS5.

One FTS5 table holds what the public may find: published séances, their approved and
answered questions, their fiches. It is kept in sync by the same transactions that change
the data (an after-flush hook), created by a migration and rebuilt by `flask reindex`.
A PostgreSQL path (tsvector) would sit beside this module with the same three functions:
sync_after_flush, rebuild, query.
"""

import html
import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import event, text
from sqlalchemy.orm import Session

TABLE = "search_index"
KIND_CODE = {"seance": 1, "question": 2, "fiche": 3}
PUBLIC_STATUSES = ("approved", "answered")
MAX_QUERY_CHARS = 200
MAX_TERMS = 8
# Markers around matches; escaped text is then given <mark> tags (user text is never HTML).
START, END = "\x02", "\x03"


# Each kind has its own rowid range: "the newest questions that match" is a range FTS5 seeks
# to while it walks the doclists, not a filter applied to every match.
KIND_SPAN = 1 << 40
# Prefix lengths with a precomputed doclist (the table's prefix option, see the migrations):
# a search word is a prefix, cut to the longest of these.
PREFIX_MAX = 10


def rowid(kind: str, ref_id: int) -> int:
    """One row per thing: its kind and id encoded in the rowid, so updates stay O(log n)."""
    return KIND_CODE[kind] * KIND_SPAN + ref_id


def kind_range(kind: str) -> dict:
    return {"lo": KIND_CODE[kind] * KIND_SPAN, "hi": (KIND_CODE[kind] + 1) * KIND_SPAN - 1}


def plain(html_text: str | None) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", html_text or ""))


# --- keeping in sync ------------------------------------------------------------------------------

SEANCE_ROW = """
INSERT INTO search_index (rowid, kind, ref_id, seance_id, title, body)
SELECT :rowid, 'seance', s.id, s.id, s.title,
       s.concept || ' ' || :summary || ' ' || s.speaker_name || ' ' || s.speaker_role || ' ' ||
       s.city || ' ' || s.venue || ' ' || coalesce(t.name, '')
FROM seance s LEFT JOIN theme t ON t.id = s.theme_id
WHERE s.id = :id AND s.published = 1
"""
# A question's written answer is searched with it (the question is the hit): its plain text
# follows the question's in the body column.
QUESTION_ROW = """
INSERT INTO search_index (rowid, kind, ref_id, seance_id, title, body)
SELECT :base + q.id, 'question', q.id, q.seance_id, '', q.body || ' ' || :answer
FROM question q JOIN seance s ON s.id = q.seance_id
WHERE q.id = :id AND s.published = 1 AND q.status IN ('approved', 'answered')
  AND q.merged_into_id IS NULL
"""
FICHE_ROW = """
INSERT INTO search_index (rowid, kind, ref_id, seance_id, title, body)
SELECT :base + f.id, 'fiche', f.id, f.seance_id, f.title, f.description
FROM fiche f JOIN seance s ON s.id = f.seance_id
WHERE f.id = :id AND s.published = 1
"""
DELETE_ROW = "DELETE FROM search_index WHERE rowid = :rowid"


def _sync(connection, kind: str, ref_id: int) -> None:
    connection.execute(text(DELETE_ROW), {"rowid": rowid(kind, ref_id)})
    if kind == "seance":
        summary = connection.execute(text("SELECT summary_html FROM seance WHERE id = :id"),
                                     {"id": ref_id}).scalar()
        connection.execute(text(SEANCE_ROW), {"rowid": rowid("seance", ref_id), "id": ref_id,
                                              "summary": plain(summary)})
    elif kind == "question":
        answer = connection.execute(text("SELECT answer_html FROM question WHERE id = :id"),
                                    {"id": ref_id}).scalar()
        connection.execute(text(QUESTION_ROW), {"id": ref_id, "base": rowid("question", 0),
                                                "answer": plain(answer)})
    else:
        connection.execute(text(FICHE_ROW), {"id": ref_id, "base": rowid("fiche", 0)})


def _sync_seance_content(connection, seance_id: int) -> None:
    """A séance published, unpublished or edited: it and everything under it."""
    _sync(connection, "seance", seance_id)
    for kind, ids_query in (("question", "SELECT id FROM question WHERE seance_id = :id"),
                            ("fiche", "SELECT id FROM fiche WHERE seance_id = :id")):
        for ref_id in connection.execute(text(ids_query), {"id": seance_id}).scalars().all():
            _sync(connection, kind, ref_id)


def sync_after_flush(session: Session, _flush_context) -> None:
    """Bring the index up to date with what this flush wrote, in the same transaction."""
    from ..archive.models import Seance
    from ..fiches.models import Fiche
    from ..questions.models import Question

    if session.get_bind().dialect.name != "sqlite":
        return
    seances, others = set(), set()
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, Seance):
            seances.add(obj.id)
        elif isinstance(obj, Question):
            # New questions wait for moderation: nothing to index yet.
            if not (obj in session.new and obj.status not in PUBLIC_STATUSES):
                others.add(("question", obj.id))
        elif isinstance(obj, Fiche):
            others.add(("fiche", obj.id))
    if not seances and not others:
        return
    connection = session.connection()
    for seance_id in seances:
        _sync_seance_content(connection, seance_id)
    for kind, ref_id in others:
        _sync(connection, kind, ref_id)


def init_app(_app) -> None:
    if not getattr(sync_after_flush, "_listening", False):
        event.listen(Session, "after_flush", sync_after_flush)
        sync_after_flush._listening = True


REBUILD = [
    "DELETE FROM search_index",
    """INSERT INTO search_index (rowid, kind, ref_id, seance_id, title, body)
        SELECT :fiche_base + f.id, 'fiche', f.id, f.seance_id, f.title, f.description
        FROM fiche f JOIN seance s ON s.id = f.seance_id WHERE s.published = 1""",
    """INSERT INTO search_index (rowid, kind, ref_id, seance_id, title, body)
        SELECT :question_base + q.id, 'question', q.id, q.seance_id, '', q.body
        FROM question q JOIN seance s ON s.id = q.seance_id
        WHERE s.published = 1 AND q.status IN ('approved', 'answered')
          AND q.merged_into_id IS NULL""",
]


def rebuild(session) -> int:
    """Rebuild the whole index from the tables; returns the number of rows."""
    connection = session.connection()
    for statement in REBUILD:
        connection.execute(text(statement), {"fiche_base": rowid("fiche", 0),
                                             "question_base": rowid("question", 0)})
    for seance_id in connection.execute(text("SELECT id FROM seance WHERE published = 1")).scalars():
        _sync(connection, "seance", seance_id)
    # Questions with a written answer: again, with the answer's plain text.
    for question_id in connection.execute(text(
            "SELECT id FROM question WHERE answer_html IS NOT NULL")).scalars().all():
        _sync(connection, "question", question_id)
    connection.execute(text("INSERT INTO search_index(search_index) VALUES ('optimize')"))
    return connection.execute(text("SELECT count(*) FROM search_index")).scalar()


# --- querying ------------------------------------------------------------------------------------

SUFFIXES = ("issements", "issement", "ements", "ement", "ations", "ation", "ements", "euses", "euse",
            "eurs", "eur", "ives", "ive", "ifs", "if", "ees", "ee", "es", "er", "ez", "s", "e")


def _stem(word: str) -> str:
    """A rough French stem, so "recrutement" also finds "recruter" (prefix match on the stem)."""
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


# Words that would match nearly everything (and FTS5's operators, typed as words).
STOP_WORDS = {"les", "des", "une", "qui", "que", "quoi", "est", "sont", "pour", "dans", "avec", "sur",
              "par", "aux", "ces", "ses", "leur", "nos", "vos", "mais", "donc", "comment", "and",
              "not", "near", "the"}


def to_match(raw: str) -> str | None:
    """What a person typed, as a safe FTS5 query: words only (FTS5 syntax is never passed
    through), each a quoted prefix, all required. None when nothing searchable is left."""
    words = re.findall(r"\w+", raw[:MAX_QUERY_CHARS].lower())
    terms = []
    for word in words:
        word = unicodedata.normalize("NFKD", word)
        word = "".join(ch for ch in word if not unicodedata.combining(ch)).replace("_", "")
        if len(word) < 3 or word in STOP_WORDS or word in terms:
            continue
        terms.append(word)
    if not terms:
        return None
    return " ".join(f'"{_stem(term)[:PREFIX_MAX]}"*' for term in terms[:MAX_TERMS])


@dataclass
class Hit:
    kind: str
    ref_id: int
    seance_id: int
    title: str
    snippet: str


# Ranking (and highlighting) reads every candidate; past this many matches, the answer is the
# best of the newest candidates (highest rowids first), so a search costs about the same at any
# archive size.
MAX_CANDIDATES = 100


def query(session, raw: str, kind: str, limit: int, offset: int = 0) -> tuple[list[Hit], bool]:
    """Best matches of one kind, ranked (a match in a title counts five times), from offset;
    and whether more follow."""
    match = to_match(raw)
    if match is None or offset >= MAX_CANDIDATES:
        return [], False
    params = {"match": match, **kind_range(kind)}
    # The newest candidates first (a walk down the doclists within the kind's rowid range),
    # then rank only those: a rowid range is a constraint FTS5 applies while matching, where
    # "rowid IN (...)" would make it re-match row by row.
    lowest = session.execute(text("""
        SELECT min(rowid) FROM (
            SELECT rowid FROM search_index
            WHERE search_index MATCH :match AND rowid BETWEEN :lo AND :hi
            ORDER BY rowid DESC LIMIT :candidates)"""), {**params, "candidates": MAX_CANDIDATES}).scalar()
    if lowest is None:
        return [], False
    rows = session.execute(text("""
        SELECT kind, ref_id, seance_id,
               highlight(search_index, 3, :start, :end),
               snippet(search_index, 4, :start, :end, '…', 32)
        FROM search_index
        WHERE search_index MATCH :match AND rowid BETWEEN :lowest AND :hi
        ORDER BY bm25(search_index, 0, 0, 0, 5.0, 1.0)
        LIMIT :limit OFFSET :offset"""), {**params, "lowest": lowest, "limit": limit + 1, "offset": offset,
                                          "start": START, "end": END}).all()
    more = len(rows) > limit and offset + limit < MAX_CANDIDATES
    return [Hit(*row) for row in rows[:limit]], more
