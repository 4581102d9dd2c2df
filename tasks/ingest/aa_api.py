"""Adapter ``aa_api``: a saved AA API v2 ``/data/llms/models`` response (see ``tasks.ingest.aa``)."""

from __future__ import annotations

from tasks.ingest.aa import api_members, ingest_api, sniff_api
from tasks.ingest.base import make_ingest_task

FORMAT = "aa_api"
ORIGIN = "Artificial Analysis API v2, GET /data/llms/models"
sniff_any = sniff_api
members = api_members
ingest = ingest_api
ingest_task = make_ingest_task(FORMAT, ingest_api, __name__)
