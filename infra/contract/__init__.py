"""Contract checks: what a stack declares, checked against the real SDKs and APIs.

Pulumi's mocks accept any input, so an offline preview can be green while a real
``pulumi up`` fails. These checks take the recorded inventory of a stack and
hold it against outside truths: the provider SDKs' argument classes
(``sdk_args``), botocore's service models for the AWS API request each resource
becomes (``aws_requests``), google-cloud-tpu's message types for the queued TPU,
and the GCP facts table for machine, accelerator, TPU and Filestore shapes
(``gcp_shapes``). ``check_stack`` runs them all and counts what it validated.
"""
