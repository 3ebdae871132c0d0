"""Where a key of a TOML text is: the line numbers that rubric errors name.

tomllib gives values, not positions, so this reads the text once more, line by line, keeping
track of table headers (``[a.b]``, ``[[a]]`` with its item number) and ``key =`` lines. It is a
best-effort index for messages: it never raises, and what it cannot place it leaves out.
"""

from __future__ import annotations

import re

Path = tuple  # of str keys and 1-based int item numbers

_BARE = re.compile(r"[A-Za-z0-9_-]+")


def _parse_key(text: str) -> tuple[list[str], str] | None:
    """A dotted key at the start of ``text``: (parts, rest of the text), or None."""
    parts: list[str] = []
    i = 0
    n = len(text)
    while True:
        while i < n and text[i] in " \t":
            i += 1
        if i < n and text[i] in "\"'":
            quote = text[i]
            j = text.find(quote, i + 1)
            while quote == '"' and j > 0 and text[j - 1] == "\\":
                j = text.find(quote, j + 1)
            if j < 0:
                return None
            parts.append(text[i + 1:j])
            i = j + 1
        else:
            m = _BARE.match(text, i)
            if not m:
                return None
            parts.append(m.group())
            i = m.end()
        while i < n and text[i] in " \t":
            i += 1
        if i < n and text[i] == ".":
            i += 1
            continue
        return parts, text[i:]


class LineIndex:
    def __init__(self, text: str):
        self.lines = text.split("\n")  # what tomllib counts as lines
        self.where: dict[Path, int] = {}
        self._arrays: dict[Path, int] = {}
        try:
            self._scan()
        except Exception:  # noqa: BLE001 - an index for messages must never be the error
            pass

    def _resolve(self, keys: list[str]) -> Path:
        out: list = []
        for k in keys:
            out.append(k)
            count = self._arrays.get(tuple(out))
            if count:
                out.append(count)
        return tuple(out)

    def _note(self, path: Path, line: int) -> None:
        for i in range(1, len(path) + 1):
            self.where.setdefault(path[:i], line)

    def _scan(self) -> None:
        current: Path = ()
        multiline: str | None = None
        for no, raw in enumerate(self.lines, 1):
            if multiline:
                if raw.count(multiline) % 2 == 1:
                    multiline = None
                continue
            line = raw.strip()
            if line.startswith("[["):
                parsed = _parse_key(line[2:])
                if parsed and parsed[1].lstrip().startswith("]]"):
                    keys = parsed[0]
                    base = self._resolve(keys[:-1]) + (keys[-1],)
                    self._arrays[base] = self._arrays.get(base, 0) + 1
                    current = base + (self._arrays[base],)
                    self._note(current, no)
                continue
            if line.startswith("["):
                parsed = _parse_key(line[1:])
                if parsed and parsed[1].lstrip().startswith("]"):
                    current = self._resolve(parsed[0])
                    self._note(current, no)
                continue
            parsed = _parse_key(line)
            if parsed and parsed[1].startswith("="):
                self._note(current + tuple(parsed[0]), no)
                rest = parsed[1]
                for quote in ('"""', "'''"):
                    if rest.count(quote) % 2 == 1:
                        multiline = quote
                        break

    def line_for(self, path: Path, snippet: str | None = None) -> int | None:
        """The line of ``path`` (or of its nearest known parent); with ``snippet``, the first
        line from there on that contains it (a value inside a multi-line array)."""
        path = tuple(path)
        start = None
        for i in range(len(path), 0, -1):
            start = self.where.get(path[:i])
            if start is not None:
                break
        if snippet and start is not None:
            for no in range(start, len(self.lines) + 1):
                if snippet in self.lines[no - 1]:
                    return no
        return start


def format_path(path: Path) -> str:
    """``("indicators", 3, "value")`` → ``indicators[3].value``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            seg = part if _BARE.fullmatch(part) else f'"{part}"'
            out += f".{seg}" if out else seg
    return out
