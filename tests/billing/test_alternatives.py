"""R7.5: cheaper options are offered before the survey, each leading to its Manage preview."""

import re

import pytest

from tests.helpers import CANCELLATIONS, item, select, text

pytestmark = pytest.mark.usefixtures("demo")


def test_r7_5_the_account_cancellation_offers_lower_editions_fewer_seats_and_removing_one_product(sign_in):
    page = sign_in("owner@acme.test").get(CANCELLATIONS + "account/")
    html, words = page.content.decode(), text(page)
    assert html.count('data-testid="alternative"') >= 6
    # Support Professional → Growth: (1,223 − 12 × 20) × 0.9 = $884.70 a month.
    # R6.5: each option states the next invoice before → after, labelled per month.
    assert "Change Support to Growth · next invoice $884.70 per month instead of $1,100.70 per month" in words
    # Support from 12 seats down to the 4 in use: (1,223 − 8 × 69) × 0.9 = $603.90.
    assert "Remove 8 agent seats from Support · next invoice $603.90 per month instead of $1,100.70" in words
    assert "Remove only Talk and keep the account" in words
    assert words.index("Cheaper options before you go") < words.index("Your account will be cancelled on")


def test_r7_5_each_option_leads_to_its_manage_preview(sign_in):
    client = sign_in("owner@acme.test")
    html = client.get(CANCELLATIONS + "account/").content.decode()
    form = re.search(
        r'<form method="post" action="/admin/account/billing/subscription/manage/preview/">(.*?)</form>',
        html,
        re.S,
    ).group(1)
    fields = dict(re.findall(r'name="(\w+)" value="([^"]+)"', form))
    preview = client.post("/admin/account/billing/subscription/manage/preview/", fields)
    assert preview.status_code == 200 and 'data-testid="preview"' in preview.content.decode()


def test_r7_5_removing_a_product_shows_options_for_that_product_only(sign_in):
    client = sign_in("owner@acme.test")
    select(client, item("Acme Self-Service", "chat"))
    words = text(client.get(CANCELLATIONS + "review/"))
    assert (
        "Change Chat to Growth" in words
        and "Support" not in words.split("Cheaper options")[1].split("Before")[0]
    )
