"""Who counts as a hosting provider when taking the lowest price across providers.

The study's method calls for the lowest price at which a model is actually served. Gateways and resellers route
requests to other providers' endpoints (often with a markup, sometimes below cost as a promotion), subscription and
coding plans have no per-token price, local apps run on the user's machine: none of them is a provider's serving
price, so their prices never become ``lowest_provider``. This is the one place that list lives.

How it was made: every provider of the models.dev catalogue (2026-07, 147 ids) was classified from its
provider.toml (name, npm package, API address), the mix of models it lists (a provider selling OpenAI, Anthropic
and Google proprietary models side by side is not running them, unless it is a hyperscaler cloud) and whether its
prices are all zero. Providers whose nature could not be established ("unknown") are left out too: a wrong
inclusion could set a model's lowest price, a wrong exclusion only forgoes one quote. Clouds that also pass
through proprietary models (Azure, Bedrock, Vertex, Databricks, DigitalOcean, Snowflake) count as hosting.
LLM-Stats' ``zeroeval`` (its own evaluation front end over other providers' APIs) is a gateway.
"""

from __future__ import annotations

# provider id (normalised: lower case, '-' separators) -> (category, evidence)
NOT_HOSTING: dict[str, tuple[str, str]] = {
    # --- gateway ---
    "abacus": ("gateway", "RouteLLM API (routellm.abacus.ai) routing to OpenAI/Anthropic/Google/xAI and open models."),
    "anyapi": ("gateway", "Unified API over OpenAI/Google/Anthropic/xAI/Perplexity etc.; no costs listed."),
    "auriko": ("gateway", "Router that translates requests per upstream model/provider; mixes Claude, Gemini, Grok, Kimi, DeepSeek."),
    "cloudflare-ai-gateway": ("gateway", "Cloudflare AI Gateway proxies to OpenAI/Anthropic/Workers AI upstreams."),
    "cortecs": ("gateway", "EU router mapping requests to backend providers; lists Claude, GPT, Gemini, Nova and open models."),
    "fastrouter": ("gateway", "Router whose controls are route-specific; aggregates OpenAI, Google, Anthropic, xAI and others."),
    "helicone": ("gateway", "Helicone AI Gateway routes to upstream providers."),
    "huggingface": ("gateway", "HF Inference Providers router (router.huggingface.co) forwards to partner providers."),
    "kilo": ("gateway", "Kilo Gateway (OpenRouter-backed) routing to many providers."),
    "llmgateway": ("gateway", "LLM Gateway routes to many upstream providers."),
    "llmtr": ("gateway", "Turkish LLM gateway (docs under /docs/gateway, upstream mappings); mostly zero-priced."),
    "merge-gateway": ("gateway", "Merge Gateway routes to OpenAI/Anthropic/Google/etc. upstreams."),
    "nearai": ("gateway", "NEAR AI Cloud: gateway to GPT/Claude/Gemini plus some TEE-hosted open models."),
    "neon": ("gateway", "Neon AI Gateway (ai-gateway/mlflow) to OpenAI/Anthropic/Google models."),
    "opencode": ("gateway", "OpenCode Zen gateway curating and billing GPT/Claude/Gemini/open models from upstreams."),
    "openrouter": ("gateway", "OpenRouter routes to many upstream providers."),
    "orcarouter": ("gateway", "Router translating requests to selected upstreams; GPT/Claude/Gemini mix."),
    "perplexity-agent": ("gateway", "Perplexity Agent API exposing third-party GPT/Claude/Gemini/Grok models."),
    "requesty": ("gateway", "Requesty LLM router (router.requesty.ai)."),
    "routing-run": ("gateway", "routing.run router; lists creator-only variants (MiniMax highspeed, Mistral Medium) plus quantised open models."),
    "sap-ai-core": ("gateway", "SAP generative AI hub brokering GPT (Azure), Claude (Bedrock), Gemini (Vertex)."),
    "the-grid-ai": ("gateway", "Inference marketplace routing 'instruments' to suppliers; no concrete models or costs."),
    "vercel": ("gateway", "Vercel AI Gateway routes to upstream providers."),
    "zenmux": ("gateway", "ZenMux LLM gateway aggregating many upstream providers."),
    # --- reseller ---
    "302ai": ("reseller", "Aggregator reselling GPT/Claude/Gemini/Grok plus open models via one API key."),
    "aihubmix": ("reseller", "Aggregator reselling many creators' proprietary and open models."),
    "freemodel": ("reseller", "Resells Claude and GPT models via a Claude-Code-compatible proxy (cc.freemodel.dev)."),
    "frogbot": ("reseller", "Self-described OpenAI-compatible proxy reselling Claude, GPT, Gemini, Grok and open models."),
    "jiekou": ("reseller", "Reseller of GPT, Claude, Gemini, Grok plus open models."),
    "nano-gpt": ("reseller", "Pay-per-prompt reseller of hundreds of proprietary and open models."),
    "poe": ("reseller", "Poe (Quora) resells access to many creators' models via points."),
    "qihang-ai": ("reseller", "Chinese reseller of GPT, Claude and Gemini models."),
    "qiniu-ai": ("reseller", "Qiniu AI token API aggregating Gemini, Grok, Doubao, Claude, DeepSeek etc.; mostly unpriced."),
    "umans-ai": ("reseller", "Pay-as-you-go prices equal Z.ai/Moonshot list prices; own 'Umans Coder/Flash' aliases."),
    "venice": ("reseller", "Venice mixes self-served open models with resold GPT, Claude, Gemini and Grok."),
    "vivgrid": ("reseller", "Resells GPT, Gemini and DeepSeek models through its platform."),
    "xpersona": ("reseller", "Resells OpenAI GPT-5.5 (below OpenAI list price) plus one own model."),
    # --- subscription ---
    "alibaba-coding-plan": ("subscription", "Alibaba Coding Plan endpoint; flat-rate plan, costs mostly zero."),
    "alibaba-coding-plan-cn": ("subscription", "Alibaba Coding Plan (China) endpoint; flat-rate plan, costs mostly zero."),
    "alibaba-token-plan": ("subscription", "Alibaba Token Plan endpoint; prepaid plan, all costs zero."),
    "alibaba-token-plan-cn": ("subscription", "Alibaba Token Plan (China) endpoint; prepaid plan, all costs zero."),
    "github-copilot": ("subscription", "GitHub Copilot subscription models."),
    "github-models": ("subscription", "Free, rate-limited GitHub Models tier tied to GitHub/Copilot plan; all costs zero (Azure-backed)."),
    "gitlab": ("subscription", "GitLab Duo agentic chat included in GitLab subscription; all costs zero."),
    "iflowcn": ("subscription", "iFlow CLI companion API; free access, all costs zero, no per-token price."),
    "kimi-for-coding": ("subscription", "Kimi For Coding subscription plan; costs zero."),
    "kuae-cloud-coding-plan": ("subscription", "KUAE Cloud Coding Plan endpoint; costs zero."),
    "minimax-cn-coding-plan": ("subscription", "MiniMax Token Plan (China); all costs zero."),
    "minimax-coding-plan": ("subscription", "MiniMax Token Plan (intl); all costs zero."),
    "ollama-cloud": ("subscription", "Ollama Cloud plans (Free/Pro/Max) with usage limits; no per-token costs."),
    "opencode-go": ("subscription", "OpenCode Go flat-rate monthly subscription for open models."),
    "stepfun-ai": ("subscription", "StepFun Step Plan endpoint (/step_plan/v1); prices are symlinked from stepfun."),
    "tencent-coding-plan": ("subscription", "Tencent Coding Plan endpoint; costs zero."),
    "umans-ai-coding-plan": ("subscription", "Umans AI Coding Plan; costs zero."),
    "xiaomi-token-plan-ams": ("subscription", "Xiaomi Token Plan (Europe); all costs zero."),
    "xiaomi-token-plan-cn": ("subscription", "Xiaomi Token Plan (China); all costs zero."),
    "xiaomi-token-plan-sgp": ("subscription", "Xiaomi Token Plan (Singapore); all costs zero."),
    "zai-coding-plan": ("subscription", "Z.AI Coding Plan (GLM devpack); costs zero."),
    "zhipuai-coding-plan": ("subscription", "Zhipu Coding Plan; costs mostly zero."),
    # --- local ---
    "atomic-chat": ("local", "Local app; API at http://127.0.0.1:1337, GGUF/MLX quantised models, costs zero."),
    "lmstudio": ("local", "LM Studio local server at http://127.0.0.1:1234; costs zero."),
    # --- unknown ---
    "claudinio": ("unknown", "Two proprietary 'Claudius/Claudinio' models of unclear origin; no evidence of own infrastructure."),
    "crof": ("unknown", "Small provider with open models, own 'Greg' fine-tunes and 'Lightning' tiers; can't confirm own infrastructure."),
    "synthetic": ("unknown", "Subscription plus usage pricing; per-model 'serving provider' shows some models proxied to third parties."),
    "zeldoc": ("unknown", "Single zero-cost proprietary 'Z-Code' model; no API docs."),
    # --- from other sources ---
    "zeroeval": ("gateway", "LLM-Stats' evaluation front end (zeroeval.com) over other providers' APIs."),
}


def normalise_provider(provider: str) -> str:
    return "-".join(str(provider).strip().lower().replace("_", "-").split())


def provider_category(provider: str) -> str:
    return NOT_HOSTING.get(normalise_provider(provider), ("hosting", ""))[0]


def is_hosting_provider(provider: str) -> bool:
    return normalise_provider(provider) not in NOT_HOSTING
