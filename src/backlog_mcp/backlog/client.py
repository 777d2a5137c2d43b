"""The Backlog API v2 client: HTTP, authentication, retries, rate limits (answers are read by
`responses.py`: error bodies, rate-limit headers, addresses that are not a Backlog space).

It knows nothing of MCP. Every failure is raised as a `backlog_mcp.errors.BacklogError` whose
message is built from what was asked for (`what`) and Backlog's own error body, never from the
request URL, so neither the API key nor the token can leak through an error text.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, BinaryIO, TypeVar
from urllib.parse import urlencode

import anyio
import httpx2
from pydantic import TypeAdapter, ValidationError
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt, stop_before_delay
from tenacity.wait import wait_exponential_jitter

from backlog_mcp.backlog.group import EndpointGroup
from backlog_mcp.backlog.http import make_http_client, segment
from backlog_mcp.backlog.params import Params, encode_params
from backlog_mcp.backlog.responses import (
    ErrorMapping,
    RateLimitInfo,
    has_rate_limit_headers,
    iso_utc,
    not_a_space,
    rate_limit_from,
    without_rate_limit_headers,
)
from backlog_mcp.errors import (
    BacklogConnectionError,
    BacklogRateLimitError,
    BacklogRequestTooLongError,
    BacklogResponseError,
    BacklogServerError,
    BacklogWriteUncertainError,
)

__all__ = [
    "MAX_URL_CHARS",
    "RETRY_BUDGET_SECONDS",
    "BacklogClient",
    "EndpointGroup",
    "RateLimitInfo",
    "make_http_client",
    "segment",
]

logger = logging.getLogger(__name__)
T = TypeVar("T")
_RATE_LIMIT_MARGIN_SECONDS = 0.5
# Web servers commonly refuse longer request lines (nginx's default buffer is 8 KiB) with a bare 414.
MAX_URL_CHARS = 8000
RETRY_BUDGET_SECONDS = 30.0
_adapters: dict[Any, TypeAdapter[Any]] = {}
_FORM = "application/x-www-form-urlencoded"
# Failures that leave no doubt the request never reached Backlog: only these, and a 429, let a
# write be sent again.
_NEVER_SENT = (httpx2.ConnectError, httpx2.ConnectTimeout, httpx2.PoolTimeout)
Upload = tuple[str, Callable[[], BinaryIO]]  # a file's name, and an opener of its bytes


class _NotSentError(BacklogConnectionError):
    """The connection for a write was never made: sending it again cannot do it twice."""


class BacklogClient:
    """Async access to one Backlog space.

    Args:
        http: from `make_http_client`, or a factory for one, called on the first request (building
            the TLS context costs tens of milliseconds an MCP client would otherwise wait for at
            start-up); owned by the caller either way.
        api_key: sent as the `apiKey` query parameter; wins over a bearer token, as in Nulab's
            clients, when both are configured.
        access_token: an OAuth token sent with each request, so one pool serves many users.
        credential_source: where the credential came from, named when Backlog rejects it
            (default: the BACKLOG_ setting).
        max_retries: extra attempts after a 5xx, a connection failure, or a 429 whose reset is
            within `rate_limit_max_wait` seconds; none starts later than `RETRY_BUDGET_SECONDS`
            (or the rate-limit wait, if longer) after the first.
        sleep: injectable for tests.
        when: formats a 429's reset time; the server passes the format of every date it shows.
        request_budget: the longest one request may take, body included (downloads: until their
            headers), however slowly the bytes come.
    """

    def __init__(
        self,
        http: httpx2.AsyncClient | Callable[[], httpx2.AsyncClient],
        *,
        api_key: str | None = None,
        uses_token: bool = False,
        access_token: str | None = None,
        credential_source: str | None = None,
        max_retries: int = 3,
        rate_limit_max_wait: float = 30.0,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        when: Callable[[datetime], str] = iso_utc,
        request_budget: float = RETRY_BUDGET_SECONDS,
    ) -> None:
        self._http_or_factory = http
        self._when = when
        self._request_budget = request_budget
        self._api_key = api_key
        self._uses_token = (uses_token or access_token is not None) and not api_key
        self._token = access_token if self._uses_token else None
        self._auth = {"Authorization": f"Bearer {self._token}"} if self._token else {}
        self._credential_source = credential_source
        self._max_retries = max_retries
        self._rate_limit_max_wait = rate_limit_max_wait
        self._sleep = sleep
        self._clock = clock
        self.rate_limit: RateLimitInfo | None = None
        # Set by the first answer with Backlog's rate-limit headers (see responses.py for the rule).
        self._answered_like_backlog = False

    @property
    def _http(self) -> httpx2.AsyncClient:
        if not isinstance(self._http_or_factory, httpx2.AsyncClient):
            self._http_or_factory = self._http_or_factory()
        return self._http_or_factory

    @property
    def max_retries(self) -> int:
        """Retries a failed request gets (a download's resumption follows the same budget)."""
        return self._max_retries

    @property
    def _secrets(self) -> tuple[str, ...]:
        """The credentials this client sends, to be masked wherever an answer quotes them."""
        bearer = self._http.headers.get("authorization", "").removeprefix("Bearer ")
        return tuple(s for s in (self._api_key, bearer, self._token) if s)

    def _errors(self) -> ErrorMapping:
        return ErrorMapping(
            self._http.base_url, self._uses_token, self._when, self._secrets, self._credential_source
        )

    # -- core ---------------------------------------------------------------------------------

    async def get_json(self, path: str, params: Params | None = None, *, what: str) -> Any:
        """GET `path` (relative to /api/v2/) and decode its JSON body.

        Raises:
            BacklogError: any failure, with a message naming `what`.
        """
        return self._decode(await self._get(path, params, what=what), what)

    def _decode(self, response: httpx2.Response, what: str) -> Any:
        try:
            return response.json()
        except ValueError:
            kind = response.headers.get("content-type", "no content type")
            evidence = f"HTTP {response.status_code} with a body that is not JSON ({kind})"
            raise not_a_space(response, self._http.base_url, what, evidence) from None

    async def get_model(self, model: type[T], path: str, params: Params | None = None, *, what: str) -> T:
        """GET and validate into `model` (a pydantic model or `list[Model]`)."""
        response = await self._get(path, params, what=what)
        return self._validated(model, response, self._decode(response, what), what)

    def _validated(self, model: type[T], response: httpx2.Response, data: Any, what: str) -> T:
        adapter = _adapters.get(model)
        if adapter is None:
            adapter = _adapters[model] = TypeAdapter(model)
        try:
            return adapter.validate_python(data)  # type: ignore[no-any-return]
        except ValidationError as exc:
            if not has_rate_limit_headers(response):
                evidence = without_rate_limit_headers(response, misshapen=True)
                raise not_a_space(response, self._http.base_url, what, evidence) from None
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "the body"
            raise BacklogResponseError(
                f"Backlog's answer for {what} has an unexpected shape ({where}: {first['msg']}): if "
                f"{self._http.base_url.host} is not your space's own address, correct BACKLOG_BASE_URL."
            ) from None

    @asynccontextmanager
    async def stream(self, path: str, *, what: str) -> AsyncIterator[httpx2.Response]:
        """GET `path` with its body left unread, for streaming; the response is closed on exit.

        Opening is retried like any request; once the body is streaming, a failure is the
        caller's to report.
        """
        response = await self._retrying(
            self._query(None), what, lambda q: self._send(path, q, what, stream=True)
        )
        try:
            yield response
        finally:
            await response.aclose()

    async def send_form(
        self,
        model: type[T],
        method: str,
        path: str,
        form: Params | None = None,
        *,
        what: str,
        check: str,
        files: Upload | None = None,
    ) -> T:
        """Send a write (`form` encoded as Backlog reads it, or one multipart `files` upload) and
        validate its answer into `model` (`type(None)` for a 204).

        Retried only when Backlog certainly did not process it: a 429 within the wait allowed, or
        a connection never made. `check` says how to find out whether a write that got no
        answer was done: a clause, like `look at backlog_get_issue {...} before sending it again`.

        Raises:
            BacklogWriteUncertainError: a timeout, a dropped connection or a 5xx after sending.
            BacklogError: any other failure, with a message naming `what`.
        """
        pairs = encode_params(form)
        opened: list[BinaryIO] = []  # one per attempt: a retry sends the file from its start

        def build() -> httpx2.Request:
            query = httpx2.QueryParams(tuple(self._query(None)))
            if files is not None:
                name, opener = files
                opened.append(opener())
                return self._http.build_request(
                    method,
                    path,
                    params=query,
                    data=dict(pairs),
                    files={"file": (name, opened[-1])},
                    headers=self._auth,
                )
            headers = {"Content-Type": _FORM, **self._auth}
            return self._http.build_request(
                method, path, params=query, content=urlencode(pairs).encode(), headers=headers
            )

        try:
            response = await self._retrying([], what, lambda _: self._send_write(build(), what), writes=True)
        except (BacklogServerError, BacklogWriteUncertainError) as exc:
            raise BacklogWriteUncertainError(
                f"{exc} It may or may not have been done, so it was not sent again: {check}."
            ) from None
        finally:
            for stream in opened:
                stream.close()
        if response.status_code == 204 or not response.content:
            return self._validated(model, response, None, what)
        return self._validated(model, response, self._decode(response, what), what)

    async def _send_write(self, request: httpx2.Request, what: str) -> httpx2.Response:
        try:
            with anyio.fail_after(self._request_budget):
                response = await self._http.send(request)
        except _NEVER_SENT as exc:
            raise _NotSentError(
                f"Could not reach Backlog at {self._http.base_url.host} while writing {what} "
                f"({type(exc).__name__}); nothing was sent."
            ) from None
        except (httpx2.TransportError, TimeoutError) as exc:  # sent, or partly: no way to know
            raise BacklogWriteUncertainError(
                f"Backlog did not answer while writing {what} ({type(exc).__name__})."
            ) from None
        self._remember_rate_limit(response)
        if response.is_success:
            return response
        raise self._errors().error_for(response, what, self._clock(), verb="write")

    def _query(self, params: Params | None) -> list[tuple[str, str]]:
        query = encode_params(params)
        if self._api_key:
            query.append(("apiKey", self._api_key))
        return query

    async def _get(self, path: str, params: Params | None, *, what: str) -> httpx2.Response:
        return await self._retrying(
            self._query(params), what, lambda q: self._send(path, q, what, stream=False)
        )

    async def _retrying(
        self,
        query: list[tuple[str, str]],
        what: str,
        send: Callable[[list[tuple[str, str]]], Awaitable[httpx2.Response]],
        *,
        writes: bool = False,
    ) -> httpx2.Response:
        retryable = self._write_retryable if writes else self._retryable
        retrying = AsyncRetrying(
            # A retry that would start past the budget is not made: MCP clients commonly give a
            # call 60 s, and a clear error beats their bare timeout.
            stop=stop_after_attempt(self._max_retries + 1)
            | stop_before_delay(
                max(RETRY_BUDGET_SECONDS, self._rate_limit_max_wait + _RATE_LIMIT_MARGIN_SECONDS)
            ),
            wait=self._wait,
            retry=retry_if_exception(retryable),
            sleep=self._sleep,
            before_sleep=lambda state: self._log_retry(state, what),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await send(query)
        raise AssertionError("unreachable: tenacity reraises the last error")  # pragma: no cover

    async def _send(
        self, path: str, query: list[tuple[str, str]], what: str, *, stream: bool
    ) -> httpx2.Response:
        try:
            request = self._http.build_request(
                "GET", path, params=httpx2.QueryParams(tuple(query)), headers=self._auth
            )
        except httpx2.InvalidURL:
            request = None
        # Measured, never shown: the URL carries the key.
        if request is None or len(str(request.url)) > MAX_URL_CHARS:
            raise BacklogRequestTooLongError(
                f"The request for {what} is too long to send to Backlog (over {MAX_URL_CHARS} characters "
                "as a URL): shorten the keyword or give fewer IDs."
            )
        try:
            # The HTTP timeout is per read: a server that trickles a byte at a time would never
            # trip it. One request never takes longer than the whole retry budget.
            with anyio.fail_after(self._request_budget):
                response = await self._http.send(request, stream=stream)
        except (httpx2.TimeoutException, TimeoutError):
            raise BacklogConnectionError(f"Backlog did not answer in time while reading {what}.") from None
        except httpx2.TransportError as exc:
            # The exception text may quote the URL (and so the key): only its type is kept.
            raise BacklogConnectionError(
                f"Could not reach Backlog at {self._http.base_url.host} while reading {what} "
                f"({type(exc).__name__})."
            ) from None
        self._remember_rate_limit(response)
        if response.is_success and not self._answered_like_backlog:
            # Not yet known to be Backlog, and this answer lacks what every Backlog answer has.
            evidence = without_rate_limit_headers(response)
            await response.aclose()
            raise not_a_space(response, self._http.base_url, what, evidence)
        if response.is_success:
            return response
        if stream:  # the error body is small; read it for Backlog's message, then let go
            await response.aread()
            await response.aclose()
        raise self._errors().error_for(response, what, self._clock())

    # -- retry policy --------------------------------------------------------------------------

    def _retryable(self, exc: BaseException) -> bool:
        if isinstance(exc, BacklogRateLimitError):
            wait = exc.seconds_until_reset(self._clock())
            return wait is not None and wait <= self._rate_limit_max_wait
        return isinstance(exc, BacklogConnectionError | BacklogServerError)

    def _write_retryable(self, exc: BaseException) -> bool:
        if isinstance(exc, BacklogRateLimitError):  # refused before anything was done
            return self._retryable(exc)
        return isinstance(exc, _NotSentError)

    _backoff = wait_exponential_jitter(multiplier=0.5, max=8.0, jitter=0.5)

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, BacklogRateLimitError):
            return (exc.seconds_until_reset(self._clock()) or 0.0) + _RATE_LIMIT_MARGIN_SECONDS
        return float(self._backoff(state))

    def _log_retry(self, state: RetryCallState, what: str) -> None:
        exc = state.outcome.exception() if state.outcome else None
        delay = state.next_action.sleep if state.next_action else 0.0
        logger.warning(
            "Backlog request for %s failed (%s); retrying in %.1f s (attempt %d of %d)",
            what,
            type(exc).__name__,
            delay,
            state.attempt_number + 1,
            self._max_retries + 1,
        )

    # -- responses -----------------------------------------------------------------------------

    def _remember_rate_limit(self, response: httpx2.Response) -> None:
        if has_rate_limit_headers(response):
            self._answered_like_backlog = True
        info = rate_limit_from(response)
        if info is not None:
            self.rate_limit = info
