"""Every non-trivial read, scoped to one account, at a fixed number of queries: one module per domain."""
