"""Turn a run's report into table rows and plain words.

The wording depends on the mode: a scan or dry run says what *would* happen,
an executed clean says what *did*.
"""

from __future__ import annotations

from typing import Any

from ailab.janitor.records import Finding, Report, Status

COLUMNS = ("Resource", "Region", "Rule", "Evidence", "USD/month", "Action", "Status")


def outcome(finding: Finding, mode: str) -> str:
    """What happened (execute) or would happen (scan, dry-run) to a finding."""
    act, detail, did = finding.action.value, finding.detail, mode == "execute"
    words = {
        Status.PROTECTED: f"skipped: {detail}",
        Status.TOO_YOUNG: f"skipped: too young ({detail})",
        Status.UNKNOWN: f"unknown, left alone: {detail}",
        Status.REPORTED: f"reported only: {detail or 'policy says report'}",
        Status.WAITING: f"marked; {act} {detail}",
        Status.MARK: detail if did else f"would mark; {detail}",
        Status.ACT: f"would {act} ({detail})",
        Status.UNMARK: detail if did else "would remove mark (no longer matches)",
        Status.DONE: detail,
        Status.PENDING: detail,
        Status.FAILED: f"FAILED: {detail}",
    }
    return words[finding.status]


def evidence_text(evidence: dict[str, Any]) -> str:
    """Evidence as one compact line: ``key=value`` pairs, nested dicts inlined."""
    parts = []
    for key, value in evidence.items():
        if isinstance(value, dict):
            value = ",".join(f"{k}={v}" for k, v in value.items())
        parts.append(f"{key}={value}")
    return "; ".join(parts)


def rows(report: Report) -> list[list[Any]]:
    out = []
    for f in report.findings:
        res = f.resource
        label = f"{res.kind} {res.id}" + (f" ({res.name})" if res.name else "")
        out.append([label, res.region, f.rule, evidence_text(f.evidence),
                    f"{f.monthly_usd:,.2f}", f.action.value, outcome(f, report.mode)])
    return out


def to_json(report: Report) -> dict[str, Any]:
    data = report.as_dict()
    for item, finding in zip(data["findings"], report.findings, strict=True):
        item["outcome"] = outcome(finding, report.mode)
    return data


def footer(report: Report) -> str:
    counts: dict[str, int] = {}
    for f in report.findings:
        counts[f.status.value] = counts.get(f.status.value, 0) + 1
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "nothing found"
    lines = [f"Monthly saving: ${report.monthly_saving_usd:,.2f} ({summary})"]
    lines += [f"error: {e.cloud} {e.region} {e.step}: {e.message}" for e in report.errors]
    if report.mode != "execute" and report.findings:
        lines.append("Dry run: nothing was changed. `ailab janitor clean --yes` marks and acts.")
    return "\n".join(lines)
