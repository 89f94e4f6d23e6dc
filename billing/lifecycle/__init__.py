"""The billing clock (R9.1): bring every due account up to its "now" — scheduled changes, renewals and their
invoices, trial ends, dunning steps (R8.5), suspension, reactivation (R8.7) and data deletion (R8.6).

`tick` finds what is due and runs it, one account at a time or, for plain renewals, in batches; `renewals`,
`dunning`, `trials` and `deletion` hold the actions. Every action leaves a record guarded by a unique
constraint (a period is opened once, a dunning step happens once, an email key is sent once, a gateway key
charges once), so a rerun after a crash does the missing work and nothing twice.
"""
