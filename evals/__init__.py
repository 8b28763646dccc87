"""Evaluation: retrieval dev sets and regression suites that drive the same public pipeline users drive."""
