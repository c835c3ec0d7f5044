"""News text → draft incidents and claims for an analyst to review (offline, no model)."""

from trucewatch.nlp.extract import Extractor, extract_article

__all__ = ["Extractor", "extract_article"]
