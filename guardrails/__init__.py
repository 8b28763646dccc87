"""Guardrails: clearance, redaction, injection screening and output checks. No Slack or Chroma code here."""
