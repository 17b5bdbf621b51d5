"""Approval with an async callback: ask an external approver, wait for its signal or escalate."""
