"""A deterministic catalogue of N synthetic tools, shaped like the real data in ``data/``.

Run from the repository root:  .venv/bin/python benchmarks/generate.py N OUT_DIR [--seed S]

``OUT_DIR`` becomes a catalogue root: copies of the repository's ``ontology/``, ``shapes/`` and
``queries/``, and generated Turtle under ``data/``: one file per licence (its clauses carry blank
nodes, as in ``data/licences/``), files of at most 1,000 entries for the other kinds. Per N
tools there are about N/10 organisations, N/20 use cases, N/100 licences (a third of them
responsible AI licences with use restrictions, duties and ``rg:basedOn`` lineage) and N/200
models (with ``rg:derivedFromModel`` lineage). Every entry is modelled like its hand-written
counterpart in ``data/``; every concept is read from ``ontology/vocabularies/``; every name,
description and web address is visibly synthetic (``example.org``). The catalogue conforms to
``shapes/``. The same N and seed give the same bytes.

``OUT_DIR/benchmark.json`` records N, the seed, the counts and sample identifiers that the
benchmark runner passes to the named queries.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SKOS

REPOSITORY = Path(__file__).resolve().parents[1]
COPIED = ("ontology", "shapes", "queries")
CHUNK = 1000  # entries per file; a licence gets a file of its own, as in data/licences/
MANIFEST = "benchmark.json"

ID = "https://w3id.org/railgraph/id/"
VOCAB = "https://w3id.org/railgraph/vocab/"
COUNTRY = "http://publications.europa.eu/resource/authority/country/"
CONTINENT = "http://publications.europa.eu/resource/authority/continent/"

PREFIXES = """\
@prefix rg:   <https://w3id.org/railgraph/ontology#> .
@prefix dct:  <http://purl.org/dc/terms/> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix odrl: <http://www.w3.org/ns/odrl/2/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix xsd:  <http://www.w3.org/2001/XMLSchema#> .

# Synthetic entries for benchmarks (benchmarks/generate.py): no fact here describes a real tool.
"""

COUNTRIES = ("GBR", "USA", "FRA", "DEU", "CAN", "SGP", "JPN", "NLD", "AUS", "KOR", "IND", "BRA",
             "ITA", "ESP", "SWE", "CHE", "IRL", "NZL", "FIN", "DNK")
CONTINENTS = ("EUROPE", "ASIA", "AFRICA", "NORTH_AMERICA", "SOUTH_AMERICA", "OCEANIA")
ADJECTIVES = ("Open", "Practical", "Modular", "Lightweight", "Collaborative", "Interactive",
              "Scalable", "Structured", "Community", "Applied", "Rapid", "Unified")
NOUNS = {
    "technical": ("toolkit", "library", "scanner", "dashboard", "benchmark suite", "analyser"),
    "procedural": ("checklist", "assessment framework", "guideline", "canvas", "process guide"),
    "educational": ("course", "handbook", "tutorial series", "training programme", "workshop kit"),
}
TAGS = ("bias audit", "model documentation", "red teaming", "impact assessment", "data quality",
        "explainable ai", "privacy engineering", "robustness testing", "model monitoring",
        "risk register", "algorithmic accountability", "human oversight", "dataset cards",
        "fairness metrics", "adversarial attacks", "differential privacy", "interpretability",
        "governance", "transparency report", "ethics review", "procurement", "audit trail",
        "stakeholder engagement", "safety evaluation", "carbon footprint", "incident reporting")
SENTENCES = (
    "It was generated for railgraph's scale benchmarks and describes no real product.",
    "Its fields are drawn at random from the catalogue's controlled vocabularies.",
    "The entry exists to give the loader, the reasoner and the validator realistic work.",
    "Names, addresses and descriptions here are placeholders with no source behind them.",
    "Like the hand-written entries, it links to organisations, licences and use cases.",
)
SECTORS = ("public services", "finance", "health care", "education", "retail", "transport")


class Concept(NamedTuple):
    """A concept of one of the shipped concept schemes."""

    iri: str
    label: str


def read_vocabularies(folder: Path) -> dict[str, list[Concept]]:
    """Per scheme name, the concepts an entry may use, in IRI order.

    Where a scheme has a hierarchy, only narrower concepts are offered (entries are filed under
    objectives, not under the principles that group them); otherwise every concept is.
    """
    graph = Graph()
    for path in sorted(folder.glob("*.ttl")):
        graph.parse(path, format="turtle")
    schemes: dict[str, list[Concept]] = {}
    for scheme in sorted(set(graph.subjects(RDF.type, SKOS.ConceptScheme))):
        concepts = sorted(c for c in set(graph.subjects(SKOS.inScheme, scheme)) if isinstance(c, URIRef))
        narrower = [c for c in concepts if graph.value(c, SKOS.broader) is not None]
        schemes[str(scheme).removeprefix(VOCAB)] = [
            Concept(str(c), str(graph.value(c, SKOS.prefLabel))) for c in (narrower or concepts)]
    return schemes


def literal(text: str) -> str:
    """``text`` as an English Turtle literal."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"@en'


