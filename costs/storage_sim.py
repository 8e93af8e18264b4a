"""Object-storage tiering, the engine: price a tiering month by month over object cohorts.

Objects uploaded in the same month form a cohort; every cohort of the same age
behaves alike, so each tiering is priced as a per-object cost profile by age
(billable GB per class, fees) convolved with the cohort sizes. Ten million
objects cost the same to simulate as ten. Reads are modelled per age band as
the fraction of a cohort read at least once in a month, independently each
month, which gives the "months since last access" distribution that S3
Intelligent-Tiering and GCS Autoclass act on.

What the bills include (from ``costs/storage_prices``, every price with source
and date): storage per class (S3 Standard volume tiers), PUT/GET requests,
per-object lifecycle transition fees, retrieval per GB, minimum storage
durations with early-deletion charges (AWS: time in the class; GCS: time since
creation, lifecycle moves exempt), minimum billable object size (S3 IA/Glacier
IR 128 KB) and archive overheads (S3 Glacier/Deep Archive 32 KB + 8 KB),
S3's default of not transitioning objects under 128 KB, Intelligent-Tiering's
monitoring fee and its rule that objects under 128 KB stay in the frequent tier
unmonitored, and Autoclass's management fee (objects under 128 KiB stay
Standard and are not charged).
"""

from __future__ import annotations

import numpy as np

from ailab.costs.storage_prices import Tier, has_price, object_price, tiered_cost, tiers
from ailab.costs.storage_scenario import (
    DAYS_PER_MONTH,
    KB_PER_GB,
    Lifecycle,
    SizeBucket,
    StorageScenario,
    month_of,
)

COMPONENTS = ("storage", "requests", "transition", "retrieval", "monitoring", "early_deletion")
StoreKey = tuple[str, str]  # (storage class, price component)


class Prices:
    """Object-class prices for one region, remembering each quote used."""

    def __init__(self, cloud: str, region: str) -> None:
        self.cloud, self.region = cloud, region
        self.used: dict[str, dict[str, object]] = {}

    def get(self, kind: str, component: str) -> float:
        quote = object_price(self.cloud, self.region, kind, component)
        self.used[f"{kind}.{component}"] = quote.as_dict()
        return quote.value

    def opt(self, kind: str, component: str) -> float:
        if not has_price(self.cloud, self.region, "object", kind, component):
            return 0.0
        return self.get(kind, component)

    def storage_tiers(self, key: StoreKey) -> tuple[Tier, ...]:
        self.get(*key)
        return tiers(self.cloud, self.region, "object", key[0], key[1])


class Profile:
    """Per-object costs by age for one size bucket: billable GB per class and fees."""

    def __init__(self, months: int) -> None:
        self.months = months
        self.gb: dict[StoreKey, np.ndarray] = {}
        self.fees: dict[str, np.ndarray] = {c: np.zeros(months) for c in COMPONENTS[1:]}

    def store(self, key: StoreKey, start: int, stop: int, gb: float | np.ndarray) -> None:
        arr = self.gb.setdefault(key, np.zeros(self.months))
        arr[start:stop] += gb[start:stop] if isinstance(gb, np.ndarray) else gb

    def fee(self, component: str, age: int | slice, usd: float | np.ndarray) -> None:
        self.fees[component][age] += usd


