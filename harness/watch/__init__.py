"""The things to watch while a fault runs, as measured figures.

Temporal's pre-production testing practice names what a team should look at during each
experiment: task-queue backlog and how fast it drains, schedule-to-start latency, workflow
task failures by cause, activity failures (retryable or not), retries, event-history size,
worker CPU, memory and restarts, and the gRPC errors workers and clients saw. This package
samples what only exists while the run is live (backlog, worker resources) into the run
folder, and computes every figure from stored files, so `harness check` and `harness report`
see the same numbers as the run.
"""
