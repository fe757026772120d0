"""Words of the header search box (core/templates/core/base.html), listed here so they are in the
search app's catalogue: Django looks a message up in every installed app's catalogue."""

from django.utils.translation import gettext_noop

HEADER_STRINGS = [
    gettext_noop("Search Torg"),
    gettext_noop("Search posts, people, groups…"),
    gettext_noop("Suggestions"),
    gettext_noop("Person"),
    gettext_noop("Group"),
    gettext_noop("Topic"),
    gettext_noop("Suggestions available. Use the up and down arrow keys to choose."),
]
