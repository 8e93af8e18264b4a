"""What Infracost users expect: wildcard usage keys, a generated usage file,
several stacks in one run with a grand total, percentage and per-component
diffs, and a pull-request comment from a base and a head run.

The oracle for wildcards is the same usage written out name by name: a
pattern must price exactly like the explicit file it stands for.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.conftest import Cli
from tests.support import STACKS

LAB = "cs231-fall"


def _lab(tmp_path: Path, name: str = LAB, machines: int = 30, base: str = "aws-gpu-lab") -> Path:
    """A copy of a shipped stack with more lab machines."""
    text = (STACKS / f"Pulumi.{base}.yaml").read_text()
    if base == "aws-gpu-lab":
        assert "ailab:instanceCount: 1" in text
        text = text.replace("ailab:instanceCount: 1", f"ailab:instanceCount: {machines}")
    (tmp_path / f"Pulumi.{name}.yaml").write_text(text)
    return tmp_path


def _breakdown(cli: Cli, stacks: list[str], folder: Path, *extra: str) -> dict:
    code, out, err = cli(["cost", "breakdown", *stacks, "--stacks-dir", str(folder), "--json",
                          *extra])
    assert code == 0, err
    return json.loads(out)


def _lines(doc: dict) -> dict[str, dict]:
    return {r["name"]: r["cost"] for s in doc["stacks"] for r in s["resources"] if "cost" in r}


def test_a_wildcard_prices_like_the_explicit_usage_it_stands_for(cli: Cli,
                                                                 tmp_path: Path) -> None:
    folder = _lab(tmp_path)
    wild = tmp_path / "wild.yaml"
    wild.write_text(f"{LAB}-gpu-*:\n  hours_per_month: 120\n  egress_gb: 5\n"
                    f"{LAB}-gpu-3:\n  hours_per_month: 40\n")
    explicit = tmp_path / "explicit.yaml"
    explicit.write_text(yaml.safe_dump({
        f"{LAB}-gpu-{i}": {"hours_per_month": 40 if i == 3 else 120, "egress_gb": 5}
        for i in range(30)}))
    by_pattern = _lines(_breakdown(cli, [LAB], folder, "--usage", str(wild)))
    by_name = _lines(_breakdown(cli, [LAB], folder, "--usage", str(explicit)))
    assert by_pattern == by_name
    assert by_pattern[f"{LAB}-gpu-7"]["hours_per_month"] == 120
    assert by_pattern[f"{LAB}-gpu-3"]["hours_per_month"] == 40
    # the exact name overrode the pattern's hours only; egress still comes from the pattern
    plain = _lines(_breakdown(cli, [LAB], folder))
    assert plain[f"{LAB}-gpu-3"]["monthly_usd"] != by_pattern[f"{LAB}-gpu-3"]["monthly_usd"]


@pytest.mark.parametrize(("text", "says"), [
    ("cs231-spring-gpu-*:\n  hours_per_month: 1\n", "cs231-spring-gpu-*: matches no resource"),
    (f"{LAB}-gpu-*-data:\n  stored_gb: 1\n", "applies to none of the 30 resources it matches"),
    (f"{LAB}-*:\n  hours: 1\n", "unknown field"),
])
def test_bad_wildcards_are_one_line_errors(cli: Cli, tmp_path: Path, text: str,
                                           says: str) -> None:
    folder = _lab(tmp_path)
    usage = tmp_path / "u.yaml"
    usage.write_text(text)
    code, out, err = cli(["cost", "breakdown", LAB, "--stacks-dir", str(folder), "--usage",
                          str(usage)])
    assert code == 2 and out == ""
    assert says in err and len(err.strip().splitlines()) <= 2, err


def test_generated_usage_file_lists_every_usage_field_and_loads_back(cli: Cli,
                                                                    tmp_path: Path) -> None:
    from ailab.costs.stack_pricing.registry import usage_fields_for
    from ailab.costs.usage import matches

    folder = _lab(tmp_path)
    target = tmp_path / "usage.yaml"
    code, _, err = cli(["cost", "usage-file", LAB, "--stacks-dir", str(folder), "-o",
                        str(target)])
    assert code == 0, err
    text = target.read_text()
    assert text.count(f"\n{LAB}-gpu-*:\n") == 1, "30 numbered machines share one key"
    doc = _breakdown(cli, [LAB], folder)
    wanted = {(r["name"], f) for r in doc["stacks"][0]["resources"] if r.get("custom", True)
              for f in usage_fields_for(r["type"])}
    priced = sorted({n for n, _ in wanted})
    covered = {n for key in yaml.safe_load(text) for n in matches(key, priced)}
    assert covered == set(priced)
    for field in {f for _, f in wanted}:
        assert f"# {field}: " in text
    # as generated (everything commented out) it prices exactly like no usage file
    assert _lines(_breakdown(cli, [LAB], folder, "--usage", str(target))) == _lines(doc)
    # uncommenting a value under the pattern changes every machine
    edited = tmp_path / "edited.yaml"
    edited.write_text(text.replace(f"{LAB}-gpu-*:\n  # hours_per_month: 730",
                                   f"{LAB}-gpu-*:\n  hours_per_month: 100", 1))
    lines = _lines(_breakdown(cli, [LAB], folder, "--usage", str(edited)))
    assert all(lines[f"{LAB}-gpu-{i}"]["hours_per_month"] == 100 for i in range(30))
    code, out, _ = cli(["cost", "usage-file", LAB, "--stacks-dir", str(folder),
                        "--no-wildcards"])
    assert code == 0 and "*" not in "".join(k for k in yaml.safe_load(out))
    assert len(yaml.safe_load(out)) >= 30


def test_several_stacks_have_a_grand_total(cli: Cli, tmp_path: Path) -> None:
    folder = _lab(_lab(tmp_path, machines=2), "gcp-gpu-lab", base="gcp-gpu-lab")
    doc = _breakdown(cli, [LAB, "gcp-gpu-lab"], folder)
    assert [s["stack"] for s in doc["stacks"]] == [LAB, "gcp-gpu-lab"]
    assert doc["total_monthly_usd"] == pytest.approx(
        sum(s["total_monthly_usd"] for s in doc["stacks"]), abs=1e-3)
    code, out, _ = cli(["cost", "breakdown", LAB, "gcp-gpu-lab", "--stacks-dir", str(folder)])
    total = f"${doc['total_monthly_usd']:,.2f}"
    assert code == 0 and f"grand total {total}/month" in out


def test_diff_has_percent_and_components(cli: Cli, tmp_path: Path) -> None:
    folder = _lab(_lab(tmp_path, "one", 1), "three", 3)
    code, out, err = cli(["diff", "one", "three", "--stacks-dir", str(folder), "--json"])
    assert code == 0, err
    doc = json.loads(out)
    before, after = doc["before"]["total_monthly_usd"], doc["after"]["total_monthly_usd"]
    assert doc["total_delta_pct"] == pytest.approx((after - before) / before * 100, abs=0.01)
    assert sum(c["delta_monthly_usd"] for c in doc["components"]) == pytest.approx(
        doc["total_delta_monthly_usd"], abs=1e-3)
    gpu = next(c for c in doc["components"] if c["component"] == "gpu")
    assert gpu["after_monthly_usd"] == pytest.approx(3 * gpu["before_monthly_usd"], rel=1e-6)
    assert gpu["delta_pct"] == pytest.approx(200.0)


def test_comment_from_base_and_head(cli: Cli, tmp_path: Path) -> None:
    base_dir, head_dir = tmp_path / "base", tmp_path / "head"
    base_dir.mkdir()
    head_dir.mkdir()
    _lab(_lab(base_dir, machines=2), "gcp-gpu-lab", base="gcp-gpu-lab")
    _lab(_lab(_lab(head_dir, machines=3), "gcp-gpu-lab", base="gcp-gpu-lab"),
         "aws-spot-pool", base="aws-spot-pool")
    base = _breakdown(cli, [LAB, "gcp-gpu-lab"], base_dir)
    head = _breakdown(cli, [LAB, "gcp-gpu-lab", "aws-spot-pool"], head_dir)
    (tmp_path / "base.json").write_text(json.dumps(base))
    (tmp_path / "head.json").write_text(json.dumps(head))
    target = tmp_path / "comment.md"
    code, _, err = cli(["cost", "comment", "--base", str(tmp_path / "base.json"), "--head",
                        str(tmp_path / "head.json"), "--output", str(target)])
    assert code == 0, err
    md = target.read_text()
    before, after = base["total_monthly_usd"], head["total_monthly_usd"]
    delta = after - before
    assert f"**+${delta:,.2f} ({delta / before * 100:+.1f}%)**" in md
    assert f"| **Total** | **${before:,.2f}** | **${after:,.2f}** |" in md
    lab_before = base["stacks"][0]["total_monthly_usd"]
    lab_after = head["stacks"][0]["total_monthly_usd"]
    assert (f"| `{LAB}` | ${lab_before:,.2f} | ${lab_after:,.2f} | "
            f"+${lab_after - lab_before:,.2f} | {(lab_after / lab_before - 1) * 100:+.1f}% |"
            in md)
    assert "| `aws-spot-pool` | $0.00 |" in md and "| new |" in md
    assert f"| `{LAB}-gpu-2` | added |" in md
    assert "| `gpu` |" in md and "Prices: " in md


def test_comment_refuses_a_file_that_is_not_a_priced_run(cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"stacks": [{"stack": "x"}]}))
    code, out, err = cli(["cost", "comment", "--base", str(bad), "--head", str(bad)])
    assert code == 2 and out == "" and f"{bad}: stacks.0" in err
