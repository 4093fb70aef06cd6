"""Hugging Face model cards: the YAML front matter of ``README.md`` files, read from local files.

``railgraph import model-cards FOLDER`` reads every ``README.md`` below FOLDER. The model's
Hugging Face id comes from where the card lies: ``FOLDER/{owner}/{name}/README.md`` (as
``huggingface-cli download`` into ``--local-dir owner/name`` leaves it), ``FOLDER/{owner}--{name}/``
or ``FOLDER/models--{owner}--{name}/`` (the hub cache's naming). From the front matter:

- ``license`` (a Hugging Face licence id; for ``other``, ``license_name`` and then ``license_link``)
  becomes ``rg:releasedUnder``, resolved by the catalogue's licence ids (Hugging Face, SPDX,
  ScanCode, slug); a licence the catalogue does not know rejects the card, naming the field;
- ``base_model`` (a string or a list) becomes ``rg:derivedFromModel`` for each base model the
  catalogue has (matched by ``rg:huggingFaceId``); one it does not have is reported, never invented;
- ``datasets`` become ``prov:wasDerivedFrom`` the dataset's page on the hub;
- ``tags`` without a ``:`` become ``dcat:keyword``; ``license:…`` and ``base_model:…`` tags stand
  in for the fields when these are missing.

The front matter is read with ``yaml.safe_load`` after two checks: at most
:data:`MAX_FRONT_MATTER` characters, and no YAML aliases (a "billion laughs" bomb is refused).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from rdflib import Literal, URIRef

from .. import loading
from ..errors import InputError, UsageError
from ..namespaces import DCAT, DCTERMS, FOAF, PROV, RDF, RG, RDFS
from .apply import Candidate, Provenance, source_date
from .report import ImportReport, Rejection

if TYPE_CHECKING:
    from ..catalogue import Catalogue

__all__ = ["Card", "MAX_FRONT_MATTER", "candidates", "read_cards"]

MAX_FRONT_MATTER = 64_000  # characters; real cards have a few hundred
HUB = "https://huggingface.co/"
DRAFT = URIRef("https://w3id.org/railgraph/vocab/status/draft")
_HF_ID = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*/)?[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True)
class Card:
    """One model card: where it is, the model's hub id and its front matter."""

    path: Path
    origin: str  # the card's path relative to the folder given
    model_id: str
    meta: dict[str, Any]


class _NoAliases(yaml.SafeLoader):
    """safe_load that refuses aliases: a card never needs one, and they make YAML bombs."""

    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, "YAML aliases are not allowed in a model card",
                                              event.start_mark)
        return super().compose_node(parent, index)


def read_cards(folder: Path, *, max_bytes: int) -> list[Card]:
    """Every card below ``folder`` (or the one card ``folder`` names), in path order."""
    if folder.is_file():
        paths, base = [folder], folder.parent.parent
    elif folder.is_dir():
        paths, base = sorted(folder.rglob("README.md")), folder
    else:
        raise InputError("no such file or folder", path=folder, hint="name a folder of model cards")
    if not paths:
        raise InputError("no README.md below this folder", path=folder,
                         hint="put each card at FOLDER/{owner}/{name}/README.md")
    return [_read_card(path, base, max_bytes) for path in paths]


def _read_card(path: Path, base: Path, max_bytes: int) -> Card:
    try:
        if path.stat().st_size > max_bytes:
            raise InputError(f"file is more than the {max_bytes:,} bytes allowed", path=path)
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", path=path) from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise InputError("file is not UTF-8", path=path, line=line, hint="save the card as UTF-8") from exc
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise InputError("the card has no YAML front matter (a first line ---)", path=path, line=1,
                         hint="a Hugging Face model card starts with its metadata between two --- lines")
    end = next((i for i, line in enumerate(lines[1:], start=1) if line.strip() in ("---", "...")), None)
    if end is None:
        raise InputError("the front matter is not closed by a line ---", path=path, line=1)
    front = "\n".join(lines[1:end])
    if len(front) > MAX_FRONT_MATTER:
        raise InputError(f"the front matter is {len(front):,} characters, more than the "
                         f"{MAX_FRONT_MATTER:,} allowed", path=path, line=2,
                         hint="a model card's metadata is a few hundred characters; this is not one")
    try:
        meta = yaml.load(front, Loader=_NoAliases)  # noqa: S506 (a SafeLoader without aliases)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(f"invalid YAML front matter: {getattr(exc, 'problem', None) or exc}", path=path,
                         line=mark.line + 2 if mark else None, column=mark.column + 1 if mark else None,
                         hint="fix the YAML at that position") from exc
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise InputError("the front matter must be a mapping of fields", path=path, line=2)
    relative = path.relative_to(base) if path.is_relative_to(base) else Path(path.name)
    return Card(path, relative.as_posix(), _model_id(path, base), meta)


