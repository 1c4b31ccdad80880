"""Synthetic facts in kgraph's own vocabulary, for benchmarks and equivalence tests.

The generated graph is shaped like the real one: many source documents whose text is written
alongside the facts, every fact-bearing node citing a span of its document (exact quote and
code-point offsets), states with Kazakh and Russian labels, crises and conflicts, negotiation
platforms of every status with the matching kind of host, peacekeeping activities of national
forces, mediations offered in quoted statements, reported statements, memberships with
periods, initiatives and their endorsements, derivations of relative dates, disarmament acts,
treaty disregard and measures, and background statements. Places nest (cities in states in
regions in larger regions), so that transitive and chained properties reach far.

Everything is deterministic from the seed. :func:`write_workspace` lays the facts and texts
out as a kgraph workspace (``facts/`` and ``sources/``); :func:`delta` makes a small file of
new facts, from a new document, about existing entities; :func:`inject_violations` breaks
each shape once.

Run ``python -m kgraph.synthetic --triples 100000 --workspace DIR`` to make one.
"""

from __future__ import annotations

import argparse
import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kgraph.namespaces import DCTERMS, ID, KG, OA, RDF, RDFS, SKOS, XSD
from kgraph.terms import Subject, Term, lexical

SYN = ID + "syn/"
_STATUSES = ("Occurred", "Ongoing", "Offered", "Possible")
_HOST = {"Occurred": "hostedBy", "Ongoing": "hostedBy", "Offered": "offeredBy", "Possible": "potentialHost"}
_WORDS = (
    "northern",
    "southern",
    "eastern",
    "western",
    "central",
    "upper",
    "lower",
    "coastal",
    "highland",
    "river",
    "lake",
    "desert",
    "steppe",
    "mountain",
    "valley",
    "island",
    "forest",
    "border",
    "delta",
    "plain",
)


def _iri(x: str) -> str:
    return f"<{x}>"


def _lit(value: str, *, lang: str | None = None, dt: str | None = None) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    if lang:
        return f'"{escaped}"@{lang}'
    if dt:
        return f'"{escaped}"^^<{dt}>'
    return f'"{escaped}"'


A, LABEL = RDF.type, RDFS.label


@dataclass
class Document:
    """One source text being written, and the N-Triples lines of the facts it states."""

    name: str
    iri: str
    lines: list[str] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)
    length: int = 0

    def add(self, s: str, p: str, o: str) -> None:
        self.lines.append(f"{_iri(s)} {_iri(p)} {o} .")

    def node(self, iri: str, cls: str, label: str, span: str, **labels: str) -> str:
        self.add(iri, A, _iri(KG.term(cls)))
        self.add(iri, LABEL, _lit(label, lang="en"))
        for lang, text in labels.items():
            self.add(iri, LABEL, _lit(text, lang=lang))
        self.add(iri, KG.evidence, _iri(span))
        return iri

    def say(self, before: str, quote: str, after: str = ".") -> str:
        """Append a sentence to the text; return the span IRI of ``quote`` within it."""
        start = self.length + len(before)
        self.parts.append(before + quote + after + " ")
        self.length += len(before) + len(quote) + len(after) + 1
        end = start + len(quote)
        span = f"{self.iri}/span-{start}-{end}"
        self.add(span, A, _iri(OA.SpecificResource))
        self.add(span, OA.hasSource, _iri(self.iri))
        self.add(span, OA.hasSelector, _iri(span + "-quote"))
        self.add(span, OA.hasSelector, _iri(span + "-position"))
        self.add(span + "-quote", A, _iri(OA.TextQuoteSelector))
        self.add(span + "-quote", OA.exact, _lit(quote))
        self.add(span + "-position", A, _iri(OA.TextPositionSelector))
        self.add(span + "-position", OA.start, _lit(str(start), dt=XSD.integer))
        self.add(span + "-position", OA.end, _lit(str(end), dt=XSD.integer))
        return span

    def text(self) -> str:
        return "".join(self.parts)

    def finish(self, year: int) -> tuple[list[str], str]:
        """Close the document: its kg:SourceDocument node (title span, digest); return (lines, text)."""
        title = f"Report {self.name}"
        body = self.text()
        full = title + "\n\n" + body
        shift = len(title) + 2
        lines = [_shift_span(line, shift) for line in self.lines]
        self.lines = lines
        span = f"{self.iri}/span-0-{len(title)}"
        for s, p, o in (
            (span, A, _iri(OA.SpecificResource)),
            (span, OA.hasSource, _iri(self.iri)),
            (span, OA.hasSelector, _iri(span + "-quote")),
            (span, OA.hasSelector, _iri(span + "-position")),
            (span + "-quote", A, _iri(OA.TextQuoteSelector)),
            (span + "-quote", OA.exact, _lit(title)),
            (span + "-position", A, _iri(OA.TextPositionSelector)),
            (span + "-position", OA.start, _lit("0", dt=XSD.integer)),
            (span + "-position", OA.end, _lit(str(len(title)), dt=XSD.integer)),
        ):
            self.add(s, p, o)
        self.add(self.iri, A, _iri(KG.SourceDocument))
        self.add(self.iri, LABEL, _lit(title, lang="en"))
        self.add(self.iri, DCTERMS.term("title"), _lit(title, lang="en"))
        self.add(self.iri, DCTERMS.identifier, _lit(f"{self.name}.txt"))
        self.add(self.iri, DCTERMS.date, _lit(str(year), dt=XSD.gYear))
        self.add(self.iri, KG.sha256, _lit(hashlib.sha256(full.encode("utf-8")).hexdigest()))
        self.add(self.iri, KG.evidence, _iri(span))
        return self.lines, full


