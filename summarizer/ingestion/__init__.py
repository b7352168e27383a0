"""Articles in: files, folders, standard input and web pages, cleaned into :class:`~summarizer.core.schema.Article`
(``articles``: loading, HTML text extraction, front matter, boilerplate; ``web``: fetching addresses)."""
