"""One error module: a base class and one class per failure, each saying what was wrong and how to fix it."""


class FraudModelsError(Exception):
    """Base class for every error this package raises on purpose."""


class SpecError(FraudModelsError):
    """The feature spec is malformed or asks for something the interpreter does not support."""

    def __init__(self, message: str, feature: str | None = None):
        self.feature = feature
        where = f"feature spec, feature {feature!r}: " if feature else "feature spec: "
        super().__init__(where + message)


class DataError(FraudModelsError):
    """An input file is unusable. Names the file, line (the header is line 1) and column where known."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None, column: str | None = None):
        self.file, self.line, self.column = file, line, column
        parts = [p for p in (file and f"file {file}", line and f"line {line}", column and f"column {column}") if p]
        super().__init__(f"{', '.join(parts)}: {message}" if parts else message)


class ExportError(FraudModelsError):
    """The model bundle could not be written or verified; nothing was left behind."""
