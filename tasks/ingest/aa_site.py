"""Adapter ``aa_site``: a scrape of the artificialanalysis.ai models page (see ``tasks.ingest.aa``)."""

from __future__ import annotations

from tasks.ingest.aa import ingest_site, site_members, sniff_site
from tasks.ingest.base import make_ingest_task

FORMAT = "aa_site"
ORIGIN = "github japhba/japhba.github.io, history of data/aa_models.json"
sniff_any = sniff_site
members = site_members
ingest = ingest_site
ingest_task = make_ingest_task(FORMAT, ingest_site, __name__)
