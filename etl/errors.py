"""Narrow exceptions of the ETL: the CLI and the data page turn them into messages."""


class LedgerError(Exception):
    """A ledger (or registry) file that cannot be imported at all; the text says how to fix it."""


class ProfileError(LedgerError):
    """A profile TOML that is missing or malformed."""
