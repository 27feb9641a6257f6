from django.shortcuts import render

from agencies.access import membership_of
from common.api import client_address
from hotlists.alert_access import alert_access_log
from reads.choices import Channel

from ..access import console_view
from ..selectors import home_summary


@console_view()
def home(request):
    """After sign-in, the work of the user's role: open alerts, recent searches, camera health (investigators and
    officers); MOUs to act on and imports (records clerks); open audits, recent access and refusals (auditors)."""
    summary = home_summary(user=request.user)
    # The open alerts shown are an access of ALPR data (hotlists.alert_access), like the alerts page.
    alert_access_log(
        user=request.user,
        alerts=[row.alert for row in summary.open_alerts or []],
        channel=Channel.WEB,
        view="console:home",
        client_address=client_address(request),
    )
    context = {"summary": summary, "membership": membership_of(request.user)}
    return render(request, "console/home.html", context)
