"""The text files of a procedure folder read safely: UTF-8 only, TOML and JSON refused past a sane depth."""
from __future__ import annotations

import codecs
import json
import tomllib

COMMON_FOLDER = "common"  # bpmn/common: shared sub-processes and their forms, which every procedure may call
MAX_DEPTH = 40  # a form or procedure.toml is a few levels deep; 100,000 would exhaust the parser's stack
_BOMS = ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"), (codecs.BOM_UTF16_LE, "UTF-16"),
         (codecs.BOM_UTF16_BE, "UTF-16"))


class SourceError(ValueError):
    """A file that cannot be read as what it should be; the message names the file and says why."""


def decode(raw: bytes, name: str) -> str:
    """UTF-8 text (a UTF-8 byte order mark is dropped); any other encoding is refused, naming it when its
    byte order mark says which."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            raise SourceError(f"{name}: tệp mã hóa {encoding}; motcua chỉ nhận văn bản UTF-8, hãy lưu lại dưới dạng "
                              "UTF-8")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(f"{name}: không phải văn bản UTF-8 (byte thứ {exc.start + 1}); hãy lưu lại dưới dạng "
                          "UTF-8") from None
    if "\x00" in text:
        raise SourceError(f"{name}: có ký tự NUL, không phải văn bản UTF-8 (có thể là UTF-16); hãy lưu lại dưới dạng "
                          "UTF-8")
    return text


def load_json(text: str, name: str):
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(f"{name}: không phải JSON hợp lệ ({exc.msg}, dòng {exc.lineno})") from None
    except RecursionError:
        raise SourceError(f"{name}: JSON lồng nhau quá sâu (tối đa {MAX_DEPTH} cấp)") from None
    check_depth(value, name, "JSON")
    return value


def load_toml(text: str, name: str) -> dict:
    try:
        value = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SourceError(f"{name}: không phải TOML hợp lệ ({exc})") from None
    except RecursionError:
        raise SourceError(f"{name}: TOML lồng nhau quá sâu (tối đa {MAX_DEPTH} cấp)") from None
    check_depth(value, name, "TOML")
    return value


def check_depth(value, name: str, kind: str) -> None:
    """Walk without recursion: what the parser accepted may still be too deep for what reads it next."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise SourceError(f"{name}: {kind} lồng nhau quá sâu (tối đa {MAX_DEPTH} cấp)")
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        stack += [(child, depth + 1) for child in children if isinstance(child, (dict, list))]
