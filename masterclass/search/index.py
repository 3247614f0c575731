"""The full-text index: one interface (sync_after_flush, rebuild, query), one backend per engine.

One table, ``search_index``, holds what the public may find: published séances, their approved
and answered questions, their fiches. It is kept in sync by the same transactions that change
the data (an after-flush hook), created by a migration and rebuilt by `flask reindex`. Rows are
written the same way on both engines; what differs is how they are searched:

- SQLite: an FTS5 virtual table (unicode61, diacritics removed, prefix indexes), bm25 ranking.
- PostgreSQL: a plain table with a generated ``tsvector`` (configuration ``masterclass_fr``:
  ``simple`` + ``unaccent``), one partial GIN index per kind, prefix tsqueries, ts_rank.

On both, the query is built from the words typed (never their syntax), each a prefix of its
rough French stem, all required; titles and snippets are highlighted here in Python over the
stored text (escaped later, <mark> added then), so results read the same on both engines.
"""

import html
import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import event, text
from sqlalchemy.orm import Session

from ..fiches.models import Fiche
from ..questions.models import Question
from ..seances.models import Seance

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
WHERE s.id = :id AND s.published = TRUE
"""
# A question's written answer is searched with it (the question is the hit): its plain text
# follows the question's in the body column.
QUESTION_ROW = """
INSERT INTO search_index (rowid, kind, ref_id, seance_id, title, body)
SELECT :base + q.id, 'question', q.id, q.seance_id, '', q.body || ' ' || :answer
FROM question q JOIN seance s ON s.id = q.seance_id
WHERE q.id = :id AND s.published = TRUE AND q.status IN ('approved', 'answered')
  AND q.merged_into_id IS NULL
"""
FICHE_ROW = """
INSERT INTO search_index (rowid, kind, ref_id, seance_id, title, body)
SELECT :base + f.id, 'fiche', f.id, f.seance_id, f.title, f.description
FROM fiche f JOIN seance s ON s.id = f.seance_id
WHERE f.id = :id AND s.published = TRUE
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
        FROM fiche f JOIN seance s ON s.id = f.seance_id WHERE s.published = TRUE""",
    """INSERT INTO search_index (rowid, kind, ref_id, seance_id, title, body)
        SELECT :question_base + q.id, 'question', q.id, q.seance_id, '', q.body
        FROM question q JOIN seance s ON s.id = q.seance_id
        WHERE s.published = TRUE AND q.status IN ('approved', 'answered')
          AND q.merged_into_id IS NULL""",
]


def rebuild(session) -> int:
    """Rebuild the whole index from the tables; returns the number of rows."""
    connection = session.connection()
    for statement in REBUILD:
        connection.execute(text(statement), {"fiche_base": rowid("fiche", 0),
                                             "question_base": rowid("question", 0)})
    for seance_id in connection.execute(text("SELECT id FROM seance WHERE published = TRUE")).scalars():
        _sync(connection, "seance", seance_id)
    # Questions with a written answer: again, with the answer's plain text.
    for question_id in connection.execute(text(
            "SELECT id FROM question WHERE answer_html IS NOT NULL")).scalars().all():
        _sync(connection, "question", question_id)
    if connection.dialect.name == "sqlite":
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


def _fold(word: str) -> str:
    """Lower case, accents removed: how both engines' indexes see a word."""
    word = unicodedata.normalize("NFKD", word.lower())
    return "".join(ch for ch in word if not unicodedata.combining(ch))


def search_terms(raw: str) -> list[str]:
    """The prefixes a search looks for: the words typed (their syntax never passed through),
    folded, stop words and short words left out, each cut to its rough French stem."""
    terms = []
    for word in re.findall(r"\w+", raw[:MAX_QUERY_CHARS].lower()):
        word = _fold(word).replace("_", "")
        if len(word) < 3 or word in STOP_WORDS or word in terms or not word.isalnum():
            continue
        terms.append(word)
    return [_stem(term)[:PREFIX_MAX] for term in terms[:MAX_TERMS]]


def to_match(raw: str) -> str | None:
    """What a person typed, as a safe FTS5 query: each term a quoted prefix, all required.
    None when nothing searchable is left."""
    terms = search_terms(raw)
    return " ".join(f'"{term}"*' for term in terms) if terms else None


