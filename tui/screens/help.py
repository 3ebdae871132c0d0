"""The help screen: every key of every screen, read from the screens' own bindings."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from bpt.tui.screens.detail import DetailScreen
from bpt.tui.screens.explain import ExplainScreen
from bpt.tui.screens.forms import FieldForm
from bpt.tui.screens.overview import OverviewScreen
from bpt.tui.widgets.cells import pad

GENERAL = [
    ("ctrl+p", "命令面板：搜索并执行所有主要操作"),
    ("tab / shift+tab", "在表格、标签页、输入框之间移动焦点"),
    ("方向键", "移动光标；总览上方为部门，选中部门后下方列出其项目"),
    ("enter", "总览：打开光标所在项目的明细；表单：提交"),
]


class HelpScreen(ModalScreen):
    BINDINGS = [Binding("escape,q,question_mark,f1", "app.pop_screen", "关闭")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(self.text())

    def text(self) -> Text:
        sections = [("通用", GENERAL), ("全局", self._keys(type(self.app).BINDINGS)),
                    ("总览", self._keys(OverviewScreen.BINDINGS)), ("项目明细", self._keys(DetailScreen.BINDINGS)),
                    ("解释", self._keys(ExplainScreen.BINDINGS)), ("表单", self._keys(FieldForm.BINDINGS))]
        out = Text()
        out.append("按键一览（Esc 关闭）\n", style="bold")
        for title, keys in sections:
            out.append(f"\n{title}\n", style="bold underline")
            for key, description in keys:
                out.append(f"  {pad(key, 18)}{description}\n")
        return out

    def _keys(self, bindings: list[Binding]) -> list[tuple[str, str]]:
        return [(", ".join(self.app.get_key_display(Binding(k, b.action)) for k in b.key.split(",")), b.description)
                for b in bindings]
