"""R3.7, R5.5, R7.1 and R7.2 on the Subscription page: the account type and what it means for changes, and
contract facts that hold — only the renewal and notice dates that mean something for this account, now."""

import re
from datetime import UTC, date, datetime

import pytest

from accounts.models import Account, User
from billing.models import ContractTerms, Subscription
from billing.selectors.contracts import renewal_facts
from billing.services.contracts import staff_cancellation_schedule
from tests.helpers import CANCELLATIONS, NOW, SUBSCRIPTION, text

MANAGED, ASSISTED = "Managed Enterprise Inc", "Online Assisted Ltd"


def page_of(client) -> str:
    return text(client.get(SUBSCRIPTION))


def element_text(client, name: str) -> str:
    """The visible text of the element with `data-testid="name"`, or "" when the page has none."""
    html = client.get(SUBSCRIPTION).content.decode()
    found = re.search(rf'data-testid="{name}"[^>]*>(.*?)</(dd|section)>', html, flags=re.S)
    return (
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).replace("\xa0", " ").strip()
        if found
        else ""
    )


def in_french(name: str) -> None:
    Account.objects.filter(name=name).update(language="fr")


def root() -> User:
    return User.objects.get(email="root@staff.test")


# --- R3.7: the account type and what it means for changes, in English and French -----------------------

ACCOUNT_TYPES = [
    (
        "owner@acme.test",
        None,
        "Account type: Self-service",
        "add or remove agent seats, add or remove products",
    ),
    ("admin@acme.test", None, "Account type: Self-service", "only the owner removes products or cancels"),
    (
        "owner@legacy-suite.test",
        None,
        "Type de compte : Self-service",
        "Avec les comptes en self-service, vous gérez intégralement vous-même les modifications",
    ),
    (
        "owner@trial.test",
        None,
        "Account type: Self-service",
        "let the trial expire, or contact customer support",
    ),
    (
        "owner@contact-support.test",
        None,
        "Account type: Self-service",
        "removing products and cancelling go through customer support",
    ),
    (
        "owner@assisted.test",
        None,
        "Account type: Online-assisted",
        "You can add agent seats, buy additional products and upgrade your edition, but you cannot downgrade",
    ),
    ("admin@assisted.test", None, "Account type: Online-assisted", "other admins can request a change"),
    (
        "owner@assisted.test",
        ASSISTED,
        "Type de compte : Assisté en ligne",
        "mais vous ne pouvez pas rétrograder votre type d’édition ni résilier vos produits",
    ),
    (
        "owner@managed.test",
        None,
        "Account type: Managed",
        "You cannot change this account, or make changes on the Subscription page, without contacting",
    ),
    (
        "admin@managed.test",
        MANAGED,
        "Type de compte : Géré",
        "Vous ne pouvez pas modifier ce compte, ni apporter de modifications à la page Abonnement, sans "
        "contacter un représentant commercial ou l’assistance client.",
    ),
]


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize(("email", "french", "title", "meaning"), ACCOUNT_TYPES)
def test_r3_7_the_subscription_page_states_the_account_type_and_what_it_means(
    sign_in, email, french, title, meaning
):
    if french:
        in_french(french)
    section = element_text(sign_in(email), "account-type")
    assert section.startswith(title) and meaning in section


