"""Taizhang 台账看板: shared plumbing (database location, connections, settings, CLI)."""
