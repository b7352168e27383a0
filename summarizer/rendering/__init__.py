"""A briefing out: ``render`` (Markdown, JSON and a self-contained HTML page) and ``chart`` (the inline SVG
range-bar chart of each estimate group)."""
