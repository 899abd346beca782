"""Sphinx settings for the rendered tutorial (``make docs``)."""
from pathlib import Path

project = "Example Messaging Patterns"
author = "the Example Messaging Patterns authors"
copyright = "2014-2026, " + author

extensions = ["sphinx_copybutton"]
html_theme = "furo"
html_title = project
# A whole file shown after its fragments is folded in <details class="whole-file">.
html_static_path = ["_static"]
html_css_files = ["fold.css", "output.css"]
exclude_patterns = ["_build", "transcripts"]

# |recorded-on| and |tested-on|: the brokers the transcripts came from,
# written by `make transcripts`.
rst_prolog = (Path(__file__).parent / "transcripts" / "versions.rst").read_text()

# Copying a shell block copies the commands only, never the prompt or output.
copybutton_prompt_text = "$ "
copybutton_only_copy_prompt_lines = True
copybutton_exclude = ".linenos, .gp, .go"
