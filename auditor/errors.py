"""The two kinds of failure the command line distinguishes (exit codes 2 and 1)."""


class InputError(Exception):
    """A bad input or usage: names the input and the problem. The CLI exits with 2."""

    def __init__(self, source: object, problem: str):
        self.source = str(source)
        self.problem = problem
        super().__init__(f"{self.source}: {problem}")


class CheckFailed(Exception):
    """What was checked did not hold (e.g. verification). The CLI exits with 1."""
