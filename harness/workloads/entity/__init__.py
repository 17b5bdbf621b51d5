"""Account entity: one long-lived workflow per account; deposits, withdrawals, queries."""
