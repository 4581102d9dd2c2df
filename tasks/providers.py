"""Who counts as a hosting provider when taking the lowest price across providers.

The study's method calls for the lowest price at which a model is actually served. Gateways and resellers route
requests to other providers (often with a markup, sometimes below cost as a promotion): their prices are not a
provider's serving price, so they are excluded. This is the one place that list lives; an adapter that reads
per-provider prices passes provider ids through ``normalise_provider`` first.
"""

from __future__ import annotations

# Provider ids (normalised: lower case, '-' separators) that resell or route to other providers' endpoints.
RESELLERS_AND_GATEWAYS: dict[str, str] = {
    "openrouter": "routing gateway over many providers",
    "nano-gpt": "reseller: pay-per-prompt front end over other providers",
    "helicone": "observability gateway proxying other providers",
    "requesty": "routing gateway over other providers",
}


def normalise_provider(provider: str) -> str:
    return "-".join(str(provider).strip().lower().replace("_", "-").split())


def is_hosting_provider(provider: str) -> bool:
    return normalise_provider(provider) not in RESELLERS_AND_GATEWAYS
