"""Adapter ``aa_api``: a saved AA API v2 ``/data/llms/models`` response (see ``tasks.data.ingest.aa``)."""

from __future__ import annotations

from tasks.data.ingest.aa import api_members, ingest_api, sniff_api

FORMAT = "aa_api"
ORIGIN = "Artificial Analysis API v2, GET /data/llms/models"
sniff_any = sniff_api
members = api_members
ingest = ingest_api
