"""The demo organisation and its story, as data: who works where, and what happened.

Kept apart from the code that turns it into database rows, so the story can be read (and
changed) in one place. Every name is made up; any likeness to a real company or person is
coincidental.

Effects are shifts on the 1..5 answer scale, keyed by a construct group (``"theme"``) or a
construct id (``"leader_integrity"``); a construct id overrides its group's value. Group keys
are never used for ``"safety"``: psychological safety and fear move in opposite directions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ORGANISATION_NAME = "Kwartelhaven Logistiek"
ORGANISATION_SLUG = "kwartelhaven-demo"
EMAIL_DOMAIN = "kwartelhaven.example"
MIN_GROUP_SIZE = 5

Effects = dict[str, float]

#: The organisation's typical answer per construct group, before any department or team.
GROUP_BASELINE: Effects = {
    "theme": 3.5,
    "team": 3.8,
    "leader": 3.6,
    "vulnerability": 3.4,
    "received": 3.6,
    "person": 3.4,
    "control": 3.3,
    "organisation": 3.1,
    "outcome": 3.7,
}
CONSTRUCT_BASELINE: Effects = {
    "reliability": 3.35,
    "innovation": 3.2,
    "psych_safety": 3.6,
    "fear": 2.4,
    "top_trust": 2.9,
    "intention_to_stay": 3.8,
    # Trust Scan 2 only: how well the control fits the work, and room of one's own.
    "control_fit": 3.4,
    "autonomy": 3.5,
}

#: How strongly each construct follows a person's latent factors (see ``generate.FACTORS``).
#: Work climate, team trust, the leader and psychological safety move together; fear moves
#: against them; control is mostly its own thing; propensity to trust is mostly individual.
LOADINGS: dict[str, Effects] = {
    "climate": {
        "theme": 1.0,
        "team": 0.9,
        "leader": 0.8,
        "vulnerability": 0.7,
        "received": 0.7,
        "person": 0.2,
        "psych_safety": 0.9,
        "fear": -0.7,
        "control": 0.15,
        "control_fit": 0.5,
        "autonomy": 0.4,
        "organisation": 0.8,
        "outcome": 0.8,
    },
    "propensity": {
        "theme": 0.1,
        "team": 0.3,
        "leader": 0.25,
        "vulnerability": 0.35,
        "person": 1.0,
        "psych_safety": 0.1,
        "fear": -0.1,
        "organisation": 0.2,
        "outcome": 0.1,
    },
    "leader": {
        "leader": 1.0,
        "organisation": 0.2,
        "satisfaction": 0.2,
        "engagement": 0.2,
        "received_manager": 0.8,
        "reliance_manager": 0.6,
        "disclosure_manager": 0.6,
    },
    "team": {
        "team": 1.0,
        "collaboration": 0.5,
        "vulnerability": 0.6,
        "psych_safety": 0.6,
        "fear": -0.4,
        "team_performance": 0.4,
        "received_team": 0.8,
    },
}


@dataclass(frozen=True)
class TeamSpec:
    """One team: where it sits, who is in it and what happened to it.

    ``response_rates`` are the share of invited people who answered scan 1 (closed) and who
    answered scan 2 so far (still open). ``joined_after_scan1`` people were hired after the
    first scan and were only invited to the second.
    """

    path: str
    size: int
    location: str
    english_share: float
    response_rates: tuple[float, float]
    lead_name: str | None = None
    lead_username: str | None = None
    joined_after_scan1: int = 0
    #: The lead of this team also heads its department (and sees all of it).
    heads_department: bool = False
    effects: dict[int, Effects] = field(default_factory=dict)

    @property
    def department(self) -> str:
        return self.path.split("/", 1)[0]


IT_CULTURE: Effects = {
    "theme": 0.55,
    "team": 0.6,
    "leader": 0.5,
    "vulnerability": 0.5,
    "psych_safety": 0.7,
    "fear": -0.7,
    "control": -0.3,
    "control_fit": 0.3,
    "autonomy": 0.5,
    "organisation": 0.2,
    "outcome": 0.4,
}
# Drivers: much control that fits the job (Trust Scan 2 asks both), and little room.
DRIVERS: Effects = {"control": 0.7, "control_fit": 0.1, "autonomy": -0.3, "collaboration": -0.1}

TEAMS: list[TeamSpec] = [
    TeamSpec(
        "Operations/Warehouse/Inbound", 18, "Rotterdam", 0.1, (0.78, 0.72), joined_after_scan1=2
    ),
    TeamSpec(
        "Operations/Warehouse/Outbound", 18, "Rotterdam", 0.1, (0.80, 0.72), joined_after_scan1=1
    ),
    # Reorganised between the scans: returns handling moved from Tilburg to Rotterdam, the
    # shifts changed and three jobs went. Safety, psychological safety and fear tell it.
    TeamSpec(
        "Operations/Warehouse/Returns",
        11,
        "Rotterdam",
        0.1,
        (0.82, 0.64),
        lead_name="Mark Hoekstra",
        lead_username="mark",
        joined_after_scan1=2,
        effects={
            1: {"theme": -0.1},
            2: {
                "theme": -0.15,
                "safety_security": -1.3,
                "power_place": -0.8,
                "psych_safety": -1.0,
                "fear": 1.1,
                "team_affective": -0.5,
                "vuln_disclosure": -0.5,
                "disclosure_team": -0.5,  # Trust Scan 2's name for sharing with the team
                "disclosure_manager": -0.4,
                "received_manager": -0.3,
                "leader_benevolence": -0.3,
                "org_trust": -0.7,
                "top_trust": -0.6,
                "satisfaction": -0.6,
                "engagement": -0.4,
                "intention_to_stay": -1.0,
            },
        },
    ),
    # Planners and drivers blamed each other for missed slots. After scan 1 the team agreed
    # on a fixed daily handover and a shared board of who promised what; scan 2 shows it.
    TeamSpec(
        "Operations/Transport/Planning",
        8,
        "Rotterdam",
        0.0,
        (0.88, 0.75),
        lead_name="Fatma Yilmaz",
        effects={
            1: {
                "reliability": -0.9,
                "collaboration": -1.0,
                "team_cognitive": -0.5,
                "performance": -0.3,
                "satisfaction": -0.3,
            },
            2: {"reliability": 0.15, "collaboration": 0.2, "team_cognitive": 0.1},
        },
    ),
    # Tachographs, GPS and delivery scans: much control, and trust no lower for it.
    TeamSpec(
        "Operations/Transport/Drivers North",
        15,
        "Rotterdam",
        0.3,
        (0.73, 0.67),
        joined_after_scan1=1,
        effects={1: DRIVERS, 2: DRIVERS},
    ),
    TeamSpec(
        "Operations/Transport/Drivers South",
        13,
        "Tilburg",
        0.25,
        (0.77, 0.69),
        effects={1: DRIVERS, 2: DRIVERS},
    ),
    TeamSpec(
        "Customer Services/Service Desk", 15, "Tilburg", 0.0, (0.80, 0.73), joined_after_scan1=1
    ),
    TeamSpec(
        "Customer Services/International Desk",
        10,
        "Rotterdam",
        0.7,
        (0.80, 0.70),
        joined_after_scan1=1,
    ),
    # Ingrid leads Key Accounts and heads the Customer Services department.
    TeamSpec(
        "Customer Services/Key Accounts",
        7,
        "Rotterdam",
        0.15,
        (0.86, 0.71),
        lead_name="Ingrid Smulders",
        lead_username="ingrid",
        heads_department=True,
    ),
    # All six answered scan 2: its lead counts in the department (rule 12), five stay.
    TeamSpec("Customer Services/Claims", 6, "Tilburg", 0.0, (0.83, 1.0)),
    # A team that trusts each other and its lead, in both scans.
    TeamSpec(
        "Support/IT",
        9,
        "Rotterdam",
        0.35,
        (0.89, 0.78),
        lead_name="Sanne de Wit",
        lead_username="sanne",
        effects={1: IT_CULTURE, 2: IT_CULTURE},
    ),
    TeamSpec("Support/Finance", 8, "Rotterdam", 0.1, (0.88, 0.75)),
    TeamSpec("Support/HR", 6, "Rotterdam", 0.0, (0.83, 1.0)),
    # Three people: below the minimum group size of 5, so no number of theirs is ever shown.
    TeamSpec(
        "Support/Legal",
        3,
        "Rotterdam",
        0.0,
        (0.67, 0.67),
        lead_name="Ruud Verhoef",
        lead_username="ruud",
        effects={1: {"theme": 0.2}},
    ),
]

#: Department effects per scan. In Customer Services management promised extra staff for
#: the peak season and then withdrew it: the leaders' integrity dropped in every team.
DEPARTMENT_EFFECTS: dict[str, dict[int, Effects]] = {
    "Operations": {
        1: {"organisation": -0.2, "control": 0.2, "control_fit": 0.0, "autonomy": 0.0},
        2: {"organisation": -0.2, "control": 0.2, "control_fit": 0.0, "autonomy": 0.0},
    },
    "Customer Services": {
        2: {
            "leader_integrity": -0.9,
            "leader_benevolence": -0.35,
            "reliability": -0.3,
            "power_place": -0.2,
            "top_trust": -0.3,
        },
    },
    "Support": {1: {"organisation": 0.15}, 2: {"organisation": 0.15}},
}

REORGANISED_TEAM = "Operations/Warehouse/Returns"
IMPROVING_TEAM = "Operations/Transport/Planning"
HIGH_TRUST_TEAM = "Support/IT"
SMALL_TEAM = "Support/Legal"
INTEGRITY_DEPARTMENT = "Customer Services"

TENURE_BANDS = [("< 1 year", 0.15), ("1-5 years", 0.45), ("5+ years", 0.40)]
OTHER_LOCATION = {"Rotterdam": "Tilburg", "Tilburg": "Rotterdam"}

# Fictional people: first names and surnames are combined at random.
DUTCH_FIRST = [
    "Anouk",
    "Bram",
    "Daan",
    "Demi",
    "Eva",
    "Femke",
    "Gert",
    "Hanneke",
    "Iris",
    "Jeroen",
    "Joost",
    "Kees",
    "Laura",
    "Lieke",
    "Lotte",
    "Maarten",
    "Marloes",
    "Mees",
    "Nienke",
    "Noor",
    "Pieter",
    "Renske",
    "Robin",
    "Roel",
    "Sander",
    "Sem",
    "Sophie",
    "Stijn",
    "Tess",
    "Thijs",
    "Tim",
    "Wendy",
    "Wouter",
    "Yvonne",
    "Zeynep",
    "Mohamed",
    "Samira",
    "Youssef",
    "Esra",
    "Kevin",
    "Priya",
    "Rachid",
    "Dewi",
    "Jasper",
    "Linda",
    "Hugo",
    "Mila",
    "Luuk",
    "Fleur",
    "Ruben",
    "Sanne",
    "Bas",
    "Ilse",
    "Koen",
    "Merel",
    "Niels",
    "Marieke",
    "Tom",
    "Julia",
]
DUTCH_SURNAME = [
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Smits",
    "de Graaf",
    "van der Meer",
    "van der Linden",
    "Kok",
    "Jacobs",
    "de Haan",
    "Vermeulen",
    "van den Heuvel",
    "van der Veen",
    "van den Broek",
    "de Bruijn",
    "Schouten",
    "van Beek",
    "Willems",
    "van Vliet",
    "van de Ven",
    "Hoekstra",
    "Maas",
    "Verhoeven",
    "Koster",
    "Prins",
    "Blom",
    "Huisman",
    "Postma",
    "Kuipers",
    "van Dam",
    "Boersma",
    "Wolters",
    "Aydin",
    "El Amrani",
    "Öztürk",
    "Ramdin",
    "Bouzid",
    "Kramer",
    "Verbeek",
    "Timmermans",
]
ENGLISH_FIRST = [
    "Piotr",
    "Tomasz",
    "Marta",
    "Katarzyna",
    "Paweł",
    "Agnieszka",
    "Andrei",
    "Elena",
    "Ioana",
    "João",
    "Ana",
    "Lucas",
    "Sofia",
    "Daniel",
    "Emma",
    "James",
    "Olivia",
    "Ravi",
    "Aisha",
    "Chen",
    "Mei",
    "Kwame",
    "Grace",
    "Liam",
    "Chloe",
    "Mateo",
    "Nadia",
    "Omar",
    "Zofia",
]
ENGLISH_SURNAME = [
    "Kowalski",
    "Nowak",
    "Wiśniewska",
    "Zieliński",
    "Popescu",
    "Ionescu",
    "Silva",
    "Santos",
    "Ferreira",
    "Murphy",
    "Walsh",
    "Taylor",
    "Patel",
    "Sharma",
    "Okafor",
    "Mensah",
    "Li",
    "Wang",
    "García",
    "Rossi",
    "Novák",
    "Horvat",
    "Petrov",
    "Costa",
    "Brennan",
    "Hughes",
]

#: Open answers, per question: a general pool and pools for teams or departments with a
#: story, per scan. Each answer exists in Dutch and English; a respondent writes in their
#: own language.
OPEN_ANSWERS: dict[str, dict[str, list[dict[str, str]]]] = {
    "open_increase": {
        "general": [
            {
                "nl": "Vaker vertellen waarom besluiten worden genomen.",
                "en": "Explain more often why decisions are made.",
            },
            {
                "nl": "Afspraken ook echt nakomen, ook als het druk is.",
                "en": "Keep agreements, also when it is busy.",
            },
            {
                "nl": "Meer tijd om met collega's van andere afdelingen te praten.",
                "en": "More time to talk with colleagues from other departments.",
            },
            {
                "nl": "Dat fouten besproken worden zonder dat iemand de schuld krijgt.",
                "en": "Discussing mistakes without blaming anyone.",
            },
            {"nl": "Minder verrassingen van bovenaf.", "en": "Fewer surprises from the top."},
            {
                "nl": "Een leidinggevende die vaker op de vloer is.",
                "en": "A manager who is on the floor more often.",
            },
        ],
        REORGANISED_TEAM + "@2": [
            {
                "nl": "Zeg eerlijk wat er nog verandert. Niemand weet waar hij aan toe is.",
                "en": "Say honestly what will still change. Nobody knows where they stand.",
            },
            {
                "nl": "Sinds de verhuizing naar Rotterdam durf ik niets meer te vragen.",
                "en": "Since the move to Rotterdam I no longer dare to ask anything.",
            },
            {
                "nl": "Betrek ons bij de roosters in plaats van ze op te leggen.",
                "en": "Involve us in the rosters instead of imposing them.",
            },
        ],
        INTEGRITY_DEPARTMENT + "@2": [
            {
                "nl": "Geen beloftes doen over extra mensen als die er niet komen.",
                "en": "Do not promise extra staff if they are not coming.",
            },
            {
                "nl": "Zeg het gewoon als iets niet doorgaat, dan kunnen we ons erop instellen.",
                "en": "Just say when something is off, so we can prepare for it.",
            },
        ],
        IMPROVING_TEAM + "@1": [
            {
                "nl": "Planning en chauffeurs wijzen steeds naar elkaar. Maak één overdracht.",
                "en": "Planning and drivers keep pointing at each other. Make one handover.",
            },
        ],
    },
    "open_works": {
        "general": [
            {
                "nl": "Mijn directe collega's helpen me altijd als het vastloopt.",
                "en": "My direct colleagues always help when I get stuck.",
            },
            {
                "nl": "De werkoverleggen zijn kort en nuttig.",
                "en": "The team meetings are short and useful.",
            },
            {
                "nl": "Ik krijg ruimte om mijn werk zelf in te delen.",
                "en": "I get room to organise my own work.",
            },
            {"nl": "Goede sfeer in het team.", "en": "Good atmosphere in the team."},
            {
                "nl": "We vieren het als iets gelukt is.",
                "en": "We celebrate when something works out.",
            },
        ],
        HIGH_TRUST_TEAM: [
            {
                "nl": "Je kunt hier zeggen dat je iets niet weet, en dan helpt iemand je.",
                "en": "You can say here that you do not know something, and someone helps you.",
            },
            {"nl": "Onze teamleider doet wat ze zegt.", "en": "Our team lead does what she says."},
            {
                "nl": "Fouten bespreken we in de retro, zonder schuldvraag.",
                "en": "We discuss mistakes in the retro, without blame.",
            },
        ],
        IMPROVING_TEAM + "@2": [
            {
                "nl": "De vaste overdracht om 15:00 uur met de chauffeurs werkt.",
                "en": "The fixed 3 pm handover with the drivers works.",
            },
            {
                "nl": "Op het bord zie je wie wat heeft toegezegd. Minder gedoe.",
                "en": "The board shows who promised what. Less hassle.",
            },
        ],
    },
}


# --- The relational round of scan 1 -----------------------------------------------------
@dataclass(frozen=True)
class RoundSpec:
    """How one team's members rated each other in the relational round (Social Relations
    Model, Kenny 1994): rating = mean + giver + receiver + pair, with the standard deviation
    of each part, and ``reciprocity`` the correlation of the pair parts of i->j and j->i
    (negative: where one relies on the other, the other tends not to)."""

    mean: float
    giver_sd: float
    receiver_sd: float
    pair_sd: float
    reciprocity: float
    #: Share of the people who answered scan 1 who also completed the round.
    completion: float = 0.95


#: Teams whose round tells a story in scan 1. Key Accounts: trust says most about the giver
#: (some rely on everyone, some on no one). Planning: planners and drivers blamed each other,
#: and trust ran one way in many pairs. IT: high trust, and mutual.
ROUND_TEAMS: dict[str, RoundSpec] = {
    "Customer Services/Key Accounts": RoundSpec(3.5, 0.9, 0.2, 0.35, 0.2),
    IMPROVING_TEAM: RoundSpec(3.2, 0.25, 0.3, 1.0, -0.8),
    HIGH_TRUST_TEAM: RoundSpec(4.1, 0.25, 0.25, 0.45, 0.7),
    "Support/Finance": RoundSpec(3.6, 0.35, 0.35, 0.5, 0.3),
    REORGANISED_TEAM: RoundSpec(3.4, 0.4, 0.4, 0.6, 0.2),
}

#: What leads expected their team to answer about them (the leader mirror): Ingrid expects
#: far more than Key Accounts gives her; Sanne reads IT well.
LEADER_PREDICTIONS: dict[str, float] = {
    "Customer Services/Key Accounts": 4.7,
    HIGH_TRUST_TEAM: 4.0,
    REORGANISED_TEAM: 3.9,
    IMPROVING_TEAM: 3.6,
}

#: A member (no lead) of the one-sided team gets a login, to show a member's own mirror.
MEMBER_LOGIN = ("member", IMPROVING_TEAM)


@dataclass(frozen=True)
class AgreementSpec:
    """An agreement a team made ("afspraak"), with its history of check-ins.

    ``owners`` are positions in the team (0 is its lead; the people hired after scan 1 come
    last and are never owners of scan 1's agreements); ``member_owner`` adds the member
    login's person. Days of an agreement after scan 1 count from the day scan 1 closed; of
    one after scan 2, from today (the demo's "now"). ``check_ins`` are (day, status, note).
    """

    team: str
    what: str
    signal: str
    themes: tuple[str, ...]
    owners: tuple[int, ...]
    due_day: int
    check_ins: tuple[tuple[int, str, str], ...] = ()
    check_in_day: int | None = None
    member_owner: bool = False


#: After scan 1 five teams made agreements, and checked them in until scan 2 opened. Their
#: themes are those the story already moves in scan 2: Planning's trust in senior management
#: rose (its lead now explains the decisions every week), Key Accounts' trust in its lead's
#: integrity fell (the promised extra staff never came, and nobody said so), Returns' trust
#: in the organisation fell (the reorganisation overtook its agreement). Scan 2 asks
#: version 2 of the questionnaire, so only the scales whose questions stayed the same
#: (trust in the manager, the organisation and senior management) show a change.
AGREEMENTS_SCAN1: list[AgreementSpec] = [
    AgreementSpec(
        IMPROVING_TEAM,
        "Elke ochtend om 7.30 uur een vaste overdracht van tien minuten tussen planners en "
        "chauffeurs.",
        "Chauffeurs bellen minder vaak over gemiste laadtijden.",
        ("reliability", "collaboration"),
        (0, 2),
        45,
        (
            (28, "partly", "De vroege ploeg schuift nog niet altijd aan."),
            (44, "kept", "Staat sinds week drie elke dag; de chauffeurs komen zelf."),
        ),
    ),
    AgreementSpec(
        IMPROVING_TEAM,
        "Een bord in de planningsruimte: wie wat heeft toegezegd, en tot wanneer.",
        "Niemand hoeft meer na te vragen wie iets zou regelen.",
        ("reliability",),
        (1,),
        30,
        ((21, "kept", "Hangt er, en iedereen werkt het bij."),),
    ),
    AgreementSpec(
        IMPROVING_TEAM,
        "Fatma vertelt elke maandag wat het management over de planning heeft besloten, en waarom.",
        "We horen besluiten van Fatma, niet via de chauffeurs.",
        ("top_trust", "leader_benevolence"),
        (0,),
        90,
        (
            (40, "partly", "Twee keer overgeslagen in de vakantie."),
            (88, "kept", "Vast punt op maandag; er komen ook vragen terug naar boven."),
        ),
    ),
    AgreementSpec(
        REORGANISED_TEAM,
        "Mark vertelt binnen een week na elk besluit over de verhuizing wat het voor elke "
        "ploeg betekent.",
        "Geen geruchten meer in de kantine voordat we het van Mark horen.",
        ("safety_security", "org_trust"),
        (0,),
        100,
        (
            (35, "partly", "Twee besluiten kwamen pas na drie weken."),
            (99, "not_kept", "De verhuizing liep anders dan gepland; het overleg viel weg."),
        ),
    ),
    AgreementSpec(
        REORGANISED_TEAM,
        "Een kwartier per week: wat ging er mis, zonder te zoeken wie het deed.",
        "Fouten worden eerder gemeld.",
        ("collaboration", "psych_safety"),
        (2, 3),
        60,
        ((58, "kept", "Loopt, ook in de nieuwe ploegen."),),
    ),
    AgreementSpec(
        "Customer Services/Key Accounts",
        "Ingrid meldt elke twee weken hoe het staat met de extra mensen voor de piek.",
        "We weten voor de piek waar we aan toe zijn.",
        ("leader_integrity",),
        (0,),
        120,
        (
            (30, "kept", "Twee keer een update gegeven."),
            (118, "not_kept", "De extra bezetting is geschrapt; we hoorden het via via."),
        ),
    ),
    AgreementSpec(
        "Customer Services/Key Accounts",
        "Een klant met een klacht krijgt binnen een werkdag een naam en een terugbelmoment.",
        "Minder klanten die twee keer bellen.",
        ("reliability",),
        (1, 2),
        50,
        ((49, "kept", "Lukt bijna altijd; de uitzonderingen bespreken we."),),
    ),
    AgreementSpec(
        HIGH_TRUST_TEAM,
        "Every quarter we try one idea from the team, and tell everyone what came of it.",
        "Ideas come from the whole team, not only from the seniors.",
        ("innovation",),
        (1, 3),
        80,
        ((78, "kept", "Tried self-service password resets; half the tickets gone."),),
    ),
    AgreementSpec(
        HIGH_TRUST_TEAM,
        "Sanne shares the IT budget choices with the team before they are final.",
        "No surprises in the budget meeting.",
        ("org_trust",),
        (0,),
        70,
        (
            (69, "partly", "Shared, but a day before the deadline."),
            (84, "kept", "Done properly for the second round."),
        ),
    ),
    AgreementSpec(
        "Customer Services/Service Desk",
        "Na een lastig gesprek bel je binnen het uur een collega, en die neemt op.",
        "Niemand zit na een nare klant alleen met zijn verhaal.",
        ("collaboration", "team_affective"),
        (2, 4),
        75,
        (
            (30, "partly", "In drukke weken schiet het erbij in."),
            (74, "kept", "We doen het; de buddy staat op het rooster."),
        ),
    ),
    AgreementSpec(
        "Customer Services/Service Desk",
        "Elke maand een teamoverleg met de afdelingsmanager over de werkdruk.",
        "We weten wat er met onze signalen gebeurt.",
        ("leader_benevolence",),
        (0, 5),
        110,
        ((109, "not_kept", "Drie keer verzet en daarna niet meer gepland."),),
    ),
]

#: After the open scan's first results three teams made new agreements; their check-in day
#: has come for two of them (the owners have a reminder waiting).
AGREEMENTS_SCAN2: list[AgreementSpec] = [
    AgreementSpec(
        IMPROVING_TEAM,
        "De overdracht ook voor de late ploeg, om 14.00 uur.",
        "De late ploeg belt minder vaak na over de ritten van morgen.",
        ("collaboration", "reliability"),
        (0,),
        60,
        check_in_day=0,
        member_owner=True,
    ),
    AgreementSpec(
        HIGH_TRUST_TEAM,
        "Pair on every priority-1 incident, and write down what we learned.",
        "A second person can solve the same incident next time.",
        ("team_cognitive",),
        (2, 4),
        75,
        check_in_day=-2,
    ),
    AgreementSpec(
        REORGANISED_TEAM,
        "Elke ploeg kiest een eigen aanspreekpunt voor het management in Rotterdam.",
        "Vragen over roosters krijgen binnen een week antwoord.",
        ("power_place", "org_trust"),
        (1, 4),
        90,
        check_in_day=14,
    ),
]
