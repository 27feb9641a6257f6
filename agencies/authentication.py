"""Bearer-token authentication against hashed, expiring, revocable, purpose-bound API tokens."""

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from .models import ApiToken

TOKEN_INVALID = "Invalid token."
TOKEN_EXPIRED = "This token has expired; ask your agency admin for a new one."
TOKEN_REVOKED = "This token has been revoked."
USER_INACTIVE = "This account is deactivated."


class HashedTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Token <secret>` (or `Bearer`). request.auth is the ApiToken, so views can check its purpose."""

    keywords = ("token", "bearer")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower().decode(errors="replace") not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(TOKEN_INVALID)
        try:
            secret = header[1].decode()
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(TOKEN_INVALID) from exc
        return self.authenticate_secret(secret)

    def authenticate_secret(self, secret: str):
        prefix = secret.split(".", 1)[0]
        token = (
            ApiToken.objects.select_related("user", "user__membership", "user__membership__agency")
            .filter(prefix=prefix)
            .first()
        )
        if token is None or not token.matches(secret):
            raise exceptions.AuthenticationFailed(TOKEN_INVALID)
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(TOKEN_REVOKED)
        if token.expires_at <= timezone.now():
            raise exceptions.AuthenticationFailed(TOKEN_EXPIRED)
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(USER_INACTIVE)
        # Touch at most once a minute: a busy camera must not write a row per request.
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request):
        return "Token"


class HashedTokenScheme(OpenApiAuthenticationExtension):
    """Describes the token scheme in the OpenAPI schema."""

    target_class = "agencies.authentication.HashedTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'API token issued by your agency admin, sent as "Token <secret>".',
        }
