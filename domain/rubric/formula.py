"""The safe formula language of rubric files: a tokenizer and a recursive-descent parser.

Formulas are data written by people ("staff_actual / staff_quota"), so they are never handed
to Python: there is no eval/exec, no attribute access, no subscripts, no strings, no imports.
The language has Decimal numbers (``0.2``, ``100%``), named figures, ``+ - * /``, parentheses,
comparisons (``< <= > >= == !=``, also ``≤ ≥``), ``and``/``or``/``not`` and a closed list of
functions (see ``FUNCTIONS``). A comparison is 1 when true, 0 when false; ``if`` evaluates
only the branch it takes, so ``if(b == 0, 0, a / b)`` never divides by zero.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_UP, Decimal, DecimalException, localcontext

MAX_LENGTH = 2000
MAX_DEPTH = 40
MAX_TOKENS = 400  # left-deep chains like 1*1*1*… recurse once per operator when evaluated
MAX_PLACES = 10  # round(x, n) / trunc(x, n): n is a whole number from 0 to this
ONE, ZERO = Decimal(1), Decimal(0)

# name -> (min args, max args or None, what it does); "if" is lazy and handled apart.
FUNCTIONS: dict[str, tuple[int, int | None, str]] = {
    "min": (1, None, "最小值"),
    "max": (1, None, "最大值"),
    "abs": (1, 1, "绝对值"),
    "floor": (1, 1, "向下取整"),
    "ceil": (1, 1, "向上取整"),
    "clamp": (3, 3, "clamp(x, 下限, 上限)"),
    "round": (1, 2, "round(x, n) 四舍五入（ROUND_HALF_UP）保留 n 位小数"),
    "trunc": (1, 2, "trunc(x, n) 截去 n 位小数以后的部分（向零取整）"),
    "if": (3, 3, "if(条件, 成立时, 不成立时)"),
}

# Full-width and mathematical forms people type in Chinese documents.
_ALIASES = {"（": "(", "）": ")", "，": ",", "％": "%", "×": "*", "÷": "/", "≤": "<=", "≥": ">=",
            "＋": "+", "－": "-", "＝": "=", "＜": "<", "＞": ">"}
_SHOW_OP = {"*": "×", "/": "/", "+": "+", "-": "−", "<=": "≤", ">=": "≥", "==": "=", "!=": "≠",
            "<": "<", ">": ">", "and": "且", "or": "或"}
_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<num>\d+(?:\.\d+)?%?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op><=|>=|==|!=|\*\*|//|[-+*/(),<>%.=])
""", re.VERBOSE)


