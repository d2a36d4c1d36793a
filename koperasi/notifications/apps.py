from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "koperasi.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from koperasi import events
        from koperasi.notifications import wiring

        events.EVENT_HANDLERS.append(wiring.notify_for_event)
