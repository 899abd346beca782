"""The rules for a routing key, checked before anything is sent.

A routing key is a short string of AMQP: at most 255 bytes, and the empty key
is one too. A direct exchange compares keys whole, so any such string works.
"""
import argparse


def routing_key(text):
    """An argparse type: a routing key, such as blue."""
    if len(text.encode()) > 255:
        raise argparse.ArgumentTypeError(f"{text!r} is longer than 255 bytes")
    return text