class FormulaError(Exception):
    """Base of every formula problem; ``message`` is Chinese and fit for one line."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class FormulaSyntaxError(FormulaError):
    """The text is not a formula of the language (or tries something it forbids)."""

    def __init__(self, message: str, position: int | None = None):
        super().__init__(message)
        self.position = position


class NotComputable(FormulaError):
    """A well-formed formula has no value for these figures (division by zero, overflow)."""


class MissingFigures(FormulaError):
    def __init__(self, names: list[str]):
        super().__init__(f"缺少数据: {', '.join(names)}")
        self.names = names


@dataclass
class _Token:
    kind: str  # num, name, op, end
    text: str
    pos: int


def _tokenize(text: str) -> list[_Token]:
    src = "".join(_ALIASES.get(ch, ch) for ch in text)
    tokens: list[_Token] = []
    pos = 0
    while pos < len(src):
        m = _TOKEN.match(src, pos)
        if not m:
            ch = src[pos]
            what = {"'": "字符串", '"': "字符串", "[": "下标", "]": "下标", "{": "花括号", "}": "花括号",
                    ";": "多条语句", ":": "冒号", "@": "装饰器/矩阵运算", "\\": "反斜杠"}.get(ch)
            detail = f"（公式中不允许{what}）" if what else ""
            raise FormulaSyntaxError(f"不允许的字符“{ch}”{detail}", pos)
        kind = m.lastgroup
        tok = m.group()
        if kind == "ws":
            pass
        elif kind == "op" and tok == ".":
            prev = tokens[-1] if tokens else None
            if prev is not None and (prev.kind == "name" or prev.text == ")"):
                raise FormulaSyntaxError("不允许属性访问（“.”）", pos)
            raise FormulaSyntaxError("数字格式错误：小数点前后都要有数字（如 0.5）", pos)
        elif kind == "op" and tok in ("**", "//"):
            raise FormulaSyntaxError(f"不支持的运算符“{tok}”（可用 + - * /）", pos)
        elif kind == "op" and tok == "%":
            raise FormulaSyntaxError("“%”只能紧跟在数字后面（如 10%）", pos)
        elif kind == "op" and tok == "=":
            raise FormulaSyntaxError("比较相等请写“==”", pos)
        elif kind == "name" and tok.startswith("_"):
            raise FormulaSyntaxError(f"不允许以下划线开头的名称“{tok}”", pos)
        elif kind == "name" and keyword.iskeyword(tok) and tok not in ("and", "or", "not", "if"):
            raise FormulaSyntaxError(f"不允许的关键字“{tok}”", pos)
        elif kind == "num" and m.end() < len(src) and (src[m.end()].isalpha() or src[m.end()] in "_."):
            raise FormulaSyntaxError(f"数字格式错误“{tok}{src[m.end()]}”（不支持科学计数法）", pos)
        else:
            tokens.append(_Token(kind, tok, pos))
        pos = m.end()
    tokens.append(_Token("end", "", len(src)))
    return tokens


# --- the syntax tree -------------------------------------------------------------------------

class _Node:
    def eval(self, env: Mapping[str, Decimal]) -> Decimal:  # pragma: no cover - abstract
        raise NotImplementedError

    def render(self, env: Mapping[str, Decimal], notes: list[str], nested: bool = True) -> str:
        """The formula with figures replaced by their values, along the branches taken."""
        raise NotImplementedError  # pragma: no cover - abstract

    def source(self) -> str:
        raise NotImplementedError  # pragma: no cover - abstract


@dataclass
class _Num(_Node):
    value: Decimal
    text: str

    def eval(self, env):
        return self.value

    def render(self, env, notes, nested=True):
        return self.text

    def source(self):
        return self.text


@dataclass
class _Name(_Node):
    name: str

    def eval(self, env):
        return env[self.name]

    def render(self, env, notes, nested=True):
        return fmt_number(env[self.name])

    def source(self):
        return self.name


@dataclass
class _Group(_Node):
    inner: _Node

    def eval(self, env):
        return self.inner.eval(env)

    def render(self, env, notes, nested=True):
        return f"({self.inner.render(env, notes)})"

    def source(self):
        return f"({self.inner.source()})"


@dataclass
class _Unary(_Node):
    op: str  # "-", "+", "not"
    operand: _Node

    def eval(self, env):
        v = self.operand.eval(env)
        if self.op == "not":
            return ONE if v == 0 else ZERO
        return -v if self.op == "-" else v

    def render(self, env, notes, nested=True):
        inner = self.operand.render(env, notes)
        return f"非 {inner}" if self.op == "not" else f"{_SHOW_OP.get(self.op, self.op)}{inner}"

    def source(self):
        return f"not {self.operand.source()}" if self.op == "not" else f"{self.op}{self.operand.source()}"


@dataclass
class _Binary(_Node):
    op: str
    left: _Node
    right: _Node

    def eval(self, env):
        op = self.op
        if op == "and":
            return ONE if self.left.eval(env) != 0 and self.right.eval(env) != 0 else ZERO
        if op == "or":
            return ONE if self.left.eval(env) != 0 or self.right.eval(env) != 0 else ZERO
        a, b = self.left.eval(env), self.right.eval(env)
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            if b == 0:
                raise NotComputable(f"除数为 0（{self.right.source()} = 0），不可计算")
            return a / b
        return ONE if {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b,
                       "==": a == b, "!=": a != b}[op] else ZERO

    def render(self, env, notes, nested=True):
        return f"{self.left.render(env, notes)} {_SHOW_OP[self.op]} {self.right.render(env, notes)}"

    def source(self):
        return f"{self.left.source()} {self.op} {self.right.source()}"


@dataclass
class _Call(_Node):
    fn: str
    args: list[_Node] = field(default_factory=list)

    def eval(self, env):
        if self.fn == "if":
            cond, yes, no = self.args
            return yes.eval(env) if cond.eval(env) != 0 else no.eval(env)
        vals = [a.eval(env) for a in self.args]
        if self.fn == "min":
            return min(vals)
        if self.fn == "max":
            return max(vals)
        if self.fn == "abs":
            return abs(vals[0])
        if self.fn == "floor":
            return vals[0].to_integral_value(rounding=ROUND_FLOOR)
        if self.fn == "ceil":
            return vals[0].to_integral_value(rounding=ROUND_CEILING)
        if self.fn in ("round", "trunc"):
            return _to_places(vals[0], vals[1] if len(vals) > 1 else ZERO, self.fn, self.args[-1])
        x, lo, hi = vals  # clamp
        return max(lo, min(x, hi))

    def render(self, env, notes, nested=True):
        if self.fn == "if":
            cond, yes, no = self.args
            taken = cond.eval(env) != 0
            notes.append(f"{cond.render(env, notes)} {'成立' if taken else '不成立'}")
            branch = yes if taken else no
            text = branch.render(env, notes, nested)
            return f"({text})" if nested and isinstance(branch, _Binary) else text
        return f"{self.fn}({', '.join(a.render(env, notes) for a in self.args)})"

    def source(self):
        return f"{self.fn}({', '.join(a.source() for a in self.args)})"


# --- the parser ------------------------------------------------------------------------------

class _Parser:
    def __init__(self, tokens: list[_Token]):
        self.tokens = tokens
        self.i = 0
        self.depth = 0

    @property
    def tok(self) -> _Token:
        return self.tokens[self.i]

    def take(self) -> _Token:
        t = self.tokens[self.i]
        self.i += 1
        return t

    def expect(self, text: str) -> None:
        if self.tok.text != text or self.tok.kind != "op":
            raise FormulaSyntaxError(f"此处应为“{text}”，实际是{_describe(self.tok)}", self.tok.pos)
        self.i += 1

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FormulaSyntaxError(f"公式嵌套超过 {MAX_DEPTH} 层", self.tok.pos)

    def parse(self) -> _Node:
        node = self.expr()
        if self.tok.kind != "end":
            raise FormulaSyntaxError(f"多余的内容：{_describe(self.tok)}", self.tok.pos)
        return node

    def expr(self) -> _Node:
        self.enter()
        try:
            node = self.and_expr()
            while self.tok.kind == "name" and self.tok.text == "or":
                self.take()
                node = _Binary("or", node, self.and_expr())
            return node
        finally:
            self.depth -= 1

    def and_expr(self) -> _Node:
        node = self.not_expr()
        while self.tok.kind == "name" and self.tok.text == "and":
            self.take()
            node = _Binary("and", node, self.not_expr())
        return node

    def not_expr(self) -> _Node:
        if self.tok.kind == "name" and self.tok.text == "not":
            self.take()
            self.enter()
            try:
                return _Unary("not", self.not_expr())
            finally:
                self.depth -= 1
        return self.comparison()

    def comparison(self) -> _Node:
        node = self.additive()
        if self.tok.kind == "op" and self.tok.text in ("<", "<=", ">", ">=", "==", "!="):
            op = self.take().text
            node = _Binary(op, node, self.additive())
            if self.tok.kind == "op" and self.tok.text in ("<", "<=", ">", ">=", "==", "!="):
                raise FormulaSyntaxError("比较不能连写（请用 and 连接）", self.tok.pos)
        return node

    def additive(self) -> _Node:
        node = self.term()
        while self.tok.kind == "op" and self.tok.text in ("+", "-"):
            op = self.take().text
            node = _Binary(op, node, self.term())
        return node

    def term(self) -> _Node:
        node = self.unary()
        while self.tok.kind == "op" and self.tok.text in ("*", "/"):
            op = self.take().text
            node = _Binary(op, node, self.unary())
        return node

    def unary(self) -> _Node:
        if self.tok.kind == "op" and self.tok.text in ("-", "+"):
            op = self.take().text
            self.enter()
            try:
                return _Unary(op, self.unary())
            finally:
                self.depth -= 1
        return self.primary()

    def primary(self) -> _Node:
        t = self.tok
        if t.kind == "num":
            self.take()
            digits = t.text.rstrip("%")
            value = Decimal(digits) / 100 if t.text.endswith("%") else Decimal(digits)
            return _Num(value, t.text)
        if t.kind == "name" and t.text not in ("and", "or", "not"):
            self.take()
            if self.tok.kind == "op" and self.tok.text == "(":
                return self.call(t)
            if t.text in FUNCTIONS:
                raise FormulaSyntaxError(f"函数名“{t.text}”后面要跟括号", t.pos)
            return _Name(t.text)
        if t.kind == "op" and t.text == "(":
            self.take()
            inner = self.expr()
            self.expect(")")
            return _Group(inner)
        raise FormulaSyntaxError(f"此处应为数字、名称或“(”，实际是{_describe(t)}", t.pos)

    def call(self, name: _Token) -> _Node:
        if name.text not in FUNCTIONS:
            allowed = "、".join(FUNCTIONS)
            raise FormulaSyntaxError(f"未知函数“{name.text}”（可用：{allowed}）", name.pos)
        self.expect("(")
        args: list[_Node] = []
        if not (self.tok.kind == "op" and self.tok.text == ")"):
            args.append(self.expr())
            while self.tok.kind == "op" and self.tok.text == ",":
                self.take()
                args.append(self.expr())
        self.expect(")")
        lo, hi, _ = FUNCTIONS[name.text]
        if len(args) < lo or (hi is not None and len(args) > hi):
            want = f"{lo} 个" if lo == hi else f"至少 {lo} 个"
            raise FormulaSyntaxError(f"函数 {name.text} 需要{want}参数，给了 {len(args)} 个", name.pos)
        return _Call(name.text, args)


def _to_places(x: Decimal, n: Decimal, fn: str, places: _Node) -> Decimal:
    """round (half up) or trunc (toward zero) ``x`` to ``n`` decimals."""
    if n != n.to_integral_value() or not 0 <= n <= MAX_PLACES:
        given = fmt_number(n) if isinstance(places, _Num) else f"{places.source()} = {fmt_number(n)}"
        raise NotComputable(f"{fn} 的小数位数应为 0 至 {MAX_PLACES} 的整数，不是 {given}")
    with localcontext() as ctx:  # quantize needs room for the integer digits too
        ctx.prec = max(ctx.prec, x.adjusted() + int(n) + 2)
        return x.quantize(Decimal(1).scaleb(-int(n)), rounding=ROUND_HALF_UP if fn == "round" else ROUND_DOWN)


def _describe(t: _Token) -> str:
    return "公式结尾" if t.kind == "end" else f"“{t.text}”"


def _names(node: _Node, out: set[str]) -> None:
    if isinstance(node, _Name):
        out.add(node.name)
    elif isinstance(node, (_Group, _Unary)):
        _names(node.inner if isinstance(node, _Group) else node.operand, out)
    elif isinstance(node, _Binary):
        _names(node.left, out)
        _names(node.right, out)
    elif isinstance(node, _Call):
        for a in node.args:
            _names(a, out)


# --- the public face -------------------------------------------------------------------------

@dataclass(frozen=True)
class Trace:
    """An evaluation with its arithmetic: ``conditions`` met or not, then the substituted text."""

    value: Decimal
    arithmetic: str
    conditions: tuple[str, ...]

    def text(self) -> str:
        """``"300000 ≤ 260000 不成立 → 10 × 260000 / 300000 = 8.6667"``."""
        head = "；".join(self.conditions)
        body = f"{self.arithmetic} = {fmt_number(self.value)}"
        return f"{head} → {body}" if head else body


@dataclass(frozen=True)
class Formula:
    text: str
    _tree: _Node = field(repr=False, compare=False)
    names: frozenset[str] = frozenset()

    def evaluate(self, figures: Mapping[str, Decimal]) -> Decimal:
        """The exact value. Raises MissingFigures or NotComputable, never anything else."""
        missing = sorted(n for n in self.names if figures.get(n) is None)
        if missing:
            raise MissingFigures(missing)
        env = {n: _as_decimal(figures[n], n) for n in self.names}
        # The ambient decimal context (28 digits by default), as everywhere else in bpt.
        try:
            value = self._tree.eval(env)
        except NotComputable:
            raise
        except (DecimalException, ArithmeticError, ValueError) as e:
            raise NotComputable(f"数值超出可计算范围（{type(e).__name__}）") from None
        if not value.is_finite():
            raise NotComputable("结果不是有限数值")
        return value

    def trace(self, figures: Mapping[str, Decimal]) -> Trace:
        value = self.evaluate(figures)  # raises first, so render below never divides by zero
        env = {n: _as_decimal(figures[n], n) for n in self.names}
        notes: list[str] = []
        arithmetic = self._tree.render(env, notes, nested=False)
        return Trace(value, arithmetic, tuple(notes))

    @property
    def is_constant(self) -> bool:
        return not self.names

    def __str__(self) -> str:
        return self.text


def parse_formula(text: str) -> Formula:
    """Parse a formula; raises FormulaSyntaxError (Chinese message, position) on any problem."""
    if not isinstance(text, str):
        raise FormulaSyntaxError("公式必须是文本")
    if not text.strip():
        raise FormulaSyntaxError("公式为空")
    if len(text) > MAX_LENGTH:
        raise FormulaSyntaxError(f"公式超过 {MAX_LENGTH} 个字符")
    tokens = _tokenize(text)
    if len(tokens) > MAX_TOKENS:
        raise FormulaSyntaxError(f"公式过长（超过 {MAX_TOKENS} 个记号）")
    tree = _Parser(tokens).parse()
    names: set[str] = set()
    _names(tree, names)
    return Formula(text.strip(), tree, frozenset(names))


def _as_decimal(value: object, name: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        # Floats would smuggle binary rounding into money; the caller must convert at the edge.
        raise TypeError(f"figure {name} must be Decimal or int, got {type(value).__name__}")
    d = Decimal(value)
    if not d.is_finite():
        raise NotComputable(f"{name} 不是有限数值")
    return d


def fmt_number(value: Decimal, places: int = 4) -> str:
    """A value as people read it: no exponent, trailing zeros dropped, at most ``places``
    decimals (rounded half up, marked with ≈ when that hides digits)."""
    if not value.is_finite():
        return str(value)
    q = Decimal(1).scaleb(-places)
    with localcontext() as ctx:
        ctx.prec = max(34, value.adjusted() + places + 2)
        shown = value.quantize(q, rounding=ROUND_HALF_UP) if value.as_tuple().exponent < -places else value
    text = format(shown, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return f"≈{text}" if shown != value else text