def _model_id(path: Path, base: Path) -> str:
    parts = path.parent.relative_to(base).parts if path.parent.is_relative_to(base) else ()
    if len(parts) >= 2:
        return f"{parts[-2]}/{parts[-1]}"
    name = parts[-1] if parts else path.parent.name
    if name.startswith("models--"):
        name = name[len("models--"):]
    return name.replace("--", "/", 1)


# -- cards into entries -------------------------------------------------------------------------


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [str(item).strip() for item in items if isinstance(item, (str, int, float)) and str(item).strip()]


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


class _Models:
    """The catalogue's models by Hugging Face id (exact, then ignoring case, as the hub does)."""

    def __init__(self, catalogue: Catalogue) -> None:
        graph = catalogue.asserted
        self.by_id: dict[str, URIRef] = {}
        for model in sorted(set(graph.subjects(RDF.type, RG.Model))):
            for value in graph.objects(model, RG.huggingFaceId):
                self.by_id.setdefault(str(value), model)  # type: ignore[arg-type]
                self.by_id.setdefault(str(value).casefold(), model)  # type: ignore[arg-type]

    def get(self, model_id: str) -> URIRef | None:
        return self.by_id.get(model_id) or self.by_id.get(model_id.casefold())


def candidates(cards: list[Card], catalogue: Catalogue, curator: URIRef,
               report: ImportReport) -> list[Candidate]:
    """An entry per card; cards with an unknown licence or a bad id go to ``report.rejected``."""
    models = _Models(catalogue)
    found: list[Candidate] = []
    seen: dict[str, str] = {}
    for card in cards:
        try:
            candidate = _candidate(card, catalogue, models, curator, report)
        except _Rejected as problem:
            report.rejected.append(problem.rejection)
            continue
        if str(candidate.iri) in seen:
            report.rejected.append(Rejection(card.origin, None, card.model_id,
                                             f"the same model as {seen[str(candidate.iri)]}",
                                             "keep one card per model"))
            continue
        seen[str(candidate.iri)] = card.origin
        found.append(candidate)
    return found


class _Rejected(Exception):
    def __init__(self, rejection: Rejection) -> None:
        super().__init__(rejection.reason)
        self.rejection = rejection


def _licence(card: Card, catalogue: Catalogue) -> URIRef:
    meta = card.meta
    tags = [t.split(":", 1)[1] for t in _strings(meta.get("tags")) if t.startswith("license:")]
    licence = (_strings(meta.get("license")) or tags or [""])[0]
    tried: list[tuple[str, str]] = []
    if licence and licence.lower() != "other":
        tried.append(("license", licence))
    else:
        tried += [("license_name", name) for name in _strings(meta.get("license_name"))]
    for field, value in tried:
        try:
            return catalogue.resolve(value, kind="licence")
        except UsageError:
            continue
    link = (_strings(meta.get("license_link")) or [""])[0]
    if link:
        graph = catalogue.asserted
        for prop in (PROV.hadPrimarySource, DCTERMS.source, FOAF.homepage, RDFS.seeAlso):
            for subject in graph.subjects(prop, URIRef(link)):
                if (subject, RDF.type, RG.Licence) in graph or (subject, RDF.type, RG.ResponsibleAILicence) in graph:
                    return subject  # type: ignore[return-value]
    if not tried:
        field = "license_name" if licence.lower() == "other" else "license"
        raise _Rejected(Rejection(card.origin, field, None, "the card names no licence",
                                  "add license: with a Hugging Face licence id (or license: other with "
                                  "license_name and license_link)"))
    field, value = tried[-1]
    try:
        catalogue.resolve(value, kind="licence")
    except UsageError as exc:
        hint = exc.hint or ""
        closest = tuple(hint[len("did you mean "):].rstrip("?").split(", ")) if hint.startswith("did you mean") else ()
        raise _Rejected(Rejection(card.origin, field, value,
                                  "the catalogue has no licence with this id (Hugging Face, SPDX, ScanCode or slug)",
                                  "model the licence in data/licences/ (railgraph new licence SLUG) with its "
                                  "rg:huggingFaceId, or correct the id", closest)) from None
    raise AssertionError("unreachable")


