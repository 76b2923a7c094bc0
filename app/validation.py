"""The one error type for input that breaks a rule, shared by every feature's services."""

from __future__ import annotations


class ValidationFailed(ValueError):
    """One or more fields are wrong; `errors` maps each field to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors
