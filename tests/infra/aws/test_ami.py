"""The AMI filter follows a supported Deep Learning AMI line (support table in
``infra/aws/ami.py``, from the DLAMI support policy)."""

from __future__ import annotations

import fnmatch

import pytest

from ailab.core.errors import ConfigError
from ailab.infra.aws import ami
from ailab.infra.keys import ALL_KEYS
from ailab.infra.spec import load_spec
from ailab.infra.stacks import load_stack_config

OLD_DEFAULT = "Deep Learning OSS Nvidia Driver AMI GPU PyTorch * (Ubuntu 22.04) *"


def test_the_default_is_a_line_still_patched() -> None:
    assert ALL_KEYS["amiNameFilter"].default == ami.DEFAULT_FILTER
    matched = {n: end for n, end in ami.known_lines().items()
               if fnmatch.fnmatchcase(n, ami.DEFAULT_FILTER)}
    assert matched and min(matched.values()) > ami.AS_OF
    assert ami.ended_lines(ami.DEFAULT_FILTER) is None


def test_the_old_default_matched_only_ended_lines() -> None:
    ended = ami.ended_lines(OLD_DEFAULT)
    assert ended is not None and max(end for _, end in ended) < ami.AS_OF


def test_an_ended_filter_is_one_clear_error() -> None:
    raw = {**load_stack_config("aws-gpu-lab"), "ailab:amiNameFilter": OLD_DEFAULT}
    with pytest.raises(ConfigError, match="past their end of patch") as err:
        load_spec(raw, "aws-gpu-lab")
    assert err.value.key == "ailab:amiNameFilter" and ami.DEFAULT_FILTER in str(err.value)


@pytest.mark.parametrize("name_filter", ["my-team-ami-*", ami.DEFAULT_FILTER,
                                         "Deep Learning OSS Nvidia Driver AMI GPU PyTorch 2.* "
                                         "(Ubuntu 24.04) *"])
def test_custom_and_supported_filters_pass(name_filter: str) -> None:
    raw = {**load_stack_config("aws-gpu-lab"), "ailab:amiNameFilter": name_filter}
    assert load_spec(raw, "aws-gpu-lab").aws.ami_name_filter == name_filter  # type: ignore[union-attr]
