"""Text and data that shape detente's answers: the vetted response playbook, reading rules and word lists.

Nothing here holds logic; the loaders live in `assistant/` (`assistant.playbook`, `assistant.assess`,
`assistant.checks.proportionality`).
"""