def to_tsquery(raw: str) -> str | None:
    """The same terms as a PostgreSQL tsquery: each a prefix (``:*``), all required. Terms are
    letters and digits only, so nothing typed is ever read as tsquery syntax."""
    terms = search_terms(raw)
    return " & ".join(f"{term}:*" for term in terms) if terms else None


WORD = re.compile(r"\w+")
SNIPPET_WORDS = 32


def _matches(word: str, terms: list[str]) -> bool:
    folded = _fold(word)
    return any(folded.startswith(term) for term in terms)


def highlight(text_: str, terms: list[str]) -> str:
    """The whole text, each matching word between START and END."""
    return WORD.sub(lambda m: f"{START}{m.group()}{END}" if _matches(m.group(), terms) else m.group(),
                    text_ or "")


def snippet(text_: str, terms: list[str], words: int = SNIPPET_WORDS) -> str:
    """About ``words`` words of the text around its first match (the text's start when none),
    matches marked, "…" where text was cut."""
    text_ = text_ or ""
    spans = [m.span() for m in WORD.finditer(text_)]
    if len(spans) <= words:
        return highlight(text_, terms)
    first = next((i for i, (a, b) in enumerate(spans) if _matches(text_[a:b], terms)), 0)
    start = max(0, min(first - words // 4, len(spans) - words))
    end = start + words
    begin_at = spans[start][0] if start > 0 else 0
    end_at = spans[end - 1][1] if end < len(spans) else len(text_)
    return (("…" if start > 0 else "") + highlight(text_[begin_at:end_at], terms)
            + ("…" if end < len(spans) else ""))


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
    terms = search_terms(raw)
    if not terms or offset >= MAX_CANDIDATES:
        return [], False
    search = _query_postgresql if session.get_bind().dialect.name == "postgresql" else _query_sqlite
    rows = search(session, terms, kind, limit + 1, offset)
    more = len(rows) > limit and offset + limit < MAX_CANDIDATES
    return [Hit(kind_, ref_id, seance_id, highlight(title, terms), snippet(body, terms))
            for kind_, ref_id, seance_id, title, body in rows[:limit]], more


def _query_sqlite(session, terms: list[str], kind: str, limit: int, offset: int) -> list[tuple]:
    params = {"match": " ".join(f'"{term}"*' for term in terms), **kind_range(kind)}
    # The newest candidates first (a walk down the doclists within the kind's rowid range),
    # then rank only those: a rowid range is a constraint FTS5 applies while matching, where
    # "rowid IN (...)" would make it re-match row by row.
    lowest = session.execute(text("""
        SELECT min(rowid) FROM (
            SELECT rowid FROM search_index
            WHERE search_index MATCH :match AND rowid BETWEEN :lo AND :hi
            ORDER BY rowid DESC LIMIT :candidates)"""), {**params, "candidates": MAX_CANDIDATES}).scalar()
    if lowest is None:
        return []
    return session.execute(text("""
        SELECT kind, ref_id, seance_id, title, body
        FROM search_index
        WHERE search_index MATCH :match AND rowid BETWEEN :lowest AND :hi
        ORDER BY bm25(search_index, 0, 0, 0, 5.0, 1.0)
        LIMIT :limit OFFSET :offset"""), {**params, "lowest": lowest, "limit": limit, "offset": offset}).all()


def _query_postgresql(session, terms: list[str], kind: str, limit: int, offset: int) -> list[tuple]:
    # The kind is written into the statement (one of three names of ours, never typed), so the
    # planner sees the predicate of that kind's partial GIN index. The newest candidates first,
    # then rank only those, as on SQLite. Weights {D, C, B, A}: a title (A) counts five bodies (B).
    assert kind in KIND_CODE
    return session.execute(text(f"""
        WITH candidates AS (
            SELECT rowid, kind, ref_id, seance_id, title, body, document FROM search_index
            WHERE kind = '{kind}' AND document @@ to_tsquery('masterclass_fr', :tsquery)
            ORDER BY rowid DESC LIMIT :candidates)
        SELECT kind, ref_id, seance_id, title, body FROM candidates
        ORDER BY ts_rank('{{0.1, 0.2, 0.2, 1.0}}', document, to_tsquery('masterclass_fr', :tsquery)) DESC,
                 rowid DESC
        LIMIT :limit OFFSET :offset"""),  # noqa: S608 (kind: checked above)
        {"tsquery": " & ".join(f"{term}:*" for term in terms), "candidates": MAX_CANDIDATES,
         "limit": limit, "offset": offset}).all()
