"""`python -m registry.rules` prints the ruleset table (Markdown), to read beside the guidance."""

from registry.rules.table import as_markdown

print(as_markdown(), end="")
