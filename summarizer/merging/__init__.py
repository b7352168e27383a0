"""Many articles' extractions into one briefing, deterministically and without a model.

``merge`` (the same claim from several outlets becomes one item with several sources), ``dating`` (when each
claim was made, recovered from the text), ``estimates`` (figures per side and measure: series, conflicts side
by side, never averaged) and ``bottom_line`` (the template bottom line; the model-written one is in
:mod:`summarizer.model.bottom_line`).
"""
