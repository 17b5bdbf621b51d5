"""What a run saw, read one way for everyone: histories, the attempt log, shared figures.

Checks, results.json, the report and `harness certify` all read activity and workflow facts
through `history` (Temporal's stored histories) and `attempts` (the workers' attempt log),
and take every figure they share from `measurements`, so a report can never contradict a
verdict. A new fact or figure is added here, once, and used everywhere.
"""
