"""``{% scan_results_state scan %}``: one line on what a scan's results are doing.

A template tag, so that the pages of lower layers (the organisation's dashboard, a scan's
admin page) can show it without their code importing the results app.
"""

from django import template

from trustmirror.results.selectors import results_state

register = template.Library()


@register.inclusion_tag("results/_scan_results_state.html")
def scan_results_state(scan):
    return {"state": results_state(scan), "scan": scan}
