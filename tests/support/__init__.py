"""Test support: a Bot API stand-in, a recording PTB request, update factories."""