def _candidate(card: Card, catalogue: Catalogue, models: _Models, curator: URIRef,
               report: ImportReport) -> Candidate:
    meta = card.meta
    if not _HF_ID.match(card.model_id):
        raise _Rejected(Rejection(card.origin, None, card.model_id,
                                  "the card's folder does not give a Hugging Face id",
                                  "put the card at FOLDER/{owner}/{name}/README.md"))
    licence = _licence(card, catalogue)
    existing = models.get(card.model_id)
    slug = str(existing).rsplit("/", 1)[-1] if existing is not None else slugify(card.model_id.split("/")[-1])
    iri = URIRef(f"https://w3id.org/railgraph/id/model/{slug}")
    graph = loading.new_graph()
    replaces = {RG.releasedUnder, RG.huggingFaceId}
    graph.add((iri, RDF.type, RG.Model))
    graph.add((iri, RG.huggingFaceId, Literal(card.model_id)))
    graph.add((iri, RG.releasedUnder, licence))
    bases = _strings(meta.get("base_model")) or [
        t.split(":")[-1] for t in _strings(meta.get("tags")) if t.startswith("base_model:")]
    known = []
    for base in dict.fromkeys(bases):
        found = models.get(base)
        if found is None or found == iri:
            report.notes.append(f"{card.origin}: base_model {base!r} is not in the catalogue; "
                                "the derivation is left out (add the model, then import again)")
        else:
            known.append(found)
    if known:
        replaces.add(RG.derivedFromModel)
        for base_iri in known:
            graph.add((iri, RG.derivedFromModel, base_iri))
    datasets = _strings(meta.get("datasets"))
    if datasets:
        replaces.add(PROV.wasDerivedFrom)
    for dataset in datasets:
        if _HF_ID.match(dataset):
            graph.add((iri, PROV.wasDerivedFrom, URIRef(f"{HUB}datasets/{dataset}")))
    keywords = [t for t in _strings(meta.get("tags")) if ":" not in t]
    if keywords:
        replaces.add(DCAT.keyword)
    for keyword in keywords:
        graph.add((iri, DCAT.keyword, Literal(keyword, lang="en")))
    page = URIRef(HUB + card.model_id)
    if existing is None:
        title = _title(meta) or card.model_id.split("/")[-1]
        graph.add((iri, DCTERMS.title, Literal(title, lang="en")))
        graph.add((iri, DCTERMS.description, Literal(_description(title, card.model_id, licence, known, catalogue),
                                                     lang="en")))
        graph.add((iri, RG.status, DRAFT))
        graph.add((iri, PROV.hadPrimarySource, page))
    elif (existing, PROV.hadPrimarySource, page) not in catalogue.asserted:
        graph.add((iri, DCTERMS.source, page))
    columns = {RG.releasedUnder: "license", RG.derivedFromModel: "base_model", PROV.wasDerivedFrom: "datasets",
               DCAT.keyword: "tags", RG.huggingFaceId: "model id (from the folder)"}
    provenance = Provenance(curator, source_date(card.path), card.origin)
    return Candidate("model", slug, graph, card.origin, frozenset(replaces), provenance, columns)


def _title(meta: dict[str, Any]) -> str | None:
    index = meta.get("model-index")
    if isinstance(index, list) and index and isinstance(index[0], dict) and isinstance(index[0].get("name"), str):
        return index[0]["name"].strip() or None
    return None


def _description(title: str, model_id: str, licence: URIRef, bases: list[URIRef], catalogue: Catalogue) -> str:
    """A sentence of facts from the card's metadata, in the catalogue's words (status draft until
    a curator describes the model)."""
    def name(node: URIRef) -> str:
        value = catalogue.asserted.value(node, DCTERMS.title)
        return str(value) if value is not None else str(node).rsplit("/", 1)[-1]

    text = f"{title} is an AI model published on the Hugging Face Hub as {model_id}, released under {name(licence)}"
    if bases:
        text += " and derived from " + " and ".join(name(b) for b in bases)
    return text + ". Imported from the metadata of its model card; to be described further by a curator."
