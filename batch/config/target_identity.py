"""Which environment a message went to: the identity of a job's target.

A message counts as sent only on the target it went to (a trial on the sandbox never
makes a live send ``already_sent``), so everything that remembers a send (the journal,
the results file, the summary, an approval) records this identity. It names the
environment, never the credentials: IO gives each service a primary and a secondary key,
and rotating them must not lose the journal.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from batch.config.job_sections import Target

#: The identity of the sandbox that io-batch starts inside the process.
EMBEDDED_SANDBOX = "sandbox:embedded"
_DEFAULT_PORTS = {"http": 80, "https": 443}


def target_identity(target: Target) -> str:
    """``kind:URL`` with the URL in one canonical spelling (scheme and host lower case,
    a default port dropped, no trailing slash), or ``sandbox:embedded``."""
    if target.base_url is None:
        return EMBEDDED_SANDBOX
    return f"{target.kind.value}:{canonical_url(target.base_url)}"


def canonical_url(url: str) -> str:
    """One spelling per endpoint: ``HTTPS://Api.Example:443/v1/`` -> ``https://api.example/v1``."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    port = parts.port
    netloc = host if port is None or _DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    return f"{scheme}://{netloc}{parts.path.rstrip('/')}"
