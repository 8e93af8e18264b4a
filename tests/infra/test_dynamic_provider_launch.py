"""The Python dynamic provider (queued TPU) started the way Pulumi starts it.

Pulumi's engine runs a dynamic provider as the plugin ``pulumi-resource-pulumi-python``
(a shell script shipped with the CLI) in the *program directory* (``getPwdMain``:
the project root without ``main``, the ``main`` folder with one), with every
runtime option as ``PULUMI_RUNTIME_<OPTION>`` in its environment. The script
takes ``PULUMI_RUNTIME_VIRTUALENV`` (``.venv`` when only ``toolchain: uv`` is
set), makes it absolute against its working directory, and runs
``<venv>/bin/python -u -m pulumi.dynamic``; with no such venv it exits. The
language host (``sdk/python/toolchain/uv.go``) instead resolves ``virtualenv``
against the project root, or puts it beside the nearest ``uv.lock``.
The functions below restate those rules (sources: pulumi/pulumi
``sdk/python/dist/pulumi-resource-pulumi-python``, ``pkg/engine/plugins.go``
``getPwdMain``, ``sdk/go/common/resource/plugin/provider_plugin.go``
``NewProvider``, ``sdk/python/toolchain/uv.go`` ``newUv``). The last test runs
``python -m pulumi.dynamic`` for real from that directory and drives it over
gRPC on loopback: it must import and deserialize ailab's provider.
"""

from __future__ import annotations

import asyncio
import base64
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import grpc
import pytest
import yaml
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from ailab.infra.gcp import tpu_queue
from ailab.infra.project_file import project_document
from tests.infra.gcp.test_tpu_queue import PROPS
from tests.support import ROOT


def program_dir(root: Path, main: str | None) -> Path:
    """The engine's working directory for the program and its plugins (getPwdMain)."""
    if not main:
        return root
    target = (root / main).resolve()
    return target if target.is_dir() else target.parent


def provider_venv(pwd: Path, options: dict[str, Any]) -> Path | None:
    """The virtualenv ``pulumi-resource-pulumi-python`` runs (None: plain python3)."""
    venv = options.get("virtualenv")
    if not venv and options.get("toolchain") == "uv":
        venv = ".venv"
    if not venv:
        return None
    path = Path(str(venv).rstrip("/"))
    return path if path.is_absolute() else pwd / path


def host_venv(root: Path, options: dict[str, Any]) -> Path:
    """The virtualenv the uv toolchain of the language host uses (newUv)."""
    venv = options.get("virtualenv")
    if venv:
        path = Path(str(venv))
        return path if path.is_absolute() else root / path
    here = root
    while not (here / "uv.lock").exists() and here != here.parent:
        here = here.parent
    return here / ".venv"


def test_program_directory_follows_main(tmp_path: Path) -> None:
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "__main__.py").touch()
    assert program_dir(tmp_path, None) == tmp_path
    assert program_dir(tmp_path, "infra/") == (tmp_path / "infra").resolve()
    assert program_dir(tmp_path, "infra/__main__.py") == (tmp_path / "infra").resolve()


def test_the_old_layout_sent_the_provider_to_a_venv_that_does_not_exist() -> None:
    """``main: infra/`` + ``toolchain: uv``: the host used <root>/.venv, the provider
    looked for <root>/infra/.venv; a relative ``virtualenv`` cannot fix it."""
    old = {"toolchain": "uv"}
    pwd = program_dir(ROOT, "infra/")
    assert provider_venv(pwd, old) == ROOT.resolve() / "infra" / ".venv"
    assert host_venv(ROOT, old) == ROOT / ".venv"
    explicit = {"toolchain": "uv", "virtualenv": ".venv"}
    assert provider_venv(pwd, explicit) != host_venv(ROOT, explicit)


def test_host_and_provider_use_the_same_virtualenv() -> None:
    doc = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    assert doc == project_document()
    options = doc["runtime"]["options"]
    pwd = program_dir(ROOT, doc.get("main"))
    assert (pwd / "__main__.py").is_file(), "the program must be in the program directory"
    assert provider_venv(pwd, options) == host_venv(ROOT, options) == ROOT / ".venv"


def _launch_env(options: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    env.update({f"PULUMI_RUNTIME_{k.upper()}": str(v) for k, v in options.items()})
    env.update(PULUMI_PROJECT="ailab", PULUMI_CONFIG="{}")
    return env


def _struct(props: dict[str, Any]) -> Any:
    return asyncio.run(rpc.serialize_properties(props, {}))


def test_the_provider_starts_and_loads_ailabs_provider_from_the_program_directory() -> None:
    doc = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    options = doc["runtime"]["options"]
    pwd = program_dir(ROOT, doc.get("main"))
    venv = provider_venv(pwd, options)
    assert venv is not None
    if not (host_venv(ROOT, options) / "bin" / "python").is_file():
        pytest.skip("the project has no virtualenv yet (run uv sync)")
    python = venv / "bin" / "python"
    assert python.is_file(), f"the launcher would exit: {venv} doesn't exist"
    proc = subprocess.Popen([str(python), "-u", "-m", "pulumi.dynamic"], cwd=pwd,
                            env=_launch_env(options), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline().decode().strip() or 0)
        assert port, proc.stderr.read().decode() if proc.stderr else "no port"
        stub = provider_pb2_grpc.ResourceProviderStub(grpc.insecure_channel(f"127.0.0.1:{port}"))
        pickled = serialize_provider(tpu_queue.QueuedTpuProvider())
        assert base64.b64decode(pickled)
        olds = {**PROPS, "__provider": pickled}
        news = {**olds, "spot": False}
        urn = "urn:pulumi:gcp-tpu-lab::ailab::pulumi-python:dynamic:Resource::lab-tpu-0"
        check = stub.Check(provider_pb2.CheckRequest(urn=urn, olds=_struct(olds),
                                                     news=_struct(news)), timeout=60)
        assert not check.failures
        diff = stub.Diff(provider_pb2.DiffRequest(id="q", urn=urn, olds=_struct(olds),
                                                  news=_struct(news)), timeout=60)
        assert list(diff.replaces) == ["spot"] and diff.deleteBeforeReplace
    finally:
        proc.kill()
        proc.wait(timeout=30)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def test_running_tests_use_the_same_interpreter_family() -> None:
    """The venv's python and this one are the same version (dill pickles are not
    portable across minor versions)."""
    python = ROOT / ".venv" / "bin" / "python"
    if not python.is_file():
        pytest.skip("no .venv at the project root")
    out = subprocess.run([str(python), "-c", "import sys; print(sys.version_info[:2])"],
                         capture_output=True, text=True, check=True).stdout.strip()
    assert out == str(tuple(sys.version_info[:2]))
