"""SkyPilot's own code on a launch plan, offline (inside ``skyrun.offline_sky``).

- the layered config against SkyPilot's config schema (``schemas.get_config_schema``);
- the node pool file through SkyPilot's own loader (``ssh_node_pools.utils``);
- the EFA interfaces a node gets: SkyPilot's AWS resource code
  (``AWS.make_deploy_resources_variables``, which asks EC2 -- here moto, whose
  instance data is AWS's -- for ``MaximumEfaInterfaces``) under the generated
  config, then SkyPilot's provisioner (``_create_instances``), whose RunInstances
  request carries one interface per network card only when internal IPs are
  configured. The request is captured, and moto (botocore's API model) accepts it.
"""

from __future__ import annotations

import contextlib
import copy
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import yaml

from ailab.core.errors import WorkloadError
from ailab.workloads import skyrun
from ailab.workloads.targets import LaunchPlan


@contextlib.contextmanager
def layered(config: dict[str, Any]) -> Iterator[None]:
    """SkyPilot's client config with ``config`` as its project layer (the same
    mechanism a real launch uses), restored afterwards."""
    from sky import skypilot_config  # type: ignore[import-untyped]

    with tempfile.TemporaryDirectory(prefix="ailab-skycfg-") as tmp:
        path = Path(tmp) / "config.yaml"
        path.write_text(yaml.safe_dump(config, sort_keys=False))
        with skyrun.project_layer(path, skypilot_config.reload_config):
            yield


def check_config(config: dict[str, Any]) -> None:
    """SkyPilot's config schema; its complaint becomes one WorkloadError line."""
    from sky.utils import common_utils, schemas  # type: ignore[import-untyped]

    try:
        common_utils.validate_schema(copy.deepcopy(config), schemas.get_config_schema(),
                                     "Invalid SkyPilot config: ")
    except Exception as exc:  # noqa: BLE001 - SkyPilot raises its own types
        raise WorkloadError(f"SkyPilot rejected the generated config: "
                            f"{skyrun.sky_error(exc)}") from None


def check_pool(plan: LaunchPlan) -> list[str]:
    """The pool file as SkyPilot's loader reads it; the hosts it finds."""
    from sky.ssh_node_pools import utils as ssh_utils  # type: ignore[import-untyped]

    with tempfile.TemporaryDirectory(prefix="ailab-pool-") as tmp:
        path = Path(tmp) / "ssh_node_pools.yaml"
        path.write_text(yaml.safe_dump(plan.ssh_node_pools, sort_keys=False))
        try:
            found = ssh_utils.get_cluster_config(ssh_utils.load_ssh_targets(str(path)),
                                                 plan.pool, file_path=str(path))
        except Exception as exc:  # noqa: BLE001
            raise WorkloadError(f"SkyPilot rejected the node pool: "
                                f"{skyrun.sky_error(exc)}") from None
    return [str(h) for h in found[str(plan.pool)]["hosts"]]


def skypilot_efa(instance_type: str, region: str, config: dict[str, Any]) -> dict[str, Any]:
    """EFA interfaces SkyPilot's code gives a node of ``instance_type`` under ``config``."""
    import sky  # type: ignore[import-untyped]
    from sky import clouds, skypilot_config
    from sky.utils import resources_utils  # type: ignore[import-untyped]

    image = skyrun.write_images(region)
    with layered(config):
        resources = sky.Resources(infra=f"aws/{region}", instance_type=instance_type,
                                  network_tier="best")
        zone = _zone(region)
        variables = clouds.AWS().make_deploy_resources_variables(
            resources, resources_utils.ClusterName("ailab-efa-check", "ailab-efa-check"),
            clouds.Region(region), [clouds.Zone(zone)], 1)
        internal = bool(skypilot_config.get_effective_region_config(
            cloud="aws", region=region, keys=("use_internal_ips",), default_value=False))
    maximum = int(variables["max_efa_interfaces"])
    attached = _attached(instance_type, region, zone, image, maximum, internal)
    return {"max_efa_interfaces": maximum, "use_internal_ips": internal,
            "attached_per_node": attached,
            "computed_by": "sky.clouds.AWS.make_deploy_resources_variables + "
                           "sky.provision.aws.instance._create_instances"}


def _zone(region: str) -> str:
    import boto3

    zones = boto3.client("ec2", region_name=region).describe_availability_zones()
    return str(zones["AvailabilityZones"][0]["ZoneName"])


def _attached(instance_type: str, region: str, zone: str, image: str, maximum: int,
              internal: bool) -> int:
    """Interfaces in the RunInstances request SkyPilot's provisioner makes (moto)."""
    import boto3
    from sky.provision.aws import instance as aws_instance  # type: ignore[import-untyped]

    ec2 = boto3.resource("ec2", region_name=region)
    vpc = ec2.create_vpc(CidrBlock="10.99.0.0/16")
    subnet = ec2.create_subnet(VpcId=vpc.id, CidrBlock="10.99.1.0/24", AvailabilityZone=zone)
    group = ec2.create_security_group(GroupName="ailab-efa-check", Description="check",
                                      VpcId=vpc.id)
    node = {"InstanceType": instance_type, "ImageId": image, "SubnetIds": [subnet.id],
            "SecurityGroupIds": [group.id]}
    with mock.patch.object(ec2, "create_instances", wraps=ec2.create_instances) as spy:
        created = aws_instance._create_instances(
            ec2, "ailab-efa-check", node, {}, 1, associate_public_ip_address=not internal,
            max_efa_interfaces=maximum)
    for inst in created:
        inst.terminate()
    return len(spy.call_args.kwargs["NetworkInterfaces"])
