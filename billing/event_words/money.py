"""Money in the billing history — cancellations and contracts, invoices, payments, refunds — and the Payment
page's payment activity, with the provider's refusals in words (R9.4)."""

from django.utils.translation import gettext, gettext_lazy

from billing import sandbox
from billing.event_words.details import Details, label
from billing.models import BillingEvent, DunningStep, Edition, Invoice, PaymentAttempt

Kind = BillingEvent.Kind

# --- Cancellations and contracts --------------------------------------------------------------------------


def _removal(d: Details) -> str:
    values = {
        "product": d.product(),
        "edition": label(Edition, d.before.get("edition")),
        "date": d.day("ends_at"),
    }
    if values["product"] and values["date"]:
        return gettext("%(product)s %(edition)s will be removed on %(date)s.") % values
    return gettext("A product will be removed at the end of the period.")


def _account_cancellation(d: Details) -> str:
    date_ = d.day("from")
    if date_:
        return gettext("The account will be cancelled on %(date)s.") % {"date": date_}
    return gettext("The account will be cancelled at the end of the period.")


def _suite_pricing_end(d: Details) -> str:
    date_ = d.day("from")
    if d.after.get("products") and date_:
        return gettext("The suite will be replaced by Support only on %(date)s.") % {"date": date_}
    if date_:
        return gettext(
            "Suite pricing ends on %(date)s: the remaining products will be billed at list price."
        ) % {"date": date_}
    return gettext("Suite pricing will end: the remaining products will be billed at list price.")


def _terminated(d: Details) -> str:
    refund, fee = d.after.get("refund"), d.after.get("fee")
    if refund and fee:
        return gettext("Support ended the contract early: %(refund)s refunded, after a %(fee)s fee.") % {
            "refund": d.money(refund),
            "fee": d.money(fee),
        }
    if refund:
        return gettext("Support ended the contract early: %(refund)s refunded.") % {"refund": d.money(refund)}
    return gettext("Support ended the contract early; nothing was refunded.")


def _final_statement(d: Details) -> str:
    due = d.after.get("balance_due")
    if due:
        return gettext(
            "Final statement issued: %(amount)s remains to be paid, nothing more will be charged."
        ) % {"amount": d.money(due)}
    return gettext("Final statement issued: nothing more will be charged.")


# --- Invoices and payments --------------------------------------------------------------------------------


def _invoice_issued(d: Details) -> str:
    values = {"number": d.after.get("invoice", ""), "amount": d.money(d.amount), "date": d.day("due_at")}
    if d.amount is not None and d.amount < 0:
        return gettext("Credit note %(number)s issued for %(amount)s.") % values
    if values["number"] and values["date"]:
        return gettext("Invoice %(number)s issued for %(amount)s, due on %(date)s.") % values
    return gettext("An invoice was issued for %(amount)s.") % values


def _invoice_paid(d: Details) -> str:
    values = {"number": d.after.get("invoice", ""), "amount": d.money(d.amount)}
    if values["number"] and d.after.get("method") == "transfer":
        return gettext("Invoice %(number)s was paid by bank transfer: %(amount)s.") % values
    if values["number"]:
        return gettext("Invoice %(number)s was paid: %(amount)s.") % values
    return gettext("An invoice of %(amount)s was paid.") % values


def _invoice_closed(d: Details) -> str:
    values = {
        "number": d.after.get("invoice", ""),
        "amount": d.money(d.amount),
        "credit_note": d.after.get("credit_note", ""),
    }
    if d.after.get("status") == Invoice.Status.CREDITED and values["number"] and values["credit_note"]:
        return gettext("Invoice %(number)s was cancelled by credit note %(credit_note)s.") % values
    void = d.after.get("status") == Invoice.Status.VOID
    if values["number"] and void:
        return gettext("Invoice %(number)s was voided: nothing is owed for it.") % values
    if values["number"]:
        return gettext("Invoice %(number)s was written off: it is no longer pursued.") % values
    if void:
        return gettext("An invoice of %(amount)s was voided: nothing is owed for it.") % values
    return gettext("An invoice of %(amount)s was written off: it is no longer pursued.") % values


def _renewed(d: Details) -> str:
    values = {"start": d.day("start"), "end": d.day("end"), "amount": d.money(d.amount)}
    if not (values["start"] and values["end"]):
        return gettext("The subscription renewed.")
    if d.amount is not None:
        return gettext("The subscription renewed from %(start)s to %(end)s, for %(amount)s.") % values
    return gettext("The subscription renewed from %(start)s to %(end)s.") % values


def _payment_failed(d: Details) -> str:
    values = {
        "number": d.after.get("invoice", ""),
        "amount": d.money(d.amount),
        "reason": payment_failure(d.after.get("failure", "")),
    }
    if values["number"]:
        return gettext("The payment of invoice %(number)s (%(amount)s) failed. %(reason)s") % values
    return gettext("A payment of %(amount)s failed. %(reason)s") % values


