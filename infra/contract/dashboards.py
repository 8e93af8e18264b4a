"""Dashboard documents checked against what the consoles accept.

- CloudWatch: the ``DashboardBody`` against a JSON Schema written from the API
  Reference page "Dashboard Body Structure and Syntax"
  (``schemas/cloudwatch_dashboard_body.schema.json``: widget types, grid
  positions and sizes, text/metric/alarm/log/explorer properties, the metrics
  array formats, annotations, axes), plus what a schema cannot say: a widget
  must fit the 24-column grid (``x + width``), a single metric's dimensions come
  in name/value pairs, and a SEARCH query stays within its length limit.
- Cloud Monitoring: the ``dashboard_json`` parsed into the API's own message,
  ``google.cloud.monitoring_dashboard_v1.Dashboard`` (``json_format.Parse``
  refuses unknown fields and wrong types), plus the mosaic layout's rule that
  every tile lies inside its columns (the proto's field documentation: 1-48
  columns, ``xPos + width`` within them).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA = Path(__file__).with_name("schemas") / "cloudwatch_dashboard_body.schema.json"
AWS_COLUMNS = 24
SEARCH_MAX_CHARS = 1024
MOSAIC_MAX_COLUMNS = 48
_SEARCH = re.compile(r"SEARCH\(")


@cache
def _validator() -> Any:
    import jsonschema

    return jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text()))


def aws_dashboard_problems(body: str) -> list[str]:
    """Every way ``body`` departs from CloudWatch's documented dashboard structure."""
    try:
        doc = json.loads(body)
    except (TypeError, json.JSONDecodeError) as exc:
        return [f"DashboardBody is not JSON: {exc}"]
    found = [f"{'/'.join(map(str, e.absolute_path)) or '(body)'}: {e.message}"
             for e in _validator().iter_errors(doc)]
    if found or not isinstance(doc, dict):
        return found
    for i, widget in enumerate(doc.get("widgets") or []):
        found += [f"widgets/{i}: {p}" for p in _widget_problems(widget)]
    return found


def _widget_problems(widget: dict[str, Any]) -> list[str]:
    found = []
    x, width = widget.get("x", 0), widget.get("width", 6)
    if x + width > AWS_COLUMNS:
        found.append(f"x {x} + width {width} overflows the {AWS_COLUMNS}-column grid")
    if widget.get("type") != "metric":
        return found
    for j, entry in enumerate((widget.get("properties") or {}).get("metrics") or []):
        strings = [e for e in entry if isinstance(e, str)]
        if strings and len(strings) % 2:
            found.append(f"metrics/{j}: dimension names and values must come in pairs")
        for item in entry:
            expression = item.get("expression", "") if isinstance(item, dict) else ""
            if _SEARCH.search(expression) and len(expression) > SEARCH_MAX_CHARS:
                found.append(f"metrics/{j}: SEARCH expression is {len(expression)} characters;"
                             f" at most {SEARCH_MAX_CHARS}")
    return found


def gcp_dashboard_problems(document: str) -> list[str]:
    """Every way ``document`` is not a ``monitoring_dashboard_v1.Dashboard``."""
    from google.cloud import monitoring_dashboard_v1
    from google.protobuf import json_format

    try:
        message = json_format.Parse(document, monitoring_dashboard_v1.Dashboard.pb()(),
                                    ignore_unknown_fields=False)
    except (json_format.ParseError, TypeError) as exc:
        return [f"not a monitoring_dashboard_v1.Dashboard: {exc}"]
    found = [] if message.display_name else ["a dashboard needs a displayName"]
    if message.HasField("mosaic_layout"):
        layout = message.mosaic_layout
        columns = layout.columns or MOSAIC_MAX_COLUMNS
        if not 1 <= columns <= MOSAIC_MAX_COLUMNS:
            found.append(f"mosaicLayout.columns {columns} is outside 1..{MOSAIC_MAX_COLUMNS}")
        for i, tile in enumerate(layout.tiles):
            if tile.width < 1 or tile.height < 1:
                found.append(f"tiles/{i}: width and height must be at least 1")
            if tile.x_pos + tile.width > columns:
                found.append(f"tiles/{i}: xPos {tile.x_pos} + width {tile.width} overflows "
                             f"{columns} columns")
            if not tile.widget.title and not tile.widget.HasField("text"):
                found.append(f"tiles/{i}: a chart needs a title")
    return found
