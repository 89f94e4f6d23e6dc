"""Invoices and credit notes (R8.1, R8.2), their lines and numbering, and the charges waiting to be
invoiced. Money is an integer amount of minor units next to a currency code; never a float."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from billing.money import format_money


class Invoice(models.Model):
    """An invoice or a credit note. A draft can change; once finalized it is immutable but for its payment
    state (a database trigger enforces it), numbered without gaps in its account's series, and carries a
    snapshot of the buyer as they were at that moment (R8.2)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        PAID = "paid", _("Paid")
        VOID = "void", _("Void")
        UNCOLLECTIBLE = "uncollectible", _("Uncollectible")
        # Cancelled by a credit note for its whole amount: the invoice stays issued (France forbids voiding
        # an issued invoice), the credit note that `credits` it cancels what it asked for.
        CREDITED = "credited", _("Cancelled by a credit note")

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Invoice")
        CREDIT_NOTE = "credit_note", _("Credit note")

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="invoices")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.INVOICE)
    status = models.CharField(_("status"), max_length=14, choices=Status.choices, default=Status.DRAFT)
    sequence = models.PositiveIntegerField(_("number in the account's series"), null=True, blank=True)
    number = models.CharField(_("number"), max_length=40, blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    subtotal = models.IntegerField(_("subtotal"), default=0)
    tax_rate_bp = models.PositiveIntegerField(_("tax rate (basis points)"), default=0)
    tax = models.IntegerField(_("tax"), default=0)
    total = models.IntegerField(_("total"), default=0)
    period_start = models.DateTimeField(_("period start"), null=True, blank=True)
    period_end = models.DateTimeField(_("period end"), null=True, blank=True)
    credits = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_notes",
        verbose_name=_("corrects invoice"),
    )
    created_at = models.DateTimeField(_("created at"))
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    # What the invoice says, as it was when it was issued (R8.2, R8.9): a settings change or a new buyer
    # address never alters an issued invoice. The seller and the bank account it is paid to,
    seller_name = models.CharField(_("seller"), max_length=200, blank=True)
    seller_address = models.TextField(_("seller's address"), blank=True)
    seller_country = models.CharField(_("seller's country"), max_length=2, blank=True)
    seller_vat_number = models.CharField(_("seller's VAT number"), max_length=20, blank=True)
    seller_bank_name = models.CharField(_("bank"), max_length=100, blank=True)
    seller_iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    seller_bic = models.CharField(_("BIC"), max_length=11, blank=True)
    # the buyer,
    buyer_name = models.CharField(_("buyer"), max_length=200, blank=True)
    buyer_address = models.TextField(_("buyer's address"), blank=True)
    buyer_country = models.CharField(_("buyer's country"), max_length=2, blank=True)
    buyer_vat_number = models.CharField(_("buyer's VAT number"), max_length=20, blank=True)
    buyer_is_business = models.BooleanField(_("business buyer"), default=True)
    purchase_order = models.CharField(_("purchase order number"), max_length=40, blank=True)
    # the tax decision (billing/tax.py: its EN 16931 category; the rate is tax_rate_bp), how it is paid
    # (Subscription.PaymentType: by card, or by transfer to the bank account above), and its language.
    tax_category = models.CharField(_("VAT category"), max_length=2, blank=True)
    payment_type = models.CharField(_("payment type"), max_length=10, blank=True)
    language = models.CharField(_("language"), max_length=5, blank=True)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["account", "-created_at"], name="invoice_account_newest")]
        permissions = [
            ("close_invoice", _("Can void an invoice or mark it uncollectible")),
            ("record_transfer_invoice", _("Can record a received transfer")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["account", "sequence"], name="invoice_one_number_per_account"),
            # Numbers name invoices outside: on the PDF, in the provider's ledger (reconciliation reads it).
            models.UniqueConstraint(fields=["number"], condition=~Q(number=""), name="invoice_number_unique"),
            models.CheckConstraint(
                condition=Q(total=models.F("subtotal") + models.F("tax")), name="invoice_total"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(sequence__isnull=False), name="invoice_finalized_has_number"
            ),
        ]

    def __str__(self):
        return self.number or f"Draft {self.pk}"

    @property
    def status_label(self):
        """The status's name, without rebuilding the translated choices for each invoice of a list."""
        return self.Status(self.status).label if self.status in self.Status.values else self.status

    @property
    def is_finalized(self) -> bool:
        return self.status != self.Status.DRAFT


