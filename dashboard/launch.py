"""The dashboard's server process (`taizhang serve`): Streamlit's own `streamlit run`, started
once the KPI layer and plotly are imported.

A server imports them on its first script run otherwise, while its first reader looks at an
empty page: ibis, pandas, pyarrow, duckdb and plotly take 1–3 s of one core on this 2-core
machine (measured: 3.4–5.2 s under load 8). Imported here, they are loaded before the server
answers. Only modules without Streamlit caches are imported early: the dashboard's own
(loaders, pages) are imported by the first run, under Streamlit's runtime.
"""

from __future__ import annotations


def main() -> None:
    """Import what every page needs, then run Streamlit's command line (sys.argv: `run …`)."""
    import taizhang.charts  # noqa: F401 - plotly, for every chart
    import taizhang.db  # noqa: F401 - duckdb
    import taizhang.kpi.api  # noqa: F401 - ibis, pandas, pyarrow: every number
    from streamlit.web import cli

    cli.main()


if __name__ == "__main__":
    main()
