"""Sphinx settings for the rendered tutorial (``make docs``)."""
project = "Example Messaging Patterns"
author = "the Example Messaging Patterns authors"
copyright = "2014-2026, " + author

extensions = ["sphinx_copybutton"]
html_theme = "furo"
html_title = project
exclude_patterns = ["_build"]

# Copying a shell block copies the commands only, never the prompt or output.
copybutton_prompt_text = "$ "
copybutton_only_copy_prompt_lines = True
copybutton_exclude = ".linenos, .gp, .go"
