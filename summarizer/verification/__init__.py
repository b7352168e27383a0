"""Every extracted item checked against its article before it is shown.

``grounding`` (quotes located with offsets, figures stated in them; the entry point, ``verify``), ``meaning``
(the second reader: measure, side, claimant and free text agree with the sentence), ``named`` (is a side,
party or claimant named in the article), ``injection`` (instruction-like sentences are never evidence) and
``coverage`` (articles that state figures but gave no item).
"""
