"""Citation quality: does the cited passage support each sentence, and how many sentences stand on nothing.

Support is judged as the drafting checks judge it (`assistant.checks.grounding`): enough of the sentence's
content words, and every number and name, must be found in the passages it cites. Here the passages are
read back from the store as they were ingested, so the evaluation does not trust the pipeline's copy.
"""

from __future__ import annotations

import re

from assistant.checks.grounding import DEFAULT_THRESHOLD, labelled_statements, support, unsupported_figures
from evals.metrics.base import CaseInput, Check, matches, short

_PSEUDONYM = re.compile(r"<[A-Z][A-Z_]*_\d+>")


class CitationsEvaluator:
    family = "citations"

    def evaluate(self, item: CaseInput) -> list[Check]:
        brief, expect = item.brief, item.expect
        checks: list[Check] = []
        if expect.cited:
            cited_docs = [c.doc_id for c in brief.citations]
            absent = [d for d in expect.cited if not any(matches(c, d) for c in cited_docs)]
            checks.append(
                Check(
                    name="citations.expected",
                    passed=not absent,
                    reason=f"not cited: {', '.join(absent)}" if absent else "every expected document cited",
                )
            )
        if brief.refused:
            return checks
        statements = labelled_statements(brief)
        if not statements:
            return checks
        supported, cited, problems = 0, 0, []
        for label, statement in statements:
            passages = [item.passages[n] for n in statement.cites if n in item.passages]
            if not passages:
                problems.append(f"{label}: '{short(statement.text, 60)}' cites no known passage")
                continue
            cited += 1
            text = _PSEUDONYM.sub(" ", statement.text)
            missing = unsupported_figures(text, passages)
            score = support(text, passages)
            if not missing and score >= DEFAULT_THRESHOLD:
                supported += 1
            else:
                why = f"absent from source: {', '.join(missing)}" if missing else f"overlap {score:.2f}"
                problems.append(f"{label}: '{short(statement.text, 60)}' ({why})")
        if cited:
            precision = supported / cited
            checks.append(
                Check(
                    name="citations.precision",
                    passed=precision >= expect.min_citation_precision,
                    score=precision,
                    reason=f"{supported}/{cited} cited sentences supported by their passage",
                )
            )
        rate = (len(statements) - supported) / len(statements)
        checks.append(
            Check(
                name="citations.unsupported_rate",
                passed=rate <= expect.max_unsupported_rate,
                score=rate,
                reason="; ".join(problems[:4]) or "every sentence rests on a cited passage",
            )
        )
        return checks
