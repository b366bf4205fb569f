"""Spiders: each decides only what to request next."""