DUNNING_STEPS = {
    DunningStep.Step.D0: gettext_lazy("We emailed the owner about the failed payment of %(amount)s."),
    DunningStep.Step.D2: gettext_lazy("We tried the payment of %(amount)s again and sent a second email."),
    DunningStep.Step.D4: gettext_lazy("We tried the payment of %(amount)s again and sent a third email."),
    DunningStep.Step.D21: gettext_lazy(
        "We tried the payment of %(amount)s again: the account will be cancelled if it stays unpaid."
    ),
    DunningStep.Step.D29: gettext_lazy("The payment of %(amount)s stayed unpaid: the account is cancelled."),
}


def _dunning_step(d: Details) -> str:
    sentence = DUNNING_STEPS.get(d.after.get("step"))
    return str(sentence) % {"amount": d.money(d.amount)} if sentence else gettext("Payment reminder sent.")


def _refund(d: Details) -> str:
    values = {"amount": d.money(d.amount), "number": d.after.get("credit_note", "")}
    if values["number"]:
        return gettext("%(amount)s refunded to the card (credit note %(number)s).") % values
    return gettext("%(amount)s refunded to the card.") % values


def _card(value) -> str:
    """ "Visa 4242" as stored → "Visa ending in 4242"; anything else is not shown."""
    brand, _, last4 = (value or "").rpartition(" ")
    if not (brand and last4.isdigit() and len(last4) == 4):
        return ""
    return gettext("%(brand)s ending in %(last4)s") % {"brand": brand, "last4": last4}


def _card_updated(d: Details) -> str:
    values = {"before": _card(d.before.get("card")), "after": _card(d.after.get("card"))}
    if values["before"] and values["after"]:
        return gettext("The card on file changed from %(before)s to %(after)s.") % values
    if values["after"]:
        return gettext("Card on file: %(after)s.") % values
    if values["before"]:  # detached at the payment provider (R12.1)
        return gettext("The card %(before)s was removed: there is no card on file.") % values
    return gettext("The card on file was updated.")


# --- Payment activity (the Payment page) ------------------------------------------------------------------

FAILURES = {
    sandbox.DECLINED: gettext_lazy("The bank declined the card."),
    sandbox.INSUFFICIENT_FUNDS: gettext_lazy("The card has insufficient funds."),
    sandbox.EXPIRED: gettext_lazy("The card has expired."),
    sandbox.INVALID_NUMBER: gettext_lazy("The card number is not valid."),
    sandbox.AUTHENTICATION_REQUIRED: gettext_lazy("Your bank asks you to confirm the payment."),
}
OPERATIONS = {
    PaymentAttempt.Operation.AUTHORIZE: gettext_lazy("Card check"),
    PaymentAttempt.Operation.VOID: gettext_lazy("Card check cancelled"),
    PaymentAttempt.Operation.CAPTURE: gettext_lazy("Payment"),
    PaymentAttempt.Operation.CHARGE: gettext_lazy("Payment"),
    PaymentAttempt.Operation.REFUND: gettext_lazy("Refund to the card"),
}


def payment_failure(code: str) -> str:
    """Why the provider refused, for people; codes it may add later read as a plain refusal."""
    return str(FAILURES.get(code) or gettext("The payment provider refused the payment."))


def payment_operation(attempt: PaymentAttempt) -> str:
    """What the call was for; a payment names its invoice (load it with the attempt: select_related)."""
    paying = attempt.operation in (PaymentAttempt.Operation.CHARGE, PaymentAttempt.Operation.CAPTURE)
    if paying and attempt.invoice_id and attempt.invoice.number:
        return gettext("Payment of invoice %(number)s") % {"number": attempt.invoice.number}
    return str(OPERATIONS.get(attempt.operation, attempt.get_operation_display()))


SENTENCES = {
    Kind.PRODUCT_REMOVAL_SCHEDULED: _removal,
    Kind.ACCOUNT_CANCELLATION_SCHEDULED: _account_cancellation,
    Kind.SUITE_PRICING_END_SCHEDULED: _suite_pricing_end,
    Kind.ACCOUNT_TERMINATED: _terminated,
    Kind.FINAL_STATEMENT_ISSUED: _final_statement,
    Kind.INVOICE_ISSUED: _invoice_issued,
    Kind.INVOICE_PAID: _invoice_paid,
    Kind.INVOICE_CLOSED: _invoice_closed,
    Kind.PERIOD_RENEWED: _renewed,
    Kind.PAYMENT_FAILED: _payment_failed,
    Kind.DUNNING_STEP: _dunning_step,
    Kind.REFUND_ISSUED: _refund,
    Kind.PAYMENT_METHOD_UPDATED: _card_updated,
}
