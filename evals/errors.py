"""Errors raised by the evaluation suites; each message names the file, the line and what to change."""


class EvalError(Exception):
    """Base class for evaluation errors (exit code 2: the run could not be judged)."""


class SuiteError(EvalError, ValueError):
    """A suite file is malformed: unknown key, bad value, duplicate id. The message carries `file:line`."""


class CorpusError(EvalError):
    """A suite's corpus could not be built: missing ../shared data, a bad glob or a failed ingest."""


class BaselineError(EvalError, ValueError):
    """A baseline report is missing or is not a detente eval JSON report."""
