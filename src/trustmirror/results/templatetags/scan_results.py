"""``{% scan_results_state scan %}``: one line on what a scan's results are doing.

A template tag, so that the organisation's dashboard can show it without orgs importing the
results app (templates already link to the results pages); a scan's admin page uses it too,
so that both say it in the same words.
"""

from django import template

from trustmirror.results.selectors import results_state

register = template.Library()


@register.inclusion_tag("results/_scan_results_state.html")
def scan_results_state(scan):
    return {"state": results_state(scan), "scan": scan}
