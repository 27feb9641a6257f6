"""Sign-in forms: password, then (for staff) a second-factor code."""

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from . import lockout

BAD_SECOND_FACTOR = (
    "That code is not valid. Enter the current six-digit code from your app, or an unused recovery code."
)


class SignInForm(AuthenticationForm):
    """Django's form, with the lockout said plainly instead of 'wrong password' when that is why it failed."""

    error_messages = {**AuthenticationForm.error_messages, "locked": lockout.LOCKED_OUT}

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            self.user_cache = authenticate(self.request, username=username, password=password)
            if self.user_cache is None:
                if lockout.is_locked(username=username, address=lockout.client_address(self.request)):
                    raise ValidationError(self.error_messages["locked"], code="locked")
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class SecondFactorForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=32,
        help_text="The six-digit code from your authenticator app, or one of your recovery codes.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}),
    )

    def clean_code(self) -> str:
        # Recovery codes are issued in lower case; people copy them with spaces or in capitals.
        return "".join(self.cleaned_data["code"].split()).lower()


class EnrolForm(forms.Form):
    code = forms.CharField(
        label="Six-digit code from your app",
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )
