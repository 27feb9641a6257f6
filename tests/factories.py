"""factory_boy factories shared by every app's tests."""

import datetime as dt

import factory
from django.utils import timezone

from agencies.choices import AgencyKind, Role
from agencies.models import Agency, TrainingRecord, User
from agencies.services import membership_set


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Test City {n} Police Department")
    slug = factory.Sequence(lambda n: f"test-city-{n}-pd")
    ori = factory.Sequence(lambda n: f"CA{n:07d}")
    kind = AgencyKind.MUNICIPAL_POLICE
    state = "CA"
    retention_days = 30
    public_comment_meeting_on = dt.date(2024, 1, 9)


class UserFactory(factory.django.DjangoModelFactory):
    """A user in `agency` with `role`, trained unless trained=False."""

    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct-horse-battery-staple")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.gov")

    # Not User fields: consumed by _create to set up membership and training.
    agency = factory.SubFactory(AgencyFactory)
    role = Role.INVESTIGATOR
    trained = True

    @classmethod
    def _create(cls, model_class, *args, agency=None, role=Role.INVESTIGATOR, trained=True, **kwargs):
        user = super()._create(model_class, *args, **kwargs)
        if agency is not None:
            membership_set(user=user, agency=agency, role=role)
        if trained:
            today = timezone.localdate()
            TrainingRecord.objects.create(
                user=user,
                course="ALPR use and privacy (SB 34)",
                completed_on=today - dt.timedelta(days=30),
                expires_on=today + dt.timedelta(days=335),
            )
        return user
