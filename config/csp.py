"""The Content-Security-Policy's additions for Stripe (R12.1): the card field is Stripe's (Elements), so
under PAYMENT_PROVIDER=stripe the page loads Stripe.js, frames its fields and lets them call Stripe's API.
Nothing is added under the sandbox."""

from urllib.parse import urlsplit


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def with_stripe(policy: dict, *, js_url: str, api_base: str) -> dict:
    """`policy` (django-csp's setting) allowing Stripe.js's origin (script, frames, calls) and the API's."""
    directives = {name: list(sources) for name, sources in policy["DIRECTIVES"].items()}
    for name in ("script-src", "frame-src", "connect-src"):
        directives[name] = [*directives.get(name, ["'self'"]), origin(js_url)]
    directives["connect-src"].append(origin(api_base))
    return {**policy, "DIRECTIVES": directives}
