"""Queries behind the public pages: what a visitor may see of séances."""

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from .. import caches, generation
from ..extensions import db
from ..questions.models import PUBLIC_STATUSES, Question
from ..seances.models import Seance, Theme
from ..seances.services import published

ARCHIVE_MAX_PAGE = 10_000


@dataclass
class HomeSections:
    live: list[Seance]
    upcoming: list[Seance]
    latest: list[Seance]


def home_sections(now: datetime, limit: int = 6) -> HomeSections:
    """Séances running now (questions open, or today), to come, and the latest archived."""
    day_start = datetime.combine(now.date(), datetime.min.time())
    day_end = day_start + timedelta(days=1)
    # Two index range reads (open ones, through their partial index; today's), not one OR
    # that would walk the archive.
    open_now = db.session.scalars(
        published().where(Seance.questions_open == True)  # noqa: E712 - "= 1", as the partial index says
        .order_by(Seance.starts_at).limit(limit)).all()
    today = db.session.scalars(
        published().where(Seance.starts_at >= day_start, Seance.starts_at < day_end)
        .order_by(Seance.starts_at).limit(limit)).all()
    live = sorted({s.id: s for s in [*open_now, *today]}.values(), key=lambda s: s.starts_at)[:limit]
    live_ids = [s.id for s in live]
    upcoming = db.session.scalars(
        published()
        .where(Seance.starts_at >= day_end, Seance.id.not_in(live_ids))
        .order_by(Seance.starts_at)
        .limit(limit)
    ).all()
    latest = db.session.scalars(
        published()
        .where(Seance.starts_at < day_start, Seance.id.not_in(live_ids))
        .order_by(Seance.starts_at.desc())
        .limit(limit)
    ).all()
    return HomeSections(live=list(live), upcoming=list(upcoming), latest=list(latest))


@dataclass
class ArchiveFilters:
    theme: str = ""
    city: str = ""
    year: int | None = None

    @property
    def active(self) -> bool:
        return bool(self.theme or self.city or self.year)


@dataclass
class Page:
    items: list
    page: int
    pages: int
    total: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def parse_page(raw: str | None) -> int:
    """A page number from the query string: anything odd becomes page 1."""
    try:
        value = int(raw or 1)
    except ValueError:
        return 1
    return min(max(value, 1), ARCHIVE_MAX_PAGE)


def parse_year(raw: str | None) -> int | None:
    try:
        year = int(raw or "")
    except ValueError:
        return None
    return year if 1900 <= year <= 2200 else None


def _cached(key: tuple, compute):
    """What only changes with the public generation (counts, filter choices), kept per process."""
    return caches.cache(current_app, "archive", 512).get_or_make(key, generation.signature(), compute)


def archive_page(filters: ArchiveFilters, page: int, per_page: int) -> Page:
    """Published séances, newest first, filtered; the page is clamped to the last one."""
    query = published()
    if filters.theme:
        query = query.join(Theme, Seance.theme_id == Theme.id).where(Theme.slug == filters.theme)
    if filters.city:
        query = query.where(Seance.city == filters.city)
    if filters.year:
        query = query.where(
            Seance.starts_at >= datetime(filters.year, 1, 1),
            Seance.starts_at < datetime(filters.year + 1, 1, 1),
        )
    total = _cached(("count", filters.theme, filters.city, filters.year),
                    lambda: db.session.scalar(select(func.count()).select_from(query.subquery())))
    pages = max(1, math.ceil(total / per_page))
    page = min(page, pages)
    items = db.session.scalars(
        query.order_by(Seance.starts_at.desc(), Seance.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(items=list(items), page=page, pages=pages, total=total)


@dataclass(frozen=True)
class ThemeChoice:
    slug: str
    name: str


@dataclass
class FilterOptions:
    themes: list[ThemeChoice]
    cities: list[str]
    years: list[int]


def filter_options() -> FilterOptions:
    """The choices offered by the archive filters: only values that have séances."""
    return _cached(("options",), _filter_options)


def _filter_options() -> FilterOptions:
    # Plain values, not ORM objects: this outlives the session that read it.
    themes = [ThemeChoice(slug, name) for slug, name in db.session.execute(
        select(Theme.slug, Theme.name)
        .where(Theme.id.in_(published().with_only_columns(Seance.theme_id).distinct()))
        .order_by(Theme.name))]
    cities = db.session.scalars(
        published().with_only_columns(Seance.city).distinct().order_by(Seance.city)
    ).all()
    bounds = db.session.execute(
        published().with_only_columns(func.min(Seance.starts_at), func.max(Seance.starts_at))
    ).one()
    years = []
    if bounds[0] is not None:
        first, last = _as_datetime(bounds[0]).year, _as_datetime(bounds[1]).year
        years = list(range(last, first - 1, -1))
    return FilterOptions(themes=themes, cities=list(cities), years=years)


def _as_datetime(value) -> date:
    return value if isinstance(value, date) else datetime.fromisoformat(str(value))


def public_questions(seance: Seance) -> list[Question]:
    """What the archive keeps of a séance: approved and answered questions."""
    return list(
        db.session.scalars(
            select(Question)
            .where(Question.seance_id == seance.id, Question.status.in_(PUBLIC_STATUSES),
                   Question.merged_into_id.is_(None))
            .order_by(Question.votes_count.desc(), Question.submitted_at, Question.id)
        )
    )
