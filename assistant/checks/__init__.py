"""Named checks on a drafted Brief; each module returns a list of CheckResult."""
