"""The one exception a command raises when it refuses input: it names the field."""

import unicodedata

# Characters that would break the one line (or drive the terminal) when a message quotes input.
_INVISIBLE = ("Cc", "Zl", "Zp")


def _one_line(text: str) -> str:
    return "".join(c.encode("unicode_escape").decode() if unicodedata.category(c) in _INVISIBLE else c
                   for c in text)


class Refusal(Exception):
    """A command was refused; nothing was recorded.

    ``field`` is the user-facing name of what is wrong (Chinese, as on the forms),
    ``message`` says why. ``str()`` gives the one line the CLI prints.
    """

    def __init__(self, field: str, message: str):
        super().__init__(field, message)
        self.field = field
        self.message = message

    def __str__(self) -> str:
        return _one_line(f"{self.field}：{self.message}")


class Unavailable(Refusal):
    """A service or file the command needs is unavailable (the database, a disk, the broker):
    not the user's input. The CLI exits 3 for it, 2 for any other refusal."""
