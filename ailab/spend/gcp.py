"""GCP: a stack's actual cost from the Cloud Billing export in BigQuery.

Cloud Billing exports every charge, with its resource labels, to a BigQuery
table (``<project>.<dataset>.gcp_billing_export_v1_<BILLING_ACCOUNT>``, the
standard usage cost export; schema: https://cloud.google.com/billing/docs/how-to/export-data-bigquery-tables/standard-usage).
Cost net of credits is ``cost`` plus the (negative) ``credits.amount``; the
stack is the ``ailab-stack`` label. The query is parameterised; the table name
is checked, never pasted from free text.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from ailab.core import tags
from ailab.core.errors import AilabError
from ailab.spend.records import SpendReport, SpendRow

TABLE = re.compile(r"^[a-z][a-z0-9-]{4,28}[a-z0-9]\.[A-Za-z0-9_]{1,1024}\.[A-Za-z0-9_]{1,1024}$")

QUERY = """
SELECT DATE(usage_start_time) AS day,
       service.description AS service,
       SUM(cost) + SUM(IFNULL((SELECT SUM(c.amount) FROM UNNEST(credits) AS c), 0)) AS amount,
       ANY_VALUE(currency) AS currency
FROM `{table}`
WHERE usage_start_time >= @start AND usage_start_time < @end
  AND EXISTS (SELECT 1 FROM UNNEST(labels) AS l WHERE l.key = @key AND l.value = @stack)
GROUP BY day, service
ORDER BY day, service
"""


def checked_table(table: str) -> str:
    """``project.dataset.table`` of the billing export, or one error naming the field."""
    if not TABLE.match(table):
        raise AilabError(f"{table!r} is not a BigQuery table; give project.dataset.table of "
                         "the Cloud Billing export", field="billing_table")
    return table


def query_parameters(stack: str, start: dt.date, end: dt.date) -> dict[str, tuple[str, Any]]:
    """Name -> (BigQuery type, value) of the query's parameters."""
    begin = dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC)
    stop = dt.datetime.combine(end, dt.time(), tzinfo=dt.UTC)
    return {"start": ("TIMESTAMP", begin), "end": ("TIMESTAMP", stop),
            "key": ("STRING", tags.GCP.stack), "stack": ("STRING", tags.label_value(stack))}


def read_spend(client: Any, table: str, stack: str, start: dt.date,
               end: dt.date) -> SpendReport:
    """Run the export query with ``client`` (a ``google.cloud.bigquery.Client``)."""
    from google.cloud import bigquery

    sql = QUERY.format(table=checked_table(table))
    params = [bigquery.ScalarQueryParameter(name, kind, value)
              for name, (kind, value) in query_parameters(stack, start, end).items()]
    job = client.query(sql, job_config=bigquery.QueryJobConfig(query_parameters=params))
    report = SpendReport(stack=stack, cloud="gcp", start=start, end=end, currency="USD",
                         source=f"Cloud Billing export {table} (label "
                                f"{tags.GCP.stack}={tags.label_value(stack)})")
    currencies = set()
    for row in job.result():
        day = row["day"] if isinstance(row["day"], dt.date) else dt.date.fromisoformat(
            str(row["day"]))
        report.rows.append(SpendRow(day, str(row["service"]), float(row["amount"])))
        currencies.add(str(row["currency"]))
    if len(currencies) == 1:
        report.currency = currencies.pop()
    return report
