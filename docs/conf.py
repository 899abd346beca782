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

# Ratios the pages quote, from docs/bench/results.csv (`make bench-docs`), as
# |ratio-NAME-3.10| and |ratio-NAME-4.3|: "median (lowest-highest)" of the
# run-by-run ratios. A row that is gone fails the build.
RATIOS = {
    "confirms-async-bare":
        "confirms: asynchronously vs bare pika unconfirmed, persistent, messages/s",
    "confirms-async-individually":
        "confirms: asynchronously vs individually, messages/s",
    "confirms-batches-individually":
        "confirms: in batches vs individually, messages/s",
}


def ratio_substitutions():
    import csv

    with open(Path(__file__).parent / "bench" / "results.csv", newline="") as file:
        rows = list(csv.reader(file))
    brokers = [name.removeprefix("RabbitMQ ").rsplit(".", 1)[0] for name in rows[0][2:]]
    by_what = {row[0]: row[2:] for row in rows[1:]}
    lines = []
    for name, what in RATIOS.items():
        for broker, value in zip(brokers, by_what[what]):
            median, spread = value.split(" ", 1)
            lines.append(f".. |ratio-{name}-{broker}| replace:: {median} {spread}")
            lines.append(f".. |median-{name}-{broker}| replace:: {median}")
    return "\n".join(lines) + "\n"


rst_prolog += ratio_substitutions()
