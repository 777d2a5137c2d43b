"""The Backlog client against `httpx2.MockTransport`: errors, retries, rate limits, secrets."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import anyio
import httpx2
import pytest
import tenacity

from backlog_mcp.backlog.attachments import AttachmentEndpoints
from backlog_mcp.backlog.client import RETRY_BUDGET_SECONDS, BacklogClient, make_http_client
from backlog_mcp.backlog.issues import IssueEndpoints, IssueFilter, IssuePage
from backlog_mcp.backlog.projects import ProjectEndpoints
from backlog_mcp.backlog.space import SpaceEndpoints
from backlog_mcp.errors import (
    BacklogAuthError,
    BacklogConnectionError,
    BacklogInvalidRequestError,
    BacklogNotASpaceError,
    BacklogNotFoundError,
    BacklogPermissionError,
    BacklogRateLimitError,
    BacklogRequestTooLongError,
    BacklogResponseError,
    BacklogServerError,
)
from backlog_mcp.redact import install_log_redaction
from backlog_mcp.render.text import RenderContext

pytestmark = pytest.mark.anyio

KEY = "k3y-THAT-must-never-show"
NOW = datetime(2026, 11, 24, 12, 0, 0, tzinfo=UTC)
Handler = Callable[[httpx2.Request], httpx2.Response]


def _error(status: int, message: str, code: int, **headers: str) -> httpx2.Response:
    body = {"errors": [{"message": message, "code": code, "moreInfo": ""}]}
    return httpx2.Response(status, json=body, headers=headers)


# What every Backlog answer carries; the client takes a success without them for another server's.
BACKLOG_HEADERS = {
    "X-RateLimit-Limit": "600",
    "X-RateLimit-Remaining": "599",
    "X-RateLimit-Reset": "1605484860",
}


class Recorder:
    """Answers with `responses` in turn (the last one repeated), successes given Backlog's headers
    unless `bare`."""

    def __init__(self, *responses: httpx2.Response | Exception, bare: bool = False) -> None:
        self.responses = list(responses)
        self.requests: list[httpx2.Request] = []
        self.sleeps: list[float] = []
        self.bare = bare

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        item = self.responses.pop(0) if len(self.responses) > 1 else self.responses[0]
        if isinstance(item, Exception):
            raise item
        if item.is_success and not self.bare and "x-ratelimit-limit" not in item.headers:
            item.headers.update(BACKLOG_HEADERS)
        return item

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)


class _Api(SpaceEndpoints, ProjectEndpoints, IssueEndpoints, AttachmentEndpoints):
    """Every endpoint group these tests read through, over one client."""


def _api(recorder: Recorder, **kwargs: object) -> _Api:
    http = make_http_client(
        "https://space.backlog.com", timeout_seconds=5, transport=httpx2.MockTransport(recorder)
    )
    options: dict[str, object] = {
        "api_key": KEY,
        "max_retries": 2,
        "sleep": recorder.sleep,
        "clock": lambda: NOW,
    }
    options.update(kwargs)
    return _Api(BacklogClient(http, **options))  # type: ignore[arg-type]


async def test_sends_key_user_agent_and_bracketed_arrays() -> None:
    recorder = Recorder(httpx2.Response(200, json=[]))
    await (_api(recorder)).get_issues(IssueFilter(projectId=(1, 2), statusId=(5,)), IssuePage(count=3))
    request = recorder.requests[0]
    assert request.url.path == "/api/v2/issues"
    assert request.url.params.get_list("projectId[]") == ["1", "2"]
    assert request.url.params.get_list("statusId[]") == ["5"]
    assert request.url.params["apiKey"] == KEY
    assert request.url.params["count"] == "3"
    assert request.headers["user-agent"].startswith("backlog-mcp/")


async def test_bearer_token_goes_in_the_header_not_the_query() -> None:
    recorder = Recorder(httpx2.Response(200, json={"id": 1, "name": "me"}))
    http = make_http_client(
        "https://space.backlog.com",
        timeout_seconds=5,
        access_token="tok",
        transport=httpx2.MockTransport(recorder),
    )
    await _Api(BacklogClient(http, uses_token=True)).get_myself()
    assert recorder.requests[0].headers["authorization"] == "Bearer tok"
    assert "apiKey" not in recorder.requests[0].url.params


async def test_users_sharing_one_pool_send_each_their_own_credential_and_no_cookie_of_another() -> None:
    # One pool serves every caller of a shared deployment: a cookie some proxy sets for one
    # user's answer must never ride along with another's request.
    cookie = {"Set-Cookie": "JSESSIONID=session-of-the-first-user; Path=/"}
    recorder = Recorder(httpx2.Response(200, json={"id": 1, "name": "me"}, headers=cookie))
    http = make_http_client(
        "https://space.backlog.com", timeout_seconds=5, transport=httpx2.MockTransport(recorder)
    )
    await _Api(BacklogClient(http, api_key="first-users-key")).get_myself()
    await _Api(BacklogClient(http, access_token="second-users-token")).get_myself()
    first, second = recorder.requests
    assert first.url.params["apiKey"] == "first-users-key"
    assert "authorization" not in first.headers
    assert second.headers["authorization"] == "Bearer second-users-token"
    assert "apiKey" not in second.url.params
    assert "cookie" not in second.headers


async def test_404_names_what_was_not_found_and_keeps_backlogs_message() -> None:
    recorder = Recorder(_error(404, "No issue.", 6))
    with pytest.raises(BacklogNotFoundError) as caught:
        await _api(recorder).get_issue("ABC-12")
    assert str(caught.value) == "Issue ABC-12 not found. Backlog said: No issue."
    assert caught.value.codes == (6,)


async def test_401_with_key_says_to_check_the_key() -> None:
    with pytest.raises(BacklogAuthError, match="check BACKLOG_API_KEY") as caught:
        await _api(Recorder(_error(401, "Authentication failure.", 11))).get_space()
    assert "Authentication failure" in str(caught.value)


async def test_401_with_token_quotes_the_www_authenticate_reason() -> None:
    response = httpx2.Response(
        401,
        headers={
            "WWW-Authenticate": 'Bearer error="invalid_token", error_description="The access token expired"'
        },
    )
    recorder = Recorder(response)
    http = make_http_client(
        "https://s.backlog.jp", timeout_seconds=5, transport=httpx2.MockTransport(recorder)
    )
    with pytest.raises(BacklogAuthError, match=r"The access token expired.*BACKLOG_ACCESS_TOKEN"):
        await _Api(BacklogClient(http, uses_token=True)).get_space()


async def test_403_says_which_resource_is_not_permitted() -> None:
    with pytest.raises(BacklogPermissionError, match="Not permitted to read project SECRET"):
        await _api(Recorder(_error(403, "No permission.", 5))).get_project("SECRET")


async def test_400_carries_every_backlog_message() -> None:
    body = {
        "errors": [
            {"message": "No project.", "code": 6, "moreInfo": "There are no projects."},
            {"message": "No user.", "code": 7, "moreInfo": ""},
        ]
    }
    with pytest.raises(BacklogInvalidRequestError) as caught:
        await _api(Recorder(httpx2.Response(400, json=body))).get_projects()
    assert "No project (There are no projects); No user" in str(caught.value)


async def test_5xx_is_retried_with_backoff_then_succeeds() -> None:
    recorder = Recorder(_error(503, "busy", 1), _error(502, "busy", 1), httpx2.Response(200, json=[]))
    assert await _api(recorder).get_priorities() == []
    assert len(recorder.requests) == 3
    assert len(recorder.sleeps) == 2
    assert all(0 < s <= 9 for s in recorder.sleeps)


async def test_5xx_gives_up_after_max_retries() -> None:
    recorder = Recorder(_error(500, "Internal error.", 1))
    with pytest.raises(BacklogServerError, match="HTTP 500"):
        await _api(recorder, max_retries=2).get_priorities()
    assert len(recorder.requests) == 3


async def test_retries_stop_within_the_budget_so_a_client_never_times_out_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    elapsed = [0.0]  # tenacity's clock, moved only by our sleeps: no real time passes

    async def sleep(seconds: float) -> None:
        elapsed[0] += seconds

    monkeypatch.setattr(tenacity, "time", SimpleNamespace(monotonic=lambda: elapsed[0]))
    recorder = Recorder(_error(503, "busy", 1))
    with pytest.raises(BacklogServerError):
        await _api(recorder, max_retries=10, sleep=sleep).get_priorities()
    assert 4 <= len(recorder.requests) < 11
    assert elapsed[0] <= RETRY_BUDGET_SECONDS


async def test_connection_error_is_retried_and_its_text_never_quoted() -> None:
    failure = httpx2.ConnectError(f"cannot connect to https://space.backlog.com/api/v2/space?apiKey={KEY}")
    recorder = Recorder(failure)
    with pytest.raises(BacklogConnectionError) as caught:
        await _api(recorder).get_space()
    assert len(recorder.requests) == 3
    assert KEY not in str(caught.value)
    assert "space.backlog.com" in str(caught.value)


async def test_4xx_is_not_retried() -> None:
    recorder = Recorder(_error(404, "No issue.", 6))
    with pytest.raises(BacklogNotFoundError):
        await _api(recorder).get_issue("X-1")
    assert len(recorder.requests) == 1


@pytest.mark.parametrize("length", [3_000, 30_000])  # over our cap; over httpx2's own URL limit
async def test_an_overlong_query_is_a_clear_error_and_never_sent(length: int) -> None:
    recorder = Recorder(httpx2.Response(200, json=[]))
    with pytest.raises(BacklogRequestTooLongError, match="shorten the keyword") as raised:
        await (_api(recorder)).get_issues(IssueFilter(keyword="あ" * length), IssuePage())
    assert recorder.requests == []
    assert KEY not in str(raised.value)


async def test_429_near_reset_waits_until_reset_then_retries() -> None:
    reset = str(int((NOW + timedelta(seconds=7)).timestamp()))
    throttled = _error(
        429,
        "Too many requests.",
        13,
        **{"X-RateLimit-Reset": reset, "X-RateLimit-Limit": "150", "X-RateLimit-Remaining": "0"},
    )
    recorder = Recorder(throttled, httpx2.Response(200, json={"count": 4}))
    assert await (_api(recorder)).count_issues(IssueFilter()) == 4
    assert recorder.sleeps == [pytest.approx(7.5)]


async def test_429_far_from_reset_fails_at_once_saying_when_to_retry() -> None:
    reset = str(int((NOW + timedelta(seconds=600)).timestamp()))
    recorder = Recorder(_error(429, "Too many requests.", 13, **{"X-RateLimit-Reset": reset}))
    with pytest.raises(BacklogRateLimitError) as caught:
        await (_api(recorder, rate_limit_max_wait=60)).count_issues(IssueFilter())
    assert recorder.sleeps == []
    assert "It resets at 2026-11-24T12:10Z (in 600 s): retry after that." in str(caught.value)


async def test_429_reset_time_is_told_in_the_format_it_is_given() -> None:
    reset = str(int((NOW + timedelta(seconds=600)).timestamp()))
    recorder = Recorder(_error(429, "Too many requests.", 13, **{"X-RateLimit-Reset": reset}))
    when = RenderContext(zone=ZoneInfo("Asia/Tokyo"), base_url="https://space.backlog.com").when
    with pytest.raises(BacklogRateLimitError, match=r"It resets at 2026-11-24T21:10\+09:00 \(in 600 s\)"):
        await (_api(recorder, rate_limit_max_wait=60, when=when)).count_issues(IssueFilter())


async def test_rate_limit_headers_are_remembered() -> None:
    headers = {"X-RateLimit-Limit": "600", "X-RateLimit-Remaining": "598", "X-RateLimit-Reset": "1605484860"}
    api = _api(Recorder(httpx2.Response(200, json=[], headers=headers)))
    await api.get_priorities()
    assert api.client.rate_limit is not None
    assert api.client.rate_limit.remaining == 598


async def test_a_page_instead_of_json_says_the_address_is_not_a_backlog_space() -> None:
    recorder = Recorder(
        httpx2.Response(200, text="<html>Sign in</html>", headers={"content-type": "text/html"})
    )
    with pytest.raises(BacklogNotASpaceError) as caught:
        await _api(recorder).get_space()
    assert str(caught.value).startswith(
        "https://space.backlog.com did not answer like a Backlog space when asked for the space "
        "(HTTP 200 with a body that is not JSON (text/html)). Check that BACKLOG_BASE_URL is your "
        "space's own address"
    )
    assert "no proxy or login page stands in between" in str(caught.value)


_NOT_BACKLOG = [
    # A .com address for a .jp space, or a proxy: a web server's own 404 page.
    httpx2.Response(404, text="<!doctype html><h1>Not Found</h1>", headers={"content-type": "text/html"}),
    httpx2.Response(404, text=""),
    httpx2.Response(404, json={"message": "Not Found", "status": 404}),  # some other JSON API
    httpx2.Response(400, json={"error": "bad request"}),
    httpx2.Response(403, text="<html>Forbidden by proxy</html>", headers={"content-type": "text/html"}),
    httpx2.Response(401, text="", headers={"WWW-Authenticate": 'Basic realm="proxy"'}),
    httpx2.Response(405, text="Method Not Allowed", headers={"content-type": "text/plain"}),
]


@pytest.mark.parametrize("response", _NOT_BACKLOG, ids=lambda r: f"{r.status_code}")
async def test_an_error_without_backlogs_error_body_says_the_address_is_not_a_backlog_space(
    response: httpx2.Response,
) -> None:
    with pytest.raises(BacklogNotASpaceError) as caught:
        await _api(Recorder(response)).get_myself()
    text = str(caught.value)
    assert text.startswith(
        f"https://space.backlog.com did not answer like a Backlog space when asked for the current user "
        f"(HTTP {response.status_code} with "
    )
    assert "not found" not in text
    assert "BACKLOG_BASE_URL" in text


async def test_a_redirect_is_never_followed_so_the_key_stays_with_the_configured_space() -> None:
    seen: list[httpx2.URL] = []

    def handle(request: httpx2.Request) -> httpx2.Response:
        seen.append(request.url)
        if request.url.host == "space.backlog.com":
            back = f"https://sso.example.com/login?next={request.url}"  # echoes the key, as SSO pages do
            return httpx2.Response(302, headers={"Location": back})
        return httpx2.Response(200, text="<html>Sign in</html>", headers={"content-type": "text/html"})

    http = make_http_client(
        "https://space.backlog.com", timeout_seconds=5, transport=httpx2.MockTransport(handle)
    )
    with pytest.raises(BacklogNotASpaceError) as caught:
        await _Api(BacklogClient(http, api_key=KEY)).get_space()
    assert [url.host for url in seen] == ["space.backlog.com"]
    assert "HTTP 302, a redirect to https://sso.example.com/login, not followed" in str(caught.value)
    assert KEY not in str(caught.value)


async def test_backlogs_own_errors_are_still_read_as_backlogs() -> None:
    with pytest.raises(BacklogNotFoundError, match="No such API"):
        await _api(Recorder(_error(404, "No such API.", 6))).get_myself()
    with pytest.raises(BacklogInvalidRequestError):
        await _api(Recorder(_error(400, "Invalid request.", 7))).get_myself()
    # A 5xx is the space failing, not another address: still a server error, and retried; an HTML
    # page says a proxy may be the one answering, and what to check.
    with pytest.raises(BacklogServerError, match=r"or a proxy in front of it.*correct BACKLOG_BASE_URL"):
        await _api(Recorder(httpx2.Response(502, text="<html>Bad gateway</html>"))).get_myself()
    with pytest.raises(BacklogServerError, match=r"^Backlog failed with HTTP 500 while reading"):
        await _api(Recorder(_error(500, "Internal error.", 1))).get_myself()


async def test_unexpected_shape_is_a_response_error() -> None:
    with pytest.raises(BacklogResponseError, match="unexpected shape"):
        await _api(Recorder(httpx2.Response(200, json={"not": "a list"}))).get_priorities()


async def test_tolerates_nulls_missing_and_extra_fields() -> None:
    issue = {
        "id": 1, "issueKey": "A-1", "summary": "s", "assignee": None, "resolution": None, "category": [],
        "customFields": [], "brandNewField": {"x": 1}, "dueDate": None, "priority": {"id": 3, "name": "中"},
    }  # fmt: skip
    parsed = await _api(Recorder(httpx2.Response(200, json=issue))).get_issue("A-1")
    assert parsed.assignee is None
    assert parsed.priority is not None
    assert parsed.priority.name == "中"


async def test_hostile_key_cannot_walk_to_another_endpoint() -> None:
    recorder = Recorder(_error(404, "No issue.", 6))
    with pytest.raises(BacklogNotFoundError):
        await _api(recorder).get_issue("../space")
    assert recorder.requests[0].url.raw_path.startswith(b"/api/v2/issues/..%2Fspace")


async def test_api_key_never_reaches_log_output(caplog: pytest.LogCaptureFixture) -> None:
    install_log_redaction([KEY])
    logging.getLogger("httpx2").addHandler(caplog.handler)
    try:
        # The server quiets httpx2 when it starts; this test needs its INFO lines, whatever ran before.
        with caplog.at_level(logging.DEBUG), caplog.at_level(logging.DEBUG, logger="httpx2"):
            recorder = Recorder(_error(503, "busy", 1), httpx2.Response(200, json=[]))
            await _api(recorder).get_priorities()
    finally:
        logging.getLogger("httpx2").removeHandler(caplog.handler)
    assert "HTTP Request" in caplog.text  # the URL was logged...
    assert KEY not in caplog.text  # ...without the key
    assert "apiKey=***" in caplog.text


def test_short_secrets_do_not_mangle_text() -> None:
    from backlog_mcp.redact import redact

    assert redact("Could not reach Backlog", ["k"]) == "Could not reach Backlog"
    assert redact("GET /space?apiKey=k&x=1", ["k"]) == "GET /space?apiKey=***&x=1"
    assert redact(f"key {KEY} leaked", [KEY]) == "key *** leaked"


async def test_http_client_is_made_on_the_first_request_and_only_once() -> None:
    made: list[httpx2.AsyncClient] = []
    recorder = Recorder(httpx2.Response(200, json=[]))

    def factory() -> httpx2.AsyncClient:
        made.append(
            make_http_client(
                "https://s.backlog.com", timeout_seconds=5, transport=httpx2.MockTransport(recorder)
            )
        )
        return made[-1]

    api = _Api(BacklogClient(factory, api_key=KEY))
    assert made == []
    await api.get_priorities()
    await api.get_priorities()
    assert len(made) == 1
    assert len(recorder.requests) == 2
    await made[0].aclose()


@pytest.mark.parametrize("token", [None, "T" * 40])
async def test_an_error_body_that_echoes_the_request_never_carries_the_credentials(token: str | None) -> None:
    def handle(request: httpx2.Request) -> httpx2.Response:
        echoed = f"bad request {request.url} {request.headers.get('authorization', '')}"
        return _error(400, echoed, 7)

    http = make_http_client(
        "https://space.backlog.com",
        timeout_seconds=5,
        access_token=token,
        transport=httpx2.MockTransport(handle),
    )
    with pytest.raises(BacklogInvalidRequestError) as caught:
        await SpaceEndpoints(
            BacklogClient(http, api_key=None if token else KEY, uses_token=token is not None)
        ).get_space()
    message = str(caught.value)
    assert "bad request" in message
    assert KEY not in message
    assert "T" * 40 not in message


@pytest.mark.parametrize("body", [[], {"ok": True}], ids=["empty-list", "object"])
async def test_a_success_without_backlogs_rate_limit_headers_is_another_server_not_an_empty_answer(
    body: object,
) -> None:
    recorder = Recorder(httpx2.Response(200, json=body), bare=True)
    api = _api(recorder)
    for read in (api.get_projects, api.get_myself):
        with pytest.raises(BacklogNotASpaceError) as caught:
            await read()
        assert "(HTTP 200 with JSON but none of the X-RateLimit-* headers Backlog sends)" in str(caught.value)
    assert len(recorder.requests) == 2  # refused on every call, not only the first


async def test_a_bare_download_from_an_address_never_seen_answering_like_backlog_is_refused_and_closed() -> (
    None
):
    closed: list[bool] = []

    class Body(httpx2.AsyncByteStream):
        async def __aiter__(self) -> AsyncIterator[bytes]:
            yield b"%PDF"

        async def aclose(self) -> None:
            closed.append(True)

    recorder = Recorder(
        httpx2.Response(200, stream=Body(), headers={"content-type": "application/pdf"}), bare=True
    )
    with pytest.raises(BacklogNotASpaceError, match=r"HTTP 200 with a body of type application/pdf but none"):
        async with _api(recorder).download_attachment("DEMO-1", 5):
            pass
    assert closed == [True]


async def test_once_the_space_answered_with_its_headers_a_bare_answer_is_still_read() -> None:
    recorder = Recorder(
        httpx2.Response(200, json=[], headers=BACKLOG_HEADERS),
        httpx2.Response(200, json=[{"id": 2, "name": "High"}]),
        bare=True,
    )
    api = _api(recorder)
    assert await api.get_priorities() == []
    assert [p.name for p in await api.get_priorities()] == ["High"]


async def test_a_misshapen_answer_without_headers_is_not_backlog_but_with_them_is_backlogs_odd_shape() -> (
    None
):
    bare = Recorder(
        httpx2.Response(200, json=[], headers=BACKLOG_HEADERS),
        httpx2.Response(200, json={"ok": True}),
        bare=True,
    )
    api = _api(bare)
    await api.get_priorities()
    with pytest.raises(
        BacklogNotASpaceError, match=r"HTTP 200 with JSON of another shape but none of the X-Rate"
    ):
        await api.get_myself()
    with pytest.raises(BacklogResponseError, match=r"current user has an unexpected shape \(id: ") as caught:
        await _api(Recorder(httpx2.Response(200, json={"ok": True}))).get_myself()
    assert not isinstance(caught.value, BacklogNotASpaceError)


async def test_a_count_that_is_not_in_the_answer_is_not_read_as_zero() -> None:
    with pytest.raises(BacklogResponseError, match=r"unexpected shape \(count: .*correct BACKLOG_BASE_URL"):
        await (_api(Recorder(httpx2.Response(200, json={})))).count_issues(IssueFilter())
    with pytest.raises(BacklogResponseError, match=r"unexpected shape \(the body: "):
        await _api(Recorder(httpx2.Response(200, json=[]))).count_comments("DEMO-1")


async def test_a_server_that_trickles_its_answer_is_given_up_on_within_the_request_budget() -> None:
    async def trickle(request: httpx2.Request) -> httpx2.Response:
        await anyio.sleep(5)  # each byte slow enough to keep a per-read timeout from ever tripping
        return httpx2.Response(200, json=[], headers=BACKLOG_HEADERS)

    http = make_http_client(
        "https://space.backlog.com", timeout_seconds=20, transport=httpx2.MockTransport(trickle)
    )
    api = _Api(BacklogClient(http, api_key=KEY, max_retries=0, request_budget=0.05))
    with anyio.fail_after(2), pytest.raises(BacklogConnectionError, match="did not answer in time"):
        await api.get_priorities()
