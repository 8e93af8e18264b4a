"""GCP REST calls on google-api-core: retries with backoff and a deadline, pagination,
errors as ``google.api_core.exceptions``; and the Cloud Storage ledger store.

Compute, Cloud Monitoring and Cloud Storage are called over REST through
google-auth's ``AuthorizedSession`` (the TPU API through its GAPIC client, with
the same retry). A 429 or 5xx answer becomes the matching api-core exception
(``from_http_response``) and is retried with exponential backoff until the
deadline; list calls page with ``page_iterator.HTTPIterator``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

from ailab.janitor.ledger import Ledger, StoreConflict

STORAGE = "https://storage.googleapis.com"


def default_retry(deadline_s: float = 120.0, initial_s: float = 1.0) -> Any:
    """Retry 429 and 5xx (and dropped connections) with backoff, up to ``deadline_s``."""
    from google.api_core import exceptions as gexc
    from google.api_core import retry as gretry

    transient = gretry.if_exception_type(
        gexc.TooManyRequests, gexc.InternalServerError, gexc.BadGateway,
        gexc.ServiceUnavailable, gexc.GatewayTimeout, ConnectionError)
    return gretry.Retry(predicate=transient, initial=initial_s, maximum=32.0, multiplier=2.0,
                        timeout=deadline_s)


class RestApi:
    """One authorized HTTP session, every call through the retry."""

    def __init__(self, http: Any, retry: Any) -> None:
        self.http, self.retry = http, retry

    def call(self, method: str, url: str, params: dict[str, Any] | None = None,
             json: Any = None, data: bytes | None = None,
             headers: dict[str, str] | None = None) -> Any:
        """The response of a 2xx answer; any other raises the api-core exception."""
        return self.retry(self._once)(method, url, params, json, data, headers)

    def _once(self, method: str, url: str, params: dict[str, Any] | None, json: Any,
              data: bytes | None, headers: dict[str, str] | None) -> Any:
        from google.api_core import exceptions as gexc

        response = self.http.request(method, url, params=params, json=json, data=data,
                                     headers=headers)
        if response.status_code >= 400:
            raise gexc.from_http_response(response)
        return response

    def get(self, url: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return dict(self.call("GET", url, params).json())

    def pages(self, url: str, items_key: str, params: dict[str, Any],
              flatten: Callable[[dict[str, Any]], list[Any]] | None = None) -> Iterator[Any]:
        """Every item of a paginated list (``pageToken``/``nextPageToken``)."""
        from google.api_core import page_iterator

        def request(method: str, path: str, query_params: dict[str, Any]) -> dict[str, Any]:
            page = self.get(path, query_params)
            if flatten is not None:
                page[items_key] = flatten(page)
            return page

        iterator = page_iterator.HTTPIterator(
            client=None, api_request=request, path=url,
            item_to_value=lambda _it, item: item, items_key=items_key, extra_params=params)
        yield from iterator


class GcsLedgerStore:
    """``gs://<bucket>/<prefix><project>/<region>.json``, written with
    ``ifGenerationMatch`` (0 to create), so a stale write fails."""

    def __init__(self, api: RestApi, bucket: str, name: str, scope: str) -> None:
        self.api, self.bucket, self.name, self.scope = api, bucket, name, scope
        self.where = f"gs://{bucket}/{name}"

    def read(self) -> tuple[Ledger | None, str | None]:
        from google.api_core import exceptions as gexc

        url = f"{STORAGE}/storage/v1/b/{self.bucket}/o/{quote(self.name, safe='')}"
        try:
            response = self.api.call("GET", url, {"alt": "media"})
        except gexc.NotFound:
            return None, None
        generation = response.headers.get("x-goog-generation", "")
        return Ledger.from_json(response.content, self.scope, self.where), generation

    def write(self, ledger: Ledger, version: str | None) -> str:
        from google.api_core import exceptions as gexc

        url = f"{STORAGE}/upload/storage/v1/b/{self.bucket}/o"
        params = {"uploadType": "media", "name": self.name, "ifGenerationMatch": version or "0"}
        try:
            response = self.api.call("POST", url, params, data=ledger.to_json(),
                                     headers={"Content-Type": "application/json"})
        except gexc.PreconditionFailed:
            raise StoreConflict(self.where) from None
        return str(response.json()["generation"])
