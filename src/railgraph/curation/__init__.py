"""Curation: new entries from the shapes, plain-word validation, releases and their changelogs.

- :mod:`.schema`: the fields of each kind of entry, read from the shapes and the ontology;
- :mod:`.skeleton`: ``railgraph new`` writes a Turtle skeleton of an entry;
- :mod:`.explain`: a SHACL report in plain words, with the fix and the closest allowed values;
- :mod:`.changelog`: what changed between two catalogue graphs;
- :mod:`.release`: ``railgraph release`` writes ``releases/{version}/``.
"""
