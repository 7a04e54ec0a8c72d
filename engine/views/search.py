"""Finding a procedure by words without diacritics, and dossiers by code or applicant name among those of the
units where the official works."""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import and_, false, func, literal, literal_column, or_, select, table
from sqlalchemy.orm import Session, joinedload

from engine.infra.text import fold, search_words
from engine.models import SEARCH_WORDS_TABLE, Dossier, Procedure
from engine.org import access

MAX_PER_PAGE = 100
MAX_PAGE = 100_000  # an OFFSET beyond any real history; larger numbers would overflow the database
SIMPLE = literal_column("'simple'::regconfig")  # the text search configuration of the index: words as written
FULL_CODE = re.compile(r"[0-9A-Za-z.]+-[0-9]{6}-[0-9]{4,}")  # <unit code>-<YYMMDD>-<NNNN>


@dataclass(frozen=True)
class SearchPage:
    dossiers: list[Dossier]
    page: int
    per_page: int
    has_next: bool


def search_dossiers(session: Session, user_id: int, query: str = "", status: int | None = None, page: int = 1,
                    per_page: int = 25) -> SearchPage:
    """Newest first; `query` matches part of the code, of the applicant's name or id number, ignoring case and
    diacritics ("nguyen van kiem thu" finds "Nguyễn Văn Kiểm Thử")."""
    page, per_page = min(max(1, int(page)), MAX_PAGE), min(max(1, int(per_page)), MAX_PER_PAGE)
    units = access.grants_of(session, user_id).dossier_units()
    if not units:
        return SearchPage([], page, per_page, False)
    statement = (select(Dossier).options(joinedload(Dossier.procedure))
                 .where(or_(Dossier.receiving_unit_id.in_(units), Dossier.deciding_unit_id.in_(units))))
    text = (query or "").strip()
    if FULL_CODE.fullmatch(text):  # a whole dossier code, typed or scanned from a receipt: the unique index
        statement = statement.where(Dossier.code.in_({text, text.upper()}))  # codes are written in capitals
    elif text:
        statement = statement.where(search_text_clause(session, text))
    if status is not None:
        statement = statement.where(Dossier.status == status)
    rows = list(session.scalars(statement.order_by(Dossier.received_at.desc(), Dossier.id.desc())
                                .limit(per_page + 1).offset((page - 1) * per_page)))
    return SearchPage(rows[:per_page], page, per_page, len(rows) > per_page)


def search_procedures(session: Session, query: str, active_only: bool = True) -> list[Procedure]:
    """Procedures (with an active version, unless `active_only` is off) whose name, code or field holds every
    word of the query; the catalogue is small, so matching is done here rather than in SQL per backend."""
    words = fold(query).split()
    statement = select(Procedure).order_by(Procedure.name)
    if active_only:
        statement = statement.where(Procedure.active_version_id.is_not(None))
    rows = session.scalars(statement)
    return [p for p in rows if all(w in fold(f"{p.name} {p.code} {p.slug} {p.field}") for w in words)]


def search_text_clause(session: Session, query: str):
    """Dossiers whose words (Dossier.search_text: code, applicant name, id number) hold the words typed, from the
    start of a word on: "nguyen van kiem" finds "Nguyễn Văn Kiểm Thử", "0001" the dossier numbered 0001. On
    PostgreSQL the index of the words (migration 0015) is asked first for what the phrase implies (the words
    before the last whole, the last a word's start); the phrase condition then keeps their order."""
    words = search_words(query)
    if not words:
        return false()  # only punctuation typed: nothing to look for
    phrase = (literal(" ") + Dossier.search_text).like(f"% {_escape(words)}%", escape="\\")
    *whole, last = words.split()  # in the phrase, every word but the last is followed by a space: a whole word
    if session.get_bind().dialect.name == "sqlite":  # the FTS5 index of migration 0017: the same phrase, read there
        match = " + ".join([*(f'"{word}"' for word in whole), f'"{last}" *'])
        found = select(literal_column("rowid")).select_from(table(SEARCH_WORDS_TABLE)).where(
            literal_column(SEARCH_WORDS_TABLE).op("MATCH")(match))
        return and_(Dossier.id.in_(found), phrase)
    if session.get_bind().dialect.name != "postgresql":
        return phrase
    terms = " & ".join([*whole, f"{last}:*"])  # whole words are exact terms, which the index skips through fast
    return and_(func.to_tsvector(SIMPLE, Dossier.search_text).op("@@")(func.to_tsquery(SIMPLE, terms)), phrase)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

