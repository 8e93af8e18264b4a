"""What a ``compare`` result means for people: break-even, the plans to show, month tables.

Pure functions over the result of ``costs.compare.compare`` (plain data). The
chart (``compare_chart``) and the HTML report (``compare_html``) draw from these,
so the picture, the report and the numbers agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import accumulate
from typing import Any

KINDS = ("cloud", "onprem", "hybrid")
KIND_LABELS = {"cloud": "cloud", "onprem": "on-prem", "hybrid": "hybrid (on-prem + cloud burst)"}


def cumulative(monthly: list[float]) -> list[float]:
    """Running totals: month 1, months 1-2, ..."""
    return list(accumulate(monthly))


def best_by_kind(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The cheapest plan of each kind present (plans are ranked cheapest first)."""
    out: dict[str, dict[str, Any]] = {}
    for plan in result["plans"]:
        out.setdefault(plan["kind"], plan)
    return out


def shown_plans(result: dict[str, Any], top: int) -> list[dict[str, Any]]:
    """The ``top`` cheapest plans, plus the cheapest of every kind that did not make it,
    so on-prem (and hybrid) appear in every view; in rank order."""
    chosen = list(result["plans"][:top])
    for plan in best_by_kind(result).values():
        if plan not in chosen:
            chosen.append(plan)
    return sorted(chosen, key=lambda p: p["rank"])


def crossover_month(cheaper_later: list[float], other: list[float]) -> int | None:
    """First month (1-based) from which ``cheaper_later`` has cost less in total than
    ``other`` and stays so to the horizon; None if it never does."""
    a, b = cumulative(cheaper_later), cumulative(other)
    month = None
    for i, (x, y) in enumerate(zip(a, b, strict=True), start=1):
        month = (month or i) if x <= y else None
    return month


@dataclass(frozen=True)
class BreakEven:
    """On-prem against the cheapest cloud plan."""

    onprem: str
    cloud: str
    utilisation: float | None
    break_even_utilisation: float | None
    vs_usd_per_gpu_hour: float | None
    crossover_month: int | None
    horizon_months: int
    saving_usd: float

    def sentence(self) -> str:
        """The finding in one sentence."""
        if self.crossover_month is None:
            when = f"does not pay off within {self.horizon_months} months"
        else:
            when = f"costs less in total from month {self.crossover_month} on"
        text = f"{self.onprem} {when} against {self.cloud}"
        if self.utilisation is not None and self.break_even_utilisation is not None:
            text += (f"; it runs at {self.utilisation:.0%} utilisation and breaks even at "
                     f"{self.break_even_utilisation:.0%}")
        verdict = "saves" if self.saving_usd >= 0 else "costs"
        more = "" if self.saving_usd >= 0 else " more"
        return text + f"; over the horizon it {verdict} ${abs(self.saving_usd):,.0f}{more}."


def break_even(result: dict[str, Any]) -> BreakEven | None:
    """On-prem vs the cheapest cloud plan, when the result has both."""
    best = best_by_kind(result)
    if "onprem" not in best or "cloud" not in best:
        return None
    onprem, cloud = best["onprem"], best["cloud"]
    details = onprem.get("details", {})
    return BreakEven(
        onprem=onprem["name"], cloud=cloud["name"],
        utilisation=details.get("utilisation"),
        break_even_utilisation=details.get("break_even_utilisation"),
        vs_usd_per_gpu_hour=details.get("vs_usd_per_gpu_hour"),
        crossover_month=crossover_month(onprem["monthly_usd"], cloud["monthly_usd"]),
        horizon_months=len(onprem["monthly_usd"]),
        saving_usd=cloud["total_usd"] - onprem["total_usd"])


def sources(result: dict[str, Any]) -> list[tuple[str, str]]:
    """Every (source, as_of) behind the plans' prices, once each."""
    seen = {(str(p["details"]["source"]), str(p["details"].get("as_of", "")))
            for p in result["plans"] if p.get("details", {}).get("source")}
    return sorted(seen)


def money(value: float) -> str:
    """``$1,234`` (whole dollars; reports are about plans, not cents)."""
    return f"-${-value:,.0f}" if value < 0 else f"${value:,.0f}"


def short_money(value: float) -> str:
    """``$1.2M``, ``$340k``, ``$950``: axis labels."""
    size = abs(value)
    if size >= 1e6:
        return f"${value / 1e6:,.1f}M"
    if size >= 1e3:
        return f"${value / 1e3:,.0f}k"
    return f"${value:,.0f}"