def _shift_span(line: str, shift: int) -> str:
    """Move every span of a body line by ``shift`` code points (the title goes first)."""
    out = []
    for token in line.split(" "):
        if "/span-" in token and token.startswith("<"):
            head, _, tail = token[1:-1].rpartition("/span-")
            rest = tail.split("-", 2)
            start, end = int(rest[0]) + shift, int(rest[1]) + shift
            suffix = f"-{rest[2]}" if len(rest) > 2 else ""
            out.append(f"<{head}/span-{start}-{end}{suffix}>")
        elif token.startswith('"') and token.endswith(f"^^<{XSD}integer>") and out and out[-1].endswith(("start>", "end>")):
            out.append(_lit(str(int(token[1 : token.index('"', 1)]) + shift), dt=XSD.integer))
        else:
            out.append(token)
    return " ".join(out)


@dataclass
class World:
    """The shared entities every document talks about: states, regions, organisations."""

    states: list[tuple[str, str]]
    regions: list[tuple[str, str]]
    organisations: list[tuple[str, str]]


def _world(rng: random.Random, n_states: int) -> tuple[World, Document]:
    doc = Document("synthetic-world", SYN + "world")
    regions = []
    for i in range(max(2, n_states // 8)):
        name = f"{rng.choice(_WORDS).title()} Region {i}"
        iri = SYN + f"region-{i}"
        doc.node(iri, "Region", name, doc.say("The area known as ", name))
        if i >= 2:
            doc.add(iri, KG.locatedIn, _iri(SYN + f"region-{i % 2}"))
        regions.append((iri, name))
    states = []
    for i in range(n_states):
        name = f"State {i} of the {rng.choice(_WORDS)} lands"
        iri = SYN + f"state-{i}"
        doc.node(iri, "State", name, doc.say("One party is ", name), kk=f"Мемлекет {i}", ru=f"Государство {i}")
        doc.add(iri, KG.locatedIn, _iri(regions[i % len(regions)][0]))
        states.append((iri, name))
    organisations = []
    for i in range(max(2, n_states // 10)):
        name = f"Organisation for {rng.choice(_WORDS)} cooperation {i}"
        iri = SYN + f"org-{i}"
        doc.node(iri, "InternationalOrganisation", name, doc.say("Members meet in the ", name))
        organisations.append((iri, name))
    return World(states, regions, organisations), doc


def _unit(doc: Document, world: World, rng: random.Random, u: str, year: int, *, small: bool = False) -> None:
    """One story of a document: a crisis, talks about it, peacekeeping, a quote, a membership, an initiative.

    A ``small`` story has the crisis, the talks and the quoted offer (about 90 triples instead of 190).
    """
    p = f"{doc.iri}/{u}"
    s1, s2 = rng.sample(world.states, 2)
    host = rng.choice(world.states)
    org = rng.choice(world.organisations)
    bilateral = rng.random() < 0.3
    crisis = f"{p}-crisis"
    crisis_name = f"the crisis between {s1[1]} and {s2[1]}" if bilateral else f"the crisis in {s1[1]}"
    doc.node(
        crisis,
        "BilateralCrisis" if bilateral else "InternationalCrisis",
        crisis_name,
        doc.say("Observers followed ", crisis_name),
        kk=f"дағдарыс {u}",
        ru=f"кризис {u}",
    )
    doc.add(crisis, KG.involvesParty, _iri(s1[0]))
    if bilateral:
        doc.add(crisis, KG.involvesParty, _iri(s2[0]))
    doc.add(crisis, KG.takesPlaceIn, _iri(s1[0]))
    doc.add(crisis, KG.status, _iri(KG.term(rng.choice(("Occurred", "Ongoing")))))

    city = f"{p}-city"
    city_name = f"the city of {u.title()} in {host[1]}"
    doc.node(city, "City", city_name, doc.say("Delegations gathered in ", city_name))
    doc.add(city, KG.locatedIn, _iri(host[0]))

    status = rng.choice(_STATUSES)
    platform = f"{p}-talks"
    talks = f"talks on {crisis_name} in {city_name}"
    talks_span = doc.say(f"{host[1]} {'held' if status in ('Occurred', 'Ongoing') else 'offered'} ", talks)
    doc.node(platform, "PeaceProcess" if status == "Ongoing" else "NegotiationPlatform", talks, talks_span)
    doc.add(platform, KG.term(_HOST[status]), _iri(host[0]))
    doc.add(platform, KG.addresses, _iri(crisis))
    doc.add(platform, KG.venue, _iri(city))
    doc.add(platform, KG.status, _iri(KG.term(status)))
    if status in ("Occurred", "Ongoing") and not small:
        phrase = "since the beginning of last year"
        deriv = f"{p}-talks-start"
        deriv_span = doc.say("The talks have run ", phrase)
        doc.node(deriv, "Derivation", f"how the start of {talks} was worked out", deriv_span)
        doc.add(deriv, KG.derivedProperty, _iri(KG.startDate))
        doc.add(deriv, KG.derivedValue, _lit(str(year - 1), dt=XSD.gYear))
        doc.add(deriv, KG.derivedFromPhrase, _lit(phrase))
        doc.add(deriv, KG.method, _lit(f"The document is dated {year}, so last year is {year - 1}."))
        doc.add(platform, KG.startDate, _lit(str(year - 1), dt=XSD.gYear))
        doc.add(platform, KG.derivation, _iri(deriv))
        outcome = f"{p}-outcome"
        oname = f"stabilisation after {talks}"
        doc.node(outcome, "Stabilisation", oname, doc.say("The result was ", oname))
        doc.add(outcome, KG.status, _iri(KG.Occurred))
        doc.add(platform, KG.hasOutcome, _iri(outcome))

    if not small:
        _peacekeeping(doc, rng, p, host, s1, year)
    _quote(doc, p, u, host, crisis, crisis_name)
    if small:
        return
    _membership_and_initiative(doc, rng, p, u, host, s2, org, crisis_name, city, city_name, year)


def _peacekeeping(doc: Document, rng: random.Random, p: str, host: tuple[str, str], s1: tuple[str, str], year: int) -> None:
    force = f"{p}-force"
    fname = f"peacekeepers of {host[1]}"
    doc.node(force, "PeacekeepingForce", fname, doc.say("The ", fname, " deployed"))
    doc.add(force, KG.forceOf, _iri(host[0]))
    activity = f"{p}-demining"
    aname = f"mine clearing in {s1[1]}"
    doc.node(activity, rng.choice(("MineClearance", "BorderProtection", "HumanitarianAid")), aname, doc.say("They carried out ", aname))
    doc.add(activity, KG.performedBy, _iri(force))
    doc.add(activity, KG.takesPlaceIn, _iri(s1[0]))
    doc.add(activity, KG.date, _lit(f"{year - rng.randint(1, 20)}", dt=XSD.gYear))
    doc.add(activity, KG.status, _iri(KG.Occurred))


def _quote(doc: Document, p: str, u: str, host: tuple[str, str], crisis: str, crisis_name: str) -> None:
    speaker = f"{p}-speaker"
    doc.node(speaker, "Person", f"a diplomat quoted in {doc.name} ({u})", doc.say("A diplomat ", "said"))
    quote = f"{p}-quote"
    qtext = f"we are ready to help settle {crisis_name}"
    qspan = doc.say("“", qtext, ",” the diplomat said.")
    doc.node(quote, "QuotedStatement", f"quotation on {crisis_name}", qspan)
    doc.add(quote, KG.speaker, _iri(speaker))
    doc.add(quote, KG.reportedIn, _iri(doc.iri))
    offer = f"{p}-offer"
    doc.node(offer, "Mediation", f"offer to mediate in {crisis_name}", qspan)
    doc.add(offer, KG.mediator, _iri(host[0]))
    doc.add(offer, KG.addresses, _iri(crisis))
    doc.add(offer, KG.status, _iri(KG.Offered))
    doc.add(offer, KG.claimedIn, _iri(quote))


def _membership_and_initiative(  # noqa: PLR0913, PLR0917 - one story's cast, as the caller names them
    doc: Document,
    rng: random.Random,
    p: str,
    u: str,
    host: tuple[str, str],
    s2: tuple[str, str],
    org: tuple[str, str],
    crisis_name: str,
    city: str,
    city_name: str,
    year: int,
) -> None:
    membership = f"{p}-membership"
    mname = f"membership of {host[1]} in {org[1]}"
    doc.node(membership, "Membership", mname, doc.say(f"Since {year - 3}, ", mname, " has lasted"))
    doc.add(membership, KG.member, _iri(host[0]))
    doc.add(membership, KG.membershipIn, _iri(org[0]))
    doc.add(membership, KG.startDate, _lit(str(year - 3), dt=XSD.gYear))
    doc.add(membership, KG.endDate, _lit(str(year - rng.randint(0, 2)), dt=XSD.gYear))
    doc.add(membership, KG.status, _iri(KG.Occurred))

    initiative = f"{p}-initiative"
    iname = f"initiative of {host[1]} on {crisis_name}"
    doc.node(initiative, "Initiative", iname, doc.say("It put forward the ", iname))
    doc.add(initiative, KG.proposedBy, _iri(host[0]))
    support = f"{p}-support"
    sname = f"support of {s2[1]} for the {iname}"
    doc.node(support, "Support", sname, doc.say("There was ", sname))
    doc.add(support, KG.endorser, _iri(s2[0]))
    doc.add(support, KG.endorsementOf, _iri(initiative))
    doc.add(support, KG.status, _iri(KG.Ongoing))

    claim = f"{p}-claim"
    ctext = f"{host[1]} is an authoritative peacemaker"
    doc.node(claim, "Proposition", f"claim that {ctext}", doc.say("Many agree that ", ctext))
    doc.add(claim, KG.text, _lit(ctext + "."))
    doc.add(claim, KG.about, _iri(host[0]))
    doc.add(claim, KG.characterises, _iri(host[0]))
    doc.add(claim, KG.characterisedAs, _iri(KG.AuthoritativePeacemaker))

    if rng.random() < 0.2:
        background = f"{p}-bg"
        doc.add(city, KG.capitalOf, _iri(host[0]))
        doc.add(background, A, _iri(KG.BackgroundStatement))
        doc.add(background, LABEL, _lit(f"{city_name} is the capital (background)", lang="en"))
        doc.add(background, RDF.subject, _iri(city))
        doc.add(background, RDF.predicate, _iri(KG.capitalOf))
        doc.add(background, RDF.object, _iri(host[0]))
        doc.add(background, DCTERMS.source, _iri("https://example.org/atlas"))


@dataclass
class Generated:
    """N-Triples lines of the facts and the texts they cite, by file name."""

    lines: list[str]
    texts: dict[str, str]

    def write(self, facts: Path, sources: Path) -> None:
        facts.parent.mkdir(parents=True, exist_ok=True)
        sources.mkdir(parents=True, exist_ok=True)
        facts.write_text("\n".join(self.lines) + "\n", encoding="utf-8")
        for name, text in self.texts.items():
            (sources / name).write_text(text, encoding="utf-8")


_UNIT_TRIPLES = 187  # about what one story adds, spans included


def generate(triples: int, *, seed: int = 0, units_per_document: int = 12) -> Generated:
    """About ``triples`` asserted triples of conforming facts (at least one document)."""
    rng = random.Random(seed)
    units = max(1, triples // _UNIT_TRIPLES)
    world, world_doc = _world(rng, max(8, int(units**0.5) * 2))
    lines, world_text = world_doc.finish(2018)
    texts = {"synthetic-world.txt": world_text}
    d = 0
    while units > 0:
        name = f"synthetic-doc-{seed}-{d}"
        doc = Document(name, SYN + name)
        year = 2000 + rng.randint(5, 24)
        for u in range(min(units, units_per_document)):
            _unit(doc, world, rng, f"u{u}", year)
        units -= units_per_document
        doc_lines, text = doc.finish(year)
        lines += doc_lines
        texts[f"{name}.txt"] = text
        d += 1
    return Generated(lines, texts)


def write_workspace(workspace: Path, triples: int, *, seed: int = 0) -> Generated:
    """Generate facts into ``workspace/facts/synthetic.ttl`` and their texts into ``workspace/sources/``."""
    generated = generate(triples, seed=seed)
    generated.write(Path(workspace) / "facts" / f"synthetic-{seed}.ttl", Path(workspace) / "sources")
    return generated


def delta(*, seed: int = 1, stories: int = 1, far_reaching: bool = True, small: bool = False) -> Generated:
    """A small file of new facts from a new document, about entities of a graph made by :func:`generate`.

    About 190 triples per story (90 if ``small``), and 16 for the document. With
    ``far_reaching``, the new document also places one region inside another, which reaches
    every place below it through ``kg:locatedIn``.
    """
    rng = random.Random(seed)
    world, _ = _world(random.Random(0), 8)
    name = f"synthetic-delta-{seed}"
    doc = Document(name, SYN + name)
    for u in range(stories):
        _unit(doc, world, rng, f"d{u}", 2019, small=small)
    if far_reaching:
        region = world.regions[1]
        doc.add(region[0], KG.locatedIn, _iri(world.regions[0][0]))
        doc.add(region[0], KG.evidence, _iri(doc.say("The ", region[1], " lies within the larger area")))
    lines, text = doc.finish(2019)
    return Generated(lines, {f"{name}.txt": text})


def inject_violations(triples: list[ox.Triple]) -> tuple[list[ox.Triple], set[str]]:  # noqa: PLR0915 - one break per shape, listed
    """Break every shape of ``ontology/shapes.ttl`` once in a generated graph; return it and the shapes broken.

    Each break changes one node (or adds one node that cites an existing span), so that the
    graph stays consistent under OWL 2 RL and only validation notices.
    """
    out = list(triples)
    broken: set[str] = set()
    rdf_type, label = ox.NamedNode(A), ox.NamedNode(LABEL)

    def kg(local: str) -> ox.NamedNode:
        return KG.node(local)

    def oa(local: str) -> ox.NamedNode:
        return OA.node(local)

    def first(cls: str, where: Callable[[Subject], bool] = lambda _n: True) -> Subject:
        return next(t.subject for t in out if t.predicate == rdf_type and t.object == kg(cls) and where(t.subject))

    def values(node: Term, pred: ox.NamedNode) -> list[Term]:
        return [t.object for t in out if t.subject == node and t.predicate == pred]

    def drop(node: Term, pred: ox.NamedNode) -> None:
        out[:] = [t for t in out if not (t.subject == node and t.predicate == pred)]

    def add(node: Subject, pred: ox.NamedNode, obj: Term) -> None:
        out.append(ox.Triple(node, pred, obj))

    span = next(t.object for t in out if t.predicate == kg("evidence"))
    state = first("State")
    other_state = first("State", lambda n: n != state)
    person = first("Person")
    org = first("InternationalOrganisation")

    def new(cls: str, name: str, *, event: bool = False) -> ox.NamedNode:
        node = ox.NamedNode(f"{SYN}broken/{name.replace(' ', '-')}")
        add(node, rdf_type, kg(cls))
        add(node, label, ox.Literal(name, language="en"))
        add(node, kg("evidence"), span)
        if event:
            add(node, kg("status"), kg("Occurred"))
        return node

    def gyear(year: int) -> ox.Literal:
        return ox.Literal(str(year), datatype=ox.NamedNode(XSD.gYear))

    add(state, label, ox.Literal("a second English name", language="en"))
    broken.add("LabelShape")
    drop(first("Initiative"), kg("evidence"))
    broken.add("EvidenceShape")
    quote_selectors = [t.subject for t in out if t.predicate == rdf_type and t.object == oa("TextQuoteSelector")]
    drop(quote_selectors[0], oa("exact"))
    add(quote_selectors[0], oa("exact"), ox.Literal("words not in the text"))
    broken.add("SpanShape")
    add(quote_selectors[1], oa("exact"), ox.Literal(""))
    broken.add("TextQuoteSelectorShape")
    position = next(t.subject for t in out if t.predicate == rdf_type and t.object == oa("TextPositionSelector"))
    end = values(position, oa("end"))[0]
    drop(position, oa("start"))
    add(position, oa("start"), ox.Literal(str(int(lexical(end)) + 5), datatype=ox.NamedNode(XSD.integer)))
    broken.add("TextPositionSelectorShape")
    add(
        first("MineClearance") if any(t.object == kg("MineClearance") for t in out) else first("BorderProtection"), kg("date"), ox.Literal("sometime")
    )
    broken.add("EventShape")
    membership = first("Membership")
    start = int(lexical(values(membership, kg("startDate"))[0]))
    drop(membership, kg("endDate"))
    add(membership, kg("endDate"), gyear(start - 5))
    broken.add("PeriodShape")
    add(first("InternationalCrisis"), kg("involvesParty"), ox.Literal("a party named only in words"))
    broken.add("ConflictShape")
    add(first("BilateralCrisis"), kg("involvesParty"), state)
    add(first("BilateralCrisis"), kg("involvesParty"), other_state)
    broken.add("BilateralCrisisShape")
    offered = next(t.subject for t in out if t.predicate == kg("offeredBy"))
    add(offered, kg("potentialHost"), state)
    broken.add("PlatformShape")
    drop(first("Mediation"), kg("mediator"))
    broken.add("MediationShape")
    activity = next(
        t.subject for t in out if t.predicate == kg("performedBy") and any(u.subject == t.subject and u.predicate == kg("takesPlaceIn") for u in out)
    )
    drop(activity, kg("takesPlaceIn"))
    broken.add("FieldActivityShape")
    new("Stabilisation", "an outcome of nothing", event=True)
    broken.add("OutcomeShape")
    add(new("NuclearRenunciation", "a renunciation by a person", event=True), kg("performedBy"), person)
    broken.add("DisarmamentShape")
    add(new("TestSiteClosure", "a closure of no site", event=True), kg("performedBy"), state)
    broken.add("TestSiteClosureShape")
    add(new("TreatyDisregard", "a disregard of no treaty", event=True), kg("performedBy"), state)
    broken.add("TreatyDisregardShape")
    add(new("SecurityCouncilMeasure", "a measure against no one", event=True), kg("imposedBy"), org)
    broken.add("MeasureShape")
    drop(first("Membership", lambda n: n != membership), kg("startDate"))
    broken.add("MembershipShape")
    drop(first("Initiative", lambda n: n != first("Initiative")), kg("proposedBy"))
    broken.add("InitiativeShape")
    add(first("Support"), kg("endorser"), state)
    add(first("Support"), kg("endorser"), other_state)
    broken.add("EndorsementShape")
    drop(first("QuotedStatement"), kg("speaker"))
    broken.add("StatementShape")
    claimed = next(t.subject for t in out if t.predicate == kg("claimedIn"))
    add(claimed, kg("claimedIn"), first("QuotedStatement", lambda n: n not in values(claimed, kg("claimedIn"))))
    broken.add("ClaimShape")
    drop(first("Proposition"), kg("text"))
    broken.add("PropositionShape")
    drop(next(t.subject for t in out if t.predicate == kg("characterisedAs")), kg("characterisedAs"))
    broken.add("CharacterisationClaimShape")
    add(person, kg("holdsOffice"), ox.Literal("an office named only in words"))
    broken.add("PersonShape")
    new("Office", "an office of no one")
    broken.add("OfficeShape")
    drop(first("PeacekeepingForce"), kg("forceOf"))
    broken.add("PeacekeepingForceShape")
    new("OrganisationOrgan", "an organ of nothing")
    broken.add("OrganOfShape")
    city = first("City")
    add(city, kg("capitalOf"), state)
    add(city, kg("capitalOf"), other_state)
    broken.add("CityShape")
    new("Headquarters", "headquarters of nothing")
    broken.add("HeadquartersShape")
    new("Meeting", "a meeting of no one", event=True)
    broken.add("MeetingShape")
    add(state, ox.NamedNode(SKOS.exactMatch), ox.NamedNode("http://example.org/not-wikidata"))
    broken.add("WikidataMatchShape")
    out[:] = [
        t for t in out if not (t.subject == other_state and t.predicate == label and isinstance(t.object, ox.Literal) and t.object.language == "kk")
    ]
    broken.add("TranslationShape")
    drop(first("SourceDocument"), ox.NamedNode(DCTERMS.term("title")))
    broken.add("SourceDocumentShape")
    derivation = first("Derivation")
    drop(derivation, kg("derivedFromPhrase"))
    add(derivation, kg("derivedFromPhrase"), ox.Literal("words nobody wrote"))
    broken.add("DerivationShape")
    circular = next(t.object for t in out if t.predicate == kg("derivation") and t.object != derivation and isinstance(t.object, ox.NamedNode))
    add(circular, kg("basedOn"), circular)  # a derivation that rests on itself
    broken.add("DerivationGroundShape")
    background = next(t.subject for t in out if t.predicate == rdf_type and t.object == kg("BackgroundStatement"))
    drop(background, ox.NamedNode(RDF.object))
    add(background, ox.NamedNode(RDF.object), other_state)
    broken.add("BackgroundStatementShape")
    assertion = first("Assertion")
    drop(assertion, ox.NamedNode(RDF.object))
    add(assertion, ox.NamedNode(RDF.object), ox.Literal("words the text never says"))
    broken.add("AssertionShape")
    identification = first("Identification")
    drop(identification, kg("identifyingPhrase"))
    add(identification, kg("identifyingPhrase"), ox.Literal("words the span does not hold"))
    broken.add("IdentificationShape")
    return out, broken


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write synthetic kgraph facts into a workspace.")
    parser.add_argument("--triples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workspace", required=True, type=Path)
    args = parser.parse_args(argv)
    generated = write_workspace(args.workspace, args.triples, seed=args.seed)
    print(f"wrote {len(generated.lines)} triples and {len(generated.texts)} texts into {args.workspace}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
