"""Readers for the input forms a cable archive comes in: one module per form."""
