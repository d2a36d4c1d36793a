from importlib import import_module

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = _("Partners")

    def ready(self) -> None:
        from koperasi.notifications import wiring as notification_wiring
        from partners import wiring

        for module in wiring.HANDLER_MODULES:
            import_module(module)
        notification_wiring.HANDLERS.update(wiring.HANDLERS)
