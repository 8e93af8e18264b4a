"""Every entry point, fed hostile input: 500 generated files (or flag values) each.

Each test runs the real ``ailab`` entry point in this process on a generated
input (see ``tests.hostile``) and asserts what issue 18 asks of every input: exit
0 with finite JSON, 1 for a policy violation, or 2 with one ``error:`` line;
never a traceback, never an internal error, never more than a few seconds
(hypothesis' deadline), and no file written beside the input. The four classes
(non-UTF-8, inf/nan, non-string keys, anchor bombs and huge counts) are always
among the cases (``SPECIAL_FILES``, drawn by every test) and also pinned by
``test_named_classes_are_refused``.

The janitor's config is read by its library entry (``load_policy``): the
command would go on to call the cloud once the file is valid.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from ailab.core.errors import AilabError
from tests.hostile import (
    HOSTILE,
    HUGE_NUMBERS,
    NAMED_CLASSES,
    NUMBER_TEXT,
    check_outcome,
    hostile_files,
    run_cli,
)
from tests.support import EXAMPLES, ROOT, STACKS

CAL = {"gpu": "H100-80GB", "gpus": 1, "params": 124475904, "seq_len": 1024, "layers": 12,
       "d_model": 768, "tokens_per_s": 310000.0}
TRAIN = ["estimate", "train", "--params", "7e9", "--tokens", "2e11", "--gpu", "H100",
         "--gpus", "8", "--json"]
PREVIEW_JSON = ROOT / "tests" / "costs" / "stack_pricing" / "fixtures" / \
    "pulumi-preview-create.json"


USAGE = {"box-node": {"hours_per_month": 200, "egress_gb": 20},
         "datasets": {"stored_gb": 500, "requests": {"get": 1_000_000, "put": 100_000},
                      "egress_gb": 10}}
"""A usage file for the resources of the ``pulumi preview --json`` fixture (the same
reader and pricing as ``ailab preview STACK --usage``, without running a program)."""


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def _json(path: Path) -> Any:
    return json.loads(path.read_text())


# name -> (example document, json only, args given the input file and its folder)
ENTRY_POINTS: dict[str, tuple[Any, bool, Callable[[Path], list[str]]]] = {
    "stack-config": (_yaml(STACKS / "Pulumi.aws-gpu-lab.yaml"), False,
                     lambda f: ["preview", f.name.removeprefix("Pulumi.").removesuffix(".yaml"),
                                "--stacks-dir", str(f.parent), "--json"]),
    "stack-config-gcp": (_yaml(STACKS / "Pulumi.gcp-gpu-lab.yaml"), False,
                         lambda f: ["preview", f.name.removeprefix("Pulumi.")
                                    .removesuffix(".yaml"), "--stacks-dir", str(f.parent),
                                    "--json"]),
    "plan": (_yaml(EXAMPLES / "plans" / "research-lab-a100.yaml"), False,
             lambda f: ["compare", str(f), "--json"]),
    "serve-scenario": (_yaml(EXAMPLES / "serve" / "chat-l4-diurnal.yaml"), False,
                       lambda f: ["estimate", "serve", str(f), "--json"]),
    "storage-scenario": (_yaml(EXAMPLES / "storage" / "logs-gcs.yaml"), False,
                         lambda f: ["estimate", "storage", str(f), "--json"]),
    "usage": (USAGE, False, lambda f: ["cost", "--from-pulumi-preview", str(PREVIEW_JSON),
                                       "--usage", str(f), "--json"]),
    "calibration": (CAL, True, lambda f: [*TRAIN, "--calibration", str(f)]),
    "bench-results": (_json(ROOT / "bench" / "results" / "numpy-cpu-amd-epyc.results.json"),
                      True, lambda f: ["bench", "report", str(f), "--json"]),
    "pulumi-preview-json": (_json(PREVIEW_JSON), True,
                            lambda f: ["cost", "--from-pulumi-preview", str(f), "--json"]),
}


def _input_name(kind: str) -> str:
    return "Pulumi.fuzz.yaml" if kind.startswith("stack-config") else f"{kind}.input"


def _run_file(kind: str, data: bytes, folder: Path) -> None:
    _, _, args = ENTRY_POINTS[kind]
    target = folder / _input_name(kind)
    target.write_bytes(data)
    before = sorted(p.name for p in folder.iterdir())
    code, out, err = run_cli(args(target))
    check_outcome(code, out, err)
    assert sorted(p.name for p in folder.iterdir()) == before, "files were written"


@pytest.mark.parametrize("kind", sorted(ENTRY_POINTS))
def test_the_example_passes(kind: str, tmp_path: Path) -> None:
    doc, as_json, args = ENTRY_POINTS[kind]
    target = tmp_path / _input_name(kind)
    target.write_text(json.dumps(doc) if as_json else yaml.safe_dump(doc))
    code, out, err = run_cli(args(target))
    assert code == 0, err
    check_outcome(code, out, err)


@pytest.fixture(scope="module")
def warm(tmp_path_factory: Any) -> None:
    """Run every example once, so imports (the GCP SDK, the catalog) are not charged to
    the first generated case's deadline."""
    folder = tmp_path_factory.mktemp("warm")
    for kind, (doc, as_json, args) in ENTRY_POINTS.items():
        target = folder / _input_name(kind)
        target.write_text(json.dumps(doc) if as_json else yaml.safe_dump(doc))
        run_cli(args(target))


