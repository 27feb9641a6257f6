"""Bearer-token authentication against hashed, expiring, revocable, purpose-bound API tokens."""

from functools import cache

from django.db import connection
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from .models import Agency, ApiToken, Membership, User

TOKEN_INVALID = "Invalid token."
TOKEN_EXPIRED = "This token has expired; ask your agency admin for a new one."
TOKEN_REVOKED = "This token has been revoked."
USER_INACTIVE = "This account is deactivated."


@cache
def _token_lookup() -> tuple[str, list[tuple[type, list[str], int]]]:
    """The statement that reads a token with its user, the user's membership and its agency (what
    select_related("user", "user__membership", "user__membership__agency") reads), and each model's columns in it.
    Written once per process: the ORM compiled that query again on every request, which cost half a millisecond,
    three times the statement itself. A field that converts its value on the way from the database (from_db_value)
    is converted here as the ORM would."""
    tables = ((ApiToken, "t"), (User, "u"), (Membership, "m"), (Agency, "a"))
    columns = [(model, list(model._meta.concrete_fields)) for model, _ in tables]
    columns = [(model, fields, fields.index(model._meta.pk)) for model, fields in columns]
    select = ", ".join(f'{alias}."{field.column}"' for model, alias in tables for field in model._meta.concrete_fields)
    sql = (
        f"SELECT {select} FROM {ApiToken._meta.db_table} t "  # noqa: S608 (table and column names of our models)
        f"JOIN {User._meta.db_table} u ON u.id = t.user_id "
        f"LEFT JOIN {Membership._meta.db_table} m ON m.user_id = u.id "
        f"LEFT JOIN {Agency._meta.db_table} a ON a.id = m.agency_id "
        "WHERE t.prefix = %s"
    )
    return sql, columns


def token_with_account(prefix: str) -> ApiToken | None:
    """The token whose prefix is `prefix`, with token.user, user.membership and membership.agency already loaded
    (one statement, as select_related would), or None."""
    sql, columns = _token_lookup()
    with connection.cursor() as cursor:
        cursor.execute(sql, [prefix])
        row = cursor.fetchone()
    if row is None:
        return None
    instances, start = [], 0
    for model, fields, pk in columns:
        values = row[start : start + len(fields)]
        start += len(fields)
        if values[pk] is None:
            instances.append(None)
            continue
        values = [
            field.from_db_value(value, None, connection) if hasattr(field, "from_db_value") and value is not None
            else value
            for field, value in zip(fields, values, strict=True)
        ]  # fmt: skip
        instances.append(model.from_db(connection.alias, [field.attname for field in fields], values))
    token, user, membership, agency = instances
    ApiToken.user.field.set_cached_value(token, user)
    User.membership.related.set_cached_value(user, membership)
    if membership is not None:
        Membership.user.field.set_cached_value(membership, user)
        Membership.agency.field.set_cached_value(membership, agency)
    return token


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
        token = token_with_account(secret.split(".", 1)[0])
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