class Sim:
    """Shared per-scenario state: cohort sizes, read fractions, recency, prices."""

    def __init__(self, sc: StorageScenario) -> None:
        self.sc, self.m = sc, sc.months
        self.p = Prices(sc.cloud, sc.region)
        self.life = month_of(sc.expire_after_days) if sc.expire_after_days else self.m
        self.alive_to = min(self.life, self.m)
        ages_days = np.arange(self.m) * DAYS_PER_MONTH
        bands = sc.access
        idx = np.searchsorted([b.after_days for b in bands], ages_days, side="right") - 1
        self.read = np.array([bands[i].read_fraction for i in idx])
        self.read[self.alive_to:] = 0.0
        self.recency = _recency(self.read, self.m)
        self.counts = _cohorts(sc)
        self.buckets = sc.size_buckets()

    def base(self) -> Profile:
        """Every object is uploaded to STANDARD: one PUT at age 0."""
        prof = Profile(self.m)
        prof.fee("requests", 0, self.p.get("STANDARD", "put") / 1000)
        return prof

    def expire(self, prof: Profile, cls: str, entered: int, gb: float) -> None:
        """Early-deletion charge when objects expire before the class's minimum."""
        if self.life >= self.m:
            return
        since = self.life if self.sc.cloud == "gcp" else self.life - entered
        self.early(prof, cls, since, gb, self.life)

    def early(self, prof: Profile, cls: str, months_in: int, gb: float, age: int) -> None:
        min_days = self.p.get(cls, "min_duration")
        short = min_days - months_in * DAYS_PER_MONTH
        if short > 0:
            rate = self.p.get(cls, "storage")
            prof.fee("early_deletion", age, short / DAYS_PER_MONTH * rate * gb)

    def monthly(self, profiles: list[Profile]) -> tuple[np.ndarray, dict[str, float]]:
        """Convolve per-object profiles with cohort counts; price storage on volumes."""
        volume: dict[StoreKey, np.ndarray] = {}
        fees = {c: np.zeros(self.m) for c in COMPONENTS[1:]}
        for b, prof in zip(self.buckets, profiles, strict=True):
            n = self.counts * b.fraction
            for key, gb in prof.gb.items():
                volume[key] = volume.get(key, np.zeros(self.m)) + np.convolve(n, gb)[: self.m]
            for comp, usd in prof.fees.items():
                fees[comp] += np.convolve(n, usd)[: self.m]
        storage = np.zeros(self.m)
        for key, vol in volume.items():
            price_tiers = self.p.storage_tiers(key)
            if len(price_tiers) == 1:
                storage += vol * price_tiers[0].quote.value
            else:
                storage += np.array([tiered_cost(v, price_tiers) for v in vol])
        total = storage + sum(fees.values())
        breakdown = {"storage": float(storage.sum())}
        breakdown.update({c: float(v.sum()) for c, v in fees.items()})
        return total, breakdown

    def reads(self, prof: Profile, cls: str, start: int, stop: int, size_gb: float) -> None:
        """Requests and retrieval for the objects read while in ``cls``."""
        frac = self.read[start:stop]
        prof.fee("requests", slice(start, stop), frac * self.p.get(cls, "get") / 1000)
        retrieval = self.p.opt(cls, "retrieval")
        if retrieval:
            prof.fee("retrieval", slice(start, stop), frac * size_gb * retrieval)


def _recency(read: np.ndarray, months: int, states: int = 14) -> np.ndarray:
    """P(months since last access = k) at the start of each age; k capped at states-1."""
    out = np.zeros((months, states))
    out[0, 0] = 1.0
    for a in range(1, months):
        prev, f = out[a - 1], read[a - 1]
        out[a, 0] = f
        out[a, 1:] = (1 - f) * prev[:-1]
        out[a, -1] += (1 - f) * prev[-1]
    return out


def _cohorts(sc: StorageScenario) -> np.ndarray:
    """Objects uploaded in each month: the initial stock, then growth and ingest."""
    counts = np.zeros(sc.months)
    counts[0] = total = sc.objects
    for month in range(1, sc.months):
        new = total * sc.growth_per_month + sc.new_objects_per_month
        counts[month] = new
        total += new
    return counts


def _gb(kb: float) -> float:
    return kb / KB_PER_GB


def standard_profile(sim: Sim, b: SizeBucket) -> Profile:
    prof = sim.base()
    prof.store(("STANDARD", "storage"), 0, sim.alive_to, _gb(b.size_kb))
    sim.reads(prof, "STANDARD", 0, sim.alive_to, _gb(b.size_kb))
    return prof


def _billable_kb(sim: Sim, cls: str, size_kb: float) -> float:
    return max(size_kb, sim.p.get(cls, "min_billable_size"))


