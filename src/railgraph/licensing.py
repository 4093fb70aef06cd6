"""Licence reasoning: may a model or licence be used for a purpose, and how do two licences differ.

Both read the union of asserted and inferred triples:

* a use restriction covers a purpose when its restricted use is the purpose or a broader concept
  (``skos:broader``): a clause on malware covers ransomware;
* a restriction with an ``rg:unlessCondition`` or an ``rg:scope`` makes the use *conditional*
  (forbidden unless the condition holds, or only within the scope); one without is *forbidden*;
* a model is bound by the licences it is released under, and by the licences of the models it
  derives from (``rg:derivedFromModel``, transitively) whose licence passes its restrictions on
  (a duty with ``odrl:action odrl:nextPolicy``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal as TypingLiteral

from rdflib import Graph, URIRef
from rdflib.term import Node

from .namespaces import DCTERMS, ODRL, RDFS, RG, SKOS

Verdict = TypingLiteral["forbidden", "conditional", "unrestricted"]


@dataclass(frozen=True)
class ConsideredLicence:
    """A licence that binds the use, and why."""

    licence: str
    title: str
    reason: str


@dataclass(frozen=True)
class ClauseFinding:
    """One clause that restricts the use."""

    licence: str
    licence_title: str
    clause: str
    clause_id: str
    section: str
    label: str
    restricted_use: str
    verdict: Verdict
    scopes: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()
    text_location: str | None = None


@dataclass
class UseCheck:
    """The answer of :func:`check_use`."""

    purpose: str
    purpose_label: str
    subject: str
    considered: list[ConsideredLicence] = field(default_factory=list)
    findings: list[ClauseFinding] = field(default_factory=list)

    @property
    def verdict(self) -> Verdict:
        verdicts = {f.verdict for f in self.findings}
        if "forbidden" in verdicts:
            return "forbidden"
        return "conditional" if verdicts else "unrestricted"

    def to_dict(self) -> dict[str, object]:
        return {"verdict": self.verdict, "purpose": self.purpose, "purpose_label": self.purpose_label,
                "subject": self.subject, "considered": [asdict(c) for c in self.considered],
                "findings": [asdict(f) for f in self.findings]}


def _label(graph: Graph, node: Node) -> str:
    for predicate in (SKOS.prefLabel, DCTERMS.title, RDFS.label):
        value = graph.value(node, predicate)
        if value is not None:
            return str(value)
    return str(node)


def passes_restrictions_on(graph: Graph, licence: Node) -> bool:
    """True when the licence has a duty to pass its restrictions on (odrl:nextPolicy)."""
    for permission in graph.objects(licence, ODRL.permission):
        for duty in graph.objects(permission, ODRL.duty):
            if (duty, ODRL.action, ODRL.nextPolicy) in graph:
                return True
    return False


def licences_binding_model(graph: Graph, model: URIRef) -> list[ConsideredLicence]:
    """The model's own licences, then those its ancestors' licences pass on to it."""
    considered: dict[str, ConsideredLicence] = {}
    for licence in sorted(graph.objects(model, RG.releasedUnder)):
        considered[str(licence)] = ConsideredLicence(str(licence), _label(graph, licence),
                                                     f"{_label(graph, model)} is released under it")
    seen: set[Node] = {model}
    frontier = [(model, parent) for parent in sorted(graph.objects(model, RG.derivedFromModel))]
    while frontier:
        child, ancestor = frontier.pop(0)
        if ancestor in seen:
            continue
        seen.add(ancestor)
        for licence in sorted(graph.objects(ancestor, RG.releasedUnder)):
            if str(licence) in considered:
                continue
            if passes_restrictions_on(graph, licence):
                considered[str(licence)] = ConsideredLicence(
                    str(licence), _label(graph, licence),
                    f"{_label(graph, model)} derives from {_label(graph, ancestor)}, released under it, "
                    "and the licence requires its restrictions to flow down to derivatives")
        frontier.extend((ancestor, parent) for parent in sorted(graph.objects(ancestor, RG.derivedFromModel)))
    return list(considered.values())


def covering_uses(graph: Graph, purpose: URIRef) -> set[Node]:
    """The purpose and every broader restricted use (a clause on any of them covers it)."""
    found: set[Node] = set()
    frontier: list[Node] = [purpose]
    while frontier:
        concept = frontier.pop()
        if concept not in found:
            found.add(concept)
            frontier.extend(graph.objects(concept, SKOS.broader))
    return found


def check_use(graph: Graph, subject: URIRef, purpose: URIRef, *, is_model: bool) -> UseCheck:
    """Which clauses of the licences binding ``subject`` restrict ``purpose``."""
    if is_model:
        considered = licences_binding_model(graph, subject)
    else:
        considered = [ConsideredLicence(str(subject), _label(graph, subject), "the licence asked about")]
    result = UseCheck(str(purpose), _label(graph, purpose), str(subject), considered)
    covering = covering_uses(graph, purpose)
    for entry in considered:
        licence = URIRef(entry.licence)
        location = _text_location(graph, licence)
        for clause in sorted(graph.objects(licence, ODRL.prohibition)):
            uses = set(graph.objects(clause, RG.restrictedUse)) & covering
            if not uses:
                continue
            scopes = tuple(sorted(_label(graph, s) for s in graph.objects(clause, RG.scope)))
            unless = tuple(sorted(_label(graph, c) for c in graph.objects(clause, RG.unlessCondition)))
            result.findings.append(ClauseFinding(
                licence=entry.licence, licence_title=entry.title, clause=str(clause),
                clause_id=str(graph.value(clause, RG.clauseId) or ""),
                section=str(graph.value(clause, RG.section) or ""),
                label=_label(graph, clause), restricted_use=str(sorted(uses)[0]),
                verdict="conditional" if scopes or unless else "forbidden",
                scopes=scopes, unless=unless, text_location=location))
    return result


def _text_location(graph: Graph, licence: Node) -> str | None:
    location = graph.value(licence, RG.textLocation)
    if location is None:
        return None
    repository, path, commit = (graph.value(location, p) for p in (RG.repository, RG.repositoryPath, RG.commit))
    if repository is None or path is None:
        return None
    return f"{repository}:{path}" + (f"@{commit}" if commit else "")


@dataclass(frozen=True)
class Difference:
    """One difference between licence A and licence B."""

    change: str  # added, dropped, narrowed, widened, relaxed, tightened
    kind: str  # restriction or duty
    subject: str  # the restricted-use concept or the duty action
    label: str
    qualifier: str | None = None
    clause_a: str | None = None
    clause_b: str | None = None


def diff(graph: Graph, a: URIRef, b: URIRef) -> list[Difference]:
    """Restrictions (matched by restricted use) and duties (by action) that differ from A to B."""
    differences: list[Difference] = []
    clauses_a, clauses_b = _by_use(graph, a), _by_use(graph, b)
    for use in sorted(set(clauses_a) | set(clauses_b)):
        label = _label(graph, use)
        in_a, in_b = clauses_a.get(use), clauses_b.get(use)
        if in_a is None or in_b is None:
            change, clause = ("added", in_b) if in_a is None else ("dropped", in_a)
            assert clause is not None
            differences.append(Difference(change, "restriction", str(use), label,
                                          clause_a=_clause_id(graph, in_a), clause_b=_clause_id(graph, in_b)))
            continue
        for prop, gained, lost in ((RG.scope, "narrowed", "widened"),
                                   (RG.unlessCondition, "relaxed", "tightened")):
            qualifiers_a, qualifiers_b = set(graph.objects(in_a, prop)), set(graph.objects(in_b, prop))
            for change, qualifiers in ((gained, qualifiers_b - qualifiers_a), (lost, qualifiers_a - qualifiers_b)):
                for qualifier in sorted(qualifiers):
                    differences.append(Difference(change, "restriction", str(use), label,
                                                  qualifier=_label(graph, qualifier),
                                                  clause_a=_clause_id(graph, in_a),
                                                  clause_b=_clause_id(graph, in_b)))
    duties_a, duties_b = _duties_by_action(graph, a), _duties_by_action(graph, b)
    for action in sorted(set(duties_a) ^ set(duties_b)):
        change = "added" if action in duties_b else "dropped"
        duty = duties_b.get(action) or duties_a[action]
        differences.append(Difference(change, "duty", str(action), _label(graph, duty),
                                      clause_a=_clause_id(graph, duties_a.get(action)),
                                      clause_b=_clause_id(graph, duties_b.get(action))))
    return differences


def _by_use(graph: Graph, licence: URIRef) -> dict[Node, Node]:
    found: dict[Node, Node] = {}
    for clause in sorted(graph.objects(licence, ODRL.prohibition)):
        for use in graph.objects(clause, RG.restrictedUse):
            found.setdefault(use, clause)
    return found


def _duties_by_action(graph: Graph, licence: URIRef) -> dict[Node, Node]:
    found: dict[Node, Node] = {}
    for permission in sorted(graph.objects(licence, ODRL.permission)):
        for duty in sorted(graph.objects(permission, ODRL.duty)):
            for action in graph.objects(duty, ODRL.action):
                found.setdefault(action, duty)
    return found


def _clause_id(graph: Graph, node: Node | None) -> str | None:
    if node is None:
        return None
    value = graph.value(node, RG.clauseId)
    return str(value) if value is not None else None
