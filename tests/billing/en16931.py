"""Issue 21: EN 16931's business rules on totals and VAT (BR-CO-10 to BR-CO-17, the categories' BR-S, BR-Z,
BR-AE and BR-G rules, BR-DEC), checked on a Factur-X CII XML by reading it back — a test-side stand-in for
the official Schematron, which needs a Saxon XSLT 2 server this machine does not run. Each rule is one
assertion named after it; `check` runs them all, and the Factur-X XSD first."""

from collections import defaultdict
from decimal import Decimal

import facturx
from lxml import etree

from billing.facturx.cii import NS

SETTLEMENT = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement"
SUMMATION = f"{SETTLEMENT}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"
EXEMPT = {"AE", "G", "E", "K", "O"}  # categories whose tax is 0 and which state an exemption reason


def amounts(node, path: str) -> list[Decimal]:
    return [Decimal(text) for text in node.xpath(f"{path}/text()", namespaces=NS)]


def amount(node, path: str) -> Decimal:
    values = amounts(node, path)
    assert len(values) <= 1, path
    return values[0] if values else Decimal(0)


def text(node, path: str) -> str:
    values = node.xpath(f"{path}/text()", namespaces=NS)
    return values[0] if values else ""


def parse(xml: bytes):
    return etree.fromstring(xml)


def check(xml: bytes):
    """The XSD (the `factur-x` library's own check), then every rule below. Returns the parsed XML."""
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    root = parse(xml)
    assert facturx.get_level(root) == "en16931"
    for rule in (br_co_10_to_16, br_vat_breakdown, br_categories, br_dec, br_lines):
        rule(root)
    return root


def br_co_10_to_16(root) -> None:
    lines = amounts(root, "//ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount")
    allowances = amounts(root, f"{SETTLEMENT}/ram:SpecifiedTradeAllowanceCharge[ram:ChargeIndicator"
                               "/udt:Indicator='false']/ram:ActualAmount")  # fmt: skip
    charges = amounts(root, f"{SETTLEMENT}/ram:SpecifiedTradeAllowanceCharge[ram:ChargeIndicator"
                            "/udt:Indicator='true']/ram:ActualAmount")  # fmt: skip
    assert amount(root, f"{SUMMATION}/ram:LineTotalAmount") == sum(lines), "BR-CO-10"
    assert amount(root, f"{SUMMATION}/ram:AllowanceTotalAmount") == sum(allowances), "BR-CO-11"
    assert amount(root, f"{SUMMATION}/ram:ChargeTotalAmount") == sum(charges), "BR-CO-12"
    basis = amount(root, f"{SUMMATION}/ram:TaxBasisTotalAmount")
    assert basis == sum(lines) - sum(allowances) + sum(charges), "BR-CO-13"
    tax = amount(root, f"{SUMMATION}/ram:TaxTotalAmount")
    assert tax == sum(amounts(root, f"{SETTLEMENT}/ram:ApplicableTradeTax/ram:CalculatedAmount")), "BR-CO-14"
    grand = amount(root, f"{SUMMATION}/ram:GrandTotalAmount")
    assert grand == basis + tax, "BR-CO-15"
    prepaid, rounding = (
        amount(root, f"{SUMMATION}/ram:{name}") for name in ("TotalPrepaidAmount", "RoundingAmount")
    )
    assert amount(root, f"{SUMMATION}/ram:DuePayableAmount") == grand - prepaid + rounding, "BR-CO-16"
    currency = text(root, f"{SETTLEMENT}/ram:InvoiceCurrencyCode")
    tax_currency = root.xpath(f"{SUMMATION}/ram:TaxTotalAmount/@currencyID", namespaces=NS)
    assert tax_currency == [currency], "BT-110 in the invoice's currency"


