"""Matching Vietnamese text as people type it: lower case, without diacritics."""
from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lower case without diacritics, so 'dinh chinh' matches 'Đính chính'."""
    decomposed = unicodedata.normalize("NFD", (text or "").replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def dossier_search_text(code: str, applicant: dict | None) -> str:
    """What a dossier is found by, folded: its code, the applicant's name and id number (the search_text column)."""
    applicant = applicant or {}
    parts = (code, applicant.get("name"), applicant.get("id_number"))
    return " ".join(fold(" ".join(str(part) for part in parts if part)).split())[:400]
