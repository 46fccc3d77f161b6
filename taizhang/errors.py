"""The exception every command raises for bad input or a missing prerequisite.

It lives apart from the command line (taizhang/cli.py imports every command module, so a
command importing the CLI back would close an import circle)."""


class UserError(Exception):
    """Bad input or a missing prerequisite: printed as a message, exit code 2."""
