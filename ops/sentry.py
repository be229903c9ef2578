"""Error tracking with sentry-sdk, on only when ``SENTRY_DSN`` is set (settings call this)."""

from __future__ import annotations


def init_sentry(
    *, dsn: str, environment: str, release: str | None, traces_sample_rate: float, **options
) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        traces_sample_rate=traces_sample_rate,
        integrations=[DjangoIntegration()],
        # send_default_pii stays off (its default): no addresses, cookies or user names leave the site.
        **options,
    )
