"""What an import did, entry by entry: created, updated, unchanged or rejected (with why).

Every import (``railgraph import csv|json|model-cards|railgraph``) ends in an :class:`ImportReport`.
A rejected row names where it was (row number, or the file of a model card), the field, the value
and the reason in plain words, with the closest allowed values where the field is controlled.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from ..curation.explain import advice

__all__ = ["Change", "ImportReport", "Rejection"]


@dataclass(frozen=True)
class Rejection:
    """A row (or card, or entry) that was not imported, and why."""

    origin: str  # "tools.csv row 4", "cards/bigcode/starcoder/README.md", "export.ttl"
    field: str | None  # the column or front-matter field at fault, when one is
    value: str | None
    reason: str
    fix: str = ""
    closest: tuple[str, ...] = ()
    row: int | None = None  # the row or object number, where the source has rows

    def text(self) -> str:
        where = f"{self.origin}: {self.field}" if self.field else self.origin
        value = f" ({self.value!r})" if self.value not in (None, "") else ""
        return "\n".join([f"rejected: {where}{value}: {self.reason}", *advice(self.fix, self.closest)])

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["closest"] = list(self.closest)
        return data


@dataclass(frozen=True)
class Change:
    """An entry the import created, updated or left unchanged."""

    iri: str
    path: str  # the entry's file, relative to the catalogue root
    origin: str


@dataclass
class ImportReport:
    """The outcome of one import. Exit code 0 when nothing was rejected, else 1."""

    source: str
    created: list[Change] = field(default_factory=list)
    updated: list[Change] = field(default_factory=list)
    unchanged: list[Change] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # facts left out on purpose (e.g. an unknown base model)
    written: list[str] = field(default_factory=list)  # files written, relative to the root

    @property
    def exit_code(self) -> int:
        return 1 if self.rejected else 0

    def counts(self) -> dict[str, int]:
        return {"created": len(self.created), "updated": len(self.updated),
                "unchanged": len(self.unchanged), "rejected": len(self.rejected)}

    def summary(self) -> str:
        counts = self.counts()
        return f"{self.source}: " + ", ".join(f"{n} {what}" for what, n in counts.items())

    def to_text(self) -> str:
        lines = [f"{kind}: <{c.iri}> {c.path} (from {c.origin})"
                 for kind, changes in (("created", self.created), ("updated", self.updated))
                 for c in changes]
        lines += [r.text() for r in self.rejected]
        lines += [f"note: {n}" for n in self.notes]
        lines.append(self.summary())
        return "\n".join(lines)

    def to_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "counts": self.counts(),
            "created": [asdict(c) for c in self.created],
            "updated": [asdict(c) for c in self.updated],
            "unchanged": [asdict(c) for c in self.unchanged],
            "rejected": [r.to_dict() for r in self.rejected],
            "notes": list(self.notes),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)
