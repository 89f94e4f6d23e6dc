"""Thin function views, one module per page of Billing: guard, form, one service or selector call, render or
redirect."""
