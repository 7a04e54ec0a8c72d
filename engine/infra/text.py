"""Matching Vietnamese text as people type it: lower case, without diacritics."""
from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[a-z0-9]+")


def fold(text: str) -> str:
    """Lower case without diacritics, so 'dinh chinh' matches 'Đính chính'."""
    decomposed = unicodedata.normalize("NFD", (text or "").replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def search_words(text: str) -> str:
    """A text as search matches it: folded, its words of letters and digits one space apart ('Đỗ Thị-Ánh' ->
    'do thi anh', '000.00.01.H99-260302-0001' -> '000 00 01 h99 260302 0001')."""
    return " ".join(_WORD.findall(fold(text)))


def dossier_search_text(code: str, applicant: dict | None) -> str:
    """What a dossier is found by: the words of its code, the applicant's name and id number (its search_text)."""
    applicant = applicant or {}
    parts = (code, applicant.get("name"), applicant.get("id_number"))
    return search_words(" ".join(str(part) for part in parts if part))[:400]