def _hostile_test(kind: str) -> Callable[..., None]:
    doc, as_json, _ = ENTRY_POINTS[kind]

    @HOSTILE
    @given(data=hostile_files(doc, json_only=as_json))
    def test(data: bytes, tmp_path_factory: Any, warm: None) -> None:
        _run_file(kind, data, tmp_path_factory.mktemp(kind, numbered=True))

    return test


test_hostile_stack_config = _hostile_test("stack-config")
test_hostile_stack_config_gcp = _hostile_test("stack-config-gcp")
test_hostile_plan = _hostile_test("plan")
test_hostile_serve_scenario = _hostile_test("serve-scenario")
test_hostile_storage_scenario = _hostile_test("storage-scenario")
test_hostile_usage = _hostile_test("usage")
test_hostile_calibration = _hostile_test("calibration")
test_hostile_bench_results = _hostile_test("bench-results")
test_hostile_pulumi_preview_json = _hostile_test("pulumi-preview-json")


JANITOR = _yaml(EXAMPLES / "janitor" / "policy.yaml")


@HOSTILE
@given(data=hostile_files(JANITOR))
def test_hostile_janitor_config(data: bytes, tmp_path_factory: Any) -> None:
    from ailab.janitor.config import load_policy

    folder = tmp_path_factory.mktemp("janitor", numbered=True)
    target = folder / "policy.yaml"
    target.write_bytes(data)
    try:
        load_policy(target)
    except AilabError as exc:
        assert "\n" not in str(exc) and len(str(exc)) <= 600
    assert [p.name for p in folder.iterdir()] == ["policy.yaml"]


NUMBER = st.one_of(st.sampled_from([str(n) for n in HUGE_NUMBERS] + NUMBER_TEXT),
                   st.floats(allow_nan=True, allow_infinity=True).map(repr),
                   st.integers().map(str), st.text(max_size=12))
NUMBER_FLAGS = ("--params", "--tokens", "--gpus", "--mfu", "--interruption-rate",
                "--checkpoint-minutes", "--restart-minutes", "--checkpoint-interval-minutes",
                "--layers", "--seq-len", "--d-model", "--top")


@HOSTILE
@given(values=st.dictionaries(st.sampled_from(NUMBER_FLAGS), NUMBER, min_size=1, max_size=4),
       spot=st.booleans())
def test_hostile_cli_numbers(values: dict[str, str], spot: bool, warm: None) -> None:
    args = list(TRAIN)
    for flag, value in values.items():
        if flag in args:
            args[args.index(flag) + 1] = value
        else:
            args += [flag, value]
    code, out, err = run_cli([*args, *(["--spot"] if spot else [])])
    check_outcome(code, out, err)


@pytest.mark.parametrize("kind", sorted(ENTRY_POINTS))
@pytest.mark.parametrize("data", NAMED_CLASSES, ids=lambda d: repr(d[:16]))
def test_named_classes_are_refused(kind: str, data: bytes, tmp_path: Path) -> None:
    """Non-UTF-8, inf/nan, non-string keys, anchor bombs and huge counts: exit 2."""
    _, _, args = ENTRY_POINTS[kind]
    target = tmp_path / _input_name(kind)
    target.write_bytes(data)
    code, out, err = run_cli(args(target))
    check_outcome(code, out, err)
    assert code == 2, (kind, data[:40], out[:200])
