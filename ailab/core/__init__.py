"""The bottom layer: facts and plumbing every other ailab package shares.

Nothing here imports another ailab package (import-linter checks it). It holds
the domain errors, the one reader of input files and writer of output files,
Pulumi type tokens, tag and label keys, TPU facts, the inventory of a stack
(resources and their references) and the small registry helper the rule
packages use.
"""