def lifecycle_profile(sim: Sim, b: SizeBucket, lc: Lifecycle) -> Profile:
    """Classes change at fixed ages; each move pays a transition fee, maybe early deletion."""
    p, cloud = sim.p, sim.sc.cloud
    small = cloud == "aws" and not sim.sc.lifecycle_small_objects
    if small and b.size_kb < p.get("LIFECYCLE", "default_min_transition_size"):
        return standard_profile(sim, b)
    segments: list[tuple[int, str]] = [(0, "STANDARD")]
    for days, cls in lc.steps(cloud):
        start = month_of(days)
        segments = [s for s in segments if s[0] < start] + [(start, cls)]
    prof = sim.base()
    size_gb = _gb(b.size_kb)
    starts = [s[0] for s in segments]
    for i, (start, cls) in enumerate(segments):
        end = sim.life if i + 1 == len(segments) else min(starts[i + 1], sim.life)
        if start >= end or start >= sim.m:
            break
        stop = min(end, sim.m)
        billable = _gb(_billable_kb(sim, cls, b.size_kb))
        prof.store((cls, "storage"), start, stop, billable + _gb(p.opt(cls, "overhead_class_kb")))
        overhead_std = p.opt(cls, "overhead_standard_kb")
        if overhead_std:
            prof.store(("STANDARD", "storage"), start, stop, _gb(overhead_std))
        sim.reads(prof, cls, start, stop, size_gb)
        if start > 0:
            prof.fee("transition", start, p.get(cls, "transition") / 1000)
        if end == sim.life:
            sim.expire(prof, cls, start, billable)
        elif cloud == "aws" and end < sim.m:
            sim.early(prof, cls, end - start, billable, end)
    return prof


def intelligent_tiering_profile(sim: Sim, b: SizeBucket) -> Profile:
    """Frequent -> Infrequent after 30 days unread -> Archive Instant after 90; reads return."""
    p = sim.p
    if b.size_kb < p.get("INTELLIGENT_TIERING", "monitor_min_size"):
        return standard_profile(sim, b)  # not transitioned, not monitored: frequent-tier price
    prof = sim.base()
    size_gb, stop = _gb(b.size_kb), sim.alive_to
    ia = month_of(int(p.get("INTELLIGENT_TIERING", "infrequent_after_days")))
    aia = month_of(int(p.get("INTELLIGENT_TIERING", "archive_instant_after_days")))
    rec = sim.recency
    for comp, frac in (("storage", rec[:, :ia].sum(axis=1)),
                       ("storage_infrequent", rec[:, ia:aia].sum(axis=1)),
                       ("storage_archive_instant", rec[:, aia:].sum(axis=1))):
        prof.store(("INTELLIGENT_TIERING", comp), 0, stop, frac * size_gb)
    prof.fee("transition", 0, p.get("INTELLIGENT_TIERING", "transition") / 1000)
    prof.fee("monitoring", slice(0, stop), p.get("INTELLIGENT_TIERING", "monitoring") / 1000)
    sim.reads(prof, "INTELLIGENT_TIERING", 0, stop, size_gb)
    return prof


def autoclass_profile(sim: Sim, b: SizeBucket) -> Profile:
    """Standard -> Nearline (30 d unread) -> Coldline (90) -> Archive (365, if terminal)."""
    p = sim.p
    if b.size_kb < p.get("AUTOCLASS", "min_object_size"):
        return standard_profile(sim, b)
    prof = sim.base()
    size_gb, stop = _gb(b.size_kb), sim.alive_to
    nl = month_of(int(p.get("AUTOCLASS", "nearline_after_days")))
    cl = month_of(int(p.get("AUTOCLASS", "coldline_after_days")))
    ar = month_of(int(p.get("AUTOCLASS", "archive_after_days")))
    rec = sim.recency
    if sim.sc.autoclass_terminal_class == "NEARLINE":
        cl = ar = rec.shape[1]
    for cls, lo, hi in (("STANDARD", 0, nl), ("NEARLINE", nl, cl), ("COLDLINE", cl, ar),
                        ("ARCHIVE", ar, rec.shape[1])):
        if lo < hi:
            prof.store((cls, "storage"), 0, stop, rec[:, lo:hi].sum(axis=1) * size_gb)
    prof.fee("monitoring", slice(0, stop), p.get("AUTOCLASS", "management") / 1000)
    sim.reads(prof, "STANDARD", 0, stop, size_gb)  # no retrieval fees, Standard op rates
    return prof
