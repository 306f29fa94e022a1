"""Stable reason codes for hidden numbers, and their texts in Dutch and English."""

__all__ = [
    "REASONS",
    "ROLLUP_LABELS",
    "REASON_BELOW_K",
    "REASON_COMPLEMENTARY",
    "REASON_FEW_NONRESPONDENTS",
    "REASON_ROLLED_UP",
    "REASON_SHOWN",
    "REASON_TOO_MANY_DIMENSIONS",
]

# Stable reason codes; the UI translates them (see ``REASONS`` for the texts).
REASON_SHOWN = "shown"
REASON_BELOW_K = "below_k"
REASON_COMPLEMENTARY = "complementary"
REASON_ROLLED_UP = "rolled_up"

REASON_FEW_NONRESPONDENTS = "few_nonrespondents"
REASON_TOO_MANY_DIMENSIONS = "too_many_dimensions"

# User texts per code. Placeholders for the caller to fill: %(k)s (the threshold), %(group)s
# (a roll-up's label), %(rate)s (a whole percentage), %(max)s (dimensions allowed).
REASONS: dict[str, dict[str, str]] = {
    REASON_SHOWN: {"en": "Shown.", "nl": "Getoond."},
    REASON_BELOW_K: {
        "en": "Fewer than %(k)s respondents: no results are shown for this group.",
        "nl": "Minder dan %(k)s respondenten: voor deze groep worden geen uitkomsten getoond.",
    },
    REASON_COMPLEMENTARY: {
        "en": "Hidden so that the numbers shown for other groups cannot reveal a group of "
        "fewer than %(k)s respondents.",
        "nl": "Verborgen, zodat de getoonde cijfers van andere groepen geen groep van minder "
        "dan %(k)s respondenten kunnen onthullen.",
    },
    REASON_ROLLED_UP: {
        "en": "Reported together with other small groups in %(group)s.",
        "nl": "Samen met andere kleine groepen gerapporteerd in %(group)s.",
    },
    REASON_FEW_NONRESPONDENTS: {
        "en": "At least %(rate)s%% answered. The exact figure is not shown because fewer than "
        "%(k)s people did not answer.",
        "nl": "Ten minste %(rate)s%% heeft geantwoord. Het precieze cijfer wordt niet getoond "
        "omdat minder dan %(k)s mensen niet hebben geantwoord.",
    },
    REASON_TOO_MANY_DIMENSIONS: {
        "en": "This scan allows at most %(max)s characteristics in one breakdown.",
        "nl": "Deze scan staat hoogstens %(max)s kenmerken tegelijk in één uitsplitsing toe.",
    },
}

# Labels of roll-up groups: "teams" when only child units are combined, "teams_and_people" when
# the people attached directly to the parent are included, "organisation" under the top.
ROLLUP_LABELS: dict[str, dict[str, str]] = {
    "teams": {"en": "Other teams of %(parent)s", "nl": "Overige teams van %(parent)s"},
    "teams_and_people": {
        "en": "Other teams and people of %(parent)s",
        "nl": "Overige teams en medewerkers van %(parent)s",
    },
    "organisation": {
        "en": "Other units of the organisation",
        "nl": "Overige onderdelen van de organisatie",
    },
}
