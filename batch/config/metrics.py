"""``[metrics]``: where a run leaves its figures for Prometheus.

Kubernetes operators watch batch jobs with Prometheus: a run that ends pushes its figures
to a Pushgateway (``pushgateway``) and/or writes them for node-exporter's textfile
collector (``textfile``). Both are optional and independent.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from batch.config.toml_table import Table
from batch.errors import ConfigError
from batch.i18n import _


@dataclass(frozen=True, slots=True)
class MetricsSpec:
    pushgateway: str | None = None  # e.g. "http://pushgateway.monitoring:9091"
    textfile: Path | None = None  # e.g. /var/lib/node-exporter/io-batch-tari.prom
    timeout_seconds: float = 10.0  # a push that takes longer is a warning, never a failure

    @property
    def enabled(self) -> bool:
        return self.pushgateway is not None or self.textfile is not None


def parse_metrics(section: Table, base: Path) -> MetricsSpec:
    pushgateway = section.optional_str("pushgateway")
    if pushgateway is not None:
        parts = urlsplit(pushgateway)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(
                _("metrics.pushgateway must be an http:// or https:// URL, not {value}").format(
                    value=repr(pushgateway)
                ),
                hint=_('for example pushgateway = "http://pushgateway.monitoring:9091"'),
            )
        if parts.password is not None or parts.username is not None:
            # A job file is no place for a secret, and the URL is logged.
            raise ConfigError(
                _("metrics.pushgateway must not hold credentials"),
                hint=_("reach the Pushgateway without them, e.g. through the cluster network"),
            )
    textfile = section.optional_str("textfile")
    path = None if textfile is None else Path(os.path.normpath(base / textfile))
    if path is not None and path.suffix != ".prom":
        raise ConfigError(
            _(
                "metrics.textfile must end in .prom (node-exporter reads only those): {value}"
            ).format(value=repr(textfile))
        )
    timeout = section.get_float("timeout_seconds", 10.0, low=0.1)
    section.done()
    return MetricsSpec(pushgateway=pushgateway, textfile=path, timeout_seconds=timeout)
