"""Type tokens: every one exists in the provider SDK, and no code spells one again.

The outside truth is the SDK itself: each resource class carries its token
(``pulumi.type_token``), each invoke names its token in its module.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pulumi.dynamic
import pytest
from pulumi.type_token import get_type_token

from ailab.core import tokens
from tests.support import ROOT

TOKENS = {name: value for name, value in vars(tokens).items()
          if name.isupper() and isinstance(value, str)}
LITERAL = re.compile(r"""["']((aws|gcp|random):[A-Za-z0-9]+/[A-Za-z0-9]+|pulumi(-python)?:[a-z]+)"""
                     r""":[A-Za-z0-9]+["']""")


def _sdk_module(token: str) -> tuple[str, str]:
    package, path, member = token.split(":")
    module = path.split("/")[0]
    prefix = f"pulumi_{package}" if module == "index" else f"pulumi_{package}.{module}"
    return prefix, member


@pytest.mark.parametrize("name", sorted(n for n, v in TOKENS.items()
                                        if v.split(":")[0] in ("aws", "gcp", "random")))
def test_each_provider_token_is_the_sdks(name: str) -> None:
    token = TOKENS[name]
    module_name, member = _sdk_module(token)
    module = importlib.import_module(module_name)
    if member[0].isupper():
        cls = getattr(module, member)
        assert get_type_token(cls) == token
    else:  # an invoke: its module calls pulumi.runtime.invoke with the token
        source = Path(module.__file__).parent  # type: ignore[arg-type]
        assert any(f"'{token}'" in p.read_text() for p in source.glob("get*.py")), token


def test_engine_tokens() -> None:
    import pulumi_aws
    import pulumi_gcp

    assert get_type_token(pulumi_aws.Provider) == tokens.PROVIDER_AWS
    assert get_type_token(pulumi_gcp.Provider) == tokens.PROVIDER_GCP

    class Probe(pulumi.dynamic.Resource):
        pass

    assert f"pulumi-python:{Probe._resource_type_name}" == tokens.DYNAMIC_RESOURCE


def test_no_token_literal_outside_the_tokens_module() -> None:
    code = [p for folder in ("ailab", "infra", "costs", "workloads", "policies")
            for p in (ROOT / folder).rglob("*.py")
            if not p.is_symlink() and "ailab/infra" not in str(p.relative_to(ROOT))]
    offenders = [f"{p.relative_to(ROOT)}:{i}" for p in code
                 if p.relative_to(ROOT) != Path("ailab/core/tokens.py")
                 for i, line in enumerate(p.read_text().splitlines(), 1)
                 if LITERAL.search(line)]
    assert not offenders, offenders
