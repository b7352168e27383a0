"""Reading sentences without a model: the clause patterns the offline extractor fills items with and that
verification's second reader checks a model's items against.

``patterns`` (the compiled tables of ``summarizer/data/offline_patterns.yaml``), ``gazetteer`` (countries,
demonyms, armed groups) and ``entities`` (canonical names and aliases), ``article_sentences`` (an article's
sentences with their figures), ``dates`` (date phrases), ``claimants`` (who one sentence says is speaking),
``context`` (attribution across sentences) and ``casualty_clauses`` (the measure and side of each casualty
figure).
"""
