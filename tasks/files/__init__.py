"""Files and folders, below the data layer: where things live (``settings``), atomic and deterministic writes
(``io``, ``tables``), run and snapshot folders that are replaced only when this tool wrote them (``folders``) and
the optional shared result storage (``storage``). Nothing here knows Prefect or the analysis."""
