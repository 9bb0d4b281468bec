"""Views: each builds model nodes from the graph, the rules card and the
network; printers turn them into text, LaTeX, Markdown, JSON or HTML.
Views never import a printer's output format (they may use the JSON
printer's ``plain`` for machine data)."""
