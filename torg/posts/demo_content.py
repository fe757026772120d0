"""Posts, comments, reactions, polls, follows and seen-by for the demo organisation.

A communications team preparing a demo would fill the network with two months of believable
activity; this module does that for Fjordlys Consulting after ``torg.people.demo`` has created
its people and groups. Everything comes from ``random.Random(SEED)`` and the rows already in the
database (ordered by primary key), so two seeds of empty databases write the same texts.

Texts are rendered with the same helpers ``do_create_post`` and ``do_create_comment`` use
(``torg.posts.actions.render_post_body`` and
``torg.posts.comment_actions.render_comment_body``), so body_html and
mention rows are exactly what the composer would have written. Rows are written with
``bulk_create`` and counters are computed from the planned rows, never incremented one by one.
Link previews are not fetched: the demo must seed without network access.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone

from torg.accounts.models import User
from torg.core.markdown import extract_hashtags
from torg.feed.models import HashtagFollow, PersonFollow, PostSeen
from torg.groups.models import Group, Membership
from torg.people.demo_data import CLIENTS, LOCATIONS, PROJECT_THEMES
from torg.posts import actions as post_actions
from torg.posts import comment_actions
from torg.posts.models import (
    Comment,
    Hashtag,
    Mention,
    Poll,
    PollOption,
    PollVote,
    Post,
    PostHashtag,
    PostRevision,
    Reaction,
)

SEED = 2027
DAYS = 60
BATCH = 1000

# --- texts ---------------------------------------------------------------------------------------
# Placeholders: {m} a mention of another member (a new person each time), {client}, {theme},
# {office}, {n} a small number. Norwegian and English, as in a Scandinavian consultancy.

COMPANY = [
    "Vi har vunnet en ny avtale med **{client}**! 🎉 Teamet starter med {theme} etter sommeren. "
    "Stor takk til {m} og {m} for et knallsterkt tilbud. #Prosjektvinn",
    "Big win: {client} chose us for their {theme} programme. Congratulations to {m} and the "
    "whole bid team! #Prosjektvinn",
    "Påminnelse: timeføringen for måneden må være inne innen fredag kl. 12. Spørsmål om "
    "prosjektkoder? Spør {m} i økonomi.",
    "Our travel emissions per employee are down 18 % from last year, mostly thanks to more "
    "trains and fewer short flights. The full climate accounts are in the Sustainability "
    "Network. #Bærekraft",
    "Fra denne måneden har alle kontorene våre i Norge og Sverige grønn strøm med "
    "opprinnelsesgaranti. Neste steg er å stille de samme kravene til leverandørene våre. "
    "#Bærekraft",
    "New case study: how we helped {client} with {theme}. Feel free to share it with "
    "prospects, it is approved by the client. #Kundecase",
    "Kjenner du noen som burde jobbe hos oss? Vi søker flere seniorutviklere og "
    "tjenestedesignere i Oslo, Bergen og Stockholm. Vervebonusen er 20 000 kr. #Rekruttering",
    "Who is going to NDC Oslo this year? {m} is giving a talk on {theme}, let's fill the "
    "front rows. #Fagdag",
    "Tusen takk til {m} som organiserte veldedighetsløpet! Vi samlet inn {n}0 000 kr til "
    "Kirkens Bymisjon. 🏃‍♀️ #Løping",
    "Gratulerer til {m} som har bestått AWS Solutions Architect Professional! 👏",
    "Congratulations to {m} on passing the Certified Kubernetes Administrator exam! #Kubernetes",
    "Husk medarbeidersamtalene: skjemaet skal være fylt ut før samtalen med lederen din. "
    "Spørsmål kan gå til {m} i HR.",
    "We say thank you and goodbye to {m} after eight wonderful years at Fjordlys. "
    "Good luck with the next adventure! 💙",
    "Alt vi hadde i Workplace er nå flyttet hit til Torg, inkludert gruppene. Si fra til {m} "
    "hvis du savner noe.",
    "Spørsmål til alle: hvilke verktøy bruker dere til arkitekturskisser hos kunden? Vi "
    "vurderer å standardisere på ett.",
    "Our new proposal templates are ready, in Norwegian, Swedish, Danish and English. "
    "Thanks {m} for weeks of work on them! #Kundecase",
    "Fjordlys er nominert til «Årets arbeidsplass»! Takk til alle som svarte på undersøkelsen. 🏆",
    "Reminder: the Stockholm office is hosting the Nordic hackathon next month. Teams of "
    "four, any discipline. Sign up with {m}. #Fagdag",
    "Hvordan bruker dere KI i hverdagen? Vi samler gode eksempler til neste fagdag. #AI #Fagdag",
    "Please complete the security awareness course before the end of the month. It takes "
    "about 20 minutes. #Sikkerhet",
    "Nyttig lesning om bærekraftig webdesign: lettere sider bruker mindre energi. "
    "https://sustainablewebdesign.org/ #Bærekraft",
    "The OWASP Top 10 is worth a re-read before every new project: "
    "https://owasp.org/www-project-top-ten/ #Sikkerhet",
    "Velkommen tilbake etter ferien, alle sammen! Fire nye prosjekter starter denne uka. "
    "Følg med i prosjektgruppene.",
    "Thanks to everyone who joined the {office} open house yesterday. More than {n}0 "
    "students came by! #Rekruttering",
]

NEWS = [
    "**Q{n} results**: revenue grew 11 % and utilisation was 78 %. Thank you for the effort "
    "across every team. Details in the town hall.",
    "Vi har inngått rammeavtale med {client} for de neste fire årene. #Prosjektvinn",
    "New parental leave policy: Fjordlys now tops up pay to 100 % for the full leave in all "
    "three countries.",
    "Ny hjemmekontorordning fra neste måned: inntil to dager i uka etter avtale med teamet.",
    "We are opening an office in Aarhus! {m} will lead it. #Rekruttering",
    "Årets lønnsoppgjør er ferdig. Alle får brev fra HR i løpet av uka.",
    "Our sustainability report is published: we are now a certified B Corp. #Bærekraft",
    "Fjordlys signs the Science Based Targets commitment: net zero by 2040. #Bærekraft",
]

IT_STATUS = [
    "**Planned maintenance**: the VPN will be unavailable Saturday 22:00–23:00.",
    "Vi har problemer med utskrift på {office}-kontoret. Feilsøking pågår.",
    "**Resolved**: e-mail delivery delays this morning are fixed. Sorry for the trouble.",
    "Ny versjon av laptop-imaget er klar. Oppdatering skjer automatisk i natt.",
    "Multi-factor authentication becomes mandatory for all accounts from Monday. #Sikkerhet",
    "The wifi in {office} is being replaced this week; expect short outages.",
    "Phishing alert: do not open e-mails about «unpaid invoices» from unknown senders. #Sikkerhet",
]

REGION = [
    "Felles fagkveld for alle kontorene i {office} neste torsdag. Tema: {theme}. #Fagdag",
    "Cross-office staffing: {client} needs two more people for {theme}. Talk to {m}.",
    "Sommerfesten i år blir på Bygdøy. Påmelding til {m}!",
    "The Nordic management meeting summary is ready. Key topic: more shared delivery "
    "across borders.",
    "Hvem vil være med på {office}-kontorets dugnad for å rydde stranda? #Bærekraft",
    "We now share one bench of consultants across Norway, Sweden and Denmark. Ask {m} for details.",
    "Vi trenger frivillige til å holde foredrag på universitetene i høst. #Rekruttering",
]

OFFICE = [
    "Kaka står i kantina! {m} har bursdag 🎂",
    "Fredagspils i {office} fra kl. 16. Alkoholfritt finnes også. 🍻",
    "The coffee machine on the third floor is fixed. Thank you {m}!",
    "Husk å ta med matboksen hjem før helgen, kjøleskapet tømmes fredag kl. 15. #Lunsj",
    "Visitors from {client} on Wednesday. Please keep the big meeting room free.",
    "Sykkelparkeringen i kjelleren får nye ladepunkter for el-sykler. #Bærekraft",
    "Today's lunch: Thai curry and a vegetarian lasagne. #Lunsj",
    "Noen som har sett en blå paraply med Fjordlys-logo? Savnet siden tirsdag ☂️",
    "The office will close at 14:00 on Friday before the holiday.",
    "Vi har fått nye skjermer på alle fleksiplassene. Gi beskjed til {m} hvis noe mangler.",
]

TEAM = [
    "Takk for en fin teamsamling! Notatene ligger i delt mappe. Neste samling i {office}.",
    "Staffing update: {m} starts on {client} next week, and {m} rolls off {theme}.",
    "Who can help with a quick review of the {client} proposal? Deadline Thursday.",
    "Ukas læring: {m} viste hvordan vi kan kutte byggetiden med 40 %. Spør for detaljer!",
    "Reminder: team retro on Friday. Bring one thing that went well and one to improve.",
    "Vi har fått ny kompetanseplan for året. Alle får {n} fagdager i tillegg til kurs. #Fagdag",
    "Interesting lesson from {client}: start the {theme} work with the users, not the "
    "backlog. #Kundecase",
    "Kan noen ta over vakten på mandag? {m} er syk.",
    "Welcome to the team, {m}! Glad to have you with us. #Velkommen",
    "Budsjettet for neste år skal være klart om to uker. Innspill til {m}.",
]

PROJECT = [
    "Sprint {n} demo went really well, {client} loved the new onboarding flow. 🎉",
    "Vi har levert første versjon av {theme} til test. Godt jobbet, {m}!",
    "Blocked on access to the client's test environment again. {m}, can you chase it?",
    "Retro-notater fra sprint {n} ligger i wikien. Hovedpunkt: færre møter på tirsdager.",
    "The steering committee approved the next phase. Budget confirmed for {n} more months.",
    "Produksjonssetting i kveld kl. 20. {m} og {m} har vakt.",
    "Performance test results: p95 latency is down from 900 ms to 180 ms. 🚀",
    "Reminder: daily stand-up moves to 09:15 from Monday.",
    "Brukertestene i går ga mye nyttig. Oppsummering kommer fra {m}.",
    "We need to decide on the search engine by Friday. Options are in the design doc.",
]

SECRET = [
    "Utkast til tilbud ligger i mappa. Kommentarer innen onsdag, takk. {m}",
    "Pricing model v{n} attached in the folder. Please keep this within the group.",
    "Status: due diligence is on track. Next meeting Thursday.",
    "Vi må avklare bemanningen før vi sender. {m}, har du CV-ene?",
    "Do not forward anything from this group. Questions go to {m}.",
]

TOPICS: dict[str, list[str]] = {
    "cloud-native-guild": [
        "Anyone tried Karpenter on EKS instead of the cluster autoscaler? Costs dropped by a "
        "third for {client}. #Kubernetes",
        "Månedlig treff: vi ser på GitOps med Argo CD. {m} demonstrerer. #Kubernetes",
        "Good overview of resource requests and limits: "
        "https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/ "
        "#Kubernetes",
        "We moved {client} from Helm to Kustomize. Ask {m} about the lessons learned.",
        "Tips: `kubectl debug` med ephemeral containers sparer mye tid. #Kubernetes",
        "Who is going to KubeCon Europe? Let's coordinate talks and dinners. #Kubernetes",
        "Terraform 1.x upgrade guide for our modules is done, thanks {m}!",
        "Hvordan håndterer dere secrets? Vi vurderer External Secrets Operator. #Sikkerhet",
    ],
    "security-champions": [
        "New critical CVE in a popular logging library. Check your dependencies today. #Sikkerhet",
        "Threat modelling workshop next week, led by {m}. #Sikkerhet",
        "Vi har fått penetrasjonstest-rapporten for {client}. Ingen kritiske funn! #Sikkerhet",
        "Reminder: no client data in AI tools without an agreement. #AI #Sikkerhet",
        "SBOM for all deliveries from now on. Template from {m}. #Sikkerhet",
    ],
    "bid-desk": [
        "Oppdaterte CV-maler er klare. Husk å fjerne gamle prosjekter eldre enn ti år.",
        "Tender from {client} for {theme}: who has relevant references?",
        "Won! The {client} framework agreement is ours. Thanks {m}! #Prosjektvinn",
        "Prisbank for neste år er oppdatert. Spør {m} før du gir rabatt.",
    ],
    "ai-machine-learning": [
        "Paper club Thursday: we read about retrieval-augmented generation. #AI",
        "Vi har testet norske språkmodeller på kundeservice for {client}. Lovende resultater! #AI",
        "Is anyone evaluating LLMs with a proper test set? {m} built a nice harness. #AI",
        "Energibruk i KI-modeller: hvor mye koster egentlig et svar? #AI #Bærekraft",
        "Forecasting engine for {client} is live, MAPE down to 6 %. #AI #Kundecase",
        "The EU AI Act summary for our clients is in the wiki. Thanks {m}! #AI",
    ],
    "design-systems": [
        "New version of our token pipeline: colours and spacing from Figma to CSS in one step. "
        "#Designsystem",
        "Universell utforming: alle komponentene våre er nå testet med skjermleser. #Designsystem",
        "WCAG 2.2 in short: https://www.w3.org/WAI/standards-guidelines/wcag/ #Designsystem",
        "Who wants to pair on the date picker for {client}? {m} needs a hand. #Designsystem",
        "Design critique Friday at 14. Bring work in progress!",
    ],
    "agile-coaching": [
        "Retro format that worked today: the sailboat. Wind, anchors, rocks, island.",
        "Hvordan skalerer dere smidig hos store kunder uten å drukne i SAFe-seremonier?",
        "Great workshop with {client} on team topologies, led by {m}.",
        "Boktips: «Team Topologies». Den har endret hvordan vi snakker om plattformteam.",
    ],
    "sustainability": [
        "Klimaregnskapet for i fjor er klart: reiser står for 61 % av utslippene våre. #Bærekraft",
        "Green IT checklist for client projects, drafted by {m}. Comments welcome. #Bærekraft",
        "Vi gir bort gamle laptoper til skoler i stedet for å kaste dem. #Bærekraft",
        "Digital sustainability: the lightest page is the one you never load. #Bærekraft",
        "Sykle til jobben-aksjonen starter mandag! Registrer laget ditt. #Bærekraft #Løping",
        "Measuring software carbon intensity for {client}: first results next week. "
        "#Bærekraft #Kundecase",
    ],
    "running-club": [
        "Lunsjløp fra kontoret kl. 11:30, 5 km i rolig tempo. #Løping",
        "Holmenkollstafetten: vi trenger to lag til! Meld deg på hos {m}. #Løping",
        "New personal best for {m} in the Oslo half marathon! 🏃 #Løping",
        "Intervaller i Frognerparken onsdag kl. 17. #Løping",
    ],
    "book-club": [
        "Månedens bok: «Naiv. Super.» av Erlend Loe. Vi møtes siste torsdag.",
        "Next month's pick is a Swedish crime novel. Suggestions?",
        "Takk for en fin diskusjon i går, {m} hadde med kanelboller. 📚",
    ],
    "board-games": [
        "Brettspillkveld torsdag: Wingspan og Terraforming Mars. 🎲",
        "We bought Cascadia for the Stockholm office. Who wants to try it?",
        "Turnering i Carcassonne neste uke. Vinneren får evig ære.",
    ],
    "skiing-outdoors": [
        "Hyttetur til Hemsedal i februar, {n} plasser igjen! #Friluftsliv",
        "Fantastic ski touring in Lyngen last weekend. Photos from {m}! #Friluftsliv",
        "Hvem vil være med på Besseggen i august? #Friluftsliv",
        "Avalanche course in Sogndal: two places left. #Friluftsliv",
    ],
    "parents": [
        "Tips til barnehagestart? Vi begynner i august.",
        "Parental leave checklist updated by {m}. Very helpful!",
        "Noen som har erfaring med å kombinere konsulentjobb og småbarn? Del gjerne!",
    ],
}

PROFILE = [
    "Første uke som {theme}-ansvarlig. Gleder meg til å bli kjent med flere av dere!",
    "Slides from my talk on {theme} are now available, ask me for the link. #Fagdag",
    "Back from parental leave today. What did I miss? 😄",
    "Takk for at jeg fikk dele erfaringene fra {client} på fagdagen! #Fagdag",
    "Just passed my Azure Solutions Architect exam. Happy to help anyone preparing!",
    "Ti år i Fjordlys i dag. For en reise! 💙",
    "Looking for a mentor in data engineering. Tips welcome!",
    "Har noen en god podkast om tjenestedesign å anbefale?",
]

COMMENTS = [
    "Gratulerer! 🎉",
    "Great work, everyone!",
    "Så bra!",
    "Thanks for sharing.",
    "Kjempebra jobba!",
    "Count me in.",
    "Jeg blir med!",
    "Is there a recording?",
    "Dette var nyttig, takk.",
    "Very interesting, can we talk about this at the next team meeting?",
    "Enig, dette bør vi gjøre mer av.",
    "Nice! 👏",
    "Hvor finner jeg mer informasjon om dette?",
    "Well deserved!",
    "Tusen takk for at du tok tak i dette.",
    "Love this.",
    "Supert initiativ!",
    "I can help if you need another pair of hands.",
    "Fantastisk!",
    "Do we have a template for this somewhere?",
    "Dette tar jeg med til kunden.",
    "Agree with this, it worked well for us too.",
    "Når starter det?",
    "Sounds great, looking forward to it.",
    "Godt jobba, {m}!",
    "Adding {m}, who worked on something similar.",
    "Kanskje {m} vet mer om dette?",
    "Great point. Does this apply to the Swedish offices too?",
    "Jeg har lagt inn en lenke i wikien.",
    "This is exactly what we needed.",
]

REPLIES = [
    "Takk!",
    "Enig!",
    "Good point.",
    "+1",
    "Ja, den ligger i delt mappe.",
    "I'll send it to you.",
    "Yes, it will be recorded.",
    "Vi tar det på neste møte.",
    "Thanks, will do!",
    "Haha, ja 😄",
    "Sjekker og kommer tilbake.",
    "Same here.",
]

# (kind, weight); wins and welcomes get more celebrations below.
REACTION_WEIGHTS = [
    (Reaction.Kind.LIKE, 52),
    (Reaction.Kind.LOVE, 16),
    (Reaction.Kind.CELEBRATE, 12),
    (Reaction.Kind.HAHA, 8),
    (Reaction.Kind.WOW, 8),
    (Reaction.Kind.SAD, 4),
]

KUBERNETES_QUESTION = (
    "Spørsmål til guilden: our Java service on AKS keeps restarting with **OOMKilled**, even "
    "though the heap is `-Xmx2g` and the memory limit is `2Gi`. What am I missing? #Kubernetes"
)
KUBERNETES_ANSWER = (
    "The heap is only part of the JVM's memory: metaspace, thread stacks, the code cache and "
    "direct buffers come on top, so `-Xmx2g` in a `2Gi` container will be killed sooner or "
    "later. What works for us:\n\n"
    "1. Drop `-Xmx` and use `-XX:MaxRAMPercentage=75` so the heap follows the limit.\n"
    "2. Set the memory request equal to the limit, so the pod is not evicted first on a busy "
    "node.\n"
    "3. Confirm with `kubectl describe pod` (Last State: OOMKilled) and `kubectl top pod`, and "
    "turn on `-XX:NativeMemoryTracking=summary` if it still grows.\n\n"
    "A VerticalPodAutoscaler in recommendation mode gives you realistic numbers after a week."
)
KUBERNETES_THREAD = [
    ("kari", KUBERNETES_ANSWER, ["Takk! MaxRAMPercentage fixed it, no restarts since Tuesday."]),
    (
        "member",
        "Same problem on {client} last year. Also check for a sidecar: the limit is per "
        "container, but the node counts the whole pod.",
        ["Good point, we have an Istio sidecar there."],
    ),
    ("member", "Kan vi ta dette som tema på neste guildmøte? #Kubernetes", []),
]

WELCOME = (
    "## Velkommen til nye kolleger! 👋\n\n"
    "Denne måneden begynner {m}, {m} og {m} hos oss. Ta godt imot dem, og inviter dem gjerne "
    "med på lunsj. Welcome to Fjordlys, we are very happy to have you! #Velkommen"
)
WELCOME_COMMENTS = ["Velkommen! 🎉", "Welcome aboard!", "Velkommen, gleder meg til å jobbe sammen."]

TORG_WELCOME = (
    "**Velkommen til Torg!** Her deler vi nyheter, spør hverandre om hjelp og feirer det som går "
    "bra. Noen tips:\n\n"
    "- Skriv i gruppa som passer best, og bruk emneknagger med # så andre finner innlegget.\n"
    "- Nevn kolleger med @ når du vil ha svar fra dem.\n"
    "- Følg temaer som #Bærekraft og #Fagdag for å få dem i feeden din.\n\n"
    "Moving from Workplace? Everything you had there is here. Questions go to {m}."
)

TOWN_HALL = (
    "## Town hall on Thursday at 14:00 📣\n\n"
    "Join us in the Oslo auditorium or online. On the agenda:\n\n"
    "1. **Results** for the quarter and the year ahead\n"
    "2. Our new sustainability targets #Bærekraft\n"
    "3. Q&A with the leadership team: post your questions as comments here\n\n"
    "The recording will be posted in this group afterwards. #TownHall"
)
TOWN_HALL_COMMENTS = [
    ("Will there be a Swedish-language Q&A slot too?", "Yes, the last 15 minutes."),
    ("Hva er planen for nye kontorlokaler i Bergen?", "Vi kommer tilbake til det på torsdag!"),
    ("Can we get the slides afterwards?", "They will be posted with the recording."),
]

LUNCH_POLL = (
    "Fredagslunsj på {office}-kontoret: hva skal vi bestille denne gangen? Stem innen "
    "torsdag! 🍕🍣 #Lunsj"
)
LUNCH_OPTIONS = ["Taco", "Sushi", "Pizza fra Lille Napoli", "Vegetarbuffet"]
FAGDAG_POLL = "Which topics do you want at the autumn fagdag? Pick as many as you like. #Fagdag"
FAGDAG_OPTIONS = ["AI in client work", "Platform engineering", "Service design", "Sustainability"]

EDITED_BEFORE = "Fagdagen holdes i auditoriet i 2. etasje. Påmelding til {m}. #Fagdag"
EDITED_AFTER = (
    "Fagdagen holdes i **kantina i 1. etasje** (ny plassering, auditoriet er for lite!). "
    "Påmelding til {m}. #Fagdag"
)

# How many generated posts each group gets (the story posts above come on top).
POSTS_PER_GROUP = {
    "all-fjordlys": 62,
    "company-news": 10,
    "it-service-status": 8,
    "global": 8,
    "scandinavia": 6,
    "norway": 8,
    "sweden": 6,
    "denmark": 6,
    "project-nordkraft-portal": 16,
    "project-havbris-fleet": 10,
    "project-bergfjell-mobile": 12,
    "project-oresund-logistics": 10,
    "bid-vestlandet-helse": 6,
    "project-polaris": 4,
    "salary-review-2026": 3,
    "cloud-native-guild": 18,
    "security-champions": 10,
    "bid-desk": 8,
    "ai-machine-learning": 15,
    "design-systems": 11,
    "agile-coaching": 8,
    "sustainability": 13,
    "running-club": 11,
    "book-club": 6,
    "board-games": 6,
    "skiing-outdoors": 8,
    "parents": 6,
}
OFFICE_POSTS = 4
TEAM_POSTS = 6
PROFILE_POSTS = 8
PEOPLE_FOLLOWED_BY_KARI = 8
HASHTAGS_FOLLOWED_BY_KARI = ["kubernetes", "bærekraft", "fagdag"]

_PLACEHOLDER = re.compile(r"\{(m|client|theme|office|n)\}")


# --- plan ----------------------------------------------------------------------------------------


@dataclass
class CommentPlan:
    author: User
    body: str
    created_at: datetime
    reactions: dict[int, str] = field(default_factory=dict)
    replies: list[CommentPlan] = field(default_factory=list)


@dataclass
class PollPlan:
    question: str
    options: list[str]
    allows_multiple: bool
    closes_at: datetime | None
    votes: dict[int, list[int]] = field(default_factory=dict)  # voter → option positions


@dataclass
class PostPlan:
    author: User
    group: Group | None
    body: str
    created_at: datetime
    pinned: bool = False
    earlier_body: str | None = None
    poll: PollPlan | None = None
    comments: list[CommentPlan] = field(default_factory=list)
    reactions: dict[int, str] = field(default_factory=dict)
    seen: set[int] = field(default_factory=set)
    celebratory: bool = False


@dataclass
class ContentResult:
    posts: int = 0
    comments: int = 0
    reactions: int = 0
    poll_votes: int = 0
    person_follows: int = 0
    hashtag_follows: int = 0
    seen: int = 0


class _Planner:
    def __init__(self, *, now: datetime, kari_email: str, admin_email: str) -> None:
        self.rng = random.Random(SEED)
        self.now = now
        # Times are laid out from the start of today, not from ``now``, so the order of posts
        # and comments does not depend on the time of day the seed runs.
        self.anchor = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        self.people: list[User] = list(User.objects.order_by("pk"))
        self.by_pk = {person.pk: person for person in self.people}
        self.employees = [p for p in self.people if not p.is_guest]
        self.kari = next(p for p in self.people if p.email == kari_email)
        self.admin = next(p for p in self.people if p.email == admin_email)
        self.ceo = next(p for p in self.people if p.job_title == "Chief Executive Officer")
        self.groups = list(Group.objects.order_by("pk"))
        self.group_by_slug = {group.slug: group for group in self.groups}
        self.members: dict[int, dict[int, str]] = {group.pk: {} for group in self.groups}
        for group_id, user_id, role in Membership.objects.order_by("pk").values_list(
            "group_id", "user_id", "role"
        ):
            self.members[group_id][user_id] = role
        self.posts: list[PostPlan] = []

    # -- helpers --------------------------------------------------------------------------------

    def audience(self, group: Group | None) -> list[User]:
        """Who reads (and may respond to) a post in ``group``: its members, or all employees."""
        if group is None:
            return self.employees
        return [self.by_pk[pk] for pk in sorted(self.members[group.pk])]

    def posters(self, group: Group) -> list[User]:
        members = self.audience(group)
        if group.kind == Group.Kind.ANNOUNCEMENTS:
            staff = {Membership.Role.ADMIN, Membership.Role.MODERATOR}
            return [p for p in members if self.members[group.pk][p.pk] in staff]
        return members

    def moment(self) -> datetime:
        """A working-hours moment on one of the last ``DAYS`` days (today excluded)."""
        return self.day(self.rng.randint(1, DAYS), self.rng.randint(7, 16), self.rng.randint(0, 59))

    def day(self, days_ago: int, hour: int, minute: int = 0) -> datetime:
        return self.anchor - timedelta(days=days_ago) + timedelta(hours=hour, minutes=minute)

    def fill(self, template: str, *, author: User, group: Group | None) -> str:
        candidates = [p for p in self.audience(group) if p.pk != author.pk]
        mentioned = self.rng.sample(candidates, k=min(len(candidates), template.count("{m}")))
        offices = [label for label, _, _, _ in LOCATIONS]

        def replace(match: re.Match[str]) -> str:
            key = match.group(1)
            if key == "m":
                person = mentioned.pop(0) if mentioned else author
                return f"@[{person.name}](user:{person.pk})"
            if key == "client":
                return self.rng.choice(CLIENTS)
            if key == "theme":
                theme = self.rng.choice(PROJECT_THEMES)
                return theme if theme.split()[0].isupper() else theme.lower()
            if key == "office":
                return self.rng.choice(offices)
            return str(self.rng.randint(2, 9))

        return _PLACEHOLDER.sub(replace, template)

    def kind(self, celebratory: bool) -> str:
        kinds = [kind for kind, _ in REACTION_WEIGHTS]
        weights = [
            w * (4 if celebratory and kind == "celebrate" else 1) for kind, w in REACTION_WEIGHTS
        ]
        return str(self.rng.choices(kinds, weights=weights)[0])

    def add(
        self,
        *,
        author: User,
        group: Group | None,
        template: str,
        created_at: datetime | None = None,
        **extra: object,
    ) -> PostPlan:
        body = self.fill(template, author=author, group=group)
        plan = PostPlan(
            author=author,
            group=group,
            body=body,
            created_at=created_at or self.moment(),
            celebratory="#Prosjektvinn" in body or "#Velkommen" in body or "🎉" in body,
            **extra,  # type: ignore[arg-type]
        )
        self.posts.append(plan)
        return plan

    # -- posts ----------------------------------------------------------------------------------

    def plan_posts(self) -> None:
        rng = self.rng
        pools: dict[str, list[str]] = {}
        for group in self.groups:
            slug = group.slug
            if slug in TOPICS:
                pools[slug] = TOPICS[slug]
            elif slug == "all-fjordlys":
                pools[slug] = COMPANY
            elif slug == "company-news":
                pools[slug] = NEWS
            elif slug == "it-service-status":
                pools[slug] = IT_STATUS
            elif slug in {"global", "scandinavia", "norway", "sweden", "denmark"}:
                pools[slug] = REGION
            elif slug.startswith("office-"):
                pools[slug] = OFFICE
            elif slug.startswith("team-"):
                pools[slug] = TEAM if group.privacy != Group.Privacy.SECRET else SECRET
            elif group.privacy == Group.Privacy.SECRET:
                pools[slug] = SECRET
            else:
                pools[slug] = PROJECT
        kari_groups = {pk for pk, members in self.members.items() if self.kari.pk in members}
        for group in self.groups:
            slug = group.slug
            count = POSTS_PER_GROUP.get(slug)
            if count is None:
                count = OFFICE_POSTS if slug.startswith("office-") else TEAM_POSTS
            pool = pools[slug]
            order: list[str] = []
            posters = self.posters(group)
            for _ in range(count):
                if not order:
                    order = rng.sample(pool, k=len(pool))
                author = rng.choice(posters)
                # Kari's own groups hear from her now and then: she is a demo's main character.
                if group.pk in kari_groups and self.kari in posters and rng.random() < 0.15:
                    author = self.kari
                self.add(author=author, group=group, template=order.pop())
        profile_authors = rng.sample(self.employees, k=PROFILE_POSTS)
        for author, template in zip(profile_authors, PROFILE, strict=True):
            self.add(author=author, group=None, template=template)
        self.plan_stories()

    def plan_stories(self) -> None:
        rng = self.rng
        company = self.group_by_slug["all-fjordlys"]
        news = self.group_by_slug["company-news"]
        guild = self.group_by_slug["cloud-native-guild"]
        oslo = self.group_by_slug["office-oslo"]
        self.add(
            author=self.admin,
            group=company,
            template=TORG_WELCOME,
            created_at=self.day(DAYS, 9, 5),
            pinned=True,
        )
        self.add(
            author=self.ceo,
            group=news,
            template=TOWN_HALL,
            created_at=self.day(2, 10, 30),
            pinned=True,
        )
        welcome = self.add(
            author=self.admin,
            group=company,
            template=WELCOME,
            created_at=self.day(6, 8, 45),
        )
        welcome.celebratory = True
        organiser = rng.choice([p for p in self.employees if p.pk != self.admin.pk])
        mention = f"@[{organiser.name}](user:{organiser.pk})"
        self.posts.append(
            PostPlan(
                author=self.admin,
                group=company,
                body=EDITED_AFTER.replace("{m}", mention),
                earlier_body=EDITED_BEFORE.replace("{m}", mention),
                created_at=self.day(12, 13, 10),
            )
        )
        guild_members = [p for p in self.audience(guild) if p.pk != self.kari.pk]
        asker = rng.choice(guild_members)
        question = self.add(
            author=asker,
            group=guild,
            template=KUBERNETES_QUESTION,
            created_at=self.day(4, 9, 20),
        )
        for who, text, replies in KUBERNETES_THREAD:
            author = self.kari if who == "kari" else rng.choice(guild_members)
            at = question.created_at + timedelta(hours=rng.uniform(0.5, 6))
            comment = CommentPlan(author, self.fill(text, author=author, group=guild), at)
            for reply in replies:
                replier = asker if who == "kari" else rng.choice(guild_members)
                comment.replies.append(
                    CommentPlan(replier, reply, at + timedelta(hours=rng.uniform(1, 20)))
                )
            question.comments.append(comment)
        oslo_people = self.audience(oslo)
        lunch = self.add(
            author=rng.choice(oslo_people),
            group=oslo,
            template=LUNCH_POLL.replace("{office}", "Oslo"),
            created_at=self.day(1, 10, 0),
        )
        lunch.poll = PollPlan("", list(LUNCH_OPTIONS), False, self.now + timedelta(days=2))
        fagdag = self.add(
            author=self.admin,
            group=company,
            template=FAGDAG_POLL,
            created_at=self.day(9, 11, 15),
        )
        fagdag.poll = PollPlan(
            "Autumn fagdag topics", list(FAGDAG_OPTIONS), True, self.now + timedelta(days=10)
        )
        town_hall = next(p for p in self.posts if p.body.startswith("## Town hall"))
        for question_text, answer in TOWN_HALL_COMMENTS:
            at = town_hall.created_at + timedelta(hours=rng.uniform(0.2, 30))
            author = rng.choice([p for p in self.employees if p.pk != self.ceo.pk])
            comment = CommentPlan(author, question_text, at)
            comment.replies.append(CommentPlan(self.admin, answer, at + timedelta(hours=2)))
            town_hall.comments.append(comment)
        for text in WELCOME_COMMENTS:
            at = welcome.created_at + timedelta(hours=rng.uniform(0.1, 8))
            welcome.comments.append(CommentPlan(rng.choice(self.employees), text, at))

    # -- responses ------------------------------------------------------------------------------

    def plan_responses(self) -> None:
        """Comments, replies, reactions, poll votes and seen-by for every planned post."""
        rng = self.rng
        comment_order: list[str] = []
        reply_order: list[str] = []
        for post in self.posts:
            audience = [p for p in self.audience(post.group) if p.pk != post.author.pk]
            if not audience:
                continue
            wide = post.group is not None and post.group.is_company_wide
            low, high = (2, 7) if wide else (0, 4)
            for _ in range(rng.randint(low, high)):
                if not comment_order:
                    comment_order = rng.sample(COMMENTS, k=len(COMMENTS))
                author = rng.choice(audience)
                at = post.created_at + timedelta(hours=rng.uniform(0.1, 48))
                text = self.fill(comment_order.pop(), author=author, group=post.group)
                comment = CommentPlan(author, text, min(at, self.anchor))
                if rng.random() < 0.3:
                    if not reply_order:
                        reply_order = rng.sample(REPLIES, k=len(REPLIES))
                    replier = rng.choice([post.author, *audience])
                    reply_at = comment.created_at + timedelta(hours=rng.uniform(0.1, 12))
                    comment.replies.append(
                        CommentPlan(replier, reply_order.pop(), min(reply_at, self.anchor))
                    )
                post.comments.append(comment)
            post.comments.sort(key=lambda c: c.created_at)
            reach = len(audience)
            wanted = rng.randint(9, 30) if wide else rng.randint(1, 10)
            if post.pinned or post.celebratory:
                wanted += 10
            for person in rng.sample(audience, k=min(reach, wanted)):
                post.reactions[person.pk] = self.kind(post.celebratory)
            for comment in self.all_comments(post):
                others = [p for p in audience if p.pk != comment.author.pk]
                for person in rng.sample(
                    others, k=min(len(others), rng.choice([0, 0, 0, 1, 1, 2]))
                ):
                    comment.reactions[person.pk] = self.kind(False)
            if post.poll is not None:
                voters = rng.sample(audience, k=min(reach, rng.randint(30, 60)))
                for voter in voters:
                    positions = range(len(post.poll.options))
                    if post.poll.allows_multiple:
                        chosen = sorted(rng.sample(list(positions), k=rng.randint(1, 3)))
                    else:
                        chosen = [rng.choices(list(positions), weights=[5, 3, 4, 2])[0]]
                    post.poll.votes[voter.pk] = chosen
            responders = {c.author.pk for c in self.all_comments(post)} | set(post.reactions)
            if post.poll is not None:
                responders |= set(post.poll.votes)
            share = rng.uniform(0.2, 0.5)
            seen = {p.pk for p in audience if rng.random() < share}
            post.seen = (seen | responders) - {post.author.pk}

    @staticmethod
    def all_comments(post: PostPlan) -> list[CommentPlan]:
        return [c for top in post.comments for c in (top, *top.replies)]


# --- write ---------------------------------------------------------------------------------------


def seed_demo_content(*, now: datetime, kari_email: str, admin_email: str) -> ContentResult:
    """Write two months of activity for the demo organisation (call inside its transaction)."""
    planner = _Planner(now=now, kari_email=kari_email, admin_email=admin_email)
    planner.plan_posts()
    planner.plan_responses()
    plans = sorted(planner.posts, key=lambda p: p.created_at)
    result = ContentResult()

    rendered = [
        post_actions.render_post_body(plan.body, author=plan.author, group=plan.group)
        for plan in plans
    ]
    posts = Post.objects.bulk_create(
        [
            Post(
                author=plan.author,
                group=plan.group,
                body=plan.body,
                body_html=html,
                created_at=plan.created_at,
                edited_at=plan.created_at + timedelta(hours=1) if plan.earlier_body else None,
                pinned_at=plan.created_at if plan.pinned else None,
                comment_count=len(_Planner.all_comments(plan)),
                reaction_count=len(plan.reactions),
                seen_count=len(plan.seen),
            )
            for plan, (html, _) in zip(plans, rendered, strict=True)
        ],
        batch_size=BATCH,
    )
    result.posts = len(posts)
    PostRevision.objects.bulk_create(
        [
            PostRevision(
                post=post, body=plan.earlier_body, edited_by=plan.author, created_at=post.edited_at
            )
            for post, plan in zip(posts, plans, strict=True)
            if plan.earlier_body is not None and post.edited_at is not None
        ]
    )
    Mention.objects.bulk_create(
        [
            Mention(post=post, user_id=user_id)
            for post, (_, readers) in zip(posts, rendered, strict=True)
            for user_id in sorted(readers)
        ],
        batch_size=BATCH,
    )
    _write_hashtags(posts)
    result.comments = _write_comments(posts, plans)
    reactions = [
        Reaction(post=post, user_id=user_id, kind=kind)
        for post, plan in zip(posts, plans, strict=True)
        for user_id, kind in plan.reactions.items()
    ]
    Reaction.objects.bulk_create(reactions, batch_size=BATCH)
    result.reactions = len(reactions) + sum(
        len(c.reactions) for plan in plans for c in _Planner.all_comments(plan)
    )
    result.poll_votes = _write_polls(posts, plans)
    seen = [
        PostSeen(post=post, user_id=user_id, seen_at=min(now, post.created_at + timedelta(days=1)))
        for post, plan in zip(posts, plans, strict=True)
        for user_id in sorted(plan.seen)
    ]
    PostSeen.objects.bulk_create(seen, batch_size=BATCH)
    result.seen = len(seen)
    result.person_follows, result.hashtag_follows = _write_follows(planner)
    return result


def _write_hashtags(posts: Sequence[Post]) -> None:
    tags: dict[int, list[str]] = {post.pk: extract_hashtags(post.body) for post in posts}
    displays: dict[str, str] = {}
    for post in posts:
        for name, display in post_actions.hashtag_displays(post.body, tags[post.pk]).items():
            displays.setdefault(name, display)
    Hashtag.objects.bulk_create(
        [Hashtag(name=name, display_name=displays.get(name, name)) for name in sorted(displays)],
        ignore_conflicts=True,
    )
    ids = dict(Hashtag.objects.filter(name__in=list(displays)).values_list("name", "pk"))
    PostHashtag.objects.bulk_create(
        [
            PostHashtag(post=post, hashtag_id=ids[name], created_at=post.created_at)
            for post in posts
            for name in tags[post.pk]
        ],
        batch_size=BATCH,
    )


def _write_comments(posts: Sequence[Post], plans: Sequence[PostPlan]) -> int:
    total = 0
    for level in ("top", "reply"):
        pairs: list[tuple[Post, CommentPlan, CommentPlan | None]] = []
        for post, plan in zip(posts, plans, strict=True):
            for top in plan.comments:
                if level == "top":
                    pairs.append((post, top, None))
                else:
                    pairs.extend((post, reply, top) for reply in top.replies)
        rendered = [
            comment_actions.render_comment_body(c.body, post=post, author=c.author)
            for post, c, _ in pairs
        ]
        rows = Comment.objects.bulk_create(
            [
                Comment(
                    post=post,
                    parent=getattr(parent, "row", None),
                    author=c.author,
                    body=c.body,
                    body_html=html,
                    created_at=c.created_at,
                    reaction_count=len(c.reactions),
                    reply_count=len(c.replies),
                )
                for (post, c, parent), (html, _) in zip(pairs, rendered, strict=True)
            ],
            batch_size=BATCH,
        )
        for (_, c, _), row in zip(pairs, rows, strict=True):
            c.row = row  # type: ignore[attr-defined]
        Mention.objects.bulk_create(
            [
                Mention(comment=row, post=post, user_id=user_id)
                for (post, c, _), row, (_, readers) in zip(pairs, rows, rendered, strict=True)
                for user_id in sorted(readers - {c.author.pk})
            ],
            batch_size=BATCH,
        )
        Reaction.objects.bulk_create(
            [
                Reaction(comment=row, user_id=user_id, kind=kind)
                for (_, c, _), row in zip(pairs, rows, strict=True)
                for user_id, kind in c.reactions.items()
            ],
            batch_size=BATCH,
        )
        total += len(rows)
    return total


def _write_polls(posts: Sequence[Post], plans: Sequence[PostPlan]) -> int:
    votes = 0
    for post, plan in zip(posts, plans, strict=True):
        if plan.poll is None:
            continue
        spec = plan.poll
        poll = Poll.objects.create(
            post=post,
            question=spec.question,
            allows_multiple=spec.allows_multiple,
            closes_at=spec.closes_at,
            voter_count=len(spec.votes),
        )
        tally = Counter(position for chosen in spec.votes.values() for position in chosen)
        options = PollOption.objects.bulk_create(
            [
                PollOption(poll=poll, text=text, position=position, vote_count=tally[position])
                for position, text in enumerate(spec.options)
            ]
        )
        rows = [
            PollVote(poll=poll, option=options[position], user_id=voter)
            for voter, chosen in spec.votes.items()
            for position in chosen
        ]
        PollVote.objects.bulk_create(rows)
        votes += len(rows)
    return votes


def _write_follows(planner: _Planner) -> tuple[int, int]:
    rng = planner.rng
    employees = planner.employees
    follows: set[tuple[int, int]] = set()
    kari = planner.kari
    for followee in rng.sample(
        [p for p in employees if p.pk != kari.pk], k=PEOPLE_FOLLOWED_BY_KARI
    ):
        follows.add((kari.pk, followee.pk))
    popular = [planner.ceo, planner.admin, *rng.sample(employees, k=6)]
    others = [p for p in employees if p.pk != kari.pk]
    for follower in rng.sample(others, k=60):
        for followee in rng.sample(popular, k=rng.randint(1, 3)):
            if follower.pk != followee.pk:
                follows.add((follower.pk, followee.pk))
    PersonFollow.objects.bulk_create(
        [PersonFollow(follower_id=a, followee_id=b) for a, b in sorted(follows)]
    )
    tags = dict(Hashtag.objects.values_list("name", "pk"))
    tag_follows: set[tuple[int, int]] = {
        (kari.pk, tags[name]) for name in HASHTAGS_FOLLOWED_BY_KARI if name in tags
    }
    names = sorted(tags)
    for follower in rng.sample(others, k=50):
        for name in rng.sample(names, k=rng.randint(1, 3)):
            tag_follows.add((follower.pk, tags[name]))
    HashtagFollow.objects.bulk_create(
        [HashtagFollow(user_id=a, hashtag_id=b) for a, b in sorted(tag_follows)]
    )
    return len(follows), len(tag_follows)
