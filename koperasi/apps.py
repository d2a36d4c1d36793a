from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KoperasiConfig(AppConfig):
    name = "koperasi"
    verbose_name = _("Cooperative portal")

    def ready(self) -> None:
        from allauth.mfa import signals as mfa_signals
        from django.contrib.auth.signals import user_logged_in

        from koperasi import security  # audit: its sign-in receivers connect on import

        user_logged_in.connect(security.session_mark_login, dispatch_uid="session_mark_login")
        for signal in (mfa_signals.authenticator_added, mfa_signals.authenticator_removed):
            signal.connect(security.second_factor_changed, dispatch_uid=f"mfa_changed_{id(signal)}")
