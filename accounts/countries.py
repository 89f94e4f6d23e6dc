"""Countries and VAT numbers of a buyer (R8.9): ISO 3166-1 alpha-2 codes, named by Babel in the reader's
language, and VAT numbers checked by their format with python-stdnum (no online lookup: VIES is not
reachable from here, and a format check already catches the typing mistakes that matter)."""

import unicodedata
from functools import cache

from babel import Locale
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from stdnum import get_cc_module
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError as NumberError
from stdnum.util import clean

# Babel's territories with two letters, less what ISO 3166-1 does not assign to a country: the EU and the
# euro zone, the UN, "outlying Oceania" and "unknown", the private-use X codes (Kosovo's among them), and
# the exceptionally reserved ones (Ascension, Clipperton, Diego Garcia, Ceuta and Melilla, the Canaries,
# Tristan da Cunha). What is left is the 249 countries of ISO 3166-1.
NOT_COUNTRIES = frozenset(
    {"AC", "CP", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "XK", "ZZ"}
)

# The 27 member states (Council Directive 2006/112/EC, article 5), for VAT. Greece's VAT numbers start
# with "EL", not "GR".
EU_MEMBER_STATES = frozenset({
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
    "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
})  # fmt: skip
VAT_PREFIX = {"GR": "EL"}

NOT_A_COUNTRY = _("Choose a country from the list.")
VAT_NEEDS_COUNTRY = _("Choose the country first: a VAT number is checked against it.")
VAT_WRONG_PREFIX = _("A VAT number from this country starts with %(prefix)s.")
VAT_INVALID = _("This is not a valid VAT number for this country. Check it against your VAT registration.")


@cache
def country_names(language: str) -> dict[str, str]:
    """Code → name in `language` ("DE" → "Germany", "Allemagne")."""
    territories = Locale.parse(language).territories
    return {
        code: name
        for code, name in territories.items()
        if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES
    }


def country_choices(language: str | None = None) -> list[tuple[str, str]]:
    """(code, name) sorted by name as a reader of `language` expects it (accents do not sort last)."""
    names = country_names(language or get_language() or "en")
    return sorted(names.items(), key=lambda item: _collation_key(item[1]))


def _collation_key(name: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", name.casefold()) if not unicodedata.combining(c))


def country_name(code: str, language: str | None = None) -> str:
    return country_names(language or get_language() or "en").get(code, code)


def is_country(code: str) -> bool:
    return code in country_names("en")


def compact_vat_number(number: str) -> str:
    """What a VAT number is stored as: upper case, without spaces, dots or dashes."""
    if not number.strip():
        return ""
    try:
        return eu_vat.compact(number)
    except NumberError:  # no EU country prefix (a number from elsewhere, or a typo): checked by the caller
        return clean(number, " -./,:").upper().strip()


def vat_number_problem(country: str, number: str):
    """Why `number` cannot be the VAT number of a buyer in `country`, or None. EU numbers carry their
    country's prefix; elsewhere, python-stdnum's check for the country when it has one."""
    if not number:
        return None
    if not is_country(country):
        return VAT_NEEDS_COUNTRY
    if country in EU_MEMBER_STATES:
        prefix = VAT_PREFIX.get(country, country)
        if not number.startswith(prefix):
            return VAT_WRONG_PREFIX % {"prefix": prefix}
        return None if eu_vat.is_valid(number) else VAT_INVALID
    module = get_cc_module(country.lower(), "vat")
    if module is None:
        return None  # no known format: accepted as typed
    try:
        module.validate(number)
    except NumberError:
        return VAT_INVALID
    return None
