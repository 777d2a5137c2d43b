"""`EndpointGroup`: the base of every area's endpoints (`IssueEndpoints(api)`, …)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from backlog_mcp.backlog.client import BacklogClient

__all__ = ["EndpointGroup"]


class EndpointGroup:
    """One area's endpoints over the shared client, as go-github groups `client.Issues`.

    A group holds nothing but the client, so it is made where it is used (`IssueEndpoints(api)`):
    an area adds endpoints without editing a list of groups on the client.
    """

    def __init__(self, client: BacklogClient) -> None:
        self.client = client
