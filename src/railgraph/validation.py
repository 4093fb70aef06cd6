"""SHACL validation with pyshacl, reported as data.

pyshacl runs on the union of the asserted and inferred triples (inference is railgraph's own, kept
in its named graph, so pyshacl runs none of its own). Its results graph is turned into
:class:`ValidationResult` records that name the focus node, the shape and the source file.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from pyshacl import validate as pyshacl_validate
from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from .errors import ShapesError
from .namespaces import SH


class Severity(str, enum.Enum):
    """SHACL severities, worst first."""

    VIOLATION = "Violation"
    WARNING = "Warning"
    INFO = "Info"


@dataclass(frozen=True)
class ValidationResult:
    """One SHACL result, located where possible."""

    severity: Severity
    focus_node: str
    shape: str
    message: str
    path: str | None = None
    value: str | None = None
    file: str | None = None
    line: int | None = None

    def location(self) -> str:
        if self.file is None:
            return self.focus_node
        return f"{self.file}:{self.line}" if self.line else self.file

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["severity"] = self.severity.value
        return data


@dataclass
class ValidationReport:
    """The outcome of validating the catalogue: conforming unless it holds a violation."""

    results: list[ValidationResult] = field(default_factory=list)
    graph: Graph | None = None

    @property
    def violations(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity is Severity.VIOLATION]

    @property
    def warnings(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity is Severity.WARNING]

    @property
    def conforms(self) -> bool:
        return not self.violations

    def to_json(self) -> str:
        return json.dumps({"conforms": self.conforms,
                           "violations": len(self.violations),
                           "warnings": len(self.warnings),
                           "results": [r.to_dict() for r in self.results]}, indent=2)

    def to_text(self) -> str:
        lines = [f"{r.severity.value}: {r.location()}: {r.message}\n"
                 f"    focus: <{r.focus_node}>  shape: <{r.shape}>"
                 + (f"  path: {r.path}" if r.path else "")
                 + (f"  value: {r.value}" if r.value else "")
                 for r in self.results]
        verdict = "conforms" if self.conforms else "does not conform"
        lines.append(f"{verdict}: {len(self.violations)} violation(s), {len(self.warnings)} warning(s)")
        return "\n".join(lines)


_SEVERITIES = {SH.Violation: Severity.VIOLATION, SH.Warning: Severity.WARNING, SH.Info: Severity.INFO}


Locator = Callable[[Node], tuple[str, int | None] | None]


def validate(data: Graph, shapes: Graph, locate: Locator | None = None) -> ValidationReport:
    """Validate ``data`` against ``shapes``; ``locate`` gives the (file, line) defining a node."""
    try:
        _conforms, results_graph, _text = pyshacl_validate(
            data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True,
            allow_infos=True)
    except Exception as exc:  # pyshacl reports broken shapes with several exception types
        raise ShapesError(f"the SHACL shapes could not be applied: {exc}",
                          hint="check shapes/*.ttl with `railgraph validate --debug`") from exc
    results = [_result(results_graph, node, locate or (lambda node: None))
               for node in results_graph.objects(predicate=SH.result)]  # nested sh:detail are not results
    results.sort(key=lambda r: (list(Severity).index(r.severity), r.file or "", r.line or 0,
                                r.focus_node, r.shape))
    return ValidationReport(results, results_graph)


def _result(graph: Graph, node: Node, locate: Locator) -> ValidationResult:
    def one(predicate: URIRef) -> Node | None:
        return graph.value(node, predicate)

    focus = one(SH.focusNode)
    shape = one(SH.sourceShape)
    messages = sorted(str(m) for m in graph.objects(node, SH.resultMessage))
    path = one(SH.resultPath)
    value = one(SH.value)
    file, line = (locate(focus) if focus is not None else None) or (None, None)
    return ValidationResult(
        severity=_SEVERITIES.get(one(SH.resultSeverity), Severity.VIOLATION),  # type: ignore[arg-type]
        focus_node=str(focus),
        shape=str(shape),
        message=messages[0] if messages else "constraint not met",
        path=_n3(path),
        value=_n3(value),
        file=file,
        line=line,
    )


def _n3(node: Node | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, Literal):
        return node.n3()
    return str(node) if isinstance(node, URIRef) else node.n3()
