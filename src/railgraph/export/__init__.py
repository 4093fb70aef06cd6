"""Export formats: one registry of name, media type, file extension and writer."""

from __future__ import annotations

from .rdf import FORMATS, Format, get_format, serialize, serialize_statements

__all__ = ["FORMATS", "Format", "get_format", "serialize", "serialize_statements"]
