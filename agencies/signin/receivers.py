"""Django's auth signals, connected in AgenciesConfig.ready().

Signals rather than view code because `user_login_failed` is the one hook every authentication path shares
(console, admin, any API login that calls `authenticate`): the receivers only hand over to the services.
"""

from ..choices import SignInReason
from .services import sign_in_failed, sign_in_succeeded


def on_login_failed(sender, credentials, request=None, **kwargs):
    sign_in_failed(request=request, username=credentials.get("username") or "", reason=SignInReason.BAD_CREDENTIALS)


def on_logged_in(sender, request, user, **kwargs):
    sign_in_succeeded(request=request, user=user, reason=SignInReason.PASSWORD_ACCEPTED)
