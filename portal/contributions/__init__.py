"""Contributions: what the city owes BPJS Ketenagakerjaan each month (the ledger, derived from
the memberships), BPJS's bills checked against it, the city's payments and the budget's
realisation. docs/contributions.md explains the rules to operators."""