def assumptions(plan: Any) -> list[tuple[str, list[tuple[str, str]]]]:
    """The plan's inputs as (section, [(what, value)]) for the report; ``plan`` is a
    ``costs.compare.Plan``."""
    demand = plan.demand
    rows = [("accelerator", plan.gpu), ("horizon", f"{plan.horizon_months} months")]
    if demand.profile_gpu_hours:
        rows.append(("steady demand", f"{sum(demand.profile_gpu_hours):,.0f} GPU-hours "
                     f"(monthly profile, {min(demand.profile_gpu_hours):,.0f} to "
                     f"{max(demand.profile_gpu_hours):,.0f})"))
    for job in demand.jobs:
        mfu = "default MFU" if job.mfu is None else f"MFU {job.mfu:.2f}"
        rows.append((f"job {job.name}", f"{job.params:.3g} params x {job.tokens:.3g} tokens on "
                     f"{job.gpus} GPUs from month {job.start_month} ({mfu}, 6 x params x "
                     "tokens FLOPs)"))
    out = [("Demand", rows)]
    out.append(("Cloud options", [(f"{o.cloud} {o.region}", o.instance_type or
                                   "cheapest type with the accelerator") for o in plan.cloud]))
    sp = plan.spot
    rate = (f"{sp.interruption_rate_per_instance_h:g}/instance-hour"
            if sp.interruption_rate_per_instance_h is not None
            else f"Spot Advisor bucket {sp.interruption_bucket}")
    out.append(("Spot", [("policy", sp.policy), ("interruptions", rate),
                         ("checkpoint / restart",
                          f"{sp.checkpoint_minutes:g} / {sp.restart_minutes:g} minutes"),
                         ("instances per job", str(sp.nodes))]))
    if plan.onprem is not None:
        s = plan.onprem.server
        capex = f"${s.capex_usd:,.0f}" if s.capex_usd else "per-GPU default"
        power = f"{s.power_kw:g} kW" if s.power_kw else "per-GPU default power"
        out.append(("On-prem server", [
            ("server", f"{s.gpus_per_server} x {s.gpu}, {capex} installed, with network "
                       f"${s.network_usd_per_gpu:,.0f}/GPU and storage "
                       f"${s.storage_install_usd_per_gpu:,.0f}/GPU"),
            ("capital", f"{s.amortisation_years:g} years at {s.cost_of_capital:.1%} "
                        f"({s.capital_recovery}), {s.residual_fraction:.0%} residual"),
            ("power", f"{power} at full load, idle {s.idle_power_fraction:.0%}, "
                      f"PUE {s.pue:g}, ${s.usd_per_kwh:g}/kWh"),
            ("facility and staff", f"${s.colocation_usd_per_kw_month:g}/kW-month colocation, "
                                   f"${s.staff_usd_per_server_year:,.0f}/server-year staff"),
            ("availability", f"{s.availability:.0%} of hours usable"),
            ("fleet", "sized for the demand" if plan.onprem.servers is None
             else f"{plan.onprem.servers} servers"),
            ("source", f"{s.source} ({s.as_of})")]))
    if plan.hybrid is not None:
        out.append(("Hybrid", [("on-prem base", str(plan.hybrid.base_servers)),
                               ("cloud burst", plan.hybrid.burst)]))
    return out


def notes(result: dict[str, Any]) -> list[str]:
    """What a ranking cannot show: where the hybrid plan put whole jobs, why on-prem does
    or does not break even, and the cloud options that could not run the job."""
    lines = []
    hybrid = next((p for p in result["plans"] if p["kind"] == "hybrid"), None)
    if hybrid is not None and result.get("hybrid_rule"):
        lines.append(f"Hybrid: {result['hybrid_rule']}.")
        lines += [f"#{hybrid['rank']}: {j['job']} ({j['gpus']} GPUs, {j['gpu_hours']:,.0f} "
                  f"GPU-hours) -> {j['site']}: {j['reason']}" for j in hybrid.get("jobs", [])]
    onprem = next((p for p in result["plans"] if p["kind"] == "onprem"), None)
    if onprem is not None and onprem["details"].get("break_even_reason"):
        details = onprem["details"]
        lines.append(f"On-prem: {details['break_even_reason']} (vs "
                     f"${details['vs_usd_per_gpu_hour']:.2f}/GPU-hour); it runs at "
                     f"{details['utilisation']:.0%}"
                     + (f"; {details['capital']}" if details.get("capital") else "") + ".")
    lines += [f"Not a plan: {r['name']}: {r['reason']}." for r in result.get("rejected", [])]
    return lines


def ranking_markdown(result: dict[str, Any], limit: int) -> str:
    """The ranking as a Markdown table (for a pull request or an issue), with break-even."""
    out = [f"### {result['plan']}", "",
           f"{result['gpu']}, {result['horizon_months']} months, "
           f"{sum(result['demand_gpu_hours']):,.0f} GPU-hours demanded.", "",
           "| # | Kind | Plan | Total | Per month |", "|--:|---|---|--:|--:|"]
    for p in shown_plans(result, limit):
        name = p["name"].replace("|", "\\|")
        out.append(f"| {p['rank']} | {KIND_LABELS[p['kind']]} | {name} | "
                   f"{money(p['total_usd'])} | "
                   f"{money(p['total_usd'] / max(1, len(p['monthly_usd'])))} |")
    found = break_even(result)
    if found is not None:
        out += ["", found.sentence()]
    extra = notes(result)
    if extra:
        out += [""] + [f"- {line}" for line in extra]
    src = sources(result)
    if src:
        out += ["", "Prices: " + "; ".join(f"{s} ({d})" for s, d in src)]
    return "\n".join(out) + "\n"
