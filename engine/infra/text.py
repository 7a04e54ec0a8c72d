"""Matching Vietnamese text as people type it: lower case, without diacritics."""
from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lower case without diacritics, so 'dinh chinh' matches 'Đính chính'."""
    decomposed = unicodedata.normalize("NFD", (text or "").replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
