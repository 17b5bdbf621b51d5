"""Mutants: deliberately broken versions of the reference workloads, one realistic bug each.

Each check must fail on its mutant and pass on the reference (`harness selftest` proves it). A
mutant keeps its workflow type names and activity names, so a scenario selects it as just
another version of the workload (`version: mutant-...`) and the worker runs it in place of
the reference. Version names, the bug, and the fault that exposes it:

- order_saga `mutant-no-idempotency-key`: charge sent without an idempotency key;
  idempotency fails under duplicate delivery of charge_payment.
- order_saga `mutant-skip-compensation`: the refund is never registered; compensation
  fails when a later step fails (fail_at: ship), no fault needed.
- order_saga `mutant-compensation-after-step`: compensations registered after their step,
  and charges never retried; compensation fails when a charge takes effect but its
  completion is lost (duplicate delivery or a crash after the effect on charge_payment).
- order_saga `mutant-no-checkpoint`: pack_order ignores its heartbeat checkpoint;
  resume_from_last_step fails after a worker crash mid-pack.
- order_saga `mutant-retry-storm`: charge_payment loops on errors every 10 ms with no
  backoff; retries_bounded fails when the payments service is degraded (fault dependency).
- order_saga `v2-unpatched`: a notification inserted before the charge without a patch;
  determinism fails when v1 histories are replayed on it.
- entity `mutant-no-dedupe`: no request-id dedupe; entity_consistency fails when a request
  id is delivered twice (fault client_retry, or a client that resends).
- approval `mutant-lost-early-callback`: callbacks arriving before the wait are dropped;
  callback_resolution fails with callback_delay 0.
- fanout `mutant-child-new-id`: children started under fresh random ids; fanout_integrity
  fails at once, no fault needed (the ids no longer name the children).
"""