# --- R5.5: self-service accounts cancel in the app, which is the notice --------------------------------


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize(
    ("email", "says"),
    [
        ("owner@acme.test", "Cancel before Dec 11, 2026 to stop the next renewal."),
        ("billing@acme.test", "Cancel before Dec 11, 2026 to stop the next renewal."),
        ("owner@vintage.test", "Cancel before Dec 11, 2026 to stop the next renewal."),
        (
            "owner@legacy-suite.test",
            "Résiliez avant le 13 août 2027 pour arrêter le prochain renouvellement.",
        ),
        (
            "owner@contact-support.test",
            "Contact customer support before Dec 11, 2026 to stop the next renewal.",
        ),
    ],
)
def test_r5_5_r7_2_self_service_accounts_cancel_before_the_period_end_without_a_notice_period(
    sign_in, email, says
):
    client = sign_in(email)
    page = page_of(client)
    assert element_text(client, "cancel-before") == says
    # The monthly accounts' "notice date" was their period start, always past: no notice sentence at all.
    for absent in ("give notice", "Notice period", "60 days", "envoyez votre préavis", "Préavis", "60 jours"):
        assert absent not in page
    assert 'data-testid="notice"' not in client.get(SUBSCRIPTION).content.decode()


# --- R7.2: sales-assisted accounts see the notice deadline and the 60-day advice -----------------------


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize(
    ("email", "french", "notice", "advice"),
    [
        (
            "owner@managed.test",
            None,
            "30 days: to stop the renewal, give notice by Jul 14, 2027",
            "In writing, to your sales representative or customer support. To be safe, give it 60 days "
            "before the term ends: by Jun 14, 2027.",
        ),
        (
            "owner@assisted.test",
            None,
            "30 days: to stop the renewal, give notice by Jul 14, 2027",
            "To be safe, give it 60 days before the term ends: by Jun 14, 2027.",
        ),
        (
            "admin@assisted.test",
            ASSISTED,
            "30 jours : pour arrêter le renouvellement, envoyez votre préavis "
            "au plus tard le 14 juillet 2027",
            "Par écrit, à votre représentant commercial ou à l’assistance client. Pour plus de sûreté, "
            "envoyez-le 60 jours avant la fin de la période : au plus tard le 14 juin 2027.",
        ),
        (
            "owner@managed.test",
            MANAGED,
            "30 jours : pour arrêter le renouvellement, envoyez votre préavis "
            "au plus tard le 14 juillet 2027",
            "au plus tard le 14 juin 2027.",
        ),
    ],
)
def test_r7_2_sales_assisted_accounts_show_the_notice_deadline_and_the_60_day_advice(
    sign_in, email, french, notice, advice
):
    if french:
        in_french(french)
    client = sign_in(email)
    assert element_text(client, "notice") == notice
    assert advice in element_text(client, "notice-advice")
    assert 'data-testid="cancel-before"' not in client.get(SUBSCRIPTION).content.decode()


def monthly(name: str) -> None:
    """The account billed monthly, its period started 10 days before the demo's moment."""
    Subscription.objects.filter(account__name=name).update(
        cycle="monthly",
        current_period_start=datetime(2026, 11, 11, tzinfo=UTC),
        current_period_end=datetime(2026, 12, 11, tzinfo=UTC),
    )


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize(
    ("french", "notice"),
    [
        (
            False,
            "Notice for the renewal on Dec 11, 2026 is too late: it was due 30 days before. "
            "To end the contract on Jan 11, 2027, give notice by Dec 12, 2026.",
        ),
        (
            True,
            # R10.1: a "préavis" is sent; months in full
            "Il est trop tard pour envoyer un préavis avant le renouvellement du 11 décembre 2026 : "
            "il devait être envoyé 30 jours avant. Pour mettre fin au contrat le 11 janvier 2027, "
            "envoyez votre préavis au plus tard le 12 décembre 2026.",
        ),
    ],
)
def test_r7_2_a_monthly_sales_assisted_account_never_shows_its_past_period_start_as_the_deadline(
    sign_in, french, notice
):
    monthly(MANAGED)
    if french:
        in_french(MANAGED)
    client = sign_in("owner@managed.test")
    shown = element_text(client, "notice")
    assert shown == notice and "Nov 11" not in shown and "11 novembre" not in shown
    # 60 days before Jan 11 is already past: the advice has no date.
    advice = element_text(client, "notice-advice")
    assert "Nov 12" not in advice and "12 novembre" not in advice
    assert advice.endswith("give it 60 days before a term ends.") or advice.endswith("fin d’une période.")


