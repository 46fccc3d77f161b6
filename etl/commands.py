"""Sub-commands of `taizhang` that belong to etl/ (filled in by its issue)."""


def register(sub) -> None:
    """Add this package's sub-commands to the `taizhang` parser."""
