"""Backlog error bodies and the exception the handlers raise to produce them."""

from __future__ import annotations

from typing import Any

__all__ = [
    "CODE_AUTHENTICATION",
    "CODE_INTERNAL",
    "CODE_INVALID_REQUEST",
    "CODE_NO_RESOURCE",
    "CODE_TOO_MANY_REQUESTS",
    "ApiError",
    "code_for_status",
    "error_body",
    "invalid",
    "not_found",
]

CODE_INTERNAL = 1
CODE_UNAUTHORIZED_OPERATION = 5
CODE_NO_RESOURCE = 6
CODE_INVALID_REQUEST = 7
CODE_AUTHENTICATION = 11
CODE_TOO_MANY_REQUESTS = 13

# Backlog documents only 401/404/429; the rest follows the mapping both official clients assume.
_CODE_BY_STATUS = {
    400: CODE_INVALID_REQUEST,
    401: CODE_AUTHENTICATION,
    403: CODE_UNAUTHORIZED_OPERATION,
    404: CODE_NO_RESOURCE,
    405: CODE_INVALID_REQUEST,
    429: CODE_TOO_MANY_REQUESTS,
}


def code_for_status(status: int) -> int:
    return _CODE_BY_STATUS.get(status, CODE_INTERNAL)


def error_body(message: str, code: int) -> dict[str, Any]:
    return {"errors": [{"message": message, "code": code, "moreInfo": ""}]}


class ApiError(Exception):
    """Raised by a handler; the app turns it into a Backlog error response."""

    def __init__(self, status: int, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code_for_status(status) if code is None else code

    def body(self) -> dict[str, Any]:
        return error_body(self.message, self.code)


def not_found(what: str) -> ApiError:
    """`not_found("issue")` → 404 `No issue.` (code 6), Backlog's wording."""
    return ApiError(404, f"No {what}.", CODE_NO_RESOURCE)


def invalid(parameter: str, reason: str) -> ApiError:
    """400 (code 7) naming the parameter, e.g. `Invalid count. count must be between 1 and 100.`"""
    return ApiError(400, f"Invalid {parameter}. {reason}", CODE_INVALID_REQUEST)
