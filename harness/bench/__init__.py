"""`harness bench`: the harness measured against the bare SDK on the same stack, same run.

The dev server, not the harness, should be the bottleneck. Each
figure is paired with a baseline measured in the same invocation, so the ratios hold on
whatever machine runs them.
"""
