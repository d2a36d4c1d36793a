from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from koperasi.tenancy import request_cooperatives


def portal(request: HttpRequest) -> dict:
    """What the base layout needs: the current cooperative and the person's other ones."""
    return {
        "PORTAL_NAME": settings.PORTAL_NAME,
        "tenant": getattr(request, "tenant", None),
        # Evaluated only when a template shows the cooperative switcher.
        "switch_cooperatives": SimpleLazyObject(lambda: request_cooperatives(request)),
    }
