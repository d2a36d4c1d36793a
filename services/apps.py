from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicesConfig(AppConfig):
    name = "services"
    verbose_name = _("Member services")

    def ready(self) -> None:
        from koperasi import events
        from services.ledger.chart import chart_install

        def install_chart(event) -> None:
            """Every registered cooperative gets its chart of accounts at once."""
            if event.kind == events.COOPERATIVE_REGISTERED:
                chart_install(cooperative=event.cooperative)

        events.EVENT_HANDLERS.append(install_chart)

        from members.actions import EXIT_BLOCKERS
        from services.loans.actions import loans_block_exit

        EXIT_BLOCKERS.append(loans_block_exit)
