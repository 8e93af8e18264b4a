"""The AWS ledger store: one S3 object per account and region, written with S3
conditional writes (``If-None-Match: *`` to create, ``If-Match: <ETag>`` to
replace), so a write based on a stale read fails instead of overwriting."""

from __future__ import annotations

from typing import Any

from ailab.janitor.ledger import Ledger, StoreConflict

_CONFLICT = {"PreconditionFailed", "ConditionalRequestConflict", "NoSuchKey"}


class S3LedgerStore:
    """``s3://<bucket>/<prefix><account>/<region>.json``."""

    def __init__(self, s3: Any, bucket: str, key: str, scope: str) -> None:
        self.s3, self.bucket, self.key, self.scope = s3, bucket, key, scope
        self.where = f"s3://{bucket}/{key}"

    def read(self) -> tuple[Ledger | None, str | None]:
        try:
            answer = self.s3.get_object(Bucket=self.bucket, Key=self.key)
        except self.s3.exceptions.NoSuchKey:
            return None, None
        body = answer["Body"].read()
        return Ledger.from_json(body, self.scope, self.where), str(answer["ETag"])

    def write(self, ledger: Ledger, version: str | None) -> str:
        condition = {"IfMatch": version} if version else {"IfNoneMatch": "*"}
        try:
            answer = self.s3.put_object(Bucket=self.bucket, Key=self.key,
                                        Body=ledger.to_json(),
                                        ContentType="application/json", **condition)
        except self.s3.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _CONFLICT:
                raise StoreConflict(self.where) from None
            raise
        return str(answer["ETag"])
