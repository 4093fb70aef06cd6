"""A SHACL report in plain words: for each result, what is wrong, where, and how to fix it.

Each :class:`Explanation` names the file and line (from :meth:`Catalogue.locate`), the entry,
the field and the value, says what the constraint wants, and gives the shape's own fix. For a value
outside a controlled vocabulary (a SPARQL scheme check, ``sh:in``, or ``sh:class`` of a kind of
entry) it lists the closest allowed values, matched with :mod:`difflib` on their slug, notation
and label.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from ..namespaces import DCTERMS, FOAF, RDF, SH, SKOS
from ..validation import ValidationReport, ValidationResult
from .schema import Schema, curie

if TYPE_CHECKING:
    from ..catalogue import Catalogue

__all__ = ["Explanation", "explain", "render"]

#: Constraint component -> what it asks, in words ({n}: the shape's parameter).
_WANTS = {
    SH.MinCountConstraintComponent: "is missing (at least {n} value needed)",
    SH.MaxCountConstraintComponent: "has too many values: at most {n} allowed",
    SH.LanguageInConstraintComponent: "must be text tagged with the language {n}",
    SH.UniqueLangConstraintComponent: "has two values in the same language",
    SH.DatatypeConstraintComponent: "must be a literal of type {n}",
    SH.NodeKindConstraintComponent: "must be {n}",
    SH.PatternConstraintComponent: "does not have the expected form ({n})",
    SH.ClassConstraintComponent: "must point to a {n} of the catalogue",
    SH.InConstraintComponent: "must be one of {n}",
    SH.SPARQLConstraintComponent: "breaks a rule of the catalogue",
}
_PARAMETERS = {
    SH.MinCountConstraintComponent: SH.minCount, SH.MaxCountConstraintComponent: SH.maxCount,
    SH.LanguageInConstraintComponent: SH.languageIn, SH.DatatypeConstraintComponent: SH.datatype,
    SH.NodeKindConstraintComponent: SH.nodeKind, SH.PatternConstraintComponent: SH.pattern,
    SH.ClassConstraintComponent: SH["class"], SH.InConstraintComponent: SH["in"],
}
_NODE_KINDS = {SH.IRI: "an IRI <https://...>", SH.Literal: "a literal", SH.BlankNode: "a blank node",
               SH.BlankNodeOrIRI: "an IRI or a blank node", SH.IRIOrLiteral: "an IRI or a literal"}
MAX_SUGGESTIONS = 3


@dataclass(frozen=True)
class Explanation:
    """One validation result, explained."""

    severity: str
    where: str  # file:line, else the focus node
    entry: str
    field: str | None
    value: str | None
    problem: str  # a sentence: what is wrong
    fix: str  # the shape's own instruction
    closest: tuple[str, ...] = ()  # allowed values nearest to the wrong one

    def text(self) -> str:
        return "\n".join([f"{self.severity}: {self.where}: {self.problem}", *advice(self.fix, self.closest)])

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["closest"] = list(self.closest)
        return data


def advice(fix: str | None, closest: Sequence[str]) -> list[str]:
    """The indented ``fix:`` and ``closest allowed values:`` lines under a problem."""
    lines = [f"    fix: {fix}"] if fix else []
    if closest:
        lines.append(f"    closest allowed values: {', '.join(closest)}")
    return lines


def explain(report: ValidationReport, catalogue: Catalogue) -> list[Explanation]:
    """Every result of ``report`` in plain words, in the report's order."""
    schema = Schema.of(catalogue)
    components = _components(report.graph)
    return [_explain(result, components.get(_key(result), SH.SPARQLConstraintComponent), schema, catalogue)
            for result in report.results]


def render(explanations: list[Explanation]) -> str:
    """The explanations as text, one block each."""
    return "\n".join(e.text() for e in explanations)