# --- R7.2: never on a cancelled account, never on a trial ----------------------------------------------


def cancel_the_account(client) -> None:
    html = client.get(CANCELLATIONS + "account/survey/").content.decode()
    token = re.search(r'name="token" value="([0-9a-f-]+)"', html).group(1)
    response = client.post(
        CANCELLATIONS + "account/confirm/", {"reason": "closing", "token": token, "exported": "on"}
    )
    assert response.status_code == 302


RENEWAL_WORDS = (
    "Renews automatically",
    "give notice",
    "Next renewal",
    "Cancel before",
    "Renouvelé automatiquement",
    "envoyez votre préavis",
    "Prochain renouvellement",
    "Résiliez avant",
)


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize(
    ("email", "says"),
    [
        ("owner@acme.test", "Cancelled: the subscription ends on Dec 11, 2026 and does not renew."),
        (
            "owner@legacy-suite.test",
            "Résilié : l’abonnement se termine le 13 août 2027 et n’est pas renouvelé.",
        ),
    ],
)
def test_r5_5_r7_2_a_cancelled_self_service_account_says_when_it_ends_and_nothing_about_renewing(
    sign_in, email, says
):
    client = sign_in(email)
    cancel_the_account(client)
    assert element_text(client, "contract") == says
    page = page_of(client)
    for word in RENEWAL_WORDS:
        assert word not in page


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("french", [False, True])
def test_r7_2_a_sales_assisted_account_cancelled_in_time_by_staff_shows_no_notice(sign_in, french):
    account = Account.objects.get(name=MANAGED)
    staff_cancellation_schedule(
        account=account, by=root(), reason="switching", notice_received=NOW.date(), now=NOW
    )
    if french:
        in_french(MANAGED)
    client = sign_in("owner@managed.test")
    assert element_text(client, "contract") in (
        "Cancelled: the subscription ends on Aug 13, 2027 and does not renew.",
        "Résilié : l’abonnement se termine le 13 août 2027 et n’est pas renouvelé.",
    )
    page = page_of(client)
    for word in (*RENEWAL_WORDS, "60 days", "60 jours"):
        assert word not in page


@pytest.mark.usefixtures("demo")
def test_r7_2_late_notice_renews_once_and_the_page_says_so(sign_in):
    staff_cancellation_schedule(
        account=Account.objects.get(name=MANAGED),
        by=root(),
        reason="switching",
        notice_received=date(2027, 8, 1),  # 12 days before the term end: too late for it
        now=datetime(2027, 8, 1, 12, tzinfo=UTC),  # recorded the day it arrived (R7.2)
    )
    client = sign_in("owner@managed.test")
    assert element_text(client, "contract") == (
        "Notice was given: the contract renews on Aug 13, 2027 for a last term and ends on Aug 13, 2028."
    )
    page = page_of(client)
    assert "Subscription ends on Aug 13, 2028" in page
    assert "give notice" not in page and "Renews automatically" not in page


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("french", [False, True])
def test_r5_4_r7_2_a_trial_shows_no_notice_date(sign_in, french):
    if french:
        in_french("Trial Startup")
    client = sign_in("owner@trial.test")
    page = page_of(client)
    for word in (*RENEWAL_WORDS, "Notice period", "Nov 1, 2026", "1 novembre 2026"):
        assert word not in page
    assert ("Trial ends on Dec 1, 2026" in page) or ("Fin de l’essai 1 décembre 2026" in page)
    assert element_text(client, "contract") in (
        "A trial does not renew: with a card on file, the subscription starts when the trial ends; "
        "without one, the trial expires.",
        "Un essai ne se renouvelle pas : si une carte est enregistrée, l’abonnement commence à la fin de "
        "l’essai ; sinon, l’essai arrive à expiration.",
    )


