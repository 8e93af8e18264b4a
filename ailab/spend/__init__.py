"""Actual spend of a stack, read from the clouds' billing data.

``ailab usage STACK`` shows what a stack really cost (AWS Cost Explorer grouped
by the ``ailab:stack`` cost-allocation tag; GCP's Cloud Billing export in
BigQuery filtered on the ``ailab-stack`` label) beside the forecast of
``ailab preview --cost`` and the stack's budget, per service and per day, with
a month-end projection. The readers take the cloud client as an argument, so
tests drive the real client classes against recorded responses.
"""
