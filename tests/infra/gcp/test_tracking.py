"""The GCP tracking server on the offline preview of ``gcp-a3-cluster`` (shipped with
``ailab:tracking: mlflow``): private Cloud SQL, the password generated, stored in
Secret Manager and read by the server's own account, Cloud Run reachable from the
VPC only; every input against pulumi-gcp's argument classes."""

from __future__ import annotations

import json
from typing import Any

from ailab.core import tokens
from ailab.infra.contract.sdk_args import check_resource
from ailab.infra.gcp import facts
from ailab.infra.observability import ARTIFACT_PREFIX, MLFLOW_IMAGE

STACK = "gcp-a3-cluster"


def one(inv: Any, token: str) -> Any:
    found = inv.by_type(token)
    assert len(found) == 1, [r.name for r in found]
    return found[0]


def test_cloud_sql_is_private_encrypted_backed_up_and_survives_a_destroy(
        preview: Any) -> None:
    inv = preview(STACK)
    db = one(inv, tokens.GCP_SQL_DATABASE_INSTANCE)
    settings = db.inputs["settings"]
    ip = settings["ipConfiguration"]
    assert ip["ipv4Enabled"] is False and "authorizedNetworks" not in ip
    assert ip["privateNetwork"] == one(inv, tokens.GCP_SERVICENETWORKING_CONNECTION).inputs[
        "network"]
    assert ip["sslMode"] == "ENCRYPTED_ONLY"
    backups = settings["backupConfiguration"]
    assert backups["enabled"] and backups["pointInTimeRecoveryEnabled"]
    assert backups["backupRetentionSettings"] == {"retainedBackups": 7,
                                                  "retentionUnit": "COUNT"}
    assert db.inputs["deletionProtection"] is True
    assert settings["deletionProtectionEnabled"] is True and db.retain_on_delete is True
    assert settings["userLabels"]["ailab-stack"] == STACK
    peering = one(inv, tokens.GCP_COMPUTE_GLOBAL_ADDRESS).inputs
    assert (peering["purpose"], peering["addressType"]) == ("VPC_PEERING", "INTERNAL")
    assert "gcp-a3-cluster-tracking-psa" in db.deps["dependsOn"]


def test_the_password_is_generated_kept_secret_and_read_from_secret_manager(
        preview: Any) -> None:
    inv = preview(STACK)
    generated = one(inv, tokens.RANDOM_PASSWORD)
    user = one(inv, tokens.GCP_SQL_USER)
    version = one(inv, tokens.GCP_SECRETMANAGER_SECRET_VERSION)
    assert user.inputs["password"] == "[secret]" and version.inputs["secretData"] == "[secret]"
    assert user.deps["password"] == [generated.name]
    assert version.deps["secretData"] == [generated.name]
    assert generated.inputs == {"length": 32, "special": False}
    assert "rootPassword" not in one(inv, tokens.GCP_SQL_DATABASE_INSTANCE).inputs
    service = one(inv, tokens.GCP_CLOUDRUNV2_SERVICE)
    envs = {e["name"]: e for e in service.inputs["template"]["containers"][0]["envs"]}
    secret = one(inv, tokens.GCP_SECRETMANAGER_SECRET)
    assert envs["MLFLOW_DB_PASSWORD"] == {"name": "MLFLOW_DB_PASSWORD", "valueSource": {
        "secretKeyRef": {"secret": secret.inputs["secretId"], "version": "1"}}}
    assert "value" not in envs["MLFLOW_DB_PASSWORD"]
    grant = one(inv, tokens.GCP_SECRETMANAGER_SECRET_IAM_MEMBER).inputs
    account = inv.get(f"{STACK}-tracking-sa")
    assert grant["role"] == "roles/secretmanager.secretAccessor"
    assert grant["secretId"] == secret.inputs["secretId"]
    assert grant["member"] == account.outputs["email"].join(["serviceAccount:", ""])
    for vm in inv.by_type(tokens.GCP_COMPUTE_INSTANCE):
        assert "mlflow" not in json.dumps(vm.inputs["metadata"]).lower()


def test_cloud_run_is_internal_in_the_vpc_and_pulls_the_pinned_image(preview: Any) -> None:
    inv = preview(STACK)
    service = one(inv, tokens.GCP_CLOUDRUNV2_SERVICE).inputs
    assert service["ingress"] == "INGRESS_TRAFFIC_INTERNAL_ONLY"
    template = service["template"]
    account = inv.get(f"{STACK}-tracking-sa")
    assert template["serviceAccount"] == account.outputs["email"]
    assert template["vpcAccess"]["egress"] == "PRIVATE_RANGES_ONLY"
    assert template["vpcAccess"]["networkInterfaces"][0]["subnetwork"] == inv.get(
        f"{STACK}-net-subnet").id
    assert template["scaling"]["minInstanceCount"] == 0
    container = template["containers"][0]
    repo = one(inv, tokens.GCP_ARTIFACTREGISTRY_REPOSITORY).inputs
    assert repo["mode"] == "REMOTE_REPOSITORY"
    assert repo["remoteRepositoryConfig"]["dockerRepository"]["customRepository"] == {
        "uri": "https://ghcr.io"}
    assert container["image"].endswith("/" + MLFLOW_IMAGE.split("/", 1)[1])
    assert container["image"].startswith(f"us-central1-docker.pkg.dev/ailab-a3-cluster/"
                                         f"{repo['repositoryId']}/")
    assert "--artifacts-destination gs://" in container["args"][0]
    assert container["args"][0].endswith(f"/{ARTIFACT_PREFIX}")


def test_the_server_may_touch_the_artifacts_prefix_only(preview: Any) -> None:
    inv = preview(STACK)
    grant = inv.get(f"{STACK}-tracking-artifacts").inputs
    bucket = inv.by_type(tokens.GCP_STORAGE_BUCKET)[0].outputs["name"]
    assert grant["role"] == "roles/storage.objectUser"
    assert grant["condition"]["expression"] == (
        f'resource.name.startsWith("projects/_/buckets/{bucket}/objects/mlflow/") || '
        f'resource.name == "projects/_/buckets/{bucket}"')


def test_the_tracking_apis_are_enabled_first_and_the_inputs_are_the_sdks(
        preview: Any) -> None:
    inv = preview(STACK)
    enabled = {s.inputs["service"] for s in inv.by_type(tokens.GCP_PROJECTS_SERVICE)}
    assert set(facts.TRACKING_APIS) <= enabled
    tracking = [r for r in inv.custom() if r.name.startswith(f"{STACK}-tracking")]
    assert len(tracking) == 13
    for res in tracking:
        assert check_resource(res) == [], res.name


def test_stacks_without_tracking_have_none_of_it(preview: Any) -> None:
    inv = preview("gcp-gpu-lab")
    assert not inv.by_type(tokens.GCP_SQL_DATABASE_INSTANCE)
    enabled = {s.inputs["service"] for s in inv.by_type(tokens.GCP_PROJECTS_SERVICE)}
    assert not set(facts.TRACKING_APIS) & enabled
