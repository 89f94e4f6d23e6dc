"""R6 on the Manage page: every change previewed with exact money, confirmed once, for each account type
and role; bad input refused without changing anything."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import signing

from accounts.policy import can, can_modify
from billing.lifecycle.tick import billing_tick
from billing.models import Charge, Price, ScheduledChange, SubscriptionItem
from billing.services.changes import QUOTE_SALT
from billing.services.members import ownership_transfer
from tests.helpers import MANAGE, NOW, change, demo_member, item, new_events, preview, quote_of, text

pytestmark = pytest.mark.usefixtures("demo")
PERIOD_START = datetime(2026, 11, 11, tzinfo=UTC)  # the demo's monthly period: NOW's day − 10 days
PERIOD_END = datetime(2026, 12, 11, tzinfo=UTC)


def charge_shown(response) -> str:
    return re.search(r'data-testid="charge-now">\s*([^<]+?)\s*<', response.content.decode()).group(1)


# --- R6.1: what each account type and role sees ------------------------------------------------------


SECTIONS = [
    "seats-section",
    "editions-section",
    "products-section",
    "temporary-section",
    "billing-admins-section",
]


@pytest.mark.parametrize(
    ("email", "visible"),
    [
        ("owner@acme.test", {*SECTIONS}),
        ("billing@acme.test", {*SECTIONS} - {"billing-admins-section"}),
        # R3.7: every product of the online-assisted demo is on Enterprise: no edition to offer, no card
        ("owner@assisted.test", {"seats-section", "products-section", "billing-admins-section"}),
        ("billing@assisted.test", {"seats-section", "products-section"}),
    ],
)
def test_r6_1_the_manage_page_shows_what_r2_allows(sign_in, email, visible):
    html = sign_in(email).get(MANAGE).content.decode()
    assert {s for s in SECTIONS if f'data-testid="{s}"' in html} == visible
    assisted = "assisted" in email
    assert ("Remove seats" in html) is not assisted  # R2: online-assisted accounts cannot remove seats
    assert ("Switch to annual billing" in html) is not assisted
    assert ("Pay by invoice" in html) is not assisted


def test_r6_1_online_assisted_editions_offer_upgrades_only(sign_in):
    SubscriptionItem.objects.filter(subscription__account__name="Online Assisted Ltd").update(
        edition="growth"
    )
    html = sign_in("owner@assisted.test").get(MANAGE).content.decode()
    support = re.search(r'editions-section.*?data-line="support">(.*?)</tr>', html, re.S).group(1)
    assert re.findall(r'<option value="(\w+)"', support) == ["professional", "enterprise"]  # upgrades only
    acme = sign_in("owner@acme.test").get(MANAGE).content.decode()
    support = re.search(r'editions-section.*?data-line="support">(.*?)</tr>', acme, re.S).group(1)
    assert re.findall(r'<option value="(\w+)"', support) == ["team", "growth", "enterprise"]


@pytest.mark.parametrize(
    "email", ["admin@acme.test", "agent@acme.test", "owner@managed.test", "admin@assisted.test"]
)
def test_r6_1_r2_5_no_manage_page_or_change_for_those_who_may_not_modify(sign_in, email):
    client = sign_in(email)
    assert client.get(MANAGE).status_code == 403
    support = item("Acme Self-Service", "support")
    assert preview(client, kind="add_seats", item=support.pk, seats=1).status_code == 403
    assert client.post(MANAGE + "confirm/", {"quote": "x"}).status_code == 403
    assert not new_events().exists()


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "remove_seats", "seats": 1},
        {"kind": "change_edition", "edition": "professional"},  # a downgrade from Enterprise
        {"kind": "change_cycle", "cycle": "monthly"},
        {"kind": "change_payment_type", "payment_type": "card"},
    ],
)
def test_r2_online_assisted_accounts_are_refused_what_the_table_forbids(sign_in, data):
    support = item("Online Assisted Ltd", "support")
    response = preview(sign_in("owner@assisted.test"), item=support.pk, **data)
    assert response.status_code == 403 and "online-assisted" in text(response)


# --- R6.2, R6.3: each change, previewed and charged to the cent ---------------------------------------


@pytest.mark.parametrize(
    ("at", "charge", "shown"),
    [
        (PERIOD_START, 18_630, "$186.30"),  # the whole period: 3 × $69 − 10 %
        (NOW, 12_110, "$121.10"),  # 19.5 of 30 days left: 12 109.5 rounds half up
        (PERIOD_END - timedelta(seconds=1), 0, "$0.00"),
    ],
)
def test_r6_2_r6_3_added_seats_are_charged_now_prorated_exactly_as_previewed(client_for, at, charge, shown):
    with time_machine.travel(at, tick=False):  # signed in at that moment: sessions last two weeks
        client = client_for(demo_member("owner@acme.test"))
    support = item("Acme Self-Service", "support")
    previewed, confirmed = change(client, at=at, kind="add_seats", item=support.pk, seats=3)
    assert charge_shown(previewed) == shown
    assert "$1,100.70 per month → $1,287.00 per month" in text(previewed)  # (1,223 + 207) × 0.9
    assert confirmed.status_code == 302
    support.refresh_from_db()
    assert support.seats == 15
    event = new_events().get(kind="seats_added")
    assert (event.before, event.after, event.amount) == (
        {"seats": 12},
        {"seats": 15, "product_name": "Support"},  # the line's name, for the billing history (R9.4)
        charge or None,
    )
    assert list(Charge.objects.values_list("amount", flat=True)) == ([charge] if charge else [])


def test_r6_2_upgrading_an_edition_applies_now_prorated(sign_in):
    client = sign_in("billing@acme.test")
    guide = item("Acme Self-Service", "guide")
    previewed, confirmed = change(client, kind="change_edition", item=guide.pk, edition="enterprise")
    # Guide Professional $100 → Enterprise $200 a month: +$100, −10 % = $90, for 19.5 of 30 days = $58.50.
    assert charge_shown(previewed) == "$58.50"
    assert "$1,100.70 per month → $1,190.70 per month" in text(previewed)
    assert confirmed.status_code == 302
    guide.refresh_from_db()
    assert guide.edition == "enterprise" and Charge.objects.get().amount == 5850


def test_r6_2_removing_seats_applies_from_the_next_period_and_can_be_undone(sign_in):
    client = sign_in("owner@acme.test")
    support = item("Acme Self-Service", "support")
    previewed, confirmed = change(client, kind="remove_seats", item=support.pk, seats=8)
    page = text(previewed)
    assert "From the next billing period" in page and charge_shown(previewed) == "$0.00"
    assert "$1,100.70 per month → $603.90 per month" in page  # (1,223 − 8 × 69) × 0.9
    assert confirmed.status_code == 302
    support.refresh_from_db()
    assert support.seats == 12  # nothing changes before the next period
    pending = ScheduledChange.objects.get(kind="set_seats")
    assert (pending.payload, pending.effective_at) == ({"seats": 4}, PERIOD_END)
    assert "Support: 4 agent seats from December 11, 2026" in text(client.get(MANAGE))
    with time_machine.travel(NOW, tick=False):
        assert client.post(MANAGE + "undo/", {"change": pending.pk}).status_code == 302
    pending.refresh_from_db()
    assert pending.revoked_at == NOW
    assert new_events().filter(kind="scheduled_change_undone").count() == 1


def test_r6_2_the_billing_clock_applies_next_period_changes(sign_in):
    client = sign_in("owner@acme.test")
    change(client, kind="remove_seats", item=item("Acme Self-Service", "support").pk, seats=2)
    change(client, kind="change_edition", item=item("Acme Self-Service", "chat").pk, edition="team")
    change(client, kind="change_cycle", cycle="annual")
    billing_tick(real_now=PERIOD_END)
    assert item("Acme Self-Service", "support").seats == 10
    assert item("Acme Self-Service", "chat").edition == "team"
    subscription = demo_member("owner@acme.test").account.subscription
    assert subscription.cycle == "annual" and subscription.current_period_start == PERIOD_END
    assert billing_tick(real_now=PERIOD_END).actions == 0  # once


def test_r6_2_seats_never_go_below_the_seats_in_use(sign_in):
    client = sign_in("owner@acme.test")
    response = preview(client, kind="remove_seats", item=item("Acme Self-Service", "support").pk, seats=9)
    assert response.status_code == 422
    assert "Support cannot go below 4 seats: 4 members use an agent seat." in text(response)
    assert not ScheduledChange.objects.exists()


@pytest.mark.parametrize("typed", ["1_000", "３", "٣", "+2", "2.0", "1e3"])
def test_r6_2_seat_counts_are_digits_0_to_9_only(sign_in, typed):
    client = sign_in("owner@acme.test")
    response = preview(client, kind="add_seats", item=item("Acme Self-Service", "support").pk, seats=typed)
    assert response.status_code == 422
    assert "Enter a whole number, in the digits 0 to 9." in text(response)
    assert 'name="quote"' not in response.content.decode()  # nothing priced, nothing to confirm


def test_r6_2_a_suites_seats_change_together(sign_in):
    client = sign_in("owner@spp.test")
    _, confirmed = change(client, kind="add_seats", item=item("SPP Corp", "chat").pk, seats=2)
    assert confirmed.status_code == 302
    seats = SubscriptionItem.objects.filter(subscription__account__name="SPP Corp").values_list(
        "product__code", "seats"
    )
    assert dict(seats) == {"support": 22, "chat": 22, "guide": 1, "talk": 22}


def test_r6_2_downgrading_is_for_the_next_period(sign_in):
    client = sign_in("owner@acme.test")
    previewed, _ = change(
        client, kind="change_edition", item=item("Acme Self-Service", "support").pk, edition="team"
    )
    assert "From the next billing period" in text(previewed)
    # Support Team $25 × 12 instead of $69 × 12: (1,223 − 528) × 0.9 = $625.50.
    assert "$1,100.70 per month → $625.50 per month" in text(previewed)
    assert ScheduledChange.objects.get().payload == {"edition": "team"}
    assert item("Acme Self-Service", "support").edition == "professional"


def test_r6_2_switching_to_annual_billing_from_the_next_period(sign_in):
    previewed, _ = change(sign_in("owner@acme.test"), kind="change_cycle", cycle="annual")
    # Annual: Support 12 × 55, Chat 5 × 40, Guide 80, Talk 3 × 12 = $976 a month × 12 = $11,712, −10 %.
    assert "$1,100.70 per month → $10,540.80 per year" in text(previewed)
    assert ScheduledChange.objects.get(kind="set_cycle").payload == {"cycle": "annual"}


def test_r6_2_changing_the_payment_type_is_immediate_and_free(sign_in):
    previewed, _ = change(sign_in("owner@acme.test"), kind="change_payment_type", payment_type="invoice")
    assert charge_shown(previewed) == "$0.00"
    assert demo_member("owner@acme.test").account.subscription.payment_type == "invoice"
    assert not Charge.objects.exists()


def test_r6_2_buying_a_product_charges_it_prorated(sign_in):
    previewed, confirmed = change(
        sign_in("owner@acme.test"), kind="add_product", product="sell", edition="team", seats=2
    )
    # Sell Team $19 × 2 = $38, −10 % = $34.20, for 19.5 of 30 days = $22.23.
    assert charge_shown(previewed) == "$22.23"
    assert confirmed.status_code == 302
    assert item("Acme Self-Service", "sell").seats == 2


def test_r6_2_extending_temporary_seats(sign_in):
    support = item("Acme Self-Service", "support")
    until = support.temporary_seats_end + timedelta(days=10)
    previewed, _ = change(
        sign_in("owner@acme.test"), kind="extend_temporary", item=support.pk, until=until.isoformat()
    )
    assert charge_shown(previewed) == "$115.00"  # 5 seats × $69 per 30 days × 10 days
    support.refresh_from_db()
    assert support.temporary_seats_end == until


# --- Bad input changes nothing and says why ------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ({"kind": "add_seats", "seats": "0"}, "greater than or equal to 1"),
        ({"kind": "add_seats", "seats": "-5"}, "greater than or equal to 1"),
        ({"kind": "add_seats", "seats": str(10**9)}, "less than or equal to 10000"),
        ({"kind": "add_seats", "seats": "abc"}, "Enter a whole number"),
        ({"kind": "add_seats"}, "Choose a number of seats from 1 to 10000"),
        ({"kind": "launch_rockets", "seats": "1"}, "Select a valid choice"),
        ({"kind": "add_product", "product": "support", "edition": "team", "seats": 1}, "already part of"),
        ({"kind": "add_product", "product": "nothing", "edition": "team", "seats": 1}, "not sold"),
        (
            {"kind": "add_product", "product": "sell", "edition": "platinum", "seats": 1},
            "Select a valid choice",
        ),
        ({"kind": "change_edition", "edition": "professional"}, "already on this edition"),
        ({"kind": "change_cycle", "cycle": "monthly"}, "already billed this way"),
        ({"kind": "extend_temporary", "until": "2020-01-01"}, "Choose a date after"),
    ],
)
def test_bad_input_is_refused_with_a_reason(sign_in, data, says):
    data.setdefault("item", item("Acme Self-Service", "support").pk)
    response = preview(sign_in("owner@acme.test"), **data)
    assert response.status_code == 422 and says in text(response)


def test_another_accounts_product_is_a_404(sign_in):
    response = preview(
        sign_in("owner@acme.test"), kind="add_seats", item=item("SPP Corp", "support").pk, seats=1
    )
    assert response.status_code == 404


def test_a_confirmation_replayed_is_applied_once(sign_in):
    client = sign_in("owner@acme.test")
    support = item("Acme Self-Service", "support")
    with time_machine.travel(NOW, tick=False):
        quote = quote_of(preview(client, kind="add_seats", item=support.pk, seats=3))
        assert client.post(MANAGE + "confirm/", {"quote": quote}).status_code == 302
        replay = client.post(MANAGE + "confirm/", {"quote": quote})
    assert replay.status_code == 409 and "already confirmed" in text(replay)
    support.refresh_from_db()
    assert support.seats == 15 and Charge.objects.count() == 1


def test_a_stale_quote_is_refused_with_a_new_preview(sign_in):
    client = sign_in("owner@acme.test")
    support = item("Acme Self-Service", "support")
    with time_machine.travel(NOW, tick=False):
        quote = quote_of(preview(client, kind="add_seats", item=support.pk, seats=3))
        Price.objects.filter(
            product__code="support", edition="professional", currency="USD", cycle="monthly"
        ).update(unit_amount=7900)
        response = client.post(MANAGE + "confirm/", {"quote": quote})
    assert response.status_code == 409 and "Prices or the billing period changed" in text(response)
    assert 'data-testid="preview"' in response.content.decode()  # the new preview, to confirm again
    assert item("Acme Self-Service", "support").seats == 12 and not Charge.objects.exists()


def test_an_expired_quote_is_refused(sign_in):
    client = sign_in("owner@acme.test")
    with time_machine.travel(NOW, tick=False):
        quote = quote_of(
            preview(client, kind="add_seats", item=item("Acme Self-Service", "support").pk, seats=3)
        )
    with time_machine.travel(NOW + timedelta(minutes=16), tick=False):
        response = client.post(MANAGE + "confirm/", {"quote": quote})
    assert response.status_code == 409 and "more than 15 minutes old" in text(response)
    assert not Charge.objects.exists()


@pytest.mark.parametrize("tamper", ["garbage", "signed-for-another-account", "edited-amount"])
def test_a_tampered_quote_is_refused(sign_in, tamper):
    client = sign_in("owner@acme.test")
    support = item("Acme Self-Service", "support")
    quote = quote_of(preview(client, kind="add_seats", item=support.pk, seats=3))
    payload = signing.loads(quote, salt=QUOTE_SALT)
    if tamper == "garbage":
        quote = "garbage"
    elif tamper == "signed-for-another-account":
        quote = signing.dumps(
            {**payload, "account": demo_member("owner@spp.test").account.pk}, salt=QUOTE_SALT
        )
    else:
        quote = quote[:-3] + "AAA"
    response = client.post(MANAGE + "confirm/", {"quote": quote})
    assert response.status_code == 422 and "This preview cannot be used" in text(response)
    assert item("Acme Self-Service", "support").seats == 12


def test_a_billing_admins_confirmation_of_an_owner_only_quote_is_refused(sign_in):
    """The policy is checked again at confirmation: a quote does not carry permissions."""
    owner_quote = quote_of(preview(sign_in("owner@acme.test"), kind="change_cycle", cycle="annual"))
    owner, admin = demo_member("owner@acme.test"), demo_member("admin@acme.test")
    ownership_transfer(account=owner.account, successor_id=admin.pk, by=owner.user, now=NOW)  # now an admin
    assert sign_in("owner@acme.test").post(MANAGE + "confirm/", {"quote": owner_quote}).status_code == 403
    assert not ScheduledChange.objects.exists()


# --- Pending changes never silently drop a cancellation (or the reverse) ------------------------------


def test_no_silent_overwrite_of_pending_changes(sign_in):
    client = sign_in("owner@acme.test")
    support = item("Acme Self-Service", "support")
    change(client, kind="remove_seats", item=support.pk, seats=2)
    refused = preview(client, kind="add_seats", item=support.pk, seats=1)
    assert refused.status_code == 422 and "already scheduled for the next period. Undo it first." in text(
        refused
    )


def test_products_that_end_and_accounts_being_cancelled_are_shown_and_not_changed(sign_in):
    client = sign_in("owner@acme.test")
    talk = item("Acme Self-Service", "talk")
    ScheduledChange.objects.create(
        account=talk.subscription.account,
        kind="remove_item",
        item=talk,
        effective_at=PERIOD_END,
        created_at=NOW,
    )
    refused = preview(client, kind="add_seats", item=talk.pk, seats=1)
    assert refused.status_code == 422 and "Talk ends on December 11, 2026" in text(refused)
    previewed, _ = change(client, kind="change_cycle", cycle="annual")
    assert "$10,540.80" not in text(previewed)  # the next total leaves Talk out: it ends first
    ScheduledChange.objects.create(
        account=talk.subscription.account, kind="cancel_account", effective_at=PERIOD_END, created_at=NOW
    )
    html = client.get(MANAGE).content.decode()
    assert "The account is cancelled from" in html and "Billing cycle: Annual from" in html
    refused = preview(client, kind="remove_seats", item=item("Acme Self-Service", "support").pk, seats=1)
    assert refused.status_code == 422 and "only the payment type can still change" in text(refused)


# --- R6.4 billing admins ---------------------------------------------------------------------------------


def test_r6_4_the_owner_grants_and_revokes_the_billing_admin_role(sign_in):
    client = sign_in("owner@acme.test")
    admin = demo_member("admin@acme.test")
    assert client.post(MANAGE + "billing-admins/", {"member": admin.pk, "grant": "1"}).status_code == 302
    admin.refresh_from_db()
    assert admin.role == "billing_admin"
    assert sign_in("admin@acme.test").get(MANAGE).status_code == 200
    client.post(MANAGE + "billing-admins/", {"member": admin.pk})
    admin.refresh_from_db()
    assert admin.role == "admin"
    assert list(new_events().values_list("kind", flat=True).order_by("id")) == [
        "billing_admin_granted",
        "billing_admin_revoked",
    ]


@pytest.mark.parametrize(
    ("email", "target", "status"),
    [
        ("billing@acme.test", "admin@acme.test", 403),  # only the owner
        ("owner@managed.test", "admin@managed.test", 403),  # not on managed accounts
        ("owner@acme.test", "owner@acme.test", 404),  # not their own role
        ("owner@acme.test", "admin@assisted.test", 404),  # another account's member
    ],
)
def test_r6_4_refusals(sign_in, email, target, status):
    member = demo_member(target)
    assert (
        sign_in(email).post(MANAGE + "billing-admins/", {"member": member.pk, "grant": "1"}).status_code
        == status
    )
    member.refresh_from_db()
    assert member.role != "billing_admin"


def test_r10_1_the_manage_page_in_french(sign_in):
    page = text(sign_in("owner@legacy-suite.test").get(MANAGE))
    for label in (
        "Gérez l’abonnement",
        "Licences d’agent",
        "Ajouter des licences",
        "Passer à la facturation mensuelle",
    ):
        assert label in page


# --- Every R6 action for each account type and role: previewed when allowed, 403 when not -------------

ACTIONS = {
    "add_seats": ({"kind": "add_seats", "seats": 1}, "add_seats"),
    "remove_seats": ({"kind": "remove_seats", "seats": 1}, "remove_seats"),
    "add_product": (
        {"kind": "add_product", "product": "sell", "edition": "team", "seats": 1},
        "add_products",
    ),
    "upgrade": ({"kind": "change_edition", "edition": "enterprise"}, "upgrade_edition"),
    "downgrade": ({"kind": "change_edition", "edition": "team"}, "downgrade_edition"),
    "cycle": ({"kind": "change_cycle"}, "change_billing_cycle"),
    "payment_type": ({"kind": "change_payment_type"}, "change_payment_type"),
}
MEMBERS = [
    "owner@acme.test",
    "billing@acme.test",
    "admin@acme.test",
    "agent@acme.test",
    "owner@assisted.test",
    "billing@assisted.test",
    "admin@assisted.test",
    "owner@managed.test",
    "admin@managed.test",
]


@pytest.mark.parametrize("email", MEMBERS)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_r6_1_r2_5_every_action_for_every_account_type_and_role(sign_in, client_for, email, action):
    member = demo_member(email)
    data, capability = ACTIONS[action]
    data = dict(data)
    account = member.account
    support = account.subscription.items.get(product__code="support")
    if action == "upgrade" and support.edition == "enterprise":
        SubscriptionItem.objects.filter(pk=support.pk).update(edition="growth")
    if action == "downgrade" and account.memberships.count() > 2:
        SubscriptionItem.objects.filter(pk=support.pk).update(seats=max(support.seats, 10))
    data["item"] = support.pk
    data.setdefault("cycle", "annual" if account.subscription.cycle == "monthly" else "monthly")
    data.setdefault("payment_type", "invoice" if account.subscription.payment_type == "card" else "card")
    client = sign_in(email)
    allowed = can(member, capability)
    page = client.get(MANAGE)
    with time_machine.travel(NOW, tick=False):
        response = preview(client, **data)
        assert response.status_code == (200 if allowed else 403), text(response)[-300:]
        if allowed:
            assert client.post(MANAGE + "confirm/", {"quote": quote_of(response)}).status_code == 302
    assert page.status_code == (200 if can_modify(member) else 403)
    # The change, once; a change charged now is invoiced in the same transaction (R8.8).
    assert new_events().exclude(kind="invoice_issued").count() == (1 if allowed else 0)
    assert new_events().filter(kind="invoice_issued").count() == (allowed and Charge.objects.count())
