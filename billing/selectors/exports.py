"""Billing › Export your data (R7.6)."""

from accounts.models import Account
from billing.models import DataExport


def recent_exports(account: Account, limit: int = 5) -> list[DataExport]:
    return list(DataExport.objects.filter(account=account)[:limit])


def export_of(account: Account, export_id: int) -> DataExport | None:
    return DataExport.objects.filter(account=account, pk=export_id).first()
