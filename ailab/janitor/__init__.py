"""The janitor: find idle or expired resources and remove them without losing data.

Wiring: ``rules`` holds the registry and never imports the rule modules; this
package imports them here, in one list, and each registers its rules.
"""

from __future__ import annotations

from ailab.janitor import rules_aws, rules_gcp

RULE_MODULES = (rules_aws, rules_gcp)
