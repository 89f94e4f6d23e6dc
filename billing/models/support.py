"""What support staff use to watch the lifecycle happen: test clocks (R9.2)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TestClock(models.Model):
    """A frozen "now" that support staff attach to demo accounts and advance (R9.2)."""

    __test__ = False  # not a pytest test class

    name = models.CharField(_("name"), max_length=100)
    frozen_now = models.DateTimeField(_("current time of the clock"))

    class Meta:
        verbose_name = _("test clock")
        verbose_name_plural = _("test clocks")

    def __str__(self):
        return f"{self.name} ({self.frozen_now:%Y-%m-%d %H:%M})"
