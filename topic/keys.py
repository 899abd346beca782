"""The rules for topic keys and patterns, checked before anything is sent.

A topic routing key is words separated by dots, at most 255 bytes. A binding
pattern is the same, with * standing for exactly one word and # for zero or
more. The broker takes what breaks these rules without a word, and matches it
in ways no one meant: the scripts refuse it.
"""
import argparse


def words(text, what):
    if len(text.encode()) > 255:
        raise argparse.ArgumentTypeError(f"{text!r} is longer than 255 bytes")
    if text and "" in text.split("."):
        raise argparse.ArgumentTypeError(
            f"{text!r}: a {what} is words separated by single dots")
    return text.split(".")


def topic_key(text):
    """An argparse type: a topic routing key, such as kern.critical."""
    if {"*", "#"} & set(text):
        raise argparse.ArgumentTypeError(
            f"{text!r}: * and # are for binding patterns, not routing keys")
    words(text, "routing key")
    return text


def binding_pattern(text):
    """An argparse type: a binding pattern, such as kern.* or #.critical."""
    for word in words(text, "binding pattern"):
        # The broker would take "kern*" as the literal word "kern*": say so.
        if word not in ("*", "#") and {"*", "#"} & set(word):
            raise argparse.ArgumentTypeError(
                f"{text!r}: * and # must stand alone between dots, as in kern.*")
    return text