def _explain(result: ValidationResult, component: URIRef, schema: Schema, catalogue: Catalogue) -> Explanation:
    focus = URIRef(result.focus_node)
    shape = _shape_node(result.shape)
    path = URIRef(result.path) if result.path and "://" in result.path and " " not in result.path else None
    field = curie(path) if path is not None else result.path
    parameter = catalogue.shapes.value(shape, _PARAMETERS[component]) if component in _PARAMETERS else None
    wants = _WANTS.get(component, "breaks a rule of the catalogue").format(n=_parameter(catalogue.shapes, parameter))
    name = _name(catalogue.asserted, focus)
    subject = f"{name} <{focus}>" if name else f"<{focus}>"
    if component == SH.SPARQLConstraintComponent and path in schema.schemes and result.value:
        scheme = str(schema.schemes[path]).rsplit("/", 1)[-1]
        problem = f"{subject}: the value {result.value} of {field} is not a concept of the {scheme} scheme"
    elif component == SH.SPARQLConstraintComponent:
        problem = f"{subject}: {field} {wants}" if field else f"{subject} {wants}"
        if result.value:
            problem += f" (value {result.value})"
    elif result.value is not None:
        problem = f"{subject}: the value {result.value} of {field} {wants}"
    else:
        problem = f"{subject}: {field} {wants}"
    closest = _closest(result, component, path, parameter, schema, catalogue)
    return Explanation(result.severity.value, result.location(), str(focus), field, result.value,
                       problem + ".", result.message, closest)


def _closest(result: ValidationResult, component: URIRef, path: URIRef | None, parameter: Node | None,
             schema: Schema, catalogue: Catalogue) -> tuple[str, ...]:
    """The allowed values nearest to a wrong one, when the field is controlled."""
    if result.value is None:
        return ()
    wrong = result.value.strip("<>").rsplit("/", 1)[-1].rsplit("#", 1)[-1].strip('"').lower()
    names: dict[str, str] = {}  # a name to match on -> the value to show
    if component == SH.SPARQLConstraintComponent and path is not None and path in schema.schemes:
        for concept in schema.concepts(schema.schemes[path]):
            shown = f"<{concept.iri}> ({concept.label})"
            for candidate in (concept.slug, concept.notation, concept.label):
                if candidate:
                    names.setdefault(candidate.lower(), shown)
    elif component == SH.InConstraintComponent and parameter is not None:
        from rdflib.collection import Collection

        for value in Collection(catalogue.shapes, parameter):
            names[str(value).rsplit("/", 1)[-1].lower()] = value.n3() if isinstance(value, Literal) else f"<{value}>"
    elif component == SH.ClassConstraintComponent and isinstance(parameter, URIRef):
        union = catalogue.union()
        for member in sorted(set(union.subjects(RDF.type, parameter))):
            if isinstance(member, URIRef) and not schema.is_deprecated(member):
                names.setdefault(str(member).rsplit("/", 1)[-1].lower(), f"<{member}>")
    else:
        return ()
    matches = difflib.get_close_matches(wrong, list(names), n=MAX_SUGGESTIONS * 2, cutoff=0.5)
    return tuple(dict.fromkeys(names[m] for m in matches))[:MAX_SUGGESTIONS]


def _components(graph: Graph | None) -> dict[tuple[str, str, str | None], URIRef]:
    """(focus, shape, value) -> the constraint component of each result of the report graph."""
    found: dict[tuple[str, str, str | None], URIRef] = {}
    if graph is None:
        return found
    for node in graph.objects(predicate=SH.result):
        component = graph.value(node, SH.sourceConstraintComponent)
        value = graph.value(node, SH.value)
        key = (str(graph.value(node, SH.focusNode)), str(graph.value(node, SH.sourceShape)),
               _as_text(value))
        if isinstance(component, URIRef):
            found.setdefault(key, component)
    return found


def _key(result: ValidationResult) -> tuple[str, str, str | None]:
    return result.focus_node, result.shape, result.value


def _as_text(node: Node | None) -> str | None:
    """A value as :class:`ValidationResult` shows it (an IRI bare, a literal in N3)."""
    if node is None:
        return None
    return str(node) if isinstance(node, URIRef) else node.n3()


def _shape_node(text: str) -> Node:
    from rdflib import BNode

    return URIRef(text) if "://" in text else BNode(text)


def _parameter(shapes: Graph, value: Node | None) -> str:
    if value is None:
        return ""
    if value in _NODE_KINDS:
        return _NODE_KINDS[value]  # type: ignore[index]
    if isinstance(value, Literal):
        return str(value)
    if (value, RDF.first, None) in shapes:
        from rdflib.collection import Collection

        return ", ".join(f'"{v}"' if isinstance(v, Literal) else curie(v) for v in Collection(shapes, value))
    return curie(value)


def _name(graph: Graph, node: URIRef) -> str | None:
    for predicate in (DCTERMS.title, FOAF.name, SKOS.prefLabel):
        value = graph.value(node, predicate)
        if value is not None:
            return f'"{value}"'
    return None
