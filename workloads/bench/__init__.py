"""The calibration benchmark: a small CNN and a small GPT-style decoder trained
for a fixed number of steps (torch when importable, NumPy otherwise)."""
