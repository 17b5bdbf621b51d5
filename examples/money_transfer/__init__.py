"""An example user project: a money transfer app tested with the harness.

Its workflow and activities are the user's own code; the harness runs them under its
supervisor and interceptors (so every infrastructure fault applies), drives them with the
starter in `workload.py`, and judges them with its checks plus the custom check in
`checks.py`. See README.md beside this file.
"""
