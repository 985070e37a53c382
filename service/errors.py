"""RFC 9457 problem details for every error the API answers, naming the field at fault."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Sequence

import asyncpg
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.params import ParameterKwarg
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from schemas.common import FieldError, Problem

logger = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


class ProblemError(Exception):
    """An error answered as a problem details body."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        errors: Sequence[FieldError] = (),
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = list(errors)
        self.headers = headers or {}


class InvalidInput(ProblemError):
    """422: the request is well-formed but some fields are wrong."""

    def __init__(self, errors: Sequence[FieldError], detail: str | None = None) -> None:
        errors = list(errors)
        if detail is None:
            detail = "; ".join(f"{e.field}: {e.message}" for e in errors)
        super().__init__(422, "Invalid input", detail, errors)


BLANK = "must not be blank"
"""What a required text of only spaces is told: it is as empty as none."""

# Spaces, control characters and invisible format characters (zero-width space U+200B,
# joiners U+200C and U+200D, word joiner U+2060, byte order mark U+FEFF): nothing to read.
_INVISIBLE = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf"})


def is_blank(text: str) -> bool:
    """Whether `text` shows nothing: only spaces and invisible characters, or none."""
    return all(unicodedata.category(char) in _INVISIBLE for char in text)


def blank_fields(values: dict[str, str]) -> list[FieldError]:
    """The required texts among `values` (by field) that show nothing (spaces, invisible
    characters)."""
    return [FieldError(field, BLANK) for field, value in values.items() if is_blank(value)]


NUL = "must not contain NUL characters"
"""What a text holding a NUL character is told: PostgreSQL cannot store it."""


def nul_fields(values: dict[str, str | None]) -> list[FieldError]:
    """The texts among `values` (by field) holding a NUL character, which PostgreSQL text
    cannot hold: named here, before the database refuses the whole request."""
    return [FieldError(field, NUL) for field, value in values.items() if value and "\x00" in value]


def invalid(field: str, message: str) -> InvalidInput:
    """A 422 about one field."""
    return InvalidInput([FieldError(field, message)])


class NotFound(ProblemError):
    def __init__(self, what: str) -> None:
        super().__init__(404, "Not found", f"{what} does not exist")


class Conflict(ProblemError):
    def __init__(self, detail: str) -> None:
        super().__init__(409, "Conflict", detail)


class Forbidden(ProblemError):
    def __init__(self, detail: str) -> None:
        super().__init__(403, "Forbidden", detail)


class Unauthorized(ProblemError):
    def __init__(self, detail: str = "Authentication is required") -> None:
        super().__init__(401, "Unauthorized", detail, headers={"WWW-Authenticate": "Bearer"})


def _response(
    request: Request, problem: Problem, headers: dict[str, str] | None = None
) -> Response:
    problem.instance = request.url.path
    return Response(
        problem, status_code=problem.status, media_type=PROBLEM_JSON, headers=headers or {}
    )


def problem_handler(request: Request, exc: ProblemError) -> Response:
    problem = Problem(
        title=exc.title, status=exc.status, detail=exc.detail, errors=exc.errors or None
    )
    return _response(request, problem, exc.headers)