# --- The rule itself, on plain objects -----------------------------------------------------------------


def facts(kind, *, today, start, end, cycle="monthly", notice_days=30, auto_renew=True, trial=None):
    account = Account(kind=kind, trial_ends_on=trial, created_on=date(2020, 1, 1))
    subscription = Subscription(cycle=cycle, current_period_start=start, current_period_end=end)
    contract = ContractTerms(notice_days=notice_days, auto_renew=auto_renew)
    return renewal_facts(account, subscription, contract, None, today=today)


JAN_15, FEB_15, MAR_15 = (datetime(2027, m, 15, tzinfo=UTC) for m in (1, 2, 3))


@pytest.mark.parametrize(
    ("today", "notice_by", "stops", "too_late_for"),
    [
        (date(2027, 1, 15), date(2027, 1, 16), FEB_15, None),  # 31 days before: in time, by Jan 16
        (date(2027, 1, 16), date(2027, 1, 16), FEB_15, None),  # the deadline itself: still in time
        (date(2027, 1, 17), date(2027, 2, 13), MAR_15, FEB_15),  # late: the next term's deadline
        (date(2027, 2, 14), None, MAR_15, FEB_15),  # both past: notice now ends the next term, no date
    ],
)
def test_r7_2_notice_dates_of_a_monthly_sales_assisted_term(today, notice_by, stops, too_late_for):
    shown = facts(Account.Kind.MANAGED, today=today, start=JAN_15, end=FEB_15)
    assert (shown.kind, shown.notice_by, shown.notice_stops, shown.too_late_for) == (
        "notice",
        notice_by,
        stops,
        too_late_for,
    )
    assert shown.notice_by is None or shown.notice_by >= today  # never a date already past
    assert shown.advised_by is None or shown.advised_by >= today


def test_r7_2_the_60_day_advice_has_a_date_only_while_it_is_ahead():
    end = datetime(2027, 8, 13, tzinfo=UTC)
    start = datetime(2026, 8, 13, tzinfo=UTC)
    ahead = facts(
        Account.Kind.ONLINE_ASSISTED, today=date(2026, 11, 21), start=start, end=end, cycle="annual"
    )
    assert (ahead.notice_by, ahead.advised_by) == (date(2027, 7, 14), date(2027, 6, 14))
    past = facts(Account.Kind.ONLINE_ASSISTED, today=date(2027, 7, 1), start=start, end=end, cycle="annual")
    assert (past.notice_by, past.advised_by, past.advises_more_notice) == (date(2027, 7, 14), None, True)
    long = facts(Account.Kind.MANAGED, today=date(2026, 11, 21), start=start, end=end, notice_days=90)
    assert (long.notice_by, long.advised_by, long.advises_more_notice) == (date(2027, 5, 15), None, False)


def test_r5_5_self_service_and_trials_have_no_notice_date():
    start, end = datetime(2026, 11, 11, tzinfo=UTC), datetime(2026, 12, 11, tzinfo=UTC)
    self_service = facts(Account.Kind.SELF_SERVICE, today=date(2026, 11, 21), start=start, end=end)
    assert (self_service.kind, self_service.renews_on, self_service.notice_by) == ("self_service", end, None)
    trial = facts(
        Account.Kind.SELF_SERVICE, today=date(2026, 11, 21), start=start, end=end, trial=date(2026, 12, 1)
    )
    assert (trial.kind, trial.renews_on, trial.notice_by) == ("trial", None, None)
    assert facts(Account.Kind.MANAGED, today=date(2026, 11, 21), start=start, end=end, auto_renew=False) == (
        type(trial)("no_renewal", ends_on=end)
    )
    sales_trial = facts(
        Account.Kind.MANAGED, today=date(2026, 11, 21), start=start, end=end, trial=date(2026, 12, 1)
    )
    assert (sales_trial.kind, sales_trial.notice_by, sales_trial.advised_by) == ("trial", None, None)
