"""Every text on its way in, in one normal form (issue 24).

Identifiers (project and department codes, indicator codes, 凭证号, 文号) are NFKC-normalised —
full-width letters, digits and brackets become ASCII, so ``记－０１０１`` and ``记-0101`` are one
voucher — with surrounding whitespace removed and inner runs of it made one space. Prose (names,
reasons, notes) is NFC-normalised and stripped: NFKC would turn the Chinese full-width ``，：（）``
into ASCII. Control, format (Cf: zero-width, bidi overrides, BOM), line and paragraph separators,
private-use and unassigned characters are refused with the field named, and each field has a
length limit. Numbers and dates are read from ``typed(text)``: NFKC, then only ASCII digits count.

``Ledger`` passes every text of every new event through ``normal_texts``, so what is stored is
normal whichever way it came (CLI, TUI, imports, workers); commands that compare a key before
recording (a voucher already used, a 文号 already recorded, a code already registered) compare
``normal(key, value)``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from bpt.domain.refusal import Refusal

CODE_LIMIT = 32  # 项目编号, 部门编号, 指标编号
REFERENCE_LIMIT = 64  # 凭证号, 文号
NAME_LIMIT = 200  # 名称, 指标名称, 单位, 经办人
PROSE_LIMIT = 4000  # 原因, 摘要, 说明


@dataclass(frozen=True)
class TextField:
    label: str
    limit: int
    identifier: bool = False  # NFKC and inner whitespace collapsed; else NFC
    multiline: bool = False  # line breaks (LF) and tabs allowed

    def clean(self, value: str) -> str:
        return clean(value, self.label, self.limit, identifier=self.identifier, multiline=self.multiline)


# The text fields of the events, by their name on the event.
FIELDS: dict[str, TextField] = {
    "code": TextField("编号", CODE_LIMIT, identifier=True),
    "dept": TextField("部门编号", CODE_LIMIT, identifier=True),
    "project": TextField("项目编号", CODE_LIMIT, identifier=True),
    "counterpart": TextField("对方项目", CODE_LIMIT, identifier=True),
    "indicator": TextField("指标编号", CODE_LIMIT, identifier=True),
    "voucher": TextField("凭证号", REFERENCE_LIMIT, identifier=True),
    "doc": TextField("文号", REFERENCE_LIMIT, identifier=True),
    "name": TextField("名称", NAME_LIMIT),
    "level1": TextField("一级指标", NAME_LIMIT),
    "level2": TextField("二级指标", NAME_LIMIT),
    "unit": TextField("计量单位", NAME_LIMIT),
    "operator": TextField("经办人", NAME_LIMIT),
    "source": TextField("资金来源", NAME_LIMIT),
    "kind": TextField("类别", NAME_LIMIT),
    "grade": TextField("等级", NAME_LIMIT),
    "reason": TextField("原因", PROSE_LIMIT),
    "note": TextField("摘要", PROSE_LIMIT, multiline=True),
    "text": TextField("说明", PROSE_LIMIT, multiline=True),
}


_SPACES = re.compile(" {2,}")


def _allowed(c: str, multiline: bool) -> bool:
    return c.isprintable() or (multiline and c in "\n\t")


def clean(value: str, field: str, limit: int, *, identifier: bool = False, multiline: bool = False) -> str:
    """``value`` in its normal form, or a Refusal naming ``field``."""
    if not isinstance(value, str):
        raise Refusal(field, f"应为文字，收到 {type(value).__name__}")
    text = unicodedata.normalize("NFKC" if identifier else "NFC", value)
    if multiline:
        text = text.replace("\r\n", "\n")
    text = text.strip()
    if not text.isprintable():
        bad = next((c for c in text if not _allowed(c, multiline)), None)
        if bad is not None:
            name = unicodedata.name(bad, "")
            raise Refusal(field, f"含有不可见字符或控制字符 U+{ord(bad):04X}{f'（{name}）' if name else ''}，请删除后重试")
    if identifier and "  " in text:
        text = _SPACES.sub(" ", text)
    if len(text) > limit:
        raise Refusal(field, f"长度 {len(text)} 个字符，超过上限 {limit}")
    return text


def normal(key: str, value: str) -> str:
    """The normal form of the event field ``key`` (``voucher``, ``doc``, ``project`` …)."""
    return FIELDS[key].clean(value)


def typed(text: object) -> str:
    """What a number or a date is read from: NFKC (full-width digits and signs become ASCII),
    stripped. The parsers then accept ASCII digits only (``৪`` is not 4)."""
    return unicodedata.normalize("NFKC", str(text)).strip()


def normal_texts(fields: dict[str, Any], verbatim: tuple[str, ...] = ()) -> dict[str, Any]:
    """``fields`` of a new event with each known text field in normal form (refused if it cannot be);
    the fields named in ``verbatim`` (an event's own list: a rubric file kept byte for byte) are not."""
    return {k: FIELDS[k].clean(v) if isinstance(v, str) and k in FIELDS and k not in verbatim else v
            for k, v in fields.items()}