# msgspec says "Expected `int`, got `str` - at `$.places[0].opening_hours`"; the field an
# object misses or does not know is in the message: "Object missing required field
# `last_name` - at `$.beneficiary`".
_AT = re.compile(r"^(?P<message>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
_NAMED = re.compile(r"^Object (?:missing required|contains unknown) field `(?P<name>[^`]+)`")


def decoding_error(message: str, fallback: str = "body", at: str = "") -> FieldError:
    """A msgspec decoding message as the field at fault, by its whole dotted path
    (`beneficiary.last_name`), and what is wrong with it; `at` is the path when the message
    no longer says it, `fallback` the field when nothing names one."""
    match = _AT.match(message)
    text = match["message"] if match else message
    path = match["path"].lstrip(".") if match and match["path"] else at
    named = _NAMED.match(text)
    if named:
        path = f"{path}.{named['name']}" if path else named["name"]
    return FieldError(path or fallback, text)


def _parameter_names(request: Request) -> dict[str, str]:
    """The names callers give the parameters of the handler and of its dependencies, by the
    Python names Litestar reports their errors under (`start` for `?from=`)."""
    handler = request.scope.get("route_handler")
    if handler is None:
        return {}
    signatures = [handler.parsed_fn_signature] + [
        provider.parsed_fn_signature
        for provider in handler.resolve_dependencies().values()
        if hasattr(provider, "parsed_fn_signature")
    ]
    return {
        python_name: field.kwarg_definition.name
        for signature in signatures
        for python_name, field in signature.parameters.items()
        if isinstance(field.kwarg_definition, ParameterKwarg) and field.kwarg_definition.name
    }


def validation_handler(request: Request, exc: ValidationException) -> Response:
    """Litestar's decoding errors (bad JSON, wrong types, unknown fields) as problems; a query,
    header, cookie or path parameter is named as the caller wrote it (`from`, not `start`)."""
    errors: list[FieldError] = []
    extra = exc.extra if isinstance(exc.extra, list) else []
    aliases: dict[str, str] | None = None
    for item in extra:
        if not isinstance(item, dict):
            continue
        message = str(item.get("message", "is invalid"))
        key = item.get("key")
        key = key if isinstance(key, str) else ""
        if item.get("source") == "body":
            # Litestar calls the body `data`, and a place inside it by its path: `beneficiary`.
            errors.append(decoding_error(message, at="" if key == "data" else key))
        else:
            if key and item.get("source") is not None:
                aliases = _parameter_names(request) if aliases is None else aliases
                head, dot, rest = key.partition(".")
                key = aliases.get(head, head) + dot + rest
            errors.append(decoding_error(message, fallback=key or "body"))
    malformed = any("malformed" in e.message.lower() or "JSON" in e.message for e in errors)
    status = 400 if malformed else 422
    if not errors:
        errors.append(FieldError("body", str(exc.detail)))
    problem = Problem(
        title="Malformed request" if malformed else "Invalid input",
        status=status,
        detail="; ".join(f"{e.field}: {e.message}" for e in errors),
        errors=errors,
    )
    return _response(request, problem)


def http_handler(request: Request, exc: HTTPException) -> Response:
    problem = Problem(title=_title(exc.status_code), status=exc.status_code, detail=exc.detail)
    return _response(request, problem, dict(exc.headers or {}))


def _title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


CROSSED = (
    "another change of the same records was being made at the same moment, and this request "
    "gave way to it: nothing of it was saved; send it again"
)
"""What a request the database gave up to let a simultaneous one through is told (409)."""


def database_handler(request: Request, exc: asyncpg.PostgresError) -> Response:
    """Constraint violations the checks above missed are the client's fault, never a 500; a
    request that crossed another (a deadlock, a serialization failure) may simply be sent
    again: its transaction was rolled back whole."""
    if isinstance(exc, asyncpg.DeadlockDetectedError | asyncpg.SerializationError):
        # Logged, by its type and place only: each one is a lock order worth looking at.
        logger.warning(
            "%s on %s %s: answered 409", type(exc).__name__, request.method, request.url.path
        )
        return problem_handler(
            request, ProblemError(409, "Conflict", CROSSED, headers={"Retry-After": "1"})
        )
    if isinstance(exc, asyncpg.UniqueViolationError):
        column = _constraint_field(exc)
        return problem_handler(
            request, ProblemError(409, "Conflict", f"{column} is already used by another record")
        )
    if isinstance(exc, asyncpg.ForeignKeyViolationError):
        detail = getattr(exc, "detail", None) or ""
        still = re.search(r'is still referenced from table "?(\w+)"?', detail)
        if still:
            return problem_handler(
                request, Conflict(f"the record is still used by {still[1]} records; keep it")
            )
        return problem_handler(request, invalid(_constraint_field(exc), "refers to nothing"))
    if isinstance(
        exc, asyncpg.CharacterNotInRepertoireError | asyncpg.UntranslatableCharacterError
    ):
        # A NUL character, which PostgreSQL text cannot hold: the query parameters holding
        # one are named; none of them, it came in the body.
        params = request.query_params.multi_items()
        fields = dict.fromkeys(name for name, value in params if "\x00" in value) or ["body"]
        message = "contains a character that cannot be stored (NUL)"
        return problem_handler(request, InvalidInput([FieldError(f, message) for f in fields]))
    if isinstance(exc, asyncpg.CheckViolationError | asyncpg.NotNullViolationError):
        return problem_handler(request, invalid(_constraint_field(exc), "is not allowed"))
    return internal_handler(request, exc)


_REQUEST_FIELD = "boussole_request_field"


def about_field(exc: asyncpg.PostgresError, field: str) -> None:
    """Name the field of the request a database refusal is about, where its constraint's
    column alone would not say which (`places[1].place_id`, not `place_id`)."""
    setattr(exc, _REQUEST_FIELD, field)


def _constraint_field(exc: asyncpg.PostgresError) -> str:
    named: str | None = getattr(exc, _REQUEST_FIELD, None)
    if named is not None:
        return named
    detail = getattr(exc, "detail", None) or ""
    match = re.search(r"Key \((\w+)\)", detail)
    if match:
        return match[1]
    return getattr(exc, "column_name", None) or getattr(exc, "constraint_name", None) or "body"


def internal_handler(request: Request, exc: Exception) -> Response:
    # Log the type and place only: messages may carry personal data from the request.
    logger.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path)
    problem = Problem(
        title="Internal error",
        status=HTTP_500_INTERNAL_SERVER_ERROR,
        detail="The server failed; the failure was logged.",
    )
    return _response(request, problem)


EXCEPTION_HANDLERS = {
    ProblemError: problem_handler,
    ValidationException: validation_handler,
    HTTPException: http_handler,
    asyncpg.PostgresError: database_handler,
    Exception: internal_handler,
}
