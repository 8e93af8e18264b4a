"""The janitor: find idle or expired resources and remove them without losing data.

Wiring: ``rules`` and ``actions`` hold the registries and never import the
plugin modules; this package imports them here, in one list, and each
registers its rules or actions. None of them imports a cloud SDK at import time.
"""

from __future__ import annotations

from ailab.janitor import aws_actions, gcp_actions, rules_aws, rules_gcp

PLUGIN_MODULES = (rules_aws, rules_gcp, aws_actions, gcp_actions)