class InvoiceLine(models.Model):
    invoice = models.ForeignKey("billing.Invoice", on_delete=models.CASCADE, related_name="lines")
    description = models.CharField(_("description"), max_length=300)
    quantity = models.IntegerField(_("quantity"), default=1)
    unit_amount = models.IntegerField(_("unit amount"))
    amount = models.IntegerField(_("amount"))
    position = models.PositiveSmallIntegerField(default=0)
    # R8.9: the period each line covers (a renewal's, or a prorated change's), and a discount's basis.
    period_start = models.DateTimeField(_("period start"), null=True, blank=True)
    period_end = models.DateTimeField(_("period end"), null=True, blank=True)
    basis = models.IntegerField(
        _("basis"), null=True, blank=True, help_text=_("For a discount: the amount it is computed on.")
    )

    class Meta:
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount=models.F("quantity") * models.F("unit_amount")), name="invoice_line_amount"
            ),
        ]

    def __str__(self):
        return self.description


class InvoiceDocument(models.Model):
    """The invoice's PDF — a Factur-X PDF/A-3 carrying its XML (issue 21) — built once after the invoice is
    finalized and committed, then served as stored: every download gives the same bytes (R8.9; the
    database refuses to rewrite it). Kept in the database
    beside the invoice it renders, so a backup holds both and nothing can lose one without the other.

    Written empty — owed — by the transaction that finalizes the invoice, like an email of the outbox: the
    worker builds it once that transaction commits; past `build_by`, the billing clock presumes the worker
    lost and builds it (billing/documents.py)."""

    invoice = models.OneToOneField("billing.Invoice", on_delete=models.PROTECT, related_name="document")
    pdf = models.BinaryField(_("PDF"), null=True, editable=False)
    # Issue 21: the Factur-X XML (EN 16931, CII) embedded in the PDF, kept on its own for its download. An
    # invoice whose PDF was stored before Factur-X keeps that PDF (already sent: the same bytes) and gets
    # its XML here: a document is owed until its XML is stored.
    xml = models.BinaryField(_("Factur-X XML"), null=True, editable=False)
    built_at = models.DateTimeField(_("built at"), null=True, blank=True)
    build_by = models.DateTimeField(_("to be built by"), null=True, blank=True)

    class Meta:
        verbose_name = _("invoice document")
        verbose_name_plural = _("invoice documents")
        indexes = [
            # The billing clock reads the owed ones whose worker is late (billing.documents).
            models.Index(fields=["build_by"], condition=Q(xml=None), name="invoice_document_owed"),
        ]

    def __str__(self):
        return str(self.invoice)


class ReceivedTransfer(models.Model):
    """A bank transfer received for an invoice paid by transfer, recorded by staff (R8.9). Its reference is
    the bank's, unique per invoice: recording the same transfer twice records it once."""

    invoice = models.ForeignKey("billing.Invoice", on_delete=models.PROTECT, related_name="transfers")
    amount = models.PositiveIntegerField(_("amount (minor units)"))
    currency = models.CharField(_("currency"), max_length=3)
    received_on = models.DateField(_("received on"))
    reference = models.CharField(_("bank reference"), max_length=100)
    recorded_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("received transfer")
        verbose_name_plural = _("received transfers")
        ordering = ["-received_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "reference"], name="received_transfer_once"),
        ]

    def __str__(self):
        return f"{self.invoice} · {self.reference}"


class InvoiceSequence(models.Model):
    """The last number used in an account's series; locked while the next one is taken, so numbers have
    no gaps and no duplicates, even when two invoices are finalized at once."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="invoice_sequence")
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.account}: {self.last}"


class Charge(models.Model):
    """An amount owed now for a change made during a period (prorated seats, upgrades, products…), to be
    invoiced by the invoicing service (issue 5). Never edited: a correction is a credit note."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="charges")
    amount = models.PositiveIntegerField(_("amount (minor units)"))
    currency = models.CharField(_("currency"), max_length=3)
    description = models.CharField(_("description"), max_length=300)
    event = models.OneToOneField("billing.BillingEvent", on_delete=models.PROTECT, related_name="charge")
    created_at = models.DateTimeField(_("created at"))
    invoice = models.ForeignKey(
        "billing.Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="charges"
    )

    class Meta:
        verbose_name = _("charge")
        verbose_name_plural = _("charges")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.account} · {format_money(self.amount, self.currency)} · {self.description}"