def br_vat_breakdown(root) -> None:
    """BR-S-08, BR-Z-08, BR-AE-08, BR-G-08: each category's taxable amount is its lines' nets less its
    allowances plus its charges, per rate; BR-CO-17 (and BR-S-09): its tax is that amount at its rate,
    rounded to the currency's minor unit (within one minor unit, as the Schematron allows)."""
    expected = defaultdict(Decimal)
    for item in root.xpath("//ram:IncludedSupplyChainTradeLineItem", namespaces=NS):
        settlement = "ram:SpecifiedLineTradeSettlement"
        key = _key(item, f"{settlement}/ram:ApplicableTradeTax")
        expected[key] += amount(
            item, f"{settlement}/ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount"
        )
    for element in root.xpath(f"{SETTLEMENT}/ram:SpecifiedTradeAllowanceCharge", namespaces=NS):
        sign = 1 if text(element, "ram:ChargeIndicator/udt:Indicator") == "true" else -1
        expected[_key(element, "ram:CategoryTradeTax")] += sign * amount(element, "ram:ActualAmount")
    breakdown = root.xpath(f"{SETTLEMENT}/ram:ApplicableTradeTax", namespaces=NS)
    assert {_key(node, ".") for node in breakdown} == set(expected), "BR-CO-18: one breakdown per category"
    for node in breakdown:
        category, rate = _key(node, ".")
        basis = amount(node, "ram:BasisAmount")
        assert basis == expected[(category, rate)], f"BR-{category}-08"
        tax = amount(node, "ram:CalculatedAmount")
        exact = basis * rate / 100
        assert abs(tax - exact) <= Decimal("0.5") * _minor(basis), f"BR-CO-17 ({tax} for {exact})"


def _minor(value: Decimal) -> Decimal:
    return Decimal(1).scaleb(value.as_tuple().exponent)


def _key(node, path: str) -> tuple[str, Decimal]:
    return text(node, f"{path}/ram:CategoryCode"), amount(node, f"{path}/ram:RateApplicablePercent")


def br_categories(root) -> None:
    """The category rules: S has a positive rate and the seller's VAT number (BR-S-02, BR-S-05); AE needs
    both parties' VAT numbers (BR-AE-02), a 0 % rate, no tax (BR-AE-05, BR-AE-09) and an exemption reason
    (BR-AE-10); G the seller's VAT number, 0 %, no tax and a reason (BR-G-02, -05, -09, -10); Z 0 % and no
    tax without a reason (BR-Z-05, BR-Z-09, BR-Z-10)."""
    agreement = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement"
    seller_vat = text(
        root, f"{agreement}/ram:SellerTradeParty/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']"
    )
    buyer_vat = text(
        root, f"{agreement}/ram:BuyerTradeParty/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']"
    )
    for node in root.xpath("//ram:ApplicableTradeTax | //ram:CategoryTradeTax", namespaces=NS):
        category, rate = _key(node, ".")
        if category == "S":
            assert rate > 0 and seller_vat, "BR-S-02, BR-S-05"
        else:
            assert rate == 0, f"BR-{category}-05"
        if category == "AE":
            assert seller_vat and buyer_vat, "BR-AE-02"
    for node in root.xpath(f"{SETTLEMENT}/ram:ApplicableTradeTax", namespaces=NS):
        category = text(node, "ram:CategoryCode")
        reason = text(node, "ram:ExemptionReason") or text(node, "ram:ExemptionReasonCode")
        if category in EXEMPT:
            assert amount(node, "ram:CalculatedAmount") == 0, f"BR-{category}-09"
            assert reason, f"BR-{category}-10"
            assert seller_vat, f"BR-{category}-02"
        else:
            assert not reason, f"BR-{category}-10: no exemption reason"


def br_dec(root) -> None:
    """BR-DEC: amounts have at most two decimals."""
    for node in root.xpath("//ram:*[contains(local-name(), 'Amount')]", namespaces=NS):
        assert -Decimal(node.text).as_tuple().exponent <= 2, etree.QName(node).localname


def br_lines(root) -> None:
    """BR-16 at least one line; each line's net is its quantity × net price, never negative (BR-27)."""
    items = root.xpath("//ram:IncludedSupplyChainTradeLineItem", namespaces=NS)
    assert items, "BR-16"
    for item in items:
        price = amount(item, "ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice/ram:ChargeAmount")
        quantity = amount(item, "ram:SpecifiedLineTradeDelivery/ram:BilledQuantity")
        net = amount(
            item,
            "ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount",
        )
        assert price >= 0, "BR-27"
        assert net == price * quantity
