"""Boot scripts read for their mounts: the real scripts the stacks ship, and the
spellings machines use (fstab entries, ``mount -t``, ``gcsfuse`` flags)."""

from __future__ import annotations

import base64

from ailab.core import tokens
from ailab.core.inventory import Resource
from ailab.guardrails.documents import boot_script, mounts, statements
from ailab.guardrails.rule import UNKNOWN
from ailab.infra.aws.boot import boot_script as aws_boot_script
from ailab.infra.gcp.machine import startup_script

EFS = "fs-0abc.efs.us-east-1.amazonaws.com"


def test_the_aws_boot_script_mounts_efs_with_tls_and_lustre() -> None:
    found = {m.target: m for m in mounts(aws_boot_script("us-east-1", EFS, "fs-1.fsx", "abcd"))}
    assert set(found) == {"/home/shared", "/fsx"}
    assert found["/home/shared"].fstype == "efs" and found["/home/shared"].has("tls")
    assert found["/home/shared"].source == f"{EFS}:/"
    assert found["/fsx"].fstype == "lustre"


def test_the_gcp_startup_script_mounts_filestore_and_a_read_only_gcsfuse() -> None:
    found = {m.target: m for m in mounts(startup_script("10.0.0.2", "lab-bucket", True))}
    assert set(found) == {"/home/shared", "/mnt/gcs"}
    gcs = found["/mnt/gcs"]
    assert gcs.fstype == "gcsfuse" and gcs.has("allow_other") and gcs.source == "lab-bucket"
    assert gcs.mode("file_mode", 0) == 0o644 and gcs.mode("dir_mode", 0) == 0o755


def test_spellings_of_a_mount() -> None:
    script = "\n".join([
        "mount -t efs -o tls,iam fs-0123456789abcdef0:/ /mnt/a",
        "echo 'b /mnt/b gcsfuse rw,allow_other,file_mode=777' >> /etc/fstab",
        "gcsfuse --dir-mode=0770 -o allow_other c /mnt/c",
        "# mount -t nfs4 commented:/ /mnt/x",
        "if ! command -v gcsfuse >/dev/null; then apt-get install -y gcsfuse; fi",
    ])
    found = {m.target: m for m in mounts(script)}
    assert set(found) == {"/mnt/a", "/mnt/b", "/mnt/c"}
    assert found["/mnt/a"].options == {"tls": "", "iam": ""}
    assert found["/mnt/b"].mode("file_mode", 0) == 0o777
    assert found["/mnt/c"].mode("dir_mode", 0) == 0o770


def test_launch_template_user_data_is_decoded_and_unknowns_stay_unknown() -> None:
    text = "mount -t nfs4 x:/ /mnt\n"
    template = Resource(tokens.AWS_EC2_LAUNCH_TEMPLATE, "lt",
                        inputs={"userData": base64.b64encode(text.encode()).decode()})
    assert boot_script(template) == text
    unknown = Resource(tokens.AWS_EC2_INSTANCE, "vm", inputs={"userData": UNKNOWN})
    assert boot_script(unknown) is None
    assert boot_script(Resource(tokens.GCP_COMPUTE_INSTANCE, "vm")) == ""


def test_policy_statements_in_any_form() -> None:
    one = {"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}
    assert len(statements(one)) == 1
    assert statements('{"Statement": [{"Effect": "Deny"}, 5]}') == [{"Effect": "Deny"}]
    assert statements("not json") == [] and statements(UNKNOWN) == []