def plain(text: str) -> str:
    """``text`` as a plain (xsd:string) Turtle literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def iris(values: Sequence[str]) -> str:
    return " , ".join(f"<{value}>" for value in values)


def block(subject: str, fields: Sequence[tuple[str, str]]) -> str:
    """One Turtle subject block: ``fields`` are (predicate, object text) pairs."""
    return f"<{subject}>\n" + " ;\n".join(f"    {p} {o}" for p, o in fields) + " .\n"


def listing(concepts: Sequence[Concept]) -> str:
    """The concepts' labels as running text: "a, b and c" (an acronym keeps its capitals)."""
    labels = [c.label if c.label[:2].isupper() else c.label.lower() for c in concepts]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def digest(*parts: object, length: int = 64) -> str:
    """A stable hex string standing in for a checksum or commit."""
    return hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()[:length]


class Generator:
    """Draws the entries of one catalogue from a seeded random stream, in a fixed order."""

    def __init__(self, n: int, seed: int, vocab: dict[str, list[Concept]]) -> None:
        self.n = n
        self.rng = random.Random(seed)
        self.vocab = vocab
        self.organisations = [f"{ID}organisation/synthetic-org-{i:05d}" for i in range(max(1, n // 10))]
        licences = max(4, n // 100)
        self.rail = [f"{ID}licence/synthetic-rail-{i:04d}" for i in range(max(2, licences // 3))]
        self.permissive = [f"{ID}licence/synthetic-permissive-{i:04d}"
                           for i in range(licences - len(self.rail))]
        self.models = [f"{ID}model/synthetic-model-{i:04d}" for i in range(max(3, n // 200))]
        self.use_cases = [f"{ID}use-case/synthetic-use-case-{i:05d}" for i in range(max(1, n // 20))]
        self.tools = [f"{ID}tool/synthetic-tool-{i:06d}" for i in range(n)]
        self.tool_use_cases: dict[int, list[str]] = {}
        self.restricted: dict[str, list[str]] = {}
        self.families: dict[str, str] = {}

    # -- drawing -------------------------------------------------------------------------------

    def pick(self, scheme: str, low: int = 1, high: int = 1) -> list[Concept]:
        concepts = self.vocab[scheme]
        return self.rng.sample(concepts, min(len(concepts), self.rng.randint(low, high)))

    def status(self) -> str:
        return f"{VOCAB}status/" + self.rng.choices(("verified", "unverified", "draft"), (8, 1, 1))[0]

    def page(self, kind: str, index: int) -> str:
        return f"https://example.org/{kind}/{index}"

    # -- entries -------------------------------------------------------------------------------

    def organisation(self, index: int) -> str:
        group = self.rng.choice(self.vocab["stakeholder-group"]).label.lower()
        return block(self.organisations[index], [
            ("a", "rg:Organisation"),
            ("foaf:name", plain(f"Synthetic Organisation {index}")),
            ("foaf:homepage", f"<https://example.org/organisations/{index}>"),
            ("dct:description", literal(f"Placeholder organisation of the {group} stakeholder group, "
                                        f"generated for benchmarks. {self.rng.choice(SENTENCES)}")),
            ("prov:hadPrimarySource", f"<{self.page('organisations', index)}>"),
        ])

    def use_case(self, index: int) -> str:
        tools = sorted(self.rng.sample(range(self.n), min(self.n, self.rng.randint(1, 3))))
        for tool in tools:
            self.tool_use_cases.setdefault(tool, []).append(self.use_cases[index])
        sector = self.pick("target-sector")[0]
        return block(self.use_cases[index], [
            ("a", "rg:UseCase"),
            ("dct:title", literal(f"Synthetic use case {index} in {sector.label.lower()}")),
            ("dct:description", literal(
                f"A placeholder account of an organisation applying {len(tools)} catalogued "
                f"tool(s) in {sector.label.lower()}. {self.rng.choice(SENTENCES)}")),
            ("rg:usesEntry", iris([self.tools[t] for t in tools])),
            ("rg:developedBy", f"<{self.rng.choice(self.organisations)}>"),
            ("rg:targetSector", f"<{sector.iri}>"),
            ("rg:status", f"<{self.status()}>"),
            ("prov:hadPrimarySource", f"<{self.page('use-cases', index)}>"),
        ])

    def tool(self, index: int) -> str:
        rng = self.rng
        tool_type = self.pick("tool-type", 1, 2 if rng.random() < 0.1 else 1)
        kind = tool_type[0].iri.rsplit("/", 1)[1]
        objectives = self.pick("objective", 1, 3)
        stages = self.pick("lifecycle-stage", 1, 3)
        users = self.pick("target-user", 1, 2)
        purposes = self.pick("purpose", 1, 2)
        sectors = self.pick("target-sector", 1, 2)
        organisations = rng.sample(self.organisations, min(len(self.organisations), rng.choice((1, 1, 1, 2))))
        noun = rng.choice(NOUNS.get(kind, NOUNS["technical"]))
        title = f"{rng.choice(ADJECTIVES)} {objectives[0].label} {noun} {index}"
        description = (
            f"Synthetic {kind} entry generated for benchmarks: a {noun} that helps {listing(users)} "
            f"work on {listing(objectives)} when they {listing(stages)}, for {listing(purposes)} "
            f"in {listing(sectors)}. {' '.join(rng.sample(SENTENCES, 2))}")
        rights = rng.choice(self.vocab["usage-rights"])
        fields = [
            ("a", "rg:Tool"),
            ("dct:title", literal(title)),
            ("dct:description", literal(description)),
            ("rg:status", f"<{self.status()}>"),
            ("prov:hadPrimarySource", f"<{self.page('tools', index)}>"),
            ("dct:source", iris([f"https://example.org/tools/{index}/source/{s}"
                                 for s in range(rng.randint(1, 2))])),
            ("foaf:homepage", f"<https://example.org/tools/{index}/home>"),
        ]
        if rng.random() < 0.5:
            fields.append(("dct:issued", f'"{2015 + rng.randrange(10)}-{rng.randint(1, 12):02d}-'
                                         f'{rng.randint(1, 28):02d}"^^xsd:date'))
        fields += [
            ("rg:developedBy", iris(organisations)),
            ("rg:toolType", iris([c.iri for c in tool_type])),
            ("rg:objective", iris([c.iri for c in objectives])),
            ("rg:lifecycleStage", iris([c.iri for c in stages])),
            ("rg:stakeholderGroup", f"<{self.pick('stakeholder-group')[0].iri}>"),
            ("rg:targetUser", iris([c.iri for c in users])),
            ("rg:targetGroup", f"<{self.pick('target-group')[0].iri}>"),
            ("rg:purpose", iris([c.iri for c in purposes])),
            ("rg:targetSector", iris([c.iri for c in sectors])),
            ("rg:usageRights", f"<{rights.iri}>"),
            ("rg:maturity", f"<{self.pick('maturity')[0].iri}>"),
            ("rg:requiredSkill", f"<{self.pick('required-skill')[0].iri}>"),
            ("rg:countryOfOrigin", f"<{COUNTRY}{rng.choice(COUNTRIES)}>"),
        ]
        if rng.random() < 0.5:
            fields.append(("rg:impactedStakeholder", iris([c.iri for c in self.pick("impacted-stakeholder", 1, 2)])))
        if rng.random() < 0.5:
            fields.append(("rg:peopleInvolved", f"<{self.pick('people-involved')[0].iri}>"))
        if rng.random() < 0.3:
            fields.append(("rg:geographicalScope", f"<{CONTINENT}{rng.choice(CONTINENTS)}>"))
        if kind == "technical":
            fields.append(("rg:technologyPlatform", iris([c.iri for c in self.pick("technology-platform", 1, 2)])))
            if rights.iri.endswith(("open-source", "open-with-use-restrictions")):
                pool = self.rail if rights.iri.endswith("restrictions") else self.permissive
                fields.append(("dct:license", f"<{rng.choice(pool)}>"))
        else:
            fields.append(("rg:approachType", f"<{self.pick('approach-type')[0].iri}>"))
            if rng.random() < 0.4:
                fields.append(("rg:enforcement", f"<{self.pick('enforcement')[0].iri}>"))
            if rng.random() < 0.4:
                fields.append(("rg:validity", f"<{self.pick('validity')[0].iri}>"))
        fields.append(("dcat:keyword", " , ".join(literal(t) for t in rng.sample(TAGS, rng.randint(2, 4)))))
        if index in self.tool_use_cases:
            fields.append(("rg:hasUseCase", iris(self.tool_use_cases[index])))
        return block(self.tools[index], fields)

    def text_location(self, licence: str) -> str:
        slug = licence.rsplit("/", 1)[1]
        return block(f"{licence}/text", [
            ("a", "rg:TextLocation"),
            ("rg:repository", plain("example-org/synthetic-licences")),
            ("rg:repositoryPath", plain(f"texts/{slug}.txt")),
            ("rg:commit", plain(digest("commit", slug, length=40))),
            ("rg:sha256", plain(digest("text", slug))),
        ])

    def rule(self, licence: str, kind: str, name: str, label: str, action: str, clause: str,
             section: str, duties: Sequence[str] = ()) -> str:
        cls = "rg:LicencePermission" if kind == "permission" else "rg:LicenceDuty"
        fields = [
            ("a", cls),
            ("rdfs:label", literal(label)),
            ("dct:description", literal(f"Placeholder wording for the {kind} '{label.lower()}' of a "
                                        "synthetic licence.")),
            ("odrl:action", action),
            ("rg:clauseId", plain(clause)),
            ("rg:section", plain(section)),
        ]
        if duties:
            fields.append(("odrl:duty", iris([f"{licence}/duty/{d}" for d in duties])))
        return block(f"{licence}/{kind}/{name}", fields)

    def permissive_licence(self, index: int) -> str:
        licence = self.permissive[index]
        slug = licence.rsplit("/", 1)[1]
        head = block(licence, [
            ("a", "rg:Licence"),
            ("dct:title", literal(f"Synthetic Permissive Licence {index}")),
            ("dct:description", literal("Placeholder permissive licence without use restrictions: "
                                        "use, copy and share, keeping the notices.")),
            ("rg:status", f"<{self.status()}>"),
            ("prov:hadPrimarySource", f"<{self.page('licences', slug)}>"),
            ("rg:scancodeKey", plain(slug)),
            ("rg:spdxId", plain(f"LicenseRef-{slug}")),
            ("rg:licenceFamily", f"<{VOCAB}licence-family/permissive>"),
            ("rg:textLocation", f"<{licence}/text>"),
            ("odrl:permission", iris([f"{licence}/permission/{p}" for p in ("use", "reproduce", "distribute")])),
        ])
        rules = [
            self.rule(licence, "permission", "use", "Use the work", "odrl:use", "1", "Paragraph 1"),
            self.rule(licence, "permission", "reproduce", "Copy the work", "odrl:reproduce", "1",
                      "Paragraph 1", ("retain-notices",)),
            self.rule(licence, "permission", "distribute", "Share the work", "odrl:distribute", "1",
                      "Paragraph 1", ("retain-notices",)),
            self.rule(licence, "duty", "retain-notices", "Keep notices", "rg:retainNotices", "2",
                      "Paragraph 2"),
        ]
        return "\n".join([head, self.text_location(licence), *rules])

    def restricted_uses(self, index: int) -> list[str]:
        """The restricted uses of a RAIL licence: mostly its parent's, a few dropped or added."""
        pool = [c.iri for c in self.vocab["restricted-use"]]
        if index == 0:
            return sorted(self.rng.sample(pool, 10))
        inherited = list(self.restricted[self.rail[(index - 1) // 2]])
        for _ in range(self.rng.randint(0, 2)):
            if len(inherited) > 5:
                inherited.remove(self.rng.choice(inherited))
        added = [c for c in self.rng.sample(pool, 3) if c not in inherited][:self.rng.randint(0, 2)]
        return sorted(inherited + added)

    def rail_licence(self, index: int) -> str:
        licence = self.rail[index]
        slug = licence.rsplit("/", 1)[1]
        uses = self.restricted[licence] = self.restricted_uses(index)
        clauses = [chr(ord("a") + i) if i < 26 else f"a{i}" for i in range(len(uses))]
        family = self.families[licence] = self.rng.choice(
            ("open-rail", "open-rail", "rail", "research-rail", "behavioural-use"))
        fields = [
            ("a", "rg:ResponsibleAILicence"),
            ("dct:title", literal(f"Synthetic Responsible AI Licence {index}")),
            ("dct:description", literal(f"Placeholder responsible AI licence: the model may be used, "
                                        f"modified and shared, except for {len(uses)} restricted "
                                        "uses that every derivative licence must carry on.")),
            ("rg:status", f"<{self.status()}>"),
            ("prov:hadPrimarySource", f"<{self.page('licences', slug)}>"),
            ("dct:issued", f'"{2021 + index % 5}-{index % 12 + 1:02d}-01"^^xsd:date'),
            ("rg:developedBy", f"<{self.rng.choice(self.organisations)}>"),
            ("rg:scancodeKey", plain(slug)),
            ("rg:spdxId", plain(f"LicenseRef-{slug}")),
            ("rg:artifactType", f"<{VOCAB}artifact-type/model>"),
            ("rg:licenceFamily", f"<{VOCAB}licence-family/{family}>"),
        ]
        if index > 0:
            fields.append(("rg:basedOn", f"<{self.rail[(index - 1) // 2]}>"))
        fields += [
            ("rg:textLocation", f"<{licence}/text>"),
            ("odrl:permission", iris([f"{licence}/permission/{p}" for p in ("use", "derive", "distribute")])),
            ("odrl:prohibition", iris([f"{licence}/clause/{c}" for c in clauses])),
        ]
        rules = [
            self.rule(licence, "permission", "use", "Use the model", "odrl:use", "2", "Section II"),
            self.rule(licence, "permission", "derive", "Create modifications", "odrl:derive", "2",
                      "Section II"),
            self.rule(licence, "permission", "distribute", "Share the model", "odrl:distribute", "5.1",
                      "Paragraph 5", ("flow-down", "give-copy", "document-modifications")),
            self.rule(licence, "duty", "flow-down", "Pass the use restrictions on", "odrl:nextPolicy",
                      "5.1", "Paragraph 5"),
            self.rule(licence, "duty", "give-copy", "Give recipients a copy of the licence",
                      "rg:giveLicenceCopy", "5.2(a)", "Paragraph 5"),
            self.rule(licence, "duty", "document-modifications", "Keep and extend the documentation",
                      "rg:documentModifications", "5.2(b)", "Paragraph 5"),
        ]
        labels = {c.iri: c.label for c in self.vocab["restricted-use"]}
        for clause, use in zip(clauses, uses):
            restriction = [
                ("a", "rg:UseRestriction"),
                ("rdfs:label", literal(labels[use])),
                ("dct:description", literal(f"Forbids using the model for the restricted use "
                                            f"'{labels[use]}' (placeholder wording).")),
                ("rg:clauseId", plain(clause)),
                ("rg:section", plain("Attachment A")),
                ("odrl:action", "odrl:use"),
                ("odrl:constraint", "[ a odrl:Constraint ;\n        odrl:leftOperand odrl:purpose ;\n"
                                    "        odrl:operator odrl:isA ;\n"
                                    f"        odrl:rightOperand <{use}> ]"),
            ]
            if self.rng.random() < 0.3:
                restriction.append(("rg:scope", f"<{self.pick('restriction-scope')[0].iri}>"))
            if self.rng.random() < 0.1:
                restriction.append(("rg:unlessCondition", f"<{self.pick('restriction-condition')[0].iri}>"))
            rules.append(block(f"{licence}/clause/{clause}", restriction))
        return "\n".join([block(licence, fields), self.text_location(licence), *rules])

    def model(self, index: int) -> str:
        fields = [
            ("a", "rg:Model"),
            ("dct:title", literal(f"Synthetic Model {index}")),
            ("dct:description", literal("Placeholder AI model released under a synthetic responsible "
                                        "AI licence, generated for benchmarks.")),
            ("rg:huggingFaceId", plain(f"synthetic-org/model-{index}")),
            ("rg:developedBy", f"<{self.rng.choice(self.organisations)}>"),
            ("rg:releasedUnder", f"<{self.rail[index % len(self.rail)]}>"),
        ]
        if index > 0:
            fields.append(("rg:derivedFromModel", f"<{self.models[(index - 1) // 3]}>"))
        fields += [
            ("rg:status", f"<{self.status()}>"),
            ("prov:hadPrimarySource", f"<{self.page('models', index)}>"),
        ]
        return block(self.models[index], fields)

    def samples(self) -> dict[str, str]:
        """Identifiers the runner passes to the named queries (see build_phases.py)."""
        deepest = self.rail[-1]
        return {
            "tool": self.tools[min(self.tool_use_cases)],  # one with a use case
            "organisation": self.organisations[0],
            "use-case": self.use_cases[0],
            "licence": deepest,
            "licence-parent": self.rail[(len(self.rail) - 2) // 2],
            "licence-root": self.rail[0],
            "identifier": deepest.rsplit("/", 1)[1],
            "licence-family": f"{VOCAB}licence-family/{self.families[deepest]}",
            "restricted-use": self.restricted[deepest][0],
            "model": self.models[0],
        }


def generate(n: int, out_dir: Path | str, seed: int = 0, source: Path = REPOSITORY) -> dict[str, object]:
    """Write a catalogue of ``n`` synthetic tools into ``out_dir`` and return its manifest.

    ``out_dir`` must not exist or be empty; the catalogue is written beside it first and moved
    into place when complete, so an interrupted run leaves nothing half-written.
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    out = Path(out_dir)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty")
    partial = out.with_name(out.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    for folder in COPIED:
        shutil.copytree(source / folder, partial / folder)
    gen = Generator(n, seed, read_vocabularies(source / "ontology" / "vocabularies"))
    kinds = [
        ("organisations", gen.organisation, len(gen.organisations), CHUNK),
        ("licences", gen.rail_licence, len(gen.rail), 1),
        ("licences", gen.permissive_licence, len(gen.permissive), 1),
        ("models", gen.model, len(gen.models), CHUNK),
        ("use-cases", gen.use_case, len(gen.use_cases), CHUNK),  # before tools: tools link back to them
        ("tools", gen.tool, n, CHUNK),
    ]
    files: list[str] = []
    for folder, make, count, per_file in kinds:
        stem = make.__name__.replace("_", "-")
        for start in range(0, count, per_file):
            path = partial / "data" / folder / f"{stem}-{start // per_file + 1:04d}.ttl"
            path.parent.mkdir(parents=True, exist_ok=True)
            blocks = [make(i) for i in range(start, min(count, start + per_file))]
            path.write_text(PREFIXES + "\n" + "\n".join(blocks), encoding="utf-8")
            files.append(path.relative_to(partial).as_posix())
    manifest: dict[str, object] = {
        "n": n,
        "seed": seed,
        "entries": {"tool": n, "organisation": len(gen.organisations), "use-case": len(gen.use_cases),
                    "licence": len(gen.rail) + len(gen.permissive),
                    "responsible-ai-licence": len(gen.rail), "model": len(gen.models)},
        "files": files,
        "samples": gen.samples(),
    }
    (partial / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    if out.exists():
        out.rmdir()
    partial.rename(out)
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", type=int, help="number of tools")
    parser.add_argument("out_dir", type=Path, help="catalogue root to create (must not exist or be empty)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    try:
        manifest = generate(args.n, args.out_dir, args.seed)
    except (ValueError, FileExistsError) as exc:
        parser.error(str(exc))
    print(json.dumps(manifest["entries"]))


if __name__ == "__main__":
    main()
