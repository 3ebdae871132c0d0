"""The one exception a command raises when it refuses input: it names the field."""


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
        return f"{self.field}：{self.message}"
