"""The billing-export query, run for real: sqlglot translates the BigQuery SQL and
DuckDB executes it over rows laid out as the documented standard usage cost
export (service STRUCT, labels and credits ARRAY<STRUCT>), behind an autospec of
the real ``bigquery.Client``."""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest.mock import create_autospec

import duckdb
import pytest
import sqlglot
from google.cloud import bigquery

from ailab.core.errors import AilabError
from ailab.spend.gcp import checked_table, read_spend

TABLE = "lab-billing.billing_export.gcp_billing_export_v1_0X0X0X_0X0X0X_0X0X0X"
SCHEMA = """service STRUCT(id VARCHAR, description VARCHAR),
 sku STRUCT(id VARCHAR, description VARCHAR), usage_start_time TIMESTAMPTZ,
 usage_end_time TIMESTAMPTZ, labels STRUCT("key" VARCHAR, "value" VARCHAR)[],
 cost DOUBLE, currency VARCHAR, credits STRUCT(name VARCHAR, amount DOUBLE)[],
 cost_type VARCHAR"""


def _row(day: int, hour: int, service: str, cost: float, stack: str | None,
         credit: float = 0.0) -> tuple[Any, ...]:
    start = dt.datetime(2026, 11, day, hour, tzinfo=dt.UTC)
    labels = [{"key": "ailab-stack", "value": stack}] if stack else []
    labels.append({"key": "team", "value": "nlp"})
    credits = [{"name": "Sustained use", "amount": credit}] if credit else []
    return ({"id": service[:4], "description": service}, {"id": "s", "description": "sku"},
            start, start + dt.timedelta(hours=1), labels, cost, "USD", credits, "regular")


@pytest.fixture
def client() -> Any:
    db = duckdb.connect()
    project, dataset, table = TABLE.split(".")
    db.execute(f"ATTACH ':memory:' AS \"{project}\"")
    db.execute(f"CREATE SCHEMA \"{project}\".{dataset}")
    db.execute(f"CREATE TABLE \"{project}\".{dataset}.{table} ({SCHEMA})")
    rows = [_row(1, 3, "Compute Engine", 10.0, "gcp-gpu-lab", credit=-2.0),
            _row(1, 4, "Compute Engine", 5.0, "gcp-gpu-lab"),
            _row(1, 5, "Cloud Storage", 0.5, "gcp-gpu-lab"),
            _row(2, 1, "Compute Engine", 7.0, "gcp-gpu-lab"),
            _row(2, 1, "Compute Engine", 99.0, "other-stack"),
            _row(2, 2, "Compute Engine", 50.0, None),
            _row(12, 2, "Compute Engine", 1000.0, "gcp-gpu-lab")]  # outside the period
    db.executemany(f"INSERT INTO \"{project}\".{dataset}.{table} VALUES "
                   "(?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    fake = create_autospec(bigquery.Client, instance=True)

    def query(sql: str, job_config: bigquery.QueryJobConfig) -> Any:
        params = {p.name: p.value for p in job_config.query_parameters}
        kinds = {p.name: p.type_ for p in job_config.query_parameters}
        assert kinds == {"start": "TIMESTAMP", "end": "TIMESTAMP", "key": "STRING",
                         "stack": "STRING"}
        translated = sqlglot.transpile(sql, read="bigquery", write="duckdb")[0]
        cursor = db.execute(translated, params)
        names = [d[0] for d in cursor.description]
        job = create_autospec(bigquery.QueryJob, instance=True)
        job.result.return_value = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
        return job

    fake.query.side_effect = query
    return fake


def test_the_stack_label_net_of_credits_per_service_and_day(client: Any) -> None:
    rep = read_spend(client, TABLE, "gcp-gpu-lab", dt.date(2026, 11, 1), dt.date(2026, 11, 8))
    assert rep.by_service() == {"Compute Engine": pytest.approx(20.0),
                                "Cloud Storage": pytest.approx(0.5)}
    assert rep.by_day()[dt.date(2026, 11, 1)] == pytest.approx(13.5)
    assert rep.by_day()[dt.date(2026, 11, 2)] == pytest.approx(7.0)
    assert rep.currency == "USD" and TABLE in rep.source


@pytest.mark.parametrize("bad", ["x", "proj.dataset", "p.d.t; DROP TABLE x",
                                 "Proj.d.t", "proj.d.t`", "proj.d.t\n"])
def test_table_names_are_checked(bad: str) -> None:
    with pytest.raises(AilabError) as err:
        checked_table(bad)
    assert err.value.field == "billing_table"
