from django.shortcuts import render

from agencies.access import membership_of

from ..access import console_view
from ..selectors import home_summary


@console_view()
def home(request):
    """After sign-in: the agency's open alerts, the user's recent searches, and camera health."""
    context = {"summary": home_summary(user=request.user), "membership": membership_of(request.user)}
    return render(request, "console/home.html", context)
