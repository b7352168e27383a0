"""What every other layer shares, importing nothing above it.

The contract (``schema``: the Pydantic models, and ``schema_files``: their JSON Schema files and the drift
check), ``errors`` (the one exception hierarchy), ``extractor`` (the interface both extractors implement),
``runinfo`` (a run's totals), ``resources`` (where prompts, schemas and data files are), ``redact``
(credentials out of every message), and the text primitives: ``numbers`` (the one number parser),
``locale_numbers`` (numbers in other languages), ``dates`` (the month table, date intervals), ``quotes``
(quote normalisation with offsets), ``sentences`` (linear-time sentence splitting) and ``language``.
"""
