"""The one error the guidance package raises."""


class GuidanceError(ValueError):
    """A guidance file is missing, malformed or inconsistent; says which file, line and field."""

    def __init__(self, source: str, line: int, where: str, message: str) -> None:
        self.source = source
        self.line = line
        self.where = where
        self.message = message
        super().__init__(f"{source} line {line}: {where}: {message}")
