"""How figures look in a table cell: 万元 amounts, percentages, the warning word, clipped names.

Cells are rich ``Text`` (never markup strings: a name with ``[`` would be read as markup) and
use no ambiguous-width glyph, so Chinese columns stay aligned in any terminal.
"""

from __future__ import annotations

import os
from decimal import Decimal

from rich.cells import cell_len, set_cell_size
from rich.text import Text

from bpt.domain.money import fmt_percent, fmt_score, fmt_wan, fmt_yuan
from bpt.tui.render import WARNING_WORDS

WARNING_STYLES = {"red": "bold red", "yellow": "bold yellow", "green": "green"}
MISSING = "-"


def number(text: str) -> Text:
    return Text(text, justify="right")


def wan(amount: str | None) -> Text:
    """An amount (JSON 元 string) in 万元 with 2 decimals, as the forms show it."""
    return number(fmt_wan(Decimal(amount)) if amount is not None else MISSING)


def yuan(amount: str | None) -> Text:
    return number(fmt_yuan(Decimal(amount)) if amount is not None else MISSING)


def percent(rate: str | None) -> Text:
    return number(fmt_percent(Decimal(rate)) if rate is not None else MISSING)


def score(value: str | None) -> Text:
    return number(fmt_score(Decimal(value)) if value is not None else MISSING)


def warning(level: str) -> Text:
    """Colour AND a word (正常/偏慢/落后): the level must not be told by colour alone."""
    return Text(WARNING_WORDS[level], style=WARNING_STYLES[level])


def clip(text: str, width: int) -> str:
    """``text`` cut to ``width`` terminal cells, marked with ``~`` when cut (no ellipsis glyph)."""
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, width - 1).rstrip() + "~"


def shortened(names: list[str], width: int) -> list[str]:
    """``names`` fitted to ``width`` cells; a name too long for it loses the longest start it
    shares with another name (市直机关工会工作经费 beside 市直机关纪检… → ``~工会工作~``), so
    names that begin alike stay apart when cut."""
    ordered = sorted(set(names))
    shared = {}
    for a, b in zip(ordered, ordered[1:]):
        n = len(os.path.commonprefix([a, b]))
        shared[a], shared[b] = max(shared.get(a, 0), n), max(shared.get(b, 0), n)
    out = []
    for name in names:
        n = shared.get(name, 0)
        if cell_len(name) > width and 2 <= n < len(name) - 1:
            name = "~" + name[n:]
        out.append(clip(name, width))
    return out


def pad(text: str, width: int, right: bool = False) -> str:
    """``text`` padded with spaces to ``width`` terminal cells (a CJK character takes two)."""
    gap = " " * max(0, width - cell_len(text))
    return gap + text if right else text + gap


def plain(text: str | None, width: int | None = None) -> Text:
    value = text or ""
    return Text(clip(value, width) if width else value)
