"""`harness explore`: search a declared fault space for failures, shrink each to a minimal one.

    space.yaml ─► draw(seed, i) ─► run on the shared stack ─► judge
                                      │ a check failed
                                      ▼
                      reproduce (flaky?) ─► shrink ─► confirm ─► minimal scenario YAML

Modules: `space` (the declared space and its loader), `draw` (seeded scenarios from a
space), `shrink` (delta debugging over faults and workloads, then over numbers),
`trials` (running a scenario and reading its failing checks; how often a failure
reproduces), `session` (the budgeted loop) and `report` (coverage, JSON and Markdown).
"""
