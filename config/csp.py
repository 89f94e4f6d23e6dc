"""The Content-Security-Policy's additions for Stripe (R12.1): the card field is Stripe's (Elements), so
under PAYMENT_PROVIDER=stripe the page loads Stripe.js, frames its fields and lets them call Stripe's API.
Nothing is added under the sandbox."""

from urllib.parse import urlsplit


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


STRIPE_JS = "https://js.stripe.com"
# What Stripe's security guide lists beside js.stripe.com when Stripe.js is Stripe's own: its scripts and
# frames on subdomains, and the bank's authentication (3-D Secure) framed from hooks.stripe.com.
STRIPE_ALSO = {
    "script-src": ["https://*.js.stripe.com"],
    "frame-src": ["https://*.js.stripe.com", "https://hooks.stripe.com"],
}


def with_stripe(policy: dict, *, js_url: str, api_base: str) -> dict:
    """`policy` (django-csp's setting) allowing Stripe.js's origin (script, frames, calls) and the API's."""
    directives = {name: list(sources) for name, sources in policy["DIRECTIVES"].items()}
    js = origin(js_url)
    for name in ("script-src", "frame-src", "connect-src"):
        also = STRIPE_ALSO.get(name, []) if js == STRIPE_JS else []
        directives[name] = [*directives.get(name, ["'self'"]), js, *also]
    directives["connect-src"].append(origin(api_base))
    return {**policy, "DIRECTIVES": directives}
