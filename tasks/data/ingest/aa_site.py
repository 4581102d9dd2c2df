"""Adapter ``aa_site``: a scrape of the artificialanalysis.ai models page (see ``tasks.data.ingest.aa``)."""

from __future__ import annotations

from tasks.data.ingest.aa import ingest_site, site_members, sniff_site

FORMAT = "aa_site"
ORIGIN = "github japhba/japhba.github.io, history of data/aa_models.json"
sniff_any = sniff_site
members = site_members
ingest = ingest_site
