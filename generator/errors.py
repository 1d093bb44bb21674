"""The few error types a user can see. The CLI prints each as one line and exits 2."""

from __future__ import annotations


class GeneratorError(Exception):
    """Bad input: a message that names the key, where it came from and what is allowed."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def lines(self) -> list[str]:
        """One line per problem, as the CLI prints them: a value can never break a line."""
        problems: list[str] = getattr(self, "problems", None) or [self.message]
        return [shown(problem) for problem in problems]


class ProfileError(GeneratorError):
    """A profile or site file cannot be found, read or merged."""


class ParamsError(GeneratorError):
    """The merged parameters break the schema or a cross-field rule."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems

    def __reduce__(self) -> tuple[type, tuple[list[str]]]:  # `check` sends errors between processes
        return type(self), (self.problems,)


class TemplateError(GeneratorError):
    """A template failed to render; names template and line."""


class ValidationFailed(GeneratorError):
    """Rendered output failed Kubernetes or key-catalog validation."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems

    def __reduce__(self) -> tuple[type, tuple[list[str]]]:  # `check` sends errors between processes
        return type(self), (self.problems,)


class OutputError(GeneratorError):
    """The output folder cannot be written safely."""


class IdentityChange(GeneratorError):
    """A render would remove or rename pods that own data; `details` lists them, one per line."""

    def __init__(self, message: str, details: list[str]) -> None:
        super().__init__(message)
        self.details = details


def shown(text: str) -> str:
    """`text` on one line for messages and comments: characters that are not printable (line breaks,
    tabs, control and format characters, lone surrogates) are written as Python escapes."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
