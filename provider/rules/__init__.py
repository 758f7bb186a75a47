"""The team's rules for what case files may say (``rules.yaml``) and each account's support plan
(``catalogue/support-plans.json``), checked before any Support API call (docs/rules.md)."""
