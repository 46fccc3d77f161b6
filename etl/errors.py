"""Narrow exceptions of the ETL: the CLI and the data page turn them into messages."""


class LedgerError(Exception):
    """A ledger (or registry) file that cannot be imported at all; the text says how to fix it."""


class ProfileError(LedgerError):
    """A profile TOML that is missing or malformed."""


class Interrupted(BaseException):
    """The import was stopped by a signal (Ctrl-C: SIGINT, or SIGTERM). A BaseException, as
    KeyboardInterrupt is: no `except Exception` may take it for a broken file.

    `file`: the file being imported when it came; `committed`: whether that file's rows were
    in the database when it stopped (the interruption came after its commit); `done`: the
    summaries of the files finished before it."""

    def __init__(self, signum: int, file: str | None = None, committed: bool = False, done: list | None = None):
        super().__init__(signum)
        self.signum, self.file, self.committed, self.done = signum, file, committed, done or []


# The signals received while files are imported: DuckDB turns an exception raised by the
# handler during a query into its own "Query interrupted" error, which the loader must
# still recognise as the interruption it is.
_received: list[int] = []


def raise_interrupted(signum, _frame) -> None:
    """Signal handler for SIGINT and SIGTERM while files are imported (etl/commands.py)."""
    _received.append(signum)
    raise Interrupted(signum)


def interruption(exc: BaseException) -> int | None:
    """The signal behind `exc` when it is an interruption (ours, Ctrl-C's KeyboardInterrupt,
    or any error raised while a signal was being handled), else None."""
    if isinstance(exc, Interrupted):
        return exc.signum
    if _received:
        return _received[-1]
    if isinstance(exc, KeyboardInterrupt):
        return 2  # SIGINT
    return None


def forget_signals() -> None:
    """Start a run with no signal seen."""
    _received.clear()
